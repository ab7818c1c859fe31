"""Casting under load, on a database that really commits: the same ballot sent 50 times at once, 20 ballots racing
for one `seq`, 300 owners voting together (the log, the tally, the recount and the evidence agree), and the close
racing 50 submissions. Each request runs in a thread of its own, released together by a barrier."""

from __future__ import annotations

import functools
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from flask import Flask, session
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_wtf.csrf import generate_csrf
from werkzeug.test import TestResponse

from auth.models import User, UserSession
from ballots import casting, chain, evidence, log
from ballots.models import LogEntry
from ballots.verify import verify
from tests.conftest import Mailbox, fresh_database, make_app
from tests.factories import flat
from tests.factories.ballots import Open, Voter, ballot, open_meeting
from voting.cli import cli
from voting.core.extensions import db, limiter, write_transaction
from voting.domain.tally import tally, to_json
from voting.meetings import lifecycle
from voting.meetings.dossier import dossier_of
from voting.meetings.models import Meeting
from voting.recount import recount_command

T = TypeVar("T")
CHOICES = ("for", "against", "abstain")
Signing = Callable[[Open], list[tuple[Voter, dict[str, Any]]]]


@pytest.fixture(scope="module")
def committing_app(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int]) -> Iterator[Flask]:
    """The app on a database of its own (parallel requests need real commits), with rate limits off: 300 owners
    voting from one address is the scenario here."""
    with fresh_database(tmp_path_factory) as url, pytest.MonkeyPatch.context() as patch:
        patch.setattr(limiter, "enabled", limiter.enabled)  # the limiter is shared: give later apps theirs back
        application = make_app(url, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server[1], RATELIMIT_ENABLED=False)
        with application.app_context():
            upgrade()
        try:
            yield application
        finally:
            with application.app_context():
                db.engine.dispose()


@dataclass(frozen=True)
class Post:
    """One submission ready to send: a client of its own signed in as the voter, its CSRF token, the signed body."""

    client: FlaskClient
    token: str
    url: str
    body: dict[str, Any]

    def send(self) -> TestResponse:
        return self.client.post(self.url, json=self.body, headers={"X-CSRFToken": self.token})


def signed_in(app: Flask, account: User) -> tuple[FlaskClient, str]:
    """A client with a live server-side session for the account (no sign-in pages), and its CSRF token."""
    sid = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=sid, user_id=account.id))
    with app.app_context(), app.test_request_context():  # a context of its own: generate_csrf caches in `g`
        token = generate_csrf()
        raw = session["csrf_token"]
    client = app.test_client()
    with client.session_transaction() as state:
        state.update({"sid": sid, "_user_id": str(account.id), "_fresh": True, "csrf_token": raw})
    return client, token


def prepare(app: Flask, flats: int, sign: Signing) -> tuple[int, list[Post]]:
    """A committed meeting, open, in a building of `flats` flats each with an owner holding a device key; and a
    signed-in client for each (voter, ballot) that `sign` gives."""
    with app.app_context():
        state = open_meeting([flat(str(n), owner=f"Собственник Номер {n}",
                                   egrn_record=f"74:36:0102003:{n}-74/001/2020-1") for n in range(1, flats + 1)])
        url = f"/api/v1/meetings/{state.meeting.id}/ballots"
        posts = [Post(*signed_in(app, voter.user), url, body) for voter, body in sign(state)]
        db.session.commit()
        return state.meeting.id, posts


def each_votes(state: Open) -> list[tuple[Voter, dict[str, Any]]]:
    """Every voter's first ballot, the choices varying from owner to owner."""
    return [(v, ballot(state, v, {"1": CHOICES[n % 3], "2": CHOICES[n % 2]})) for n, v in enumerate(state.voters)]


