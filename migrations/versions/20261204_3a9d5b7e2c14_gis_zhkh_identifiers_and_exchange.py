"""ГИС ЖКХ: the house's ФИАС GUID, the organisations' registry GUIDs, an item's chosen way (НСИ 241 / 25), the
protocol's file in ГИС ЖКХ's store, and the deliveries of protocols with their log

Revision ID: 3a9d5b7e2c14
Revises: 3b8e5a1d9c47
Create Date: 2026-12-04 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from migrations import column_types

# revision identifiers, used by Alembic.
revision = '3a9d5b7e2c14'
down_revision = '3b8e5a1d9c47'
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMNs (not batch mode, which would rebuild the tables)
    op.add_column('buildings', sa.Column('fias_guid', sa.String(length=36), nullable=True))
    op.add_column('organisations', sa.Column('gis_root_guid', sa.String(length=36), nullable=True))
    op.add_column('organisations', sa.Column('gis_version_guid', sa.String(length=36), nullable=True))
    op.add_column('agenda_items', sa.Column('gis_choice', sa.String(length=40), nullable=True))
    op.add_column('protocols', sa.Column('gis_attachment_guid', sa.String(length=36), nullable=True))
    op.create_table(
        'gis_exchanges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('transport_guid', sa.String(length=36), nullable=False),
        sa.Column('message_guid', sa.String(length=36), nullable=True),
        sa.Column('request', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('result_guid', sa.String(length=36), nullable=True),
        sa.Column('unique_number', sa.String(length=64), nullable=True),
        sa.Column('errors', sa.Text(), nullable=True),
        sa.Column('created_at', column_types.UTCDateTime(), nullable=False),
        sa.Column('finished_at', column_types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_gis_exchanges_meeting_id_meetings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gis_exchanges')),
    )
    op.create_index(op.f('ix_gis_exchanges_meeting_id'), 'gis_exchanges', ['meeting_id'], unique=False)
    op.create_table(
        'gis_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exchange_id', sa.Integer(), nullable=False),
        sa.Column('at', column_types.UTCDateTime(), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['exchange_id'], ['gis_exchanges.id'],
                                name=op.f('fk_gis_events_exchange_id_gis_exchanges')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_gis_events')),
    )
    op.create_index(op.f('ix_gis_events_exchange_id'), 'gis_events', ['exchange_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_gis_events_exchange_id'), table_name='gis_events')
    op.drop_table('gis_events')
    op.drop_index(op.f('ix_gis_exchanges_meeting_id'), table_name='gis_exchanges')
    op.drop_table('gis_exchanges')
    op.drop_column('protocols', 'gis_attachment_guid')
    op.drop_column('agenda_items', 'gis_choice')
    op.drop_column('organisations', 'gis_version_guid')
    op.drop_column('organisations', 'gis_root_guid')
    op.drop_column('buildings', 'fias_guid')
