"""Browser tests: Playwright driving Debian's Chromium against a live server on 127.0.0.1, on a database of their
own (a live server commits for real, so these tests cannot share the rolled-back test transaction)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import Mailbox
from tests.factories.browser import ARTIFACTS, serving

CHROMIUM = os.environ.get("VECHE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    if not shutil.which(CHROMIUM):
        if os.environ.get("VECHE_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium); CI installs it")
    return CHROMIUM


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int]) -> Iterator[tuple[Flask, str]]:
    """The app on its own database, served by a real HTTP server in a thread."""
    with serving(tmp_path_factory, smtp_server[1]) as served:
        yield served


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
