"""The housing inspector's list of protocols in their scope: filters, overdue flags and a CSV of what is shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, undefer

from auth.policy import INSPECTION, policy, visible_buildings
from protocols.models import Protocol
from protocols.services import outcome
from registry.models import Building, Municipality, Organisation
from voting.core.exports import people_csv
from voting.core.extensions import db
from voting.core.labels import label
from voting.core.replica import from_replica
from voting.domain.schedule import protocol_due
from voting.meetings.models import Meeting, MeetingForm, MeetingState

bp = Blueprint("inspection", __name__, url_prefix="/inspection")

STATES = (MeetingState.CLOSED, MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)
OUTCOMES = ("all", "some", "none", "no_quorum")
LIMIT = 500


@dataclass(frozen=True)
class Row:
    meeting: Meeting
    protocol: Protocol | None
    closed_on: date
    due: date
    overdue: bool
    outcome: str


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def rows() -> list[Row]:
    """The meetings past their voting in the inspector's scope, filtered as the query string asks, newest first."""
    buildings = visible_buildings(current_user).with_only_columns(Building.id)
    statement = (select(Meeting, Protocol).outerjoin(Protocol, Protocol.meeting_id == Meeting.id)
                 .join(Building, Building.id == Meeting.building_id)
                 .where(Meeting.building_id.in_(buildings), Meeting.state.in_(STATES))
                 .options(joinedload(Meeting.building).joinedload(Building.municipality),
                          joinedload(Meeting.building).joinedload(Building.organisation),
                          undefer(Meeting.result))  # each row's outcome: one query, not one per meeting
                 .order_by(Meeting.closes_at.desc(), Meeting.id.desc()))
    if (municipality := _int("municipality")) is not None:
        statement = statement.where(Building.municipality_id == municipality)
    if (organisation := _int("organisation")) is not None:
        statement = statement.where(Building.organisation_id == organisation)
    if request.args.get("form") in {f.value for f in MeetingForm}:
        statement = statement.where(Meeting.form == MeetingForm(request.args["form"]))
    if request.args.get("state") in {s.value for s in STATES}:
        statement = statement.where(Meeting.state == MeetingState(request.args["state"]))
    start, end = _day("from"), _day("to")
    # a UTC window a day wider than the local dates (every zone is within ±14 h); the exact day is checked below
    if start:
        statement = statement.where(Meeting.closes_at >= datetime.combine(start, time.min, UTC) - timedelta(days=1))
    if end:
        statement = statement.where(Meeting.closes_at < datetime.combine(end, time.min, UTC) + timedelta(days=2))
    found: list[Row] = []
    for offset in count(0, LIMIT):  # a page of rows at a time, not the whole region's meetings at once
        batch = db.session.execute(statement.limit(LIMIT).offset(offset)).all()
        _keep(batch, start, end, found)
        if len(found) >= LIMIT or len(batch) < LIMIT:
            return found[:LIMIT]
    raise AssertionError("unreachable")


def _keep(batch: Sequence[Any], start: date | None, end: date | None, found: list[Row]) -> None:
    """Add the batch's rows that pass the filters SQL cannot apply (the local day, the outcome)."""
    for meeting, protocol in batch:
        assert meeting.closes_at is not None
        zone = meeting.building.timezone
        closed_on = meeting.closes_at.astimezone(ZoneInfo(zone)).date()
        if (start and closed_on < start) or (end and closed_on > end):
            continue
        result = outcome(meeting.result) if meeting.result else "pending"
        if request.args.get("outcome") in OUTCOMES and result != request.args["outcome"]:
            continue
        due = protocol_due(meeting.closes_at, zone)
        overdue = (meeting.state in (MeetingState.CLOSED, MeetingState.COUNTED)
                   and datetime.now(ZoneInfo(zone)).date() > due)
        found.append(Row(meeting, protocol, closed_on, due, overdue, result))


def _choices() -> dict[str, object]:
    buildings = visible_buildings(current_user).with_only_columns(Building.id)
    return {
        "municipalities": db.session.scalars(select(Municipality).join(Building).where(Building.id.in_(buildings))
                                             .distinct().order_by(Municipality.name)).all(),
        "organisations": db.session.scalars(select(Organisation).join(Building).where(Building.id.in_(buildings))
                                            .distinct().order_by(Organisation.name)).all(),
    }


@bp.get("/")
@policy(INSPECTION)
@from_replica
def index() -> ResponseReturnValue:
    return render_template("protocols/inspection.html", rows=rows(), args=request.args, limit=LIMIT,
                           outcomes=OUTCOMES, states=STATES, forms=list(MeetingForm), **_choices())


@bp.get("/protocols.csv")
@policy(INSPECTION)
@from_replica
def export_csv() -> ResponseReturnValue:
    header = [_("Собрание"), _("Протокол №"), _("Адрес"), _("Муниципалитет"), _("Организация"), _("Форма"),
                     _("Окончание"), _("Состояние"), _("Итог"), _("Срок протокола"), _("Просрочен"),
                     _("Направлен в ГЖИ"), _("SHA-256 протокола")]
    table = []
    for row in rows():
        meeting, protocol = row.meeting, row.protocol
        table.append([meeting.id, protocol.number if protocol and protocol.number else "", meeting.building.address,
                         meeting.building.municipality.name,
                         meeting.building.organisation.name if meeting.building.organisation else "",
                         label(meeting.form, "meeting_form"), row.closed_on.isoformat(),
                         label(meeting.state, "meeting_state"), label(row.outcome, "outcome"),
                         row.due.isoformat(), _("да") if row.overdue else "",
                         protocol.submitted_at.date().isoformat() if protocol and protocol.submitted_at else "",
                         protocol.sha256 if protocol and protocol.sha256 else ""])
    return Response(people_csv(header, table), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=protocols.csv"})
