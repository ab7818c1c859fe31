"""What each role sees first after signing in: the owner's meetings, the management company's desk of deadlines,
the inspector's protocols due and overdue. Read-only: nothing here writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from auth.models import Decision, OwnershipClaim, Proxy, User
from auth.policy import staff_organisations, stake_buildings
from indicators.compute import Indicator, indicator
from protocols.inspection import STATES as INSPECTED_STATES
from protocols.models import Protocol
from registry.models import Building, Ownership, Premises, Region, RegisterUpload
from voting.core import clock
from voting.core.extensions import db
from voting.domain.schedule import local_date, notice_deadline, protocol_due, results_due
from voting.meetings.models import Meeting, MeetingDecision, MeetingForm, MeetingState

OPEN = (MeetingState.ANNOUNCED, MeetingState.VOTING)
RESULTS = (MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)
FINISHED = (MeetingState.SUBMITTED, MeetingState.CANCELLED)


@dataclass(frozen=True)
class OwnerMeeting:
    meeting: Meeting
    voted: bool
    time_left: timedelta | None  # until the close while voting is open; None otherwise

    @property
    def votes_here(self) -> bool:
        """Voting is open in the system (electronic form): the home shows «Голосовать» / «Изменить голос»."""
        return self.meeting.state is MeetingState.VOTING and self.meeting.form is MeetingForm.ELECTRONIC


@dataclass(frozen=True)
class OwnerHome:
    now: list[OwnerMeeting]
    results: list[Meeting]
    has_property: bool


def owner_home(user: User, now: datetime) -> OwnerHome:
    """The owner's meetings announced or open now (soonest close first) and the latest results in their buildings."""
    buildings = stake_buildings(user).with_only_columns(Building.id)
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.building_id.in_(buildings), Meeting.state.in_(OPEN + RESULTS))
        .options(joinedload(Meeting.building)).order_by(Meeting.closes_at)).all()
    voted = set(db.session.scalars(select(MeetingDecision.meeting_id).where(
        MeetingDecision.user_id == user.id, MeetingDecision.meeting_id.in_([m.id for m in meetings])).distinct()))
    current = [OwnerMeeting(m, m.id in voted, m.closes_at - now if m.state is MeetingState.VOTING and m.closes_at
                            else None) for m in meetings if m.state in OPEN]
    results = sorted((m for m in meetings if m.state in RESULTS), key=lambda m: m.closes_at or now, reverse=True)
    has_property = db.session.scalar(buildings.limit(1)) is not None
    return OwnerHome(current, results[:5], has_property)


@dataclass(frozen=True)
class Deadline:
    meeting: Meeting
    what: str  # notice, opening, close, protocol, results
    due: date
    today: date

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def due_today(self) -> bool:
        return self.due == self.today


def next_deadline(meeting: Meeting, today: date) -> tuple[str, date] | None:
    """The next dated duty of a meeting, from the domain's schedule: the notice (by the last day the law allows
    before the opening), the opening, the close, the protocol (ten days after), the results to the owners."""
    zone = meeting.building.timezone
    state = meeting.state
    if state is MeetingState.DRAFT:
        return ("notice", notice_deadline(meeting.opens_at, zone)) if meeting.opens_at else None
    if state is MeetingState.ANNOUNCED and meeting.opens_at:
        return "opening", local_date(meeting.opens_at, zone)
    if state is MeetingState.VOTING and meeting.closes_at:
        return "close", local_date(meeting.closes_at, zone)
    if meeting.closes_at is None or state in FINISHED:
        return None
    if state in (MeetingState.CLOSED, MeetingState.COUNTED):
        return "protocol", protocol_due(meeting.closes_at, zone)
    if meeting.results_sent_at is None:
        return "results", results_due(meeting.closes_at, zone)
    return None


@dataclass(frozen=True)
class Desk:
    deadlines: list[Deadline]  # soonest first, overdue included
    by_state: dict[MeetingState, int]
    claims_waiting: int
    proxies_waiting: int
    imports: list[RegisterUpload]  # the latest register files, applied or waiting for confirmation


