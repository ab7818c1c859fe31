"""one-time codes spent once: the time step of the last accepted code

Revision ID: 98f486e6faea
Revises: 12d300a81bc0
Create Date: 2026-11-21 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '98f486e6faea'
down_revision = '12d300a81bc0'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (not batch mode, which would rebuild the table)
    op.add_column('users', sa.Column('totp_last_step', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('users', 'totp_last_step')
