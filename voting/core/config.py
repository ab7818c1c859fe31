"""Configuration from `VECHE_*` environment variables (FORMATS.md §4a), with safe development defaults."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 - refused outside development


class ConfigError(RuntimeError):
    """The configuration cannot run the platform safely."""


def derived_data_key(secret: str) -> str:
    """A Fernet key derived from the secret key, for development when no data keys are configured."""
    digest = hashlib.sha256(b"veche-personal-data\n" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def from_environment(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask configuration from the environment."""
    env = os.environ if env is None else env
    production = env.get("VECHE_ENV", "development") == "production"
    secret = env.get("VECHE_SECRET_KEY") or (None if production else DEV_SECRET)
    if secret is None:
        raise ConfigError("VECHE_SECRET_KEY must be set in production")
    data_keys = [k.strip() for k in env.get("VECHE_DATA_KEYS", "").split(",") if k.strip()]
    if not data_keys:
        if production:
            raise ConfigError("VECHE_DATA_KEYS must be set in production (Fernet keys, newest first)")
        data_keys = [derived_data_key(secret)]
    database = env.get("VECHE_DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'veche.sqlite'}"
    return {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": secret,
        "DATA_KEYS": data_keys,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database),
        "REDIS_URL": env.get("VECHE_REDIS_URL"),
        "SERVER_KEY": env.get("VECHE_SERVER_KEY"),
        "SERVER_KEY_FILE": env.get("VECHE_SERVER_KEY_FILE"),
        "FEED_URL": env.get("VECHE_FEED_URL"),
        "OPERATOR_NAME": env.get("VECHE_OPERATOR_NAME", "Оператор региональной информационной системы"),
        "OPERATOR_QUALIFIED_SIGNER": env.get("VECHE_OPERATOR_QUALIFIED_SIGNER"),
        # ГИС ЖКХ exchange (GIS.md): the async house-management endpoint, the sender's orgPPAGUID, the XAdES key and
        # certificate (PEM) or the operator's GOST signing tool ("module:function"), and the back-off of retries
        "GIS_URL": env.get("VECHE_GIS_URL"),
        "GIS_SENDER": env.get("VECHE_GIS_SENDER"),
        "GIS_KEY_FILE": env.get("VECHE_GIS_KEY_FILE"),
        "GIS_CERT_FILE": env.get("VECHE_GIS_CERT_FILE"),
        "GIS_SIGNER": env.get("VECHE_GIS_SIGNER"),
        "GIS_ATTEMPTS": int(env.get("VECHE_GIS_ATTEMPTS", "6")),
        "GIS_BACKOFF_SECONDS": float(env.get("VECHE_GIS_BACKOFF_SECONDS", "5")),
        "PROXY_HOPS": int(env.get("VECHE_PROXY_HOPS", "0")),
        "METRICS_TOKEN": env.get("VECHE_METRICS_TOKEN"),
        "LOG_FORMAT": env.get("VECHE_LOG_FORMAT", "json" if production else "text"),
        # a streaming replica for the read-only pages (voting.core.replica); no models are bound to it
        "SQLALCHEMY_BINDS": {"replica": normalise_database_url(env["VECHE_DATABASE_REPLICA_URL"])}
        if env.get("VECHE_DATABASE_REPLICA_URL") else {},
        "RATELIMIT_STORAGE_URI": env.get("VECHE_REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # a Redis that does not answer costs a request at most this long before the limits fall back to memory
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        "SMTP_HOST": env.get("VECHE_SMTP_HOST"),
        "MAIL_FROM": env.get("VECHE_MAIL_FROM", "veche@localhost"),
        # FORMATS §4a: the address printed in mail, QR codes and protocols; without it, the request's own host
        "BASE_URL": (env.get("VECHE_BASE_URL") or env.get("VECHE_PUBLIC_URL") or "").rstrip("/") or None,
        # only for commands run in development outside any request (`veche demo` printing its protocol's QR code):
        # where `veche run` serves by default; production has none and such a command says VECHE_BASE_URL is needed
        "DEV_BASE_URL": None if production else "http://127.0.0.1:5000",
        "SMTP_PORT": int(env.get("VECHE_SMTP_PORT", "25")),
        "REGISTER_MAX_BYTES": int(env.get("VECHE_REGISTER_MAX_BYTES", str(20 * 1024 * 1024))),
        "MAX_CONTENT_LENGTH": int(env.get("VECHE_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Yekaterinburg",
        "LANGUAGES": ("ru", "en"),
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
