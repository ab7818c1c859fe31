"""the version for the visually impaired (ГОСТ Р 52872-2019): each account's text size, contrast and spacing

Revision ID: b3e5a7d90c14
Revises: 7c2d9e4f1a60
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b3e5a7d90c14'
down_revision = '7c2d9e4f1a60'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (not batch mode, which would rebuild the table)
    op.add_column('users', sa.Column('display', sa.String(length=40), nullable=True))


def downgrade():
    op.drop_column('users', 'display')
