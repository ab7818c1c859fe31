"""Paper decisions keyed in by the administrator or a counting-commission member: the scan is kept (by its SHA-256),
the decision is signed with the officer's own device key and appended to the log as a `paper_decision` entry.
They may be keyed in after the close (paper arrives by then, counting follows), never after the tally."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from auth.models import User
from ballots import log
from ballots.canonical import digest
from ballots.casting import (
    active_key,
    add_decisions,
    bind_key,
    load,
    manifest_facts,
    raw_signature,
    refuse_if_owner_voted,
    signed_bytes,
    verify_signature,
)
from ballots.models import LogEntry, LogHead, PaperScan
from voting.core import clock, uploads
from voting.core.errors import ConflictError, InvalidInputError
from voting.core.extensions import db, write_transaction
from voting.domain import dossier as dossiers
from voting.domain.dossier import CHOICES
from voting.domain.tally import tally
from voting.meetings.dossier import dossier_of
from voting.meetings.models import Meeting

PAPER = "paper_decision"
TAG = log.PAYLOAD_TAGS[PAPER]



def keep_scan(meeting: Meeting, user: User, content: bytes) -> PaperScan:
    """Store a scanned page once (its content is checked by magic bytes, never by the name)."""
    mime = uploads.accept(content, uploads.SCAN, uploads.SCAN_MAX_BYTES, "scan")
    sha256 = hashlib.sha256(content).hexdigest()
    scan = db.session.scalar(select(PaperScan).where(PaperScan.meeting_id == meeting.id, PaperScan.sha256 == sha256))
    if scan is None:
        scan = PaperScan(meeting_id=meeting.id, sha256=sha256, mime=mime, content=content, uploaded_by_id=user.id)
        db.session.add(scan)
        db.session.flush()
    return scan


def payload(meeting: Meeting, key_id: str, owner_id: str, premises: str, received_at: datetime,
            answers: dict[str, str | list[str]], scan_sha256: str, representative: str | None,
            proxy_valid_until: date | None, check_of: int | None = None) -> dict[str, Any]:
    """What the officer signs: one paper decision, as read from the page."""
    head = db.session.get(LogHead, meeting.id)
    if head is None:
        raise ConflictError(_("Голосование по этому собранию ещё не открыто."))
    agenda, register = manifest_facts(meeting.id, head.manifest_hash)
    if (owner_id, premises) not in register:
        raise InvalidInputError(_("Собственник %(owner)s не владеет помещением %(premises)s по реестру собрания.",
                                  owner=owner_id, premises=premises), field="owner")
    for item, answer in answers.items():
        marks = answer if isinstance(answer, list) else [answer]
        if item not in agenda or not marks or any(m not in CHOICES for m in marks):
            raise InvalidInputError(_("Вопрос %(item)s: неверная отметка.", item=item), field=f"answers.{item}")
    if not answers:
        raise InvalidInputError(_("В решении нет ни одной отметки."), field="answers")
    if received_at > clock.now() + timedelta(minutes=5):  # the clerk's clock may run a little ahead of ours
        raise InvalidInputError(_("Дата получения ещё не наступила: укажите, когда решение получено."),
                                field="received_at")
    try:
        received = log.rfc3339(received_at)
    except (OverflowError, ValueError):  # a date at the calendar's edge that UTC would push past it
        raise InvalidInputError(_("Дата получения вне допустимого диапазона."), field="received_at") from None
    body: dict[str, Any] = {
        "type": PAPER, "v": 1, "meeting_id": meeting.id, "manifest_hash": head.manifest_hash, "owner_id": owner_id,
        "premises": [premises], "answers": answers, "received_at": received,
        "scan_sha256": scan_sha256, "key_id": key_id}
    if representative:
        body["representative"] = {"name": representative, **(
            {"proxy_valid_until": proxy_valid_until.isoformat()} if proxy_valid_until else {})}
    if check_of is not None:
        body["check_of"] = check_of
    return body


@dataclasses.dataclass(frozen=True)
class Standing:
    """What keying in a decision does to the count, told to the clerk before signing and after."""

    outcome: str  # counted, replaces, not_counted
    reason: str | None  # the tally's reason when not counted: before_opening, late, duplicate, proxy_expired, ...
    before: Fraction  # participation now, in votes (m²)
    after: Fraction  # participation with this decision


def standing(meeting: Meeting, owner_id: str, premises: str, received_at: datetime, answers: dict[str, Any],
             representative: str | None = None, proxy_valid_until: date | None = None) -> Standing:
    """Count the meeting with and without the decision, by the one tally: a decision that changes nothing (the
    owner's later online ballot wins, a co-owner's decision holds a joint vote, it arrived before the opening)
    is said so, rather than «внесено» alone while the participation stays where it was."""
    data = dossier_of(meeting)
    decision = dossiers.Decision(
        owner=owner_id, premises=premises, received_at=received_at.astimezone(UTC), source="paper",
        answers={k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()},
        representative=dossiers.Representative(representative, proxy_valid_until) if representative else None)
    before = tally(data)
    after = tally(dataclasses.replace(data, decisions=(*data.decisions, decision)))
    if any(c.decision is decision for c in after.counted):
        already = any((c.decision.owner, c.decision.premises) == (owner_id, premises) for c in before.counted)
        return Standing("replaces" if already else "counted", None, before.participating, after.participating)
    reasons = [r.reason for r in after.rejected if (r.owner, r.premises, r.received_at) == (
        owner_id, premises, decision.received_at)]
    return Standing("not_counted", reasons[0] if reasons else None, before.participating, after.participating)


class RepresentativeSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True)
    proxy_valid_until = fields.Date()


class PaperSchema(Schema):
    """A signed paper decision's shape, checked before anything reads it (the rest: rebuilt and compared)."""

    class Meta:
        unknown = RAISE

    type = fields.String(required=True)
    v = fields.Integer(required=True, strict=True)
    meeting_id = fields.Integer(required=True, strict=True)
    manifest_hash = fields.String(required=True)
    owner_id = fields.String(required=True)
    premises = fields.List(fields.String(), required=True, validate=validate.Length(equal=1))
    answers = fields.Dict(required=True)
    received_at = fields.AwareDateTime(required=True, format="iso")
    scan_sha256 = fields.String(required=True)
    key_id = fields.String(required=True)
    representative = fields.Nested(RepresentativeSchema)
    check_of = fields.Integer(strict=True)


