"""The background job queue: in RQ when VECHE_REDIS_URL is set (run `veche worker`), inline otherwise.

Each feature registers its named jobs here (`register`) when the app is built; a job runs in the current app
context (inline, or in a worker started by `veche worker`) and commits its own work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

from voting.core.links import carried_base_url, using_base_url

QUEUE = "veche"

JOBS: dict[str, Callable[..., Any]] = {}


def register(name: str, job: Callable[..., Any]) -> None:
    """Make `job` runnable by name (the name is what the queue stores)."""
    JOBS[name] = job


def execute(name: str, base_url: str | None = None, **kwargs: Any) -> Any:
    """What a worker calls: the job in the worker's app context (`veche worker` runs inside one, and its work horses
    inherit it), its links built with the address of the request that queued it."""
    if not has_app_context():
        raise RuntimeError("jobs run in `veche worker`, which provides the app")
    with using_base_url(base_url):
        return JOBS[name](**kwargs)


def queue(app: Flask | None = None) -> Any:
    """The RQ queue, or None when no Redis is configured."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    cached = app.extensions.get("veche.queue")
    if cached is None or cached[0] != url:  # one connection pool per process, not a new connection per job
        from redis import Redis
        from rq import Queue

        # a Redis that does not answer costs an enqueue a second, not a hung request (see `run`)
        cached = app.extensions["veche.queue"] = (url, Queue(QUEUE, connection=Redis.from_url(
            url, socket_connect_timeout=1, health_check_interval=30)))
    return cached[1]


def run(name: str, **kwargs: Any) -> Any:
    """Enqueue the job when Redis is configured (returns the RQ job), or run it now (returns its result)."""
    if name not in JOBS:
        raise KeyError(f"no job {name!r}")
    jobs = queue()
    if jobs is None:
        return JOBS[name](**kwargs)
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    try:
        with jobs.connection.pipeline() as pipe:  # RQ's enqueue in one round trip to Redis instead of two
            job = jobs.enqueue(execute, name, carried_base_url(), pipeline=pipe, **kwargs)
            pipe.execute()
    except (RedisDown, RedisSlow) as error:  # Redis blinked: do the work now rather than lose it
        current_app.logger.warning("job %s run inline: the queue is unreachable (%s)", name, error)
        return JOBS[name](**kwargs)
    return job


def run_after_commit(name: str, **kwargs: Any) -> Any:
    """`run` for work that follows a committed change (a receipt by mail): its failure is logged, never the
    request's, whose change is already saved and whose answer the user must get."""
    try:
        return run(name, **kwargs)
    except Exception:  # any failure of a follow-up: the committed change stands
        from voting.core.extensions import db

        db.session.rollback()  # whatever the inline job left half-done
        current_app.logger.exception("job %s failed after its request's commit", name)
        return None
