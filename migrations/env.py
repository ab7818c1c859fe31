"""Alembic environment: the app's engine and metadata; SQLite alters tables in batch mode."""

from __future__ import annotations

import logging
import sys
from logging.config import fileConfig
from pathlib import Path
from typing import Any

from alembic import context
from flask import current_app

# the revisions import `migrations.column_types`: the project's root must be importable wherever `veche` runs
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the project's column types as their frozen copies (migrations/column_types.py), never the live code."""
    if type_ == "type" and obj.__class__.__module__ == "voting.core.types":
        autogen_context.imports.add("from migrations import column_types")
        return f"column_types.{obj.__class__.__name__}()"
    return False


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, compare_type=True,
                          render_as_batch=connection.dialect.name == "sqlite", render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
