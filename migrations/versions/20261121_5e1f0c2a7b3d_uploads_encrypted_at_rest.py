"""uploads encrypted at rest: proxy scans, paper-decision scans and register files (personal data, LEGAL.md §9)

Revision ID: 5e1f0c2a7b3d
Revises: 98f486e6faea
Create Date: 2026-11-21 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app

# revision identifiers, used by Alembic.
revision = '5e1f0c2a7b3d'
down_revision = '98f486e6faea'
branch_labels = None
depends_on = None

FILES = (('proxies', 'scan'), ('paper_scans', 'content'), ('register_uploads', 'content'))


def _rewrite(change):
    """Pass every stored file through `change`, one row at a time (files are large)."""
    connection = op.get_bind()
    for table, column in FILES:
        ids = connection.execute(sa.text(f'SELECT id FROM {table} WHERE {column} IS NOT NULL')).scalars().all()
        for row_id in ids:
            value = connection.execute(sa.text(f'SELECT {column} FROM {table} WHERE id = :id'), {'id': row_id}).scalar()
            connection.execute(sa.text(f'UPDATE {table} SET {column} = :value WHERE id = :id'),
                               {'value': change(bytes(value)), 'id': row_id})


def _keys():
    """The data keys from configuration (frozen here: Fernet tokens, the first key encrypts)."""
    return MultiFernet([Fernet(key.encode()) for key in current_app.config['DATA_KEYS']])


def upgrade():
    _rewrite(_keys().encrypt)


def downgrade():
    _rewrite(_keys().decrypt)
