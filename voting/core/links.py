"""Absolute links for mail and printed letters, built from VECHE_PUBLIC_URL, never from the request's Host header
(which an attacker controls: a password-reset link must not point elsewhere)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_path(target: str | None, fallback: str) -> str:
    """A path on this site to go back to, or `fallback`: an absolute or scheme-relative URL would make the
    redirect an open one."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def public_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a command or a job: routes are the same, only the host comes from configuration anyway
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
