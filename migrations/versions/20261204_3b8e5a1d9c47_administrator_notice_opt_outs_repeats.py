"""the notice to the administrator (ЖК РФ ст. 47.1 ч. 3–5), owners' refusals of electronic voting (156-ФЗ) and the
repeated meeting (ЖК РФ ст. 47 ч. 1)

Revision ID: 3b8e5a1d9c47
Revises: b18e5a7d3c21
Create Date: 2026-12-04 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations import column_types

# revision identifiers, used by Alembic.
revision = '3b8e5a1d9c47'
down_revision = 'b18e5a7d3c21'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN where no constraint comes with it; SQLite adds a foreign key only by rebuilding the table
    op.add_column('meetings', sa.Column('administrator_notified_at', column_types.UTCDateTime(), nullable=True))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meetings_repeat_of_id_meetings'), 'meetings', ['repeat_of_id'],
                                    ['id'])
    op.create_table('electronic_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('received_at', column_types.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', column_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_electronic_opt_outs_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], name=op.f('fk_electronic_opt_outs_owner_id_owners')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_electronic_opt_outs_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_electronic_opt_outs')),
    sa.UniqueConstraint('meeting_id', 'owner_id', name=op.f('uq_electronic_opt_outs_meeting_id_owner_id'))
    )
    with op.batch_alter_table('electronic_opt_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_electronic_opt_outs_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('electronic_opt_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_electronic_opt_outs_meeting_id'))
    op.drop_table('electronic_opt_outs')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_repeat_of_id_meetings'), type_='foreignkey')
        batch_op.drop_column('repeat_of_id')
    op.drop_column('meetings', 'administrator_notified_at')
