"""security events: the request id, to find the request's log lines from the security log

Revision ID: b3e8a1c94d27
Revises: 3a9d5b7e2c14
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b3e8a1c94d27'
down_revision = '3a9d5b7e2c14'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('security_events', sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('security_events', 'request_id')
