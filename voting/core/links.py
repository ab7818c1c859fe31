"""Absolute links for mail and printed letters, built from VECHE_PUBLIC_URL, never from the request's Host header
(which an attacker controls: a password-reset link must not point elsewhere)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_path(target: str | None, fallback: str) -> str:
    """A path on this site to go back to, or `fallback`: an absolute or scheme-relative URL would make the
    redirect an open one, a backslash is read as a slash by browsers, and a control character (CR/LF) would split
    the `Location` header."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def public_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a command or a job: routes are the same, only the host comes from configuration anyway
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
