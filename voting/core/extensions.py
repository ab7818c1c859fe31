"""Unbound Flask extensions, bound to the app by `create_app` with `init_app`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

from voting.core.replica import RoutingSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    """Base of every table; constraint names follow one convention so migrations stay stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Model, session_options={"class_": RoutingSession})
# Flask-SQLAlchemy builds db.Model at run time; type checkers see the declarative base it derives from.
if TYPE_CHECKING:
    BaseModel = Model
else:
    BaseModel = db.Model
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# Redis unreachable: the limits go on in this process's memory (and back to Redis when it answers again) instead
# of every request failing; an error of the storage after that is logged, never a 500
limiter = Limiter(key_func=get_remote_address, in_memory_fallback_enabled=True, swallow_errors=True)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: object, _record: object) -> None:
    """SQLite enforces foreign keys, waits for a writer, and leaves transactions to SQLAlchemy."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself (below)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")  # as long as a request waits for a pooled connection
        cursor.close()


# set while a transaction that must write is opened: SQLite then takes the write lock at BEGIN (see ballots.log)
IMMEDIATE: ContextVar[bool] = ContextVar("immediate", default=False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if IMMEDIATE.get() else "BEGIN")


@contextmanager
def write_transaction() -> Iterator[None]:
    """A transaction that takes the write lock at its start on SQLite (BEGIN IMMEDIATE): a read transaction that
    later wants to write fails at once ("database is locked") when another writer is committing. On PostgreSQL
    the callers' row locks (`SELECT … FOR UPDATE`) serialise what must be serialised."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()  # end the request's read transaction; the next statement begins the write one
        token = IMMEDIATE.set(True)
        try:
            yield
        finally:
            IMMEDIATE.reset(token)
    else:
        yield
