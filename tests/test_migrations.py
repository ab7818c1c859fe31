"""Migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import fresh_database, make_app
from voting.extensions import db


def differences() -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def test_migrations_match_the_models(app) -> None:
    with app.app_context():
        assert differences() == []


def test_downgrade_to_base_and_upgrade_again(tmp_path_factory: pytest.TempPathFactory) -> None:
    with fresh_database(tmp_path_factory) as url:
        scratch = make_app(url)
        with scratch.app_context():
            upgrade()
            assert "ownerships" in inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert differences() == []
            db.engine.dispose()
