"""Alembic migrations of the schema; `column_types` holds the frozen column types they create."""
