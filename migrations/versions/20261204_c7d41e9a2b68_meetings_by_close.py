"""meetings: an index by the close and id, for the inspector's list newest first a page at a time

Revision ID: c7d41e9a2b68
Revises: b3e8a1c94d27
Create Date: 2026-12-04 20:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d41e9a2b68'
down_revision = 'b3e8a1c94d27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_meetings_closes_at_id', 'meetings', ['closes_at', 'id'])


def downgrade():
    op.drop_index('ix_meetings_closes_at_id', table_name='meetings')
