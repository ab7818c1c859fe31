"""The log follows the meeting: the manifest at opening, `close` at the close, `tally` at counting, and
`key_revoked` wherever a revoked key had signed; each with a checkpoint where the law of the log needs one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ballots import log, manifest, receipts
from ballots.models import LogEntry, LogHead
from voting.core import jobs
from voting.core.extensions import db
from voting.core.signals import key_revoked, meeting_closed, meeting_counted, meeting_opened
from voting.meetings.models import Meeting


def _opened(meeting: Meeting, at: datetime, **_: Any) -> None:
    if db.session.get(LogHead, meeting.id) is None:
        log.start(meeting.id, manifest.build(meeting), log.database_now())


def _closed(meeting: Meeting, at: datetime, **_: Any) -> None:
    close_log(meeting)


def close_log(meeting: Meeting) -> None:
    """Append the `close` entry (once) and a checkpoint: from now on the log takes no ballots."""
    head = log.lock_head(meeting.id)
    if head is None or head.closed:
        return
    ballots = db.session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.meeting_id == meeting.id, LogEntry.type == "ballot")) or 0
    assert meeting.closes_at is not None
    entry = log.append_signed(head, "close", {"type": "close", "meeting_id": meeting.id,
                                              "closes_at": log.rfc3339(meeting.closes_at), "ballots": ballots},
                              log.database_now())
    head.closed = True
    log.checkpoint(head, entry.root, log.database_now())


def _counted(meeting: Meeting, result: dict[str, Any], **_: Any) -> None:
    head = log.lock_head(meeting.id)
    if head is None or head.counted:
        return
    entry = log.append_signed(head, "tally", result, log.database_now())
    head.counted = True
    log.checkpoint(head, entry.root, log.database_now())  # the final checkpoint: verifiers compare against it


def _key_revoked(key_id: str, **_: Any) -> None:
    meetings = db.session.scalars(select(LogEntry.meeting_id).distinct().join(
        LogHead, LogHead.meeting_id == LogEntry.meeting_id).where(
        LogEntry.type == "key_registered", LogEntry.bound_key == key_id, LogHead.closed.is_(False)))
    for meeting_id in list(meetings):
        head = log.lock_head(meeting_id)
        assert head is not None
        log.append_signed(head, "key_revoked", {"type": "key_revoked", "key_id": key_id}, log.database_now(),
                          bound_key=key_id)


def connect() -> None:
    """Connect the receivers (once per process; blinker keeps one connection per receiver)."""
    meeting_opened.connect(_opened)
    meeting_closed.connect(_closed)
    meeting_counted.connect(_counted)
    key_revoked.connect(_key_revoked)
    jobs.register("mail_receipt", receipts.mail_receipt)