def desk(user: User, today_of: Callable[[str], date] | None = None) -> Desk:
    """The management company's desk: its meetings by state with each one's next deadline, what waits for a
    decision, and the latest register imports. `today_of(zone)` gives the local date (the clock, in tests)."""
    organisations = staff_organisations(user)
    in_scope = select(Building.id).where(Building.organisation_id.in_(organisations))
    meetings = db.session.scalars(
        select(Meeting).where(Meeting.building_id.in_(in_scope), Meeting.state.not_in(FINISHED))
        .options(joinedload(Meeting.building))).all()
    deadlines = []
    by_state: dict[MeetingState, int] = {}
    for meeting in meetings:
        by_state[meeting.state] = by_state.get(meeting.state, 0) + 1
        today = (today_of or _local_today)(meeting.building.timezone)
        found = next_deadline(meeting, today)
        if found:
            deadlines.append(Deadline(meeting, found[0], found[1], today))
    deadlines.sort(key=lambda d: (d.due, d.meeting.id))
    claims = db.session.scalar(select(func.count(OwnershipClaim.id)).where(
        OwnershipClaim.building_id.in_(in_scope), OwnershipClaim.status == Decision.PENDING)) or 0
    proxies = db.session.scalar(
        select(func.count(Proxy.id)).join(Ownership, Ownership.id == Proxy.ownership_id)
        .join(Premises, Premises.id == Ownership.premises_id)
        .where(Premises.building_id.in_(in_scope), Proxy.status == Decision.PENDING)) or 0
    imports = db.session.scalars(select(RegisterUpload).where(RegisterUpload.building_id.in_(in_scope))
                                 .options(joinedload(RegisterUpload.building))
                                 .order_by(RegisterUpload.id.desc()).limit(5)).all()
    return Desk(deadlines, by_state, claims, proxies, list(imports))


def _local_today(zone: str) -> date:
    return local_date(clock.now(), zone)


@dataclass(frozen=True)
class InspectorHome:
    overdue: list[Deadline]
    due: list[Deadline]  # protocol not yet submitted, deadline not passed
    submitted: list[tuple[Meeting, Protocol]]  # the latest submitted
    indicator: Indicator | None = None  # the region's online share since 1 January, at a glance


def indicator_glance(today: date) -> Indicator | None:
    """The region's indicator from 1 January to today (the dashboard's default period)."""
    region = db.session.scalars(select(Region).order_by(Region.id)).first()
    return indicator(region, date(today.year, 1, 1), today) if region else None


def inspector_home(buildings: Any, today_of: Callable[[str], date] | None = None) -> InspectorHome:
    """Protocols due and overdue among the meetings past their voting in `buildings` (the inspector's scope, as a
    query of building ids), and the latest submitted."""
    rows = db.session.execute(
        select(Meeting, Protocol).outerjoin(Protocol, Protocol.meeting_id == Meeting.id)
        .where(Meeting.building_id.in_(buildings), Meeting.state.in_(INSPECTED_STATES))
        .options(joinedload(Meeting.building)).order_by(Meeting.closes_at.desc())).all()
    overdue: list[Deadline] = []
    due: list[Deadline] = []
    submitted: list[tuple[Meeting, Protocol]] = []
    for meeting, protocol in rows:
        assert meeting.closes_at is not None
        today = (today_of or _local_today)(meeting.building.timezone)
        if meeting.state is MeetingState.SUBMITTED:
            if protocol is not None:
                submitted.append((meeting, protocol))
            continue
        deadline = Deadline(meeting, "protocol", protocol_due(meeting.closes_at, meeting.building.timezone), today)
        late = deadline.overdue and meeting.state in (MeetingState.CLOSED, MeetingState.COUNTED)  # none drawn up
        (overdue if late else due).append(deadline)
    overdue.sort(key=lambda d: d.due)
    due.sort(key=lambda d: d.due)
    submitted.sort(key=lambda pair: pair[1].submitted_at or pair[0].closes_at or clock.now(), reverse=True)
    return InspectorHome(overdue, due, submitted[:5], indicator_glance(clock.now().date()))
