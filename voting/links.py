"""Absolute links for mail and printed letters, built from VECHE_PUBLIC_URL, never from the request's Host header
(which an attacker controls: a password-reset link must not point elsewhere)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)
