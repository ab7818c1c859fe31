"""`veche check-config`: whether this environment may start in production; each problem on its own line.

Runs before the app is built (a bad configuration cannot build it). Exit codes: 0 ready, 1 refused.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

import click

from voting.core.config import DEV_SECRET, normalise_database_url

Check = Callable[[Mapping[str, str]], str | None]  # None: passed; else what is wrong


def _environment(env: Mapping[str, str]) -> str | None:
    return None if env.get("VECHE_ENV") == "production" else "VECHE_ENV is not production"


def _secret(env: Mapping[str, str]) -> str | None:
    secret = env.get("VECHE_SECRET_KEY", "")
    if not secret:
        return "VECHE_SECRET_KEY is not set"
    if secret == DEV_SECRET:
        return "VECHE_SECRET_KEY is the development secret"
    if len(secret) < 32:
        return "VECHE_SECRET_KEY is shorter than 32 characters"
    return None


def _data_keys(env: Mapping[str, str]) -> str | None:
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in env.get("VECHE_DATA_KEYS", "").split(",") if k.strip()]
    if not keys:
        return "VECHE_DATA_KEYS is not set (Fernet keys, newest first)"
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            return f"VECHE_DATA_KEYS: key {number} is not a Fernet key"
    return None


def _server_key(env: Mapping[str, str]) -> str | None:
    from voting.core.server_key import load_key

    try:
        load_key(env.get("VECHE_SERVER_KEY") or None, env.get("VECHE_SERVER_KEY_FILE") or None, "unused", True)
    except OSError as error:
        return f"VECHE_SERVER_KEY_FILE cannot be read: {error.strerror}"
    except ValueError as error:
        return str(error)
    return None


def _database(env: Mapping[str, str]) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from voting.core.resources import resource_dir

    url = env.get("VECHE_DATABASE_URL")
    if not url:
        return "VECHE_DATABASE_URL is not set"
    if not url.startswith(("postgres://", "postgresql")):
        return "VECHE_DATABASE_URL is not PostgreSQL (SQLite is for development)"
    engine = create_engine(normalise_database_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        return f"the database is unreachable: {str(getattr(error, 'orig', None) or error).splitlines()[0]}"
    finally:
        engine.dispose()
    head = ScriptDirectory(str(resource_dir("migrations"))).get_current_head()
    if current != head:
        return f"the database is at migration {current or 'none'}, this version needs {head}: run `veche db upgrade`"
    return None


def _public_url(env: Mapping[str, str]) -> str | None:
    url = env.get("VECHE_BASE_URL") or env.get("VECHE_PUBLIC_URL", "")  # the old name is still read
    return None if url.startswith("https://") else "VECHE_BASE_URL is not https://"


CHECKS: tuple[tuple[str, Check], ...] = (("environment", _environment), ("secret key", _secret),
                                         ("data keys", _data_keys), ("server key", _server_key),
                                         ("database", _database), ("public address", _public_url))


def problems(env: Mapping[str, str]) -> list[str]:
    """What keeps this environment from a production start (empty: ready)."""
    return [found for _name, check in CHECKS if (found := check(env)) is not None]


@click.command("check-config")
def check_config_command() -> None:
    """Refuse a production start on a development secret, missing data or server keys, an unreachable or
    unmigrated database. Exit codes: 0 ready, 1 refused."""
    found = problems(os.environ)
    for problem in found:
        click.echo(f"error: {problem}", err=True)
    if found:
        sys.exit(1)
    click.echo("ok: ready for production")
