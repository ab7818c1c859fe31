"""Jobs run inline without Redis, and through a real Redis queue and an RQ worker when it is configured."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest

from tests.factories.meetings import decide, open_through_pages
from voting.core import jobs

REDIS = os.environ.get("VECHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        Redis.from_url(REDIS).ping()
    except RedisDown:
        if os.environ.get("VECHE_REQUIRE_REDIS"):
            pytest.fail(f"Redis is required but unreachable at {REDIS}")
        pytest.skip(f"Redis unreachable at {REDIS}; CI runs this against its Redis")
    return REDIS


def test_without_redis_a_job_runs_inline(client, mailbox, app, monkeypatch) -> None:
    meeting = open_through_pages(client, mailbox)
    mailbox.messages.clear()
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setattr("voting.core.clock.now", lambda: meeting.closes_at - timedelta(days=2))
    assert jobs.run("send_reminders") == 2 and len(mailbox.messages) == 2


def test_with_redis_the_job_goes_through_the_queue_and_a_worker(client, mailbox, app, monkeypatch,
                                                               redis_url) -> None:
    from rq import SimpleWorker

    meeting = open_through_pages(client, mailbox)
    decide(meeting, "1", {"1": "for"}, meeting.opens_at + timedelta(hours=1))
    mailbox.messages.clear()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setattr("voting.core.jobs.QUEUE", f"veche-test-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr("voting.core.clock.now", lambda: meeting.closes_at - timedelta(days=2))
    job = jobs.run("send_reminders")
    queue = jobs.queue()
    assert queue.count == 1 and not mailbox.messages  # queued, not yet run
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == 1
    assert len(mailbox.messages) == 1  # the owner who has not voted
    queue.delete(delete_jobs=True)