def race(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run each call in a thread of its own, all released at once by a barrier; the results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(responses: Sequence[TestResponse]) -> list[int]:
    """The status codes, sorted, none of them a server error (with TESTING an exception would be raised anyway)."""
    codes = sorted(r.status_code for r in responses)
    assert codes[-1] < 500, [r.get_data(as_text=True) for r in responses if r.status_code >= 500][:3]
    return codes


def body(response: TestResponse) -> dict[str, Any]:
    """The response's JSON object."""
    data = response.get_json()
    assert isinstance(data, dict), response.get_data(as_text=True)
    return data


def entries(meeting_id: int, kind: str) -> list[LogEntry]:
    """The meeting's log entries of one type, in log order."""
    return [e for e in log.entries(meeting_id) if e.type == kind]


def test_the_same_ballot_sent_fifty_times_at_once_is_one_entry_with_one_receipt(
        committing_app: Flask, mailbox: Mailbox) -> None:
    meeting_id, posts = prepare(committing_app, 1, lambda state: [
        (state.voters[0], ballot(state, state.voters[0], {"1": "for", "2": "against"}))] * 50)
    responses = race([p.send for p in posts])
    assert statuses(responses) == [200] * 49 + [201]
    receipts = [body(r) for r in responses]
    assert all(r == receipts[0] for r in receipts)
    with committing_app.app_context():
        assert [e.ballot_hash for e in entries(meeting_id, "ballot")] == [receipts[0]["ballot_hash"]]
        assert len(entries(meeting_id, "key_registered")) == 1
    assert body(posts[0].client.get(f"/api/v1/receipts/{receipts[0]['ballot_hash']}")) == receipts[0]
    assert len([m for m in mailbox.messages if receipts[0]["tracker"] in m["Subject"]]) == 1


def test_twenty_ballots_racing_for_seq_one_accept_one_and_refuse_the_rest_naming_it(committing_app: Flask) -> None:
    def sign(state: Open) -> list[tuple[Voter, dict[str, Any]]]:
        voter = state.voters[0]
        return [(voter, ballot(state, voter, {"1": CHOICES[n % 3]}, seq=1, prev=None)) for n in range(20)]

    meeting_id, posts = prepare(committing_app, 1, sign)
    responses = race([p.send for p in posts])
    assert statuses(responses) == [201] + [409] * 19
    assert all(body(r)["current_seq"] == 1 for r in responses if r.status_code == 409)
    accepted = next(body(r) for r in responses if r.status_code == 201)
    with committing_app.app_context():
        assert [e.ballot_hash for e in entries(meeting_id, "ballot")] == [accepted["ballot_hash"]]


def test_three_hundred_owners_voting_at_once_leave_one_chain_that_recounts_and_verifies(
        committing_app: Flask, tmp_path: Path) -> None:
    meeting_id, posts = prepare(committing_app, 300, each_votes)
    responses = race([p.send for p in posts])
    assert statuses(responses) == [201] * 300
    with committing_app.app_context():
        rows = log.entries(meeting_id)
        assert [e.index for e in rows] == list(range(len(rows)))
        prev = chain.GENESIS
        for entry in rows:
            assert entry.prev == prev
            prev = chain.entry_hash(chain.entry_core(entry.index, entry.prev, entry.type, entry.payload_hash,
                                                     entry.server_time))
            assert entry.entry_hash == prev
        ballots = [e for e in rows if e.type == "ballot"]
        assert len(ballots) == 300
        assert sorted(body(r)["index"] for r in responses) == [e.index for e in ballots]

        meeting = db.session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.closes_at is not None
        assert lifecycle.advance(meeting, at=meeting.closes_at)
        web = to_json(lifecycle.count(meeting))
        db.session.commit()
        assert to_json(tally(dossier_of(meeting))) == web and web["decisions"]["counted"] == 300
        dossier = tmp_path / "dossier.json"
        exported = committing_app.test_cli_runner().invoke(cli, ["dossier", str(meeting_id), "-o", str(dossier)])
        assert exported.exit_code == 0, exported.output
        recount = CliRunner().invoke(recount_command, [str(dossier), "--json"])
        assert recount.exit_code == 0 and json.loads(recount.output) == web
        report = verify(evidence.bundle(meeting))
    assert report.valid, [str(f) for f in report.findings]
    assert report.ballots == 300 and report.result == web


def test_a_close_racing_fifty_submissions_leaves_every_ballot_before_it_and_refuses_the_rest_as_late(
        committing_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    meeting_id, posts = prepare(committing_app, 50, each_votes)
    eager, stragglers = posts[:40], posts[40:]
    some_in, closing = threading.Event(), threading.Event()
    commits = itertools.count(1)

    def counted(_entry: LogEntry) -> None:
        if next(commits) == 10:
            some_in.set()

    def close() -> None:
        """Once ten ballots are in, close, and hold the close's transaction open while the stragglers queue."""
        some_in.wait(timeout=30)
        # the write lock first, as lifecycle.advance_locked does; held open a little while the stragglers queue
        with committing_app.app_context(), write_transaction():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting is not None and meeting.closes_at is not None
            assert lifecycle.advance(meeting, at=meeting.closes_at)
            closing.set()
            time.sleep(0.2)
            db.session.commit()

    def straggle(post: Post) -> TestResponse:
        closing.wait(timeout=30)
        return post.send()

    monkeypatch.setattr(casting, "after_commit", counted)
    calls: list[Callable[[], TestResponse | None]] = [
        close, *(p.send for p in eager), *(functools.partial(straggle, p) for p in stragglers)]
    responses = [r for r in race(calls) if r is not None]
    assert set(statuses(responses)) <= {201, 409}
    with committing_app.app_context():
        [closed] = entries(meeting_id, "close")
        ballots = entries(meeting_id, "ballot")
        assert json.loads(closed.payload)["ballots"] == len(ballots)
    assert ballots and all(e.index < closed.index for e in ballots)
    receipts = [body(r) for r in responses if r.status_code == 201]
    assert sorted(r["index"] for r in receipts) == [e.index for e in ballots]
    assert all(body(r)["reason"] == "late" for r in responses if r.status_code == 409)
    assert len(receipts) >= 10 and [r.status_code for r in responses[len(eager):]] == [409] * len(stragglers)
