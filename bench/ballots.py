"""Benchmark: signed ballots over HTTP (gunicorn, 2 sync workers, PostgreSQL on 127.0.0.1) and `veche verify`.

Measured in one run on a fresh PostgreSQL schema (dropped afterwards):
  trivial  the same server's cheapest route, GET /static/css/app.css (Flask's static view: the whole request
           path and the security headers, no session, no database), by the same 50 clients
  pgbench  the database's own ceiling for serialised appends to one meeting: 50 pgbench clients running a script
           that locks the meeting's log head (SELECT … FOR UPDATE), inserts one ballot entry of a real ballot's
           size at the head's index, moves the head and commits
  one      50 closed-loop clients submitting pre-signed ballots for 30 s, all into one meeting
  many     the same, spread over 100 meetings of the same building (the same register, manifest and voters:
           only the lock differs from `one`)
  verify   `veche verify` (in process, and as its own process) on the evidence bundle of a closed, counted
           meeting with 10,000 ballots of 10,000 owners in a building of 10,000 flats

The building has 1,000 flats, each with its own owner: an account linked to the ownership, a device key and a
live server-side session made by the sign-in code (cookie and CSRF token as the browser holds them). Ballots are
signed beforehand as the browser signs them, each owner's chain seq 1, 2, 3 … with `prev` the previous ballot's
hash; a client holds 1/50 of the owners and sends their ballots round-robin, so an owner's next ballot always
follows its accepted one (and no owner nears the 120/minute limit). A private memory-only redis-server holds the
rate limits and the receipt mail queue, as `VECHE_REDIS_URL` does in production (`--no-redis`: memory rate limits
per worker and receipts mailed inline to a local SMTP sink). For each run the CPU time of the gunicorn workers,
of PostgreSQL and of this process is reported per request. One JSON line sums up at the end.

    python bench/ballots.py [--database-url postgresql://postgres@127.0.0.1:5432/test] [--profile 300]

`--profile N` adds, after the HTTP runs, N more ballots in this process one at a time (the request's time and how
long the meeting's head stays locked: 1000 / that is what one meeting could take whatever the app tier), then a
cProfile of N more on stderr. BENCH_KEEP=FILE keeps a copy of the evidence bundle.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import gc
import hashlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# this file's name is the `ballots` package's: the project root comes first, the bench folder (helpers) last
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"), str(ROOT / "bench")]

from harness import (  # noqa: E402 - found through the path set above
    TRIVIAL_PATH,
    USER_AGENT,
    Request,
    Static,
    free_port,
    load,
    optional,
    pgbench,
    process,
    redis_server,
    smtp_sink,
    wait_for,
)

BALLOT_TAG = "OSS-BALLOT-v1"
CHOICES = ("for", "against", "abstain")


# --- the data ---------------------------------------------------------------------------------------------------

@dataclass
class Voter:
    """One owner in one meeting: account, device key, session cookie and CSRF token, the ballots signed ahead."""

    user_id: int
    owner_id: str
    premises: str
    signer: Any
    key_id: str
    meeting_id: int = 0
    cookie: str = ""
    csrf: str = ""
    bodies: list[bytes] = field(default_factory=list)
    sent: int = 0  # ballots accepted so far: bodies[sent] is the next one


def house(address: str, count: int, tag: str) -> tuple[Any, list[Voter]]:
    """A building of `count` flats and, for each, a verified owner account linked to it with a device key."""
    from sqlalchemy import insert, select

    from auth.models import DeviceKey, LinkMethod, OwnershipLink, User
    from ballots.signing import DeviceSigner
    from registry import synthetic
    from registry.models import Ownership, Premises
    from tests.factories import _hash, building
    from voting.core.extensions import db

    item = building(address, rows=synthetic.rows(count, synthetic.Mix(cadastral=False), tag=f"{tag}-"))
    holdings = db.session.execute(select(Ownership.id, Ownership.owner_id, Premises.number).join(Premises).where(
        Premises.building_id == item.id).order_by(Ownership.id)).all()
    user_ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"{tag}-{number}@bench.veche", "password_hash": _hash("bench-password"),
         "full_name": f"Собственник {tag}-{number}", "email_confirmed_at": datetime.now(UTC)}
        for _o, _w, number in holdings]).all()
    db.session.execute(insert(OwnershipLink), [{"user_id": u, "ownership_id": o, "method": LinkMethod.DEMO}
                                               for u, (o, _w, _n) in zip(user_ids, holdings, strict=True)])
    signers = [DeviceSigner() for _ in holdings]
    spkis = [s.spki for s in signers]
    key_ids = [hashlib.sha256(base64.b64decode(spki)).hexdigest()[:32] for spki in spkis]
    db.session.execute(insert(DeviceKey), [{"key_id": k, "user_id": u, "public_key": p, "label": "bench"}
                                           for k, u, p in zip(key_ids, user_ids, spkis, strict=True)])
    return item, [Voter(u, str(owner), number, s, k)
                  for u, (_o, owner, number), s, k in zip(user_ids, holdings, signers, key_ids, strict=True)]


def open_meeting(item: Any) -> Any:
    """An electronic meeting of the building, opened (register frozen, log started) by lifecycle.advance."""
    from voting.core.extensions import db
    from voting.meetings import lifecycle
    from voting.meetings.models import AgendaItem, Meeting, MeetingForm, MeetingKind, MeetingState

    now = datetime.now(UTC)
    meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.ANNOUNCED, opens_at=now - timedelta(hours=1),
                      closes_at=now + timedelta(days=5), notice_date=(now - timedelta(days=11)).date())
    db.session.add(meeting)
    for number, (title, code) in enumerate((("Избрать председателя", "44.2.5"), ("Утвердить план", "44.2.4")), 1):
        db.session.add(AgendaItem(meeting=meeting, number=number, title=title, subject=code))
    db.session.flush()
    assert lifecycle.advance(meeting, now)
    db.session.flush()
    return meeting


def sign_chain(voter: Voter, manifest_hash: str, agenda: list[str], length: int, rng: random.Random) -> None:
    """`length` ballots continuing the voter's chain, each the JSON body of a submission."""
    from ballots.canonical import canonical

    prev = None
    for seq in range(1, length + 1):
        payload = {"type": "ballot", "v": 1, "meeting_id": voter.meeting_id, "manifest_hash": manifest_hash,
                   "owner_id": voter.owner_id, "premises": [voter.premises],
                   "answers": {item: rng.choice(CHOICES) for item in agenda}, "seq": seq, "prev": prev,
                   "key_id": voter.key_id, "client_time": datetime.now(UTC).isoformat()}
        signature = voter.signer.sign(BALLOT_TAG, payload)
        prev = hashlib.sha256(canonical(BALLOT_TAG, payload)).hexdigest()
        voter.bodies.append(json.dumps({"payload": payload, "signature": signature}).encode())


