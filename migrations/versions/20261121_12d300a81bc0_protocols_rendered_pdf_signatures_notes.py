"""protocols: rendered PDF, signatures, notes

Revision ID: 12d300a81bc0
Revises: d789202cf52c
Create Date: 2026-11-21 09:08:37.523612

"""
from alembic import op
import sqlalchemy as sa
from migrations import column_types

# revision identifiers, used by Alembic.
revision = '12d300a81bc0'
down_revision = 'd789202cf52c'
branch_labels = None
depends_on = None


FROZEN = ("pdf", "sha256", "evidence_sha256", "document", "number")  # what a signed protocol never changes


def freeze():
    """Signatures are never changed or removed, and a signed protocol's document and PDF never change."""
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION protocol_signatures_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'protocol_signatures are append-only: % refused', TG_OP; END $$""")
        op.execute("CREATE TRIGGER protocol_signatures_append_only BEFORE UPDATE OR DELETE ON protocol_signatures "
                   "FOR EACH ROW EXECUTE FUNCTION protocol_signatures_refuse()")
        op.execute(f"""CREATE FUNCTION protocols_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF OLD.signed_at IS NOT NULL AND ({changed}) THEN
                RAISE EXCEPTION 'a signed protocol does not change'; END IF; RETURN NEW; END $$""")
        op.execute("CREATE TRIGGER protocols_signed_frozen BEFORE UPDATE ON protocols "
                   "FOR EACH ROW EXECUTE FUNCTION protocols_frozen()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER protocol_signatures_no_{action.lower()} BEFORE {action} ON protocol_signatures "
                       f"BEGIN SELECT RAISE(ABORT, 'protocol_signatures are append-only: {action} refused'); END")
        changed = changed.replace("IS DISTINCT FROM", "IS NOT")
        op.execute(f"CREATE TRIGGER protocols_signed_frozen BEFORE UPDATE ON protocols "
                   f"WHEN OLD.signed_at IS NOT NULL AND ({changed}) "
                   f"BEGIN SELECT RAISE(ABORT, 'a signed protocol does not change'); END")


def thaw():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER protocols_signed_frozen ON protocols")
        op.execute("DROP FUNCTION protocols_frozen()")
        op.execute("DROP TRIGGER protocol_signatures_append_only ON protocol_signatures")
        op.execute("DROP FUNCTION protocol_signatures_refuse()")
    else:
        op.execute("DROP TRIGGER protocols_signed_frozen")
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER protocol_signatures_no_{action}")


def upgrade():
    op.create_table('protocols',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('render_state', sa.Enum('queued', 'rendering', 'ready', 'failed', name='protocol_render_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=True),
    sa.Column('number_provisional', sa.Boolean(), nullable=False),
    sa.Column('order_code', sa.String(length=20), nullable=True),
    sa.Column('document', sa.Text(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('final_root', sa.String(length=64), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('rendered_at', column_types.UTCDateTime(), nullable=True),
    sa.Column('signed_at', column_types.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', column_types.UTCDateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_protocols_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_protocols_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_protocols'))
    )
    with op.batch_alter_table('protocols', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protocols_evidence_sha256'), ['evidence_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_protocols_sha256'), ['sha256'], unique=False)

    op.create_table('protocol_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('at', column_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_protocol_notes_author_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['protocols.meeting_id'], name=op.f('fk_protocol_notes_meeting_id_protocols')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_notes'))
    )
    with op.batch_alter_table('protocol_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protocol_notes_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('protocol_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.Column('at', column_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['protocols.meeting_id'], name=op.f('fk_protocol_signatures_meeting_id_protocols')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_protocol_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_signatures'))
    )
    with op.batch_alter_table('protocol_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protocol_signatures_meeting_id'), ['meeting_id'], unique=False)
    freeze()


def downgrade():
    thaw()
    with op.batch_alter_table('protocol_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocol_signatures_meeting_id'))

    op.drop_table('protocol_signatures')
    with op.batch_alter_table('protocol_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocol_notes_meeting_id'))

    op.drop_table('protocol_notes')
    with op.batch_alter_table('protocols', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protocols_sha256'))
        batch_op.drop_index(batch_op.f('ix_protocols_evidence_sha256'))

    op.drop_table('protocols')
