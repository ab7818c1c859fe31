"""results mailed to the owners: when (ЖК РФ ст. 46 ч. 3, within ten days of the close)

Revision ID: 7c2d9e4f1a60
Revises: 5e1f0c2a7b3d
Create Date: 2026-11-21 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations import column_types

# revision identifiers, used by Alembic.
revision = '7c2d9e4f1a60'
down_revision = '5e1f0c2a7b3d'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (not batch mode, which would rebuild the table)
    op.add_column('meetings', sa.Column('results_sent_at', column_types.UTCDateTime(), nullable=True))


def downgrade():
    op.drop_column('meetings', 'results_sent_at')