def sign_in(app: Any, voters: list[Voter]) -> None:
    """A live server-side session for each voter, started by the sign-in code itself, and the session cookie and
    CSRF token a browser holds after signing in from 127.0.0.1."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    from auth.models import User
    from auth.sessions import start_session
    from voting.core.extensions import db

    serializer = app.session_interface.get_signing_serializer(app)
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_([v.user_id for v in voters]))}
    for voter in voters:
        with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                      headers={"User-Agent": USER_AGENT}):
            start_session(users[voter.user_id])
            g.pop("csrf_token", None)  # the app context (and its g) outlives each request context here
            voter.csrf = generate_csrf()
            voter.cookie = serializer.dumps(dict(session))


def manifest_facts(meeting_id: int) -> tuple[str, list[str]]:
    """The manifest hash and the agenda item ids a ballot answers."""
    from ballots import casting
    from ballots.models import LogHead
    from voting.core.extensions import db

    head = db.session.get(LogHead, meeting_id)
    assert head is not None
    return head.manifest_hash, [item["id"] for item in casting.manifest_of(meeting_id)["agenda"]]


class Ballots:
    """One client's owners: their ballots round-robin, the next of an owner only after its last was accepted."""

    expected = (201,)

    def __init__(self, voters: list[Voter], cookie_name: str) -> None:
        self.queue = deque(v for v in voters if v.sent < len(v.bodies))
        self.cookie_name = cookie_name

    def next(self) -> Request | None:
        if not self.queue:
            return None
        voter = self.queue[0]
        return "POST", f"/api/v1/meetings/{voter.meeting_id}/ballots", voter.bodies[voter.sent], {
            "Content-Type": "application/json", "X-CSRFToken": voter.csrf, "User-Agent": USER_AGENT,
            "Cookie": f"{self.cookie_name}={voter.cookie}"}

    def done(self, ok: bool) -> None:
        voter = self.queue.popleft()
        voter.sent += ok
        if voter.sent < len(voter.bodies):
            self.queue.append(voter)  # a refused ballot is sent again on the owner's next turn


