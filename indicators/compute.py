"""The online-share indicator per municipality and for the region, over a period (FORMATS.md §3a).

Platform meetings count when their voting ended in the period (in the building's local time); meetings held
elsewhere count by the end date the company registered. Online means the electronic form. All counting is done
by the database (GROUP BY); the shares are exact (voting.domain.indicator).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, func, select

from auth.models import OwnershipLink
from indicators.models import PublishedResidents, RegisteredMeeting
from registry.models import Building, Municipality, Organisation, Ownership, Premises, Region
from voting.core.extensions import db
from voting.domain.indicator import Share, is_online, online_share, residents_share
from voting.meetings.models import Meeting, MeetingForm, MeetingState

HELD = (MeetingState.CLOSED, MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)
# the years a period may span: the platform's meetings and any plan lie well within, and a time zone's shift of a
# day near the calendar's ends (year 1, year 9999) would fall outside it
FIRST_YEAR, LAST_YEAR = 2000, 2100


def beyond_years(start: date, end: date) -> str | None:
    """Which end of a period ("from" or "to") lies outside FIRST_YEAR…LAST_YEAR, if either does."""
    return next((end_ for end_, day in (("from", start), ("to", end)) if not FIRST_YEAR <= day.year <= LAST_YEAR),
                None)


@dataclass(frozen=True)
class Row:
    municipality_id: int
    name: str
    short_name: str
    population: int
    online: int
    total: int
    verified: int

    @property
    def share(self) -> Share:
        return online_share(self.online, self.total)

    @property
    def residents(self) -> Share:
        return residents_share(self.verified, self.population)


@dataclass(frozen=True)
class Indicator:
    region: str
    start: date
    end: date
    rows: tuple[Row, ...]

    @property
    def online(self) -> int:
        return sum(r.online for r in self.rows)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def share(self) -> Share:
        return online_share(self.online, self.total)


class PeriodError(ValueError):
    """A period that is not `YYYY-MM-DD:YYYY-MM-DD` with the start not after the end."""


def parse_period(text: str) -> tuple[date, date]:
    try:
        start_text, end_text = text.split(":")
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        raise PeriodError(f"bad period {text!r}: write it as YYYY-MM-DD:YYYY-MM-DD") from None
    if start > end:
        raise PeriodError(f"bad period {text!r}: it starts after it ends")
    return start, end


def local_bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """The instants [first local midnight, the midnight after the last day) of a period in a time zone."""
    return (datetime.combine(start, time(0), ZoneInfo(zone)),
            datetime.combine(end + timedelta(days=1), time(0), ZoneInfo(zone)))


def counts(start: date, end: date, organisation_id: int | None = None, form: MeetingForm | None = None
           ) -> dict[int, tuple[int, int]]:
    """(online, total) per municipality id, platform and registered meetings together."""
    online: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)

    def add(municipality_id: int, meeting_form: MeetingForm, number: int) -> None:
        total[municipality_id] += number
        if is_online(meeting_form.value):
            online[municipality_id] += number

    registered, conditions = _filters(organisation_id, form)
    for municipality_id, meeting_form, number in db.session.execute(
            select(RegisteredMeeting.municipality_id, RegisteredMeeting.form, func.count())
            .where(RegisteredMeeting.ended_on >= start, RegisteredMeeting.ended_on <= end, *registered)
            .group_by(RegisteredMeeting.municipality_id, RegisteredMeeting.form)):
        add(municipality_id, meeting_form, number)
    for municipality_id, meeting_form, number in _held(start, end, (Building.municipality_id, Meeting.form),
                                                       conditions):
        add(municipality_id, meeting_form, number)
    return {m: (online[m], total[m]) for m in total}


def _filters(organisation_id: int | None, form: MeetingForm | None) -> tuple[list[Any], list[Any]]:
    """The conditions on registered meetings and on the platform's meetings of one organisation and one form."""
    registered, platform = [], []
    if organisation_id is not None:
        registered.append(RegisteredMeeting.organisation_id == organisation_id)
        platform.append(Building.organisation_id == organisation_id)
    if form is not None:
        registered.append(RegisteredMeeting.form == form)
        platform.append(Meeting.form == form)
    return registered, platform


def _held(start: date, end: date, columns: tuple[Any, ...], conditions: list[Any],
          months: list[tuple[date, date]] | None = None) -> Iterator[Any]:
    """(columns…, count) of the platform's held meetings that closed within the period, grouped by the columns, and
    with `months` first by the index of the month they closed in. The bounds are local midnights, so each time zone
    of the buildings gets its own UTC bounds."""
    for zone in db.session.scalars(select(Building.timezone).distinct()):
        low, high = local_bounds(start, end, zone)
        keys = columns
        if months is not None:
            keys = (_index(Meeting.closes_at, [local_bounds(first, last, zone)[1] for first, last in months]),
                    *columns)
        yield from db.session.execute(
            select(*keys, func.count()).select_from(Meeting).join(Building)
            .outerjoin(Organisation, Organisation.id == Building.organisation_id)
            .where(Building.timezone == zone, Meeting.state.in_(HELD), Meeting.closes_at >= low,
                   Meeting.closes_at < high, *conditions)
            .group_by(*keys))


