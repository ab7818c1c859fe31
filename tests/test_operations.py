"""Liveness, readiness with named degraded states, the Prometheus metrics and who may read them, request ids in
responses, error pages, JSON logs and the security log."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from auth.models import SecurityEvent
from tests.conftest import make_app
from tests.factories import csrf_token, login
from tests.factories.ballots import ballot, open_meeting, submit
from voting.core import observability

TOKEN = "monitoring-token-for-tests"


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dispose(app: Flask) -> None:
    """Close the pooled connections of an app made for one test (else they are closed by the collector, warning)."""
    from voting.core.extensions import db

    with app.app_context():
        db.engine.dispose()


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of one metric family, by their labels."""
    for family in text_string_to_metric_families(text):
        if name in (family.name, family.name + "_total"):
            return {tuple(sorted(s.labels.items())): s.value for s in family.samples if s.name == name}
    return {}


def test_healthz_answers_without_asking_anything(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_names_what_it_checked(client, smtp_server) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["smtp"] == "ok"  # the test SMTP server is real
    assert response.json["status"] in ("ok", "degraded")


def test_redis_and_smtp_down_are_degraded_and_the_database_down_is_unavailable(database_url, tmp_path) -> None:
    down = make_app(database_url, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0", SMTP_HOST="127.0.0.1",
                    SMTP_PORT=closed_port())
    answer = down.test_client().get("/readyz")
    dispose(down)
    assert answer.status_code == 200
    assert answer.json == {"status": "degraded", "checks": {"database": "ok", "redis": "unreachable",
                                                            "smtp": "unreachable"}, "degraded": ["redis", "smtp"]}
    gone = make_app(f"sqlite:///{tmp_path}/missing/folder/veche.sqlite")
    answer = gone.test_client().get("/readyz")
    dispose(gone)
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable" and answer.json["checks"]["database"] == "unreachable"


@pytest.mark.parametrize(("token", "headers", "remote", "status"), [
    (None, {}, "127.0.0.1", 200),                               # this machine, no proxy: the node exporter's way
    (None, {"X-Forwarded-For": "203.0.113.9"}, "127.0.0.1", 403),  # through the proxy: refused
    (None, {}, "203.0.113.9", 403),                             # another machine
    (TOKEN, {}, "127.0.0.1", 403),                              # a token is configured: it is needed
    (TOKEN, {"Authorization": "Bearer wrong"}, "127.0.0.1", 403),
    (TOKEN, {"Authorization": f"Bearer {TOKEN}"}, "203.0.113.9", 200),
])
def test_metrics_are_for_the_monitoring_only(app: Flask, client, monkeypatch, token, headers, remote,
                                             status) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", token)
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == status


def test_metrics_count_ballots_by_outcome_and_reason_and_meetings_by_state(app: Flask, client, session,
                                                                           monkeypatch) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)

    def scrape() -> str:
        return client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)

    before = scrape()
    assert submit(client, state, ballot(state, voter, {"1": "for", "2": "against"}), voter).status_code == 201
    bad = ballot(state, voter, {"9": "for"})
    assert submit(client, state, bad).status_code == 422
    after = scrape()
    accepted = (("outcome", "accepted"), ("reason", ""))
    refused = (("outcome", "refused"), ("reason", "payload.answers.9"))
    old, new = samples(before, "veche_ballots_total"), samples(after, "veche_ballots_total")
    assert new[accepted] - old.get(accepted, 0) == 1
    assert new[refused] - old.get(refused, 0) == 1
    assert samples(after, "veche_meetings")[(("state", "voting"),)] >= 1
    latency = next(f for f in text_string_to_metric_families(after) if f.name == "veche_request_duration_seconds")
    assert any(s.labels.get("endpoint") == "ballots_api.submit" for s in latency.samples)
    assert "veche_job_queue_depth" in after


def test_the_request_id_is_in_the_response_the_error_page_the_json_error_and_the_security_log(client,
                                                                                              session) -> None:
    page = client.get("/no-such-page", headers={"X-Request-ID": "req-0123456789"})
    assert page.headers["X-Request-ID"] == "req-0123456789"
    assert "req-0123456789" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-resource")
    assert api.json["request_id"] == api.headers["X-Request-ID"] and len(api.headers["X-Request-ID"]) == 32
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert forged.headers["X-Request-ID"] != "<script>"  # not a plain token: a new id
    token = csrf_token(client, "/auth/login")
    failed = client.post("/auth/login", data={"csrf_token": token, "email": "nobody@example.org", "password": "x"},
                         headers={"X-Request-ID": "req-sign-in-failed"})
    assert failed.headers["X-Request-ID"] == "req-sign-in-failed"
    event = session.scalar(select(SecurityEvent).where(SecurityEvent.kind == "sign_in_failed")
                           .order_by(SecurityEvent.id.desc()))
    assert event is not None and event.request_id == "req-sign-in-failed"


def test_json_logs_carry_the_request_id(app: Flask, client, capsys) -> None:
    handler = observability.json_handler()
    logger = logging.getLogger("veche.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/healthz", headers={"X-Request-ID": "req-json-log-1"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    (line,) = [entry for entry in lines if entry.get("request_id") == "req-json-log-1"]
    assert line["message"] == "request" and line["endpoint"] == "operations.healthz" and line["status"] == 200
    assert line["level"] == "INFO" and line["logger"] == "veche.request"
