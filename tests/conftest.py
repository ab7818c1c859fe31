"""Test fixtures: one migrated database per run (SQLite file, or a fresh PostgreSQL schema), a rollback per test."""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.orm import scoped_session

from voting.app import create_app
from voting.core.config import normalise_database_url
from voting.core.extensions import db, limiter

POSTGRES = os.environ.get("VECHE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database for this run: SQLite in a temporary folder, or a fresh schema in PostgreSQL."""
    with fresh_database(tmp_path_factory) as url:
        yield url


class fresh_database:
    """A new empty database: a SQLite file, or a new schema dropped again on exit."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.schema: str | None = None

    def __enter__(self) -> str:
        if not POSTGRES:
            return f"sqlite:///{self.tmp_path_factory.mktemp('db') / 'veche.sqlite'}"
        self.schema = f"test_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(normalise_database_url(POSTGRES))
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        url = make_url(normalise_database_url(POSTGRES)).update_query_dict(
            {"options": f"-csearch_path={self.schema}"})
        return url.render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        if self.schema:
            with self.admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()


def make_app(database_url: str, **config: object) -> Flask:
    """An app for tests, with its own data key."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret",
                       "DATA_KEYS": [Fernet.generate_key().decode()], "BASE_URL": "http://veche.test",
                       **config})


class Mailbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str) -> str:
        """The last link mailed to `address`, as a path on this site."""
        body = self.to(address)[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        match = re.search(r"http://veche\.test(/\S+)", body)
        assert match, body
        return match[1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks its own start by connecting to it)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box = smtp_server[0]
    box.messages.clear()
    return box


@pytest.fixture(scope="session")
def app(database_url: str, smtp_server: tuple[Mailbox, int]) -> Iterator[Flask]:
    application = make_app(database_url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server[1])
    application.test_client_class = _RequestContextClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy picks the engine itself; in tests every statement must use the test's connection."""

    def get_bind(self, *args: object, **kwargs: object) -> Connection:
        assert isinstance(self.bind, Connection)
        return self.bind


@pytest.fixture
def session(app: Flask) -> Iterator[scoped_session]:  # type: ignore[type-arg]
    """Everything a test writes, commits included, is rolled back when it ends."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session({"class_": _ConnectionBoundSession, "bind": connection,
                                              "join_transaction_mode": "create_savepoint"})
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


class _RequestContextClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and session), as in production,
    even while the test holds one open for its own queries."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask, session: scoped_session, mailbox: Mailbox) -> FlaskClient:  # type: ignore[type-arg]
    limiter.reset()
    return app.test_client()


@pytest.fixture
def runner(app: Flask, session: scoped_session) -> FlaskCliRunner:  # type: ignore[type-arg]
    return app.test_cli_runner()
