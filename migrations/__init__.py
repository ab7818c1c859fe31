"""Alembic migrations; `column_types` holds the frozen column types the versions import."""