# --- pgbench ----------------------------------------------------------------------------------------------------

def pgbench_script(sample: dict[str, Any], frontier: str) -> str:
    """Lock the head, insert one ballot entry as big as a real one at the head's index, move the head, commit."""
    # a space after every colon: pgbench would read `:null` as a variable
    payload = json.dumps(sample["payload"], separators=(",", ": ")).replace("'", "''")
    hex64 = "ab" * 32
    return "\n".join([
        "BEGIN;",
        "SELECT size AS n FROM ballot_log_heads WHERE meeting_id = :m FOR UPDATE \\gset",
        'INSERT INTO ballot_log_entries (meeting_id, "index", prev, type, payload, payload_hash, signature, key_id, '
        "server_time, entry_hash, root, ballot_hash, owner_ref, seq) VALUES "
        f"(:m, :n, '{hex64}', 'ballot', '{payload}', '{hex64}', '{sample['signature']}', "
        f"'{sample['payload']['key_id']}', '2026-11-21T10:00:00.000000+00:00', '{hex64}', '{hex64}', "
        "md5(CAST(:m AS text) || '-' || CAST(:n AS text)) || md5(CAST(:n AS text)), "
        "'pgbench-' || CAST(:client_id AS text), CAST(:n AS integer) + 1);",
        f"UPDATE ballot_log_heads SET size = CAST(:n AS integer) + 1, head_hash = '{hex64}', frontier = '{frontier}' "
        "WHERE meeting_id = :m;",
        "COMMIT;", ""])


# --- the 10,000-ballot bundle -----------------------------------------------------------------------------------

def bundle_file(app: Any, folder: Path, owners: int, ballots: int, timed: int = 20) -> tuple[Path, dict[str, Any]]:
    """A closed, counted meeting with `ballots` ballots of `owners` owners, exported as an evidence bundle.

    The last `timed` ballots go through casting.submit (the whole service path, timed; the receipt mail is left
    out). The others are recorded by the same append under the head lock that submit ends with (casting._append:
    the key's binding, the entry with the database clock, the decisions), committing every 500: submit's checks
    before the lock re-read the whole manifest for every ballot, which in a building of 10,000 flats would make
    this preparation take many minutes. `veche verify` re-checks every signature and chain link anyway."""
    from auth.models import DeviceKey, User
    from ballots import casting, evidence
    from ballots.canonical import digest
    from voting.core import jobs
    from voting.core.extensions import db
    from voting.meetings import lifecycle

    started = time.perf_counter()
    item, voters = house("г. Челябинск, бенчмарк бюллетеней, д. 10000", owners, "bundle")
    meeting = open_meeting(item)
    db.session.commit()
    manifest_hash, agenda = manifest_facts(meeting.id)
    rng = random.Random(11)
    per_owner = ballots // owners
    for voter in voters:
        voter.meeting_id = meeting.id
        sign_chain(voter, manifest_hash, agenda, per_owner, rng)
    users = {u.id: u for u in db.session.query(User).filter(User.id.in_([v.user_id for v in voters]))}
    keys = {k.key_id: k for k in db.session.query(DeviceKey).filter(DeviceKey.key_id.in_([v.key_id for v in voters]))}
    order = [(voter, round_) for round_ in range(per_owner) for voter in voters]
    for done, (voter, round_) in enumerate(order[:-timed], start=1):
        body = json.loads(voter.bodies[round_])
        casting._append(meeting, body["payload"], base64.b64decode(body["signature"]),
                        digest(BALLOT_TAG, body["payload"]), keys[voter.key_id], users[voter.user_id], None)
        if done % 500 == 0:
            db.session.commit()
    db.session.commit()
    appended = time.perf_counter()
    mailing, jobs.JOBS["mail_receipt"] = jobs.JOBS["mail_receipt"], lambda **_: None
    try:
        for voter, round_ in order[-timed:]:
            with app.test_request_context("/"):
                _receipt, new = casting.submit(users[voter.user_id], meeting, json.loads(voter.bodies[round_]))
            assert new
    finally:
        jobs.JOBS["mail_receipt"] = mailing
    submitted = time.perf_counter()
    assert meeting.closes_at is not None
    assert lifecycle.advance(meeting, meeting.closes_at)
    lifecycle.count(meeting)
    db.session.commit()
    path = folder / "evidence.json"
    path.write_bytes(evidence.dumps(evidence.bundle(meeting)))
    if os.environ.get("BENCH_KEEP"):  # e.g. to profile `veche verify` on it afterwards
        shutil.copyfile(path, os.environ["BENCH_KEEP"])
    return path, {"prepare_s": round(time.perf_counter() - started, 1),
                  "append_ms_per_ballot": round((appended - started) / (len(order) - timed) * 1000, 2),
                  "submit_ms_per_ballot": round((submitted - appended) / timed * 1000, 1)}


