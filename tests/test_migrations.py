"""Migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, inspect, select, text

from registry.models import RegisterUpload
from tests.conftest import fresh_database, make_app
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


def _building(connection: Connection) -> int:
    """A building as the schema of that revision stores it."""
    region = connection.execute(text("INSERT INTO regions (name) VALUES ('Регион') RETURNING id")).scalar_one()
    municipality = connection.execute(text(
        "INSERT INTO municipalities (region_id, name, short_name, population) VALUES (:r, 'Округ', 'Округ', 1) "
        "RETURNING id"), {"r": region}).scalar_one()
    organisation = connection.execute(text(
        "INSERT INTO organisations (kind, name, inn, ogrn, region_id) VALUES ('management_company', 'ООО «УК»', "
        "'7451000000', '1027400000000', :r) RETURNING id"), {"r": region}).scalar_one()
    return int(connection.execute(text(
        "INSERT INTO buildings (municipality_id, organisation_id, address, timezone, entrances) "
        "VALUES (:m, :o, 'г. Челябинск, ул. А, д. 1', 'Asia/Yekaterinburg', 1) RETURNING id"),
        {"m": municipality, "o": organisation}).scalar_one())


def test_files_kept_before_encryption_are_encrypted_by_the_upgrade(tmp_path_factory: pytest.TempPathFactory) -> None:
    with fresh_database(tmp_path_factory) as url:
        scratch = make_app(url)
        with scratch.app_context():
            upgrade(revision="98f486e6faea")
            with db.engine.begin() as connection:  # plain SQL: later migrations add columns the models now have
                building_id = _building(connection)
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
