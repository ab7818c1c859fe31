"""The per-meeting hash-chained log (FORMATS.md §5): appends under a row lock on the log head, with the database's
clock, an RFC 6962 tree head kept incrementally, and checkpoints signed by the server key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ballots.canonical import canonical, digest
from ballots.chain import (
    CHECKPOINT_TAG,
    GENESIS,
    PAYLOAD_TAGS,
    checkpoint_body,
    entry_core,
    entry_hash,
    frontier_from_json,
    frontier_to_json,
    payload_tag,
    push,
    rfc3339,
    root,
)
from ballots.models import Checkpoint, LogEntry, LogHead
from voting.core.extensions import db
from voting.core.server_key import server_key

CHECKPOINT_EVERY = 100  # entries between the periodic checkpoints while voting


# --- time and locking -----------------------------------------------------------------------------------------

class Clock(FunctionElement[Any]):
    """The database's clock as a column, to read it in the same round trip as other facts (`clock_time`)."""

    inherit_cache = True


@compiles(Clock, "postgresql")
def _postgresql_clock(_element: Clock, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "clock_timestamp()"  # the time now, not the transaction's start


@compiles(Clock)
def _sqlite_clock(_element: Clock, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def clock_time(value: datetime | str) -> datetime:
    """A `Clock` column's value as an aware datetime; tests may put their own clock in `veche.clock`."""
    clock: Callable[[], datetime] | None = current_app.extensions.get("veche.clock")
    if clock is not None:
        return clock()
    return value if isinstance(value, datetime) else datetime.fromisoformat(value).replace(tzinfo=UTC)


def database_now() -> datetime:
    """The database's clock (one clock for every app server)."""
    return clock_time(db.session.scalar(select(Clock())))


def lock_head(meeting_id: int) -> LogHead | None:
    """The meeting's log head, locked until the transaction ends (`SELECT … FOR UPDATE`); read the clock after this
    returns, so that an entry's time is never earlier than the entries before it."""
    return db.session.scalar(select(LogHead).where(LogHead.meeting_id == meeting_id)
                             .with_for_update().execution_options(populate_existing=True))


# --- appending ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Appended:
    """An entry just appended, as its callers read it back (receipt, decisions, checkpoint, mail job)."""

    id: int
    meeting_id: int
    index: int
    entry_hash: str
    server_time: str
    root: str
    ballot_hash: str | None


_ENTRIES = db.metadata.tables[LogEntry.__tablename__]
# inserted by Core, not by the unit of work (a ballot's hot path): the same row, the columns not given NULL
_INSERT = insert(_ENTRIES).returning(_ENTRIES.c.id)


def append(head: LogHead, entry_type: str, payload: dict[str, Any], signature: str, key_id: str, at: datetime,
           **columns: Any) -> Appended:
    """Append one entry to a locked head (inserted now, the head's move flushed later); the caller commits."""
    body = canonical(payload_tag(entry_type), payload)
    payload_hash = hashlib.sha256(body).hexdigest()
    server_time = rfc3339(at)
    core = entry_core(head.size, head.head_hash, entry_type, payload_hash, server_time)
    hashed = entry_hash(core)
    frontier = push(frontier_from_json(head.frontier), hashed)
    tree_head = root(frontier)
    with db.session.no_autoflush:  # the head moves in the caller's flush: once for a key's binding and its ballot
        entry_id = db.session.execute(_INSERT, {
            "meeting_id": head.meeting_id, "index": head.size, "prev": head.head_hash, "type": entry_type,
            "payload": body.split(b"\n", 1)[1].decode(), "payload_hash": payload_hash, "signature": signature,
            "key_id": key_id, "server_time": server_time, "entry_hash": hashed, "root": tree_head,
            **columns}).scalar_one()
    entry = Appended(entry_id, head.meeting_id, head.size, hashed, server_time, tree_head, columns.get("ballot_hash"))
    head.size, head.head_hash, head.frontier = head.size + 1, hashed, frontier_to_json(frontier)
    if entry_type in ("ballot", "paper_decision") and head.size % CHECKPOINT_EVERY == 0:
        checkpoint(head, entry.root, at)
    return entry


def append_signed(head: LogHead, entry_type: str, payload: dict[str, Any], at: datetime,
                  **columns: Any) -> Appended:
    """Append an entry the server itself signs (manifest, key bindings, close, tally, protocol)."""
    key = server_key()
    return append(head, entry_type, payload, key.sign(canonical(payload_tag(entry_type), payload)), key.fingerprint,
                  at, **columns)


def checkpoint(head: LogHead, root: str, at: datetime) -> Checkpoint:
    """Sign the tree head as it stands."""
    stamp = rfc3339(at)
    point = Checkpoint(meeting_id=head.meeting_id, size=head.size, root=root, at=stamp,
                       signature=server_key().sign(canonical(CHECKPOINT_TAG, checkpoint_body(
                           head.meeting_id, head.size, root, stamp))))
    db.session.add(point)
    return point


def start(meeting_id: int, manifest: dict[str, Any], at: datetime) -> LogHead:
    """Begin a meeting's log with its signed manifest, and publish the first checkpoint."""
    manifest_hash = digest(PAYLOAD_TAGS["manifest"], manifest)
    head = LogHead(meeting_id=meeting_id, size=0, head_hash=GENESIS, frontier="[]", manifest_hash=manifest_hash)
    db.session.add(head)
    db.session.flush()
    entry = append_signed(head, "manifest", manifest, at)
    checkpoint(head, entry.root, at)
    db.session.flush()
    return head


def entries(meeting_id: int) -> list[LogEntry]:
    return list(db.session.scalars(select(LogEntry).where(LogEntry.meeting_id == meeting_id)
                                   .order_by(LogEntry.index)))