def verify_bundle(path: Path) -> dict[str, Any]:
    """`veche verify` on the bundle: in process (read, parse, every check, re-tally) and as a command."""
    from ballots.verify import loads, verify

    gc.collect()
    started = time.perf_counter()
    report = verify(loads(path.read_bytes()))
    in_process = time.perf_counter() - started
    assert report.valid, report.findings[:5]
    started = time.perf_counter()
    veche = str(Path(sys.executable).parent / "veche")
    out = subprocess.run([veche, "verify", str(path)], capture_output=True, text=True, cwd=ROOT)
    command = time.perf_counter() - started
    assert out.returncode == 0 and "VALID" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    return {"ballots": report.ballots, "entries": report.entries, "bundle_mb": round(path.stat().st_size / 2**20, 1),
            "in_process_s": round(in_process, 2), "command_s": round(command, 2)}


# --- the run ----------------------------------------------------------------------------------------------------

def post_ballot(client: Any, voter: Voter, cookie_name: str) -> None:
    """The voter's next ballot through the test client, as the browser sends it."""
    response = client.post(f"/api/v1/meetings/{voter.meeting_id}/ballots", data=voter.bodies[voter.sent],
                           headers={"X-CSRFToken": voter.csrf, "Content-Type": "application/json",
                                    "User-Agent": USER_AGENT, "Cookie": f"{cookie_name}={voter.cookie}"},
                           environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 201, response.get_data(as_text=True)
    voter.sent += 1


def lock_hold(app: Any, voters: list[Voter], cookie_name: str, count: int) -> dict[str, float]:
    """`count` more ballots in this process, one at a time: the request's time, and how long the meeting's head
    stays locked (from casting._append, whose first statement is the SELECT … FOR UPDATE, to the commit)."""
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event

    from ballots import casting

    holds: list[float] = []
    walls: list[float] = []
    locked = [0.0]
    original = casting._append

    def timed(*args: Any, **kwargs: Any) -> Any:
        locked[0] = time.perf_counter()
        return original(*args, **kwargs)

    def committed(_session: Any) -> None:
        if locked[0]:
            holds.append(time.perf_counter() - locked[0])
            locked[0] = 0.0

    client = app.test_client(use_cookies=False)
    casting._append = timed  # type: ignore[assignment]
    event.listen(Session, "after_commit", committed)
    try:
        for voter in [v for v in voters if v.sent < len(v.bodies)][:count]:
            started = time.perf_counter()
            post_ballot(client, voter, cookie_name)
            walls.append(time.perf_counter() - started)
    finally:
        casting._append = original  # type: ignore[assignment]
        event.remove(Session, "after_commit", committed)
    hold = sorted(holds)[len(holds) // 2] * 1000
    return {"request_ms_median": round(sorted(walls)[len(walls) // 2] * 1000, 2), "lock_hold_ms_median": round(hold, 2),
            "one_meeting_ceiling_per_s": round(1000 / hold, 1)}


def profile_submits(app: Any, voters: list[Voter], cookie_name: str, count: int) -> None:
    """cProfile of `count` more ballots through the test client, each request in its own app context (stderr)."""
    import cProfile
    import pstats

    client = app.test_client(use_cookies=False)
    pending = [v for v in voters if v.sent < len(v.bodies)][:count]
    profile = cProfile.Profile()
    profile.enable()
    for voter in pending:
        post_ballot(client, voter, cookie_name)
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(rf"{ROOT}/(auth|ballots|voting)/|flask_limiter|rq/queue", 40)
    stats.sort_stats("tottime").print_stats(25)
    stats.print_callees(r"casting.py:\d+\((submit|_append)\)|policy.py:\d+\(guarded\)")


def ballots_in(meeting_ids: list[int]) -> int:
    from sqlalchemy import func, select

    from ballots.models import LogEntry
    from voting.core.extensions import db

    return db.session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.meeting_id.in_(meeting_ids), LogEntry.type == "ballot")) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30, help="each ballot run")
    parser.add_argument("--warmup", type=float, default=3, help="ballots sent before each measured run")
    parser.add_argument("--baseline-seconds", type=float, default=10, help="the trivial route")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--owners", type=int, default=1000, help="flats of the building, each with a voting owner")
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--max-rate", type=float, default=1000, help="ballots/s the pre-signed chains must last for")
    parser.add_argument("--bundle-ballots", type=int, default=10_000)
    parser.add_argument("--bundle-owners", type=int, default=10_000)
    parser.add_argument("--no-redis", action="store_true", help="memory rate limits, receipts mailed inline")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="afterwards, time the head lock of this many more "
                                                                   "ballots in process, and cProfile as many again")
    args = parser.parse_args()
    begun = time.perf_counter()
    from cryptography.fernet import Fernet

    os.environ.update({"VECHE_ENV": "production", "VECHE_SECRET_KEY": secrets.token_urlsafe(32),
                       "VECHE_DATA_KEYS": Fernet.generate_key().decode(),
                       "VECHE_SERVER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()})
    for name in ("VECHE_REDIS_URL", "VECHE_SMTP_HOST", "VECHE_SMTP_PORT"):
        os.environ.pop(name, None)

    from flask_migrate import upgrade
    from register_import import database
    from sqlalchemy import text

    from voting.app import create_app
    from voting.core.extensions import db

    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    result: dict[str, Any] = {"commit": commit.stdout.strip() or None, "database": "postgresql",
                              "workers": args.workers, "clients": args.clients,
                              "seconds": args.seconds, "redis": not args.no_redis, "owners": args.owners,
                              "meetings_many": args.meetings}
    with tempfile.TemporaryDirectory() as name, database(args.database_url, Path(name) / "unused") as url:
        folder = Path(name)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        rng = random.Random(7)
        with app.app_context():
            upgrade()
            item, voters = house("г. Челябинск, бенчмарк бюллетеней, д. 1", args.owners, "one")
            one = open_meeting(item).id
            many = [open_meeting(item).id for _ in range(args.meetings)]
            target = open_meeting(house("г. Челябинск, бенчмарк pgbench, д. 1", 1, "pgbench")[0]).id
            db.session.commit()
            sign_in(app, voters)
            db.session.commit()
            db.session.execute(text("ANALYZE"))  # the statistics autovacuum keeps in production: plans as there
            db.session.commit()
            prepared = time.perf_counter()
            one_voters = [dataclasses.replace(v, meeting_id=one, bodies=[]) for v in voters]
            rng.shuffle(voters)  # every client's owners vote in many meetings
            many_voters = [dataclasses.replace(v, meeting_id=many[i % len(many)], bodies=[])
                           for i, v in enumerate(voters)]
            length = int(args.max_rate * (args.seconds + args.warmup) / args.owners) + 2
            facts = {mid: manifest_facts(mid) for mid in [one, *many]}
            for voter in one_voters + many_voters:
                sign_chain(voter, *facts[voter.meeting_id], length, rng)
            result |= {"ballots_signed_per_owner": length, "setup_s": round(prepared - begun, 1),
                       "signing_s": round(time.perf_counter() - prepared, 1)}
            frontier = json.dumps([[2 ** k, "ab" * 32] for k in range(13, -1, -1)]).replace(" ", "")
            script = pgbench_script(json.loads(one_voters[0].bodies[0]), frontier)
            db.session.remove()
            db.engine.dispose()

        env = os.environ | {"VECHE_DATABASE_URL": url}
        with optional(not args.no_redis, lambda: redis_server(folder)) as redis_url, \
                optional(args.no_redis, smtp_sink) as smtp_port:
            if redis_url:
                env["VECHE_REDIS_URL"] = redis_url
            if smtp_port:
                env |= {"VECHE_SMTP_HOST": "127.0.0.1", "VECHE_SMTP_PORT": str(smtp_port)}
            port = free_port()
            gunicorn = str(Path(sys.executable).parent / "gunicorn")
            with process([gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                          "wsgi:app"], folder / "gunicorn.log", env) as server:
                wait_for(port, TRIVIAL_PATH, server)
                load(port, server.pid, [Static() for _ in range(args.clients)], 2)
                trivial = load(port, server.pid, [Static() for _ in range(args.clients)], args.baseline_seconds)
                result["trivial"] = trivial.summary() | {"path": TRIVIAL_PATH}
                result["pgbench"] = pgbench(url, target, script, args.clients, args.pgbench_seconds, folder,
                                             server.pid)
                for label, group in (("one", one_voters), ("many", many_voters)):
                    sources = [Ballots(group[c::args.clients], cookie_name) for c in range(args.clients)]
                    load(port, server.pid, sources, args.warmup)
                    unbound = {id(v) for v in group if v.sent == 0}
                    sources = [Ballots(group[c::args.clients], cookie_name) for c in range(args.clients)]
                    run = load(port, server.pid, sources, args.seconds)
                    # an owner's first ballot in a meeting also appends the key's binding: two entries under the lock
                    result[label] = run.summary() | {"first_ballots": sum(1 for v in group if id(v) in unbound
                                                                          and v.sent)}
                    if run.samples:
                        result[label]["error_samples"] = run.samples
                    print(f"{label}: {json.dumps(result[label], ensure_ascii=False)}", file=sys.stderr)
            with app.app_context():
                for label, group, ids in (("one", one_voters, [one]), ("many", many_voters, many)):
                    result[label]["recorded"] = ballots_in(ids)
                    assert result[label]["recorded"] == sum(v.sent for v in group), (label, result[label])
                db.session.remove()
            if args.profile:  # in this process, configured as the server was (uncontended, one at a time)
                app.config.update({"REDIS_URL": redis_url, "SMTP_HOST": "127.0.0.1" if smtp_port else None,
                                   "SMTP_PORT": smtp_port or 25})
                result["in_process"] = lock_hold(app, one_voters, cookie_name, args.profile)
                profile_submits(app, one_voters, cookie_name, args.profile)
                app.config.update({"REDIS_URL": None, "SMTP_HOST": None})
        if not args.skip_verify:
            with app.app_context():
                path, prepared_bundle = bundle_file(app, folder, args.bundle_owners, args.bundle_ballots)
                db.session.remove()
                db.engine.dispose()
            result["verify"] = verify_bundle(path) | prepared_bundle
        else:
            with app.app_context():
                db.engine.dispose()
    one_rate, many_rate = result["one"]["per_s"], result["many"]["per_s"]
    result["ratios"] = {"one_to_pgbench": round(one_rate / result["pgbench"]["per_s"], 3),
                        "one_to_trivial": round(one_rate / result["trivial"]["per_s"], 3),
                        "many_to_pgbench": round(many_rate / result["pgbench"]["per_s"], 3),
                        "many_to_trivial": round(many_rate / result["trivial"]["per_s"], 3),
                        "many_to_one": round(many_rate / one_rate, 2)}
    # the most a ballot could reach if it cost no more CPU than the trivial request plus pgbench's transaction (and
    # nothing of its own: no session, JSON, signature, checks, receipt), with every core of the machine busy
    floor_ms = sum(result["trivial"]["cpu_ms_per_request"].values()) + sum(
        result["pgbench"]["cpu_ms_per_transaction"].values())
    bound = (os.cpu_count() or 1) * 1000 / floor_ms
    result["bound"] = {"cpu_ms": round(floor_ms, 2), "per_s": round(bound, 1),
                       "to_pgbench": round(bound / result["pgbench"]["per_s"], 3)}
    result["targets"] = {
        "one_at_least_half_of_pgbench": result["ratios"]["one_to_pgbench"] >= 0.5,
        "p95_under_100_ms": result["one"]["p95_ms"] < 100 and result["many"]["p95_ms"] < 100,
        "no_errors": result["one"]["errors"] == 0 and result["many"]["errors"] == 0,
        "many_higher_than_one": many_rate > one_rate}
    if "verify" in result:
        result["targets"]["verify_within_5_s"] = max(result["verify"]["in_process_s"],
                                                     result["verify"]["command_s"]) <= 5
    result["total_s"] = round(time.perf_counter() - begun, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
