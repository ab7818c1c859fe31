"""Request ids, JSON logs and the process's Prometheus metrics (the `/metrics` page is voting.operations)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import Counter, Histogram
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
BALLOT_ENDPOINTS = ("ballots_api.submit",)

REQUEST_SECONDS = Histogram("veche_request_duration_seconds", "Time to answer a request, by endpoint",
                            ["endpoint", "method"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30))
BALLOTS = Counter("veche_ballots_total", "Ballots sent to the API: accepted, repeated, or refused with the reason",
                  ["outcome", "reason"])

log = logging.getLogger("veche.request")


def request_id() -> str | None:
    """This request's id (from the proxy's X-Request-ID when it is a plain token, else a new one)."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def json_handler() -> logging.Handler:
    """A handler writing one JSON object per line to stderr (journald keeps it), with the request id."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    handler.addFilter(RequestIdFilter())
    return handler


def init_app(app: Flask) -> None:
    """Give every request an id and a latency sample; log it as JSON when VECHE_LOG_FORMAT is json."""
    if app.config.get("LOG_FORMAT") == "json":
        for name in ("veche", app.logger.name):
            logger = logging.getLogger(name)
            if not any(getattr(h, "veche_json", False) for h in logger.handlers):
                handler = json_handler()
                handler.veche_json = True  # type: ignore[attr-defined]
                logger.addHandler(handler)
                logger.setLevel(logging.INFO)
                logger.propagate = False

    @app.before_request
    def _start() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # a request that failed before the first hook
            return response
        elapsed = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        REQUEST_SECONDS.labels(endpoint, request.method).observe(elapsed)
        if endpoint in BALLOT_ENDPOINTS and request.method == "POST":
            _count_ballot(response.status_code)
        response.headers[REQUEST_ID_HEADER] = g.request_id
        log.info("request", extra={"method": request.method, "path": request.path, "endpoint": endpoint,
                                   "status": response.status_code, "ms": round(elapsed * 1000, 1),
                                   "remote": request.remote_addr})
        return response


def _count_ballot(status: int) -> None:
    if status == 201:
        BALLOTS.labels("accepted", "").inc()
    elif status == 200:
        BALLOTS.labels("repeated", "").inc()
    else:
        BALLOTS.labels("refused", g.get("refusal_reason") or str(status)).inc()
