"""The signed feed: pulled from the API, pushed to a real HTTP server on 127.0.0.1 with retries, logged."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

from sqlalchemy import select

from indicators.feed import signature_holds
from indicators.models import FeedDelivery
from voting.cli import cli
from voting.core.extensions import db

PERIOD = {"from": "2026-01-01", "to": "2026-05-31"}


class Receiver(BaseHTTPRequestHandler):
    """Answers 503 to the first POST, 200 after; keeps what it received."""

    received: ClassVar[list[dict]] = []
    failures_left = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.failures_left:
            Receiver.failures_left -= 1
            self.send_response(503)
        else:
            Receiver.received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_pushed_feed_arrives_after_a_retry_with_a_valid_signature(runner, monkeypatch) -> None:
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr("indicators.feed.time.sleep", lambda seconds: None)  # the back-off, without waiting
    try:
        result = runner.invoke(cli, ["push-indicator", "--period", "2026-01-01:2026-05-31",
                                     "--url", f"http://127.0.0.1:{server.server_port}/feed"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0 and "delivered" in result.output
    [envelope] = Receiver.received
    assert signature_holds(envelope) and envelope["indicator"]["region"]["percent"] == "61.64"
    tampered = json.loads(json.dumps(envelope))
    tampered["indicator"]["region"]["online"] += 1
    assert not signature_holds(tampered)
    log = db.session.scalars(select(FeedDelivery).order_by(FeedDelivery.id)).all()
    assert [(d.attempt, d.status) for d in log] == [(1, 503), (2, 200)]


def test_unreachable_address_is_retried_then_reported(runner, monkeypatch) -> None:
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    waits: list[float] = []
    monkeypatch.setattr("indicators.feed.time.sleep", waits.append)
    result = runner.invoke(cli, ["push-indicator", "--period", "2026-01-01:2026-05-31", "--attempts", "3",
                                 "--url", "http://127.0.0.1:9/feed"])
    assert result.exit_code == 1 and waits == [2.0, 4.0]
    assert [d.attempt for d in db.session.scalars(select(FeedDelivery))] == [1, 2, 3]


def test_feed_endpoint_and_openapi(client, runner) -> None:
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    envelope = client.get("/api/v1/indicators/feed", query_string=PERIOD).json
    assert envelope["algorithm"] == "Ed25519" and signature_holds(envelope)
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.") and "/api/v1/indicators/online-share" in spec["paths"]
    assert "Indicator" in spec["components"]["schemas"]