_PAPER = PaperSchema()


def _read(body: Any) -> tuple[datetime, str | None, date | None]:
    """A signed decision's time of receipt (in UTC, as signed) and its representative's name and proxy term; a 422
    naming the key when its shape is wrong."""
    if not isinstance(body, dict):
        raise InvalidInputError(_("Решение должно быть объектом JSON."), field="payload")
    loaded = load(_PAPER, body, "payload")
    try:
        received_at = loaded["received_at"].astimezone(UTC)
    except OverflowError:  # a date at the calendar's edge that UTC would push past it
        raise InvalidInputError(_("Дата получения не читается."), field="payload.received_at") from None
    representative = loaded.get("representative") or {}
    return received_at, representative.get("name"), representative.get("proxy_valid_until")


def record(meeting: Meeting, user: User, body: Any, signature_b64: str) -> log.Appended:
    """Check the officer's signature over the payload they were shown, and append it; the caller commits."""
    received_at, representative_name, proxy_valid_until = _read(body)
    signature = raw_signature(signature_b64)
    device_key = active_key(user, body["key_id"])
    verify_signature(device_key, signed_bytes(TAG, body), signature)
    if body["meeting_id"] != meeting.id or body["type"] != PAPER:
        raise InvalidInputError(_("Решение относится к другому собранию."), field="payload")
    rebuilt = payload(meeting, body["key_id"], body["owner_id"], body["premises"][0], received_at, body["answers"],
                      body["scan_sha256"], representative_name, proxy_valid_until, body.get("check_of"))
    if rebuilt != body:
        raise InvalidInputError(_("Подписанное решение не совпадает с введённым."), field="payload")
    if db.session.scalar(select(PaperScan.id).where(PaperScan.meeting_id == meeting.id,
                                                    PaperScan.sha256 == body["scan_sha256"])) is None:
        raise InvalidInputError(_("Скан решения не найден."), field="scan")
    with write_transaction():
        head = log.lock_head(meeting.id)
        assert head is not None
        if head.counted:
            raise ConflictError(_("Итоги уже подсчитаны: бумажные решения больше не принимаются."))
        if representative_name and body.get("check_of") is None:
            refuse_if_owner_voted(meeting.id, body["owner_id"], "representative")
        now = log.database_now()
        owned = sorted(n for (o, n) in manifest_facts(meeting.id, head.manifest_hash)[1] if o == body["owner_id"])
        bind_key(head, device_key.key_id, device_key.public_key, body["owner_id"], owned, "officer", now,
                 user.full_name or user.email)
        entry = log.append(head, PAPER, body, signature_b64, device_key.key_id, now,
                           ballot_hash=digest(TAG, body), owner_ref=body["owner_id"])
        if body.get("check_of") is None:  # a second entry only checks the first; it is not counted again
            add_decisions(entry, body, "paper", received_at, user.id, representative_name, proxy_valid_until)
        db.session.flush()
    return entry


def mismatches(meeting_id: int) -> list[tuple[LogEntry, LogEntry]]:
    """Second entries whose answers differ from the first entry of the same page."""
    entries = {e.index: e for e in db.session.scalars(select(LogEntry).where(
        LogEntry.meeting_id == meeting_id, LogEntry.type == PAPER))}
    found = []
    for entry in entries.values():
        body = json.loads(entry.payload)
        first = entries.get(body.get("check_of", -1))
        if first is not None and json.loads(first.payload)["answers"] != body["answers"]:
            found.append((first, entry))
    return found
