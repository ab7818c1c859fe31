"""Browser tests' helpers: signing in through the pages (with a one-time code never used before), and where
screenshots go."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import fresh_database, make_app
from voting.core.extensions import db

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")

_spent: dict[str, int] = {}  # each one-time code signs in once: the last time step used, by address


def fresh_code(email: str) -> str:
    """A code the server has not accepted for this account yet (the next step's, or else wait for one)."""
    import pyotp

    from tests.factories import TOTP_SECRET

    totp = pyotp.TOTP(TOTP_SECRET)
    step = max(totp.timecode(time.time()), _spent.get(email, -1) + 1)
    while step > totp.timecode(time.time()) + 1:  # the server takes a code one step ahead, not two
        time.sleep(1)
    _spent[email] = step
    return totp.generate_otp(step)


def sign_in(page: Any, base: str, email: str, totp: bool = True, next: str | None = None) -> None:
    """Sign in through the pages, with the one-time code of the test factories' staff accounts. Owners, with
    `totp=False`, have none: they land signed in on their account page, or on `next` (a path on the site)."""
    from tests.factories import PASSWORD

    page.goto(f"{base}/auth/login" + (f"?{urlencode({'next': next})}" if next else ""))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    if totp:
        page.get_by_label("Код из приложения").fill(fresh_code(email))
        page.get_by_role("button", name="Подтвердить").click()
    else:
        page.get_by_role("button", name="Выйти", exact=True).wait_for()


@contextmanager
def serving(tmp_path_factory: pytest.TempPathFactory, smtp_port: int,
            seed: Callable[[Flask], None] | None = None) -> Iterator[tuple[Flask, str]]:
    """The app on a database of its own (migrated, then `seed`ed), served by a real HTTP server in a thread."""
    with fresh_database(tmp_path_factory) as url:
        application = make_app(url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port)
        with application.app_context():
            upgrade()
            if seed:
                seed(application)
        server = make_server("127.0.0.1", 0, _buffered(application), threaded=True)
        base = f"http://127.0.0.1:{server.server_port}"
        application.config["BASE_URL"] = base
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield application, base
        finally:
            server.shutdown()
            with application.app_context():
                db.engine.dispose()


def _buffered(app: Flask) -> Any:
    """The app with each response read whole and closed before it is sent: a browser that navigates away while a
    static file is being sent drops the connection, and werkzeug's development server then leaves the file open
    (a ResourceWarning, an error under this suite's warning policy)."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wsgi
