"""Background jobs: in the RQ queue when VECHE_REDIS_URL is set (run `veche worker`), inline otherwise.

Jobs are named functions of this module; each runs in the current app context (inline, or a worker started by
`veche worker`), and commits its own work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

QUEUE = "veche"


def send_reminders() -> int:
    """Mail owners who have not voted (voting.services.send_reminders)."""
    from voting import services
    from voting.extensions import db

    sent = services.send_reminders()
    db.session.commit()
    return sent


def mail_results(meeting_id: int) -> int:
    """Mail a counted meeting's results to its verified owners, once (voting.services.mail_results)."""
    from voting import services
    from voting.extensions import db

    sent = services.mail_results(meeting_id)
    db.session.commit()
    return sent


def advance_meetings() -> int:
    """Open and close meetings whose instant has come."""
    from sqlalchemy import select

    from voting import services
    from voting.extensions import db
    from voting.models import Meeting, MeetingState

    due = [m.id for m in db.session.scalars(
        select(Meeting).where(Meeting.state.in_([MeetingState.ANNOUNCED, MeetingState.VOTING]))) if services.due(m)]
    for meeting_id in due:
        services.advance_locked(meeting_id)
    return len(due)


def push_indicator(start: str, end: str, url: str, attempts: int = 5) -> bool:
    """Push the signed indicator for `start`…`end` (ISO dates) to `url`, with retries and back-off."""
    from datetime import date

    from sqlalchemy import select

    from indicators import exports, feed
    from indicators.compute import indicator
    from registry.models import Region
    from voting.extensions import db
    from voting.server_key import server_key

    region = db.session.scalars(select(Region).order_by(Region.id)).first()
    if region is None:
        return False
    data = indicator(region, date.fromisoformat(start), date.fromisoformat(end))
    return feed.push(url, feed.signed(exports.to_json(data), server_key()), attempts=attempts)


JOBS: dict[str, Callable[..., Any]] = {"send_reminders": send_reminders, "advance_meetings": advance_meetings,
                                       "push_indicator": push_indicator, "mail_results": mail_results}


def execute(name: str, **kwargs: Any) -> Any:
    """What a worker calls: the job in the worker's app context (`veche worker` runs inside one, and its work horses
    inherit it)."""
    if not has_app_context():
        raise RuntimeError("jobs run in `veche worker`, which provides the app")
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

        cached = app.extensions["veche.queue"] = (url, Queue(QUEUE, connection=Redis.from_url(url)))
    return cached[1]


def run(name: str, **kwargs: Any) -> Any:
    """Enqueue the job when Redis is configured (returns the RQ job), or run it now (returns its result)."""
    if name not in JOBS:
        raise KeyError(f"no job {name!r}")
    jobs = queue()
    if jobs is None:
        return JOBS[name](**kwargs)
    with jobs.connection.pipeline() as pipe:  # RQ's enqueue in one round trip to Redis instead of two
        job = jobs.enqueue(execute, name, pipeline=pipe, **kwargs)
        pipe.execute()
    return job
