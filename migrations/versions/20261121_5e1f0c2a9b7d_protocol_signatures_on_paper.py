"""protocol signatures on paper: the scan of the signed page

Revision ID: 5e1f0c2a9b7d
Revises: 12d300a81bc0
Create Date: 2026-11-21 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = '12d300a81bc0'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (not batch mode, which would rebuild the table without its append-only triggers)
    op.add_column('protocol_signatures', sa.Column('paper_scan', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('protocol_signatures', 'paper_scan')
