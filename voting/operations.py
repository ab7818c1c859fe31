"""The operator's machine-facing pages: liveness, readiness (database, Redis, SMTP) and Prometheus metrics."""

from __future__ import annotations

import os
import smtplib
import time
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from auth.policy import MONITORING, PUBLIC, policy
from voting.core import jobs
from voting.core.extensions import db, limiter
from voting.meetings.models import Meeting

bp = Blueprint("operations", __name__)
TIMEOUT = 2.0  # seconds a readiness probe waits for each dependency


@bp.get("/healthz")
@limiter.exempt
@policy(PUBLIC)
def healthz() -> ResponseReturnValue:
    """The process answers (no dependency is asked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
@policy(PUBLIC)
def readyz() -> ResponseReturnValue:
    """Whether this instance can serve: 503 without the database; Redis or SMTP down is a named degraded state."""
    checks = {"database": _database(), "redis": _redis(), "smtp": _smtp()}
    failed = sorted(name for name, state in checks.items() if state == "unreachable")
    status = "unavailable" if checks["database"] != "ok" else "degraded" if failed else "ok"
    return jsonify(status=status, checks=checks, degraded=failed), 503 if status == "unavailable" else 200


@bp.get("/metrics")
@limiter.exempt
@policy(MONITORING)
def metrics() -> ResponseReturnValue:
    """This process's counters (or every gunicorn worker's, in multiprocess mode) and the live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    live = CollectorRegistry()
    live.register(_LiveCollector())
    body = generate_latest(registry) + generate_latest(live)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


class _LiveCollector:
    """Gauges read at scrape time: meetings by state, the job queue's depth and its oldest job's age."""

    def collect(self) -> Any:
        meetings = GaugeMetricFamily("veche_meetings", "Meetings by state", labels=["state"])
        for state, count in db.session.execute(select(Meeting.state, func.count()).group_by(Meeting.state)):
            meetings.add_metric([state.value], count)
        yield meetings
        depth = GaugeMetricFamily("veche_job_queue_depth", "Jobs waiting in the queue (PDFs, mail, exchange)")
        oldest = GaugeMetricFamily("veche_job_queue_oldest_seconds",
                                   "Age of the oldest waiting job: mail waits there (the outbox)")
        queue = jobs.queue(current_app)
        if queue is not None:
            depth.add_metric([], queue.count)
            first = queue.get_jobs(0, 1)
            enqueued = first[0].enqueued_at if first else None
            oldest.add_metric([], time.time() - enqueued.timestamp() if enqueued else 0)
        yield depth
        yield oldest


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # not ready; the log says why
        current_app.logger.exception("readiness: database")
        db.session.rollback()
        return "unreachable"
    return "ok"


def _redis() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not_configured"
    from redis import Redis, RedisError

    try:
        Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT).ping()
    except (RedisError, OSError):
        return "unreachable"
    return "ok"


def _smtp() -> str:
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return "not_configured"
    try:
        with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=TIMEOUT) as smtp:
            smtp.noop()
    except (OSError, smtplib.SMTPException):
        return "unreachable"
    return "ok"
