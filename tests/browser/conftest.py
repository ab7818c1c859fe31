"""Browser tests: Playwright driving Debian's Chromium against a live server on 127.0.0.1, on a database of their
own (a live server commits for real, so these tests cannot share the rolled-back test transaction)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import Mailbox, fresh_database, make_app
from tests.factories.browser import ARTIFACTS
from voting.core.extensions import db

CHROMIUM = os.environ.get("VECHE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    if not shutil.which(CHROMIUM):
        if os.environ.get("VECHE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium); CI installs it")
    return CHROMIUM


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


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int]) -> Iterator[tuple[Flask, str]]:
    """The app on its own database, served by a real HTTP server in a thread."""
    with serving(tmp_path_factory, smtp_server[1]) as served:
        yield served


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


@pytest.fixture
def browser_page(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
        page = context.new_page()
        try:
            yield page
        finally:
            os.makedirs(ARTIFACTS, exist_ok=True)
            context.close()
            browser.close()
