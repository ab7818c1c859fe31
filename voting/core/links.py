"""Absolute links for mail, QR codes and printed texts: from VECHE_BASE_URL (FORMATS.md §4a); without it, the
request's own host; a job carries the address of the request that queued it; never a fixed address."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, has_request_context, request, url_for

from voting.core.config import ConfigError


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


def base_url() -> str:
    """The site's address: configured, else the one in force for this job or command, else the request's host."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    carried = g.get("veche_base_url") if has_app_context() else None
    if carried:
        return str(carried)
    if has_request_context():
        return request.host_url.rstrip("/")
    if current_app.config.get("DEV_BASE_URL"):
        return str(current_app.config["DEV_BASE_URL"])
    raise ConfigError("VECHE_BASE_URL is not set and there is no request to take the address from")


def carried_base_url() -> str | None:
    """What a queued job needs to rebuild links later: the address when one is known now, else None."""
    try:
        return base_url()
    except ConfigError:
        return None


@contextmanager
def using_base_url(address: str | None) -> Iterator[None]:
    """Links built inside use `address` (a job run after the request that queued it, a command's --base-url)."""
    previous = g.get("veche_base_url")
    g.veche_base_url = address.rstrip("/") if address else previous
    try:
        yield
    finally:
        g.veche_base_url = previous


def public_url(endpoint: str, **values: Any) -> str:
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a command or a job: routes are the same, only the host differs
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return base_url() + path
