"""Over real HTTP (werkzeug's server in a thread, the app on a database of its own): Redis stopped in the middle of
voting costs no ballot and no 500, and wrong passwords from one loopback address do not lock the owner out on
another (the client bound to 127.0.0.2)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from tests.conftest import Mailbox, fresh_database, make_app
from tests.factories import PASSWORD, user
from tests.factories.ballots import ROWS, ballot, open_meeting
from voting.core import health
from voting.core.extensions import db, limiter

REDIS = shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own on a high port, which the test may stop and start again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS
        self.process = subprocess.Popen([REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class Browser:
    """A cookie-keeping HTTP client over http.client, bound to a source address of its own."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port, self.source, self.cookies = port, source, {}  # type: ignore[var-annotated]

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def token(self, path: str) -> str:
        status, _headers, page = self.request("GET", path)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert status == 200 and match, (path, status)
        return match[1]

    def sign_in(self, email: str, password: str = PASSWORD, target: str | None = None) -> tuple[int, dict[str, str]]:
        token = self.token("/auth/login")
        query = f"?{urlencode({'next': target})}" if target is not None else ""
        status, headers, _page = self.request("POST", "/auth/login" + query, urlencode(
            {"csrf_token": token, "email": email, "password": password}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"})
        return status, headers


@pytest.fixture
def live(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int],
         app: Flask) -> Iterator[tuple[Flask, int, PrivateRedis]]:
    """The app with its limits and job queue on a private Redis, served over HTTP on 127.0.0.1."""
    if not REDIS:
        if os.environ.get("VECHE_REQUIRE_REDIS"):
            pytest.fail("redis-server is required but not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI installs it")
    redis = PrivateRedis()
    redis.start()
    url = f"redis://127.0.0.1:{redis.port}/0"
    try:
        with fresh_database(tmp_path_factory) as database:
            application = make_app(database, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server[1],
                                   RATELIMIT_STORAGE_URI=url, REDIS_URL=url)
            with application.app_context():
                upgrade()
            server = make_server("127.0.0.1", 0, application, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                yield application, server.server_port, redis
            finally:
                server.shutdown()
                with application.app_context():
                    db.engine.dispose()
    finally:
        redis.kill()
        # the limiter is one object for every app of the run: give the suite's app its in-memory storage back, and
        # forget the outage (the library keeps that flag on the limiter, not on the app)
        limiter.init_app(app)
        limiter._storage_dead = False


def _state_of(application: Flask) -> Any:
    with application.app_context():
        state = open_meeting(ROWS)
        for voter in state.voters:
            voter.user.email = f"voter{voter.premises[0]}@example.org"
        db.session.commit()
        emails = [voter.user.email for voter in state.voters]
        state.meeting = SimpleNamespace(id=state.meeting.id)  # plain values: the objects leave their session here
        for voter, email in zip(state.voters, emails, strict=True):
            voter.user = SimpleNamespace(email=email)
        return state


def _cast(application: Flask, browser: Browser, state: Any, voter: Any, answers: dict[str, str]) -> int:
    with application.app_context():
        body = ballot(state, voter, answers)
    token = browser.token(f"/meetings/{state.meeting.id}")
    status, _headers, text = browser.request("POST", f"/api/v1/meetings/{state.meeting.id}/ballots",
                                             json.dumps(body).encode(),
                                             {"Content-Type": "application/json", "X-CSRFToken": token})
    if status in (200, 201):
        voter.ballots.append(body)
    assert status < 500, text
    return status


def test_redis_stopped_mid_voting_costs_no_ballot_and_no_500(live, mailbox: Mailbox) -> None:
    application, port, redis = live
    state = _state_of(application)
    browsers = []
    for voter in state.voters:
        browser = Browser(port)
        assert browser.sign_in(voter.user.email)[0] == 302
        browsers.append(browser)
    assert _cast(application, browsers[0], state, state.voters[0], {"1": "for", "2": "for"}) == 201
    with application.test_request_context():
        assert health.rate_limits() == "redis" and health.degraded(probe=True) == {}

    redis.kill()  # Redis blinks in the middle of voting
    with application.test_request_context():
        assert health.rate_limits(probe=True) == "memory-fallback"  # asked, before any request found out
    statuses = [_cast(application, browser, state, voter, {"1": "against", "2": "for"})
                for browser, voter in zip(browsers, state.voters, strict=True)]
    assert statuses == [201] * len(state.voters)  # the first voter's second ballot too
    for path in ("/", "/account/", f"/meetings/{state.meeting.id}", "/api/v1/meetings"):
        assert browsers[1].request("GET", path)[0] == 200, path
    stranger = Browser(port)
    assert stranger.sign_in("nobody@example.org", "wrong")[0] == 401  # sign-in goes on, and is still limited
    with application.test_request_context():
        assert health.rate_limits() == "memory-fallback"
        assert health.degraded() == {"rate_limits": "memory-fallback"}
    # the receipts the queue could not take were mailed at once
    assert all(mailbox.to(voter.user.email) for voter in state.voters)
    with application.app_context():
        from ballots.models import LogEntry

        assert db.session.query(LogEntry).filter_by(meeting_id=state.meeting.id, type="ballot").count() == 4

    redis.start()  # back: the limits return to Redis (the library looks again after 1, 2, 4 … seconds)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert browsers[1].request("GET", "/auth/login")[0] == 200
        stranger.sign_in("nobody@example.org", "wrong")
        with application.test_request_context():
            if health.rate_limits() == "redis":
                break
        time.sleep(0.5)
    with application.test_request_context():
        assert health.rate_limits() == "redis"


def test_wrong_passwords_from_one_address_leave_the_owner_another(live) -> None:
    application, port, _redis = live
    with application.app_context():
        owner = user(email="owner@example.org")
        db.session.commit()
        email = owner.email
    attacker = Browser(port, source="127.0.0.1")
    statuses = [attacker.sign_in(email, "wrong password")[0] for _ in range(12)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    status, headers, page = attacker.request("POST", "/auth/login", urlencode(
        {"csrf_token": attacker.token("/auth/login"), "email": email, "password": "x"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 429 and "Слишком много попыток" in page and int(headers["retry-after"]) > 0
    owner_browser = Browser(port, source="127.0.0.2")
    status, headers = owner_browser.sign_in(email, target="/\r\nSet-Cookie: evil=1")
    assert status == 302 and headers["location"].endswith("/")  # in, and the CR/LF `next` went home
    assert "evil" not in owner_browser.cookies
