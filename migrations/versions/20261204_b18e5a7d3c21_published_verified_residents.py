"""published verified residents per municipality: the region's figures count in the second indicator

Revision ID: b18e5a7d3c21
Revises: b3e5a7d90c14
Create Date: 2026-12-04 19:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b18e5a7d3c21'
down_revision = 'b3e5a7d90c14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('published_residents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_published_residents_count')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'],
                            name=op.f('fk_published_residents_municipality_id_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_residents')),
    sa.UniqueConstraint('municipality_id', 'as_of', name=op.f('uq_published_residents_municipality_id_as_of'))
    )
    with op.batch_alter_table('published_residents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_residents_municipality_id'), ['municipality_id'], unique=False)


def downgrade():
    with op.batch_alter_table('published_residents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_residents_municipality_id'))
    op.drop_table('published_residents')
