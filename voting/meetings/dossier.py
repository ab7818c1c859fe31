"""A meeting as an oss-dossier/1: the register frozen at opening and the decisions, straight from the stored rows.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import selectinload

from registry.models import Ownership, Premises
from voting.core.errors import ConflictError
from voting.core.extensions import db
from voting.domain import collector
from voting.domain import dossier as dossiers
from voting.meetings.models import (
    Meeting,
    MeetingDecision,
)
from voting.meetings.plan import local_today


def freeze_register(meeting: Meeting) -> tuple[str, str]:
    """The register as it stands, frozen into canonical JSON with its SHA-256: later edits never reach it."""
    premises = db.session.scalars(
        select(Premises).where(Premises.building_id == meeting.building_id)
        .options(selectinload(Premises.ownerships).selectinload(Ownership.owner))
        .order_by(func.length(Premises.number), Premises.number)).all()
    register = [{
        "premises": p.number, "kind": p.kind.value, "area": f"{p.area:.2f}",
        **({"entrance": p.entrance} if p.entrance else {}),
        "owners": [{"id": str(o.owner_id), "name": o.owner.name, "ownership": o.kind.value,
                    "share": f"{o.share.numerator}/{o.share.denominator}", "document": o.egrn_record,
                    "weight": f"{Fraction(p.area) * o.share}"} for o in p.ownerships]}
        for p in premises]
    total = sum((p.area for p in premises), Decimal("0.00"))
    text = json.dumps({"register": register, "total_votes": f"{total:.2f}"}, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return text, hashlib.sha256(text.encode()).hexdigest()


@collector.paused()
def dossier_of(meeting: Meeting) -> dossiers.Dossier:
    """The meeting as an oss-dossier/1 (after opening: from the frozen register), built straight from the stored
    rows; `veche recount` reads the exported JSON through the strict parser and must agree (tested)."""
    if meeting.opens_at is None or meeting.closes_at is None:
        raise ConflictError(_("У собрания ещё нет дат голосования: досье составить нельзя."))
    text = meeting.snapshot if meeting.snapshot is not None else freeze_register(meeting)[0]
    shares: dict[str, Fraction] = {}

    def share(value: str) -> Fraction:  # shares repeat ("1/2", "1/1"): read each once
        return shares.get(value) or shares.setdefault(value, Fraction(value))

    register = tuple(
        dossiers.Premises(number=p["premises"], kind=p["kind"], area=Decimal(p["area"]), entrance=p.get("entrance"),
                          owners=tuple(dossiers.Owner(id=o["id"], name=o["name"], ownership=o["ownership"],
                                                      share=share(o["share"]), document=o.get("document"))
                                       for o in p["owners"]))
        for p in json.loads(text)["register"])
    rows = _decision_rows(meeting.id)
    every_answers = json.loads("[" + ",".join(row[4] for row in rows) + "]")  # one parse, not one per row
    decisions = tuple(
        dossiers.Decision(owner=owner, premises=premises, received_at=received_at, source=source,
                          answers={k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()},
                          representative=dossiers.Representative(representative, until) if representative else None)
        for (owner, premises, received_at, source, _text, representative, until), answers in zip(
            rows, every_answers, strict=True))
    return dossiers.Dossier(
        address=meeting.building.address, timezone=meeting.building.timezone,
        meeting=dossiers.Meeting(kind=meeting.kind.value, form=meeting.form.value,
                                 notice_date=meeting.notice_date or local_today(meeting),
                                 opens_at=meeting.opens_at, closes_at=meeting.closes_at),
        register=register,
        agenda=tuple(dossiers.AgendaItem(id=str(i.number), title=i.title, subject=i.subject, entrance=i.entrance)
                     for i in meeting.agenda),
        decisions=decisions)


def _decision_rows(meeting_id: int) -> list[tuple[Any, ...]]:
    """The meeting's decisions as plain tuples. A meeting may have tens of thousands: the instants are read by
    the driver (and SQLite's text made an aware UTC instant here), several times faster than SQLAlchemy's
    per-row type processing."""
    table = MeetingDecision.__table__
    statement = (select(table.c.owner_ref, table.c.premises, type_coerce(table.c.received_at, String),
                        table.c.source, table.c.answers, table.c.representative, table.c.proxy_valid_until)
                 .where(table.c.meeting_id == meeting_id).order_by(table.c.id))
    rows = []
    for owner, premises, received, source, answers, representative, until in db.session.execute(statement):
        if isinstance(received, str):  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
            received = datetime.fromisoformat(received).replace(tzinfo=UTC)
        # PostgreSQL's driver gives aware instants already (in the session's zone): they compare by instant
        rows.append((owner, premises, received, source, answers, representative, until))
    return rows


def dossier_json(meeting: Meeting) -> dict[str, Any]:
    return dossiers.to_json(dossier_of(meeting))
