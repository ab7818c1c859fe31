"""The Alembic migrations, a package so that the wheel carries them and the revisions import `column_types`."""