def _index(column: Any, highs: list[Any]) -> Any:
    """Which of consecutive spans a value falls in: the number of the first span whose (exclusive) end is after it."""
    return case(*((column < high, number) for number, high in enumerate(highs)))


def months_of(start: date, end: date, most: int = 36) -> list[tuple[date, date]]:
    """The calendar months of a period as (first day, last day), clipped to it; at most `most` of them."""
    spans: list[tuple[date, date]] = []
    cursor = date(start.year, start.month, 1)
    while cursor <= end and len(spans) < most:
        following = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
        spans.append((max(cursor, start), min(end, following - timedelta(days=1))))
        cursor = following
    return spans


def monthly(start: date, end: date, organisation_id: int | None = None, form: MeetingForm | None = None
            ) -> list[tuple[date, int, int]]:
    """(first day, online, total) for each month of the period (at most 36), counted as `counts` counts, in one
    query for registered meetings and one per time zone."""
    months = months_of(start, end)
    online, total = [0] * len(months), [0] * len(months)
    last = months[-1][1]
    registered, conditions = _filters(organisation_id, form)
    month = _index(RegisteredMeeting.ended_on, [month_end + timedelta(days=1) for _first, month_end in months])
    for number, meeting_form, found in (
            *db.session.execute(select(month, RegisteredMeeting.form, func.count())
                                .where(RegisteredMeeting.ended_on >= start, RegisteredMeeting.ended_on <= last,
                                       *registered)
                                .group_by(month, RegisteredMeeting.form)),
            *_held(start, last, (Meeting.form,), conditions, months)):
        total[number] += found
        online[number] += found if is_online(meeting_form.value) else 0
    return [(first, online[n], total[n]) for n, (first, _last) in enumerate(months)]


def verified_accounts(on: date | None = None) -> dict[int, int]:
    """Accounts with at least one proven ownership, per municipality; with `on`, plus the latest published count of
    residents verified outside the platform dated on or before that day (the region's figures)."""
    statement = (select(Building.municipality_id, func.count(distinct(OwnershipLink.user_id)))
                 .select_from(OwnershipLink).join(Ownership, Ownership.id == OwnershipLink.ownership_id)
                 .join(Premises).join(Building).where(OwnershipLink.ended_at.is_(None))
                 .group_by(Building.municipality_id))
    verified = {municipality_id: number for municipality_id, number in db.session.execute(statement)}
    if on is not None:
        latest = (select(PublishedResidents.municipality_id, func.max(PublishedResidents.as_of).label("as_of"))
                  .where(PublishedResidents.as_of <= on).group_by(PublishedResidents.municipality_id).subquery())
        published = select(PublishedResidents.municipality_id, PublishedResidents.count).join(latest, and_(
            latest.c.municipality_id == PublishedResidents.municipality_id, latest.c.as_of == PublishedResidents.as_of))
        for municipality_id, number in db.session.execute(published):
            verified[municipality_id] = verified.get(municipality_id, 0) + number
    return verified


def indicator(region: Region, start: date, end: date, organisation_id: int | None = None,
              form: MeetingForm | None = None) -> Indicator:
    """Every municipality of the region, with its counts over the period."""
    found = counts(start, end, organisation_id, form)
    verified = verified_accounts(end)
    municipalities = db.session.scalars(select(Municipality).where(Municipality.region_id == region.id)
                                        .order_by(Municipality.id)).all()
    rows = tuple(Row(m.id, m.name, m.short_name, m.population, *found.get(m.id, (0, 0)), verified.get(m.id, 0))
                 for m in municipalities)
    return Indicator(region.name, start, end, rows)


@dataclass(frozen=True)
class Slice:
    """One organisation's or one building's meetings within a municipality."""

    label: str
    online: int
    total: int

    @property
    def share(self) -> Share:
        return online_share(self.online, self.total)


def drill_down(municipality: Municipality, start: date, end: date) -> tuple[list[Slice], list[Slice]]:
    """The municipality's meetings in the period by organisation and by building (registered meetings without a
    building or organisation are grouped as such)."""
    by_org: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_building: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(organisation: str | None, building: str | None, form: MeetingForm, number: int) -> None:
        for table, key in ((by_org, organisation or "—"), (by_building, building or "—")):
            table[key][1] += number
            if is_online(form.value):
                table[key][0] += number

    registered = (select(Organisation.name, Building.address, RegisteredMeeting.form, func.count())
                  .select_from(RegisteredMeeting)
                  .outerjoin(Organisation, Organisation.id == RegisteredMeeting.organisation_id)
                  .outerjoin(Building, Building.id == RegisteredMeeting.building_id)
                  .where(RegisteredMeeting.municipality_id == municipality.id, RegisteredMeeting.ended_on >= start,
                         RegisteredMeeting.ended_on <= end)
                  .group_by(Organisation.name, Building.address, RegisteredMeeting.form))
    for organisation, address, form, number in db.session.execute(registered):
        add(organisation, address, form, number)
    for organisation, address, form, number in _held(start, end, (Organisation.name, Building.address, Meeting.form),
                                                     [Building.municipality_id == municipality.id]):
        add(organisation, address, form, number)

    def slices(table: dict[str, list[int]]) -> list[Slice]:
        return sorted((Slice(label, online, total) for label, (online, total) in table.items()),
                      key=lambda s: (-s.total, s.label))

    return slices(by_org), slices(by_building)
