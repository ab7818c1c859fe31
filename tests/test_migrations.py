"""Migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from registry.models import RegisterUpload
from tests.conftest import fresh_database, make_app
from tests.factories import building
from voting.core.extensions import db
from voting.core.types import cipher

PLAIN = "номер;ФИО\n1;Иванов Иван Иванович\n".encode()


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


def test_files_kept_before_encryption_are_encrypted_by_the_upgrade(tmp_path_factory: pytest.TempPathFactory) -> None:
    with fresh_database(tmp_path_factory) as url:
        scratch = make_app(url)
        with scratch.app_context():
            upgrade(revision="98f486e6faea")
            building_id = building().id  # the schema is the same before and after: only what is stored changes
            db.session.commit()
            db.session.remove()
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO register_uploads (building_id, filename, sha256, content, "
                                        "uploaded_at) VALUES (:building, 'r.csv', :sha, :content, :at)"),
                                   {"building": building_id, "sha": "0" * 64, "content": PLAIN,
                                    "at": "2026-11-01 10:00:00+00:00"})
            upgrade()
            with db.engine.connect() as connection:
                raw = bytes(connection.execute(text("SELECT content FROM register_uploads")).scalar_one())
            assert raw != PLAIN and cipher().decrypt_bytes(raw) == PLAIN
            assert db.session.scalar(select(RegisterUpload.content)) == PLAIN
            db.session.remove()
            downgrade(revision="98f486e6faea")
            with db.engine.connect() as connection:
                assert bytes(connection.execute(text("SELECT content FROM register_uploads")).scalar_one()) == PLAIN
            db.engine.dispose()
