"""Demo meetings in every state: a draft, an announced one, one voting now, one closed and counted.

Dated relative to today but outside 2026-01-01…2026-05-31 (the period of the region's published figures);
keyed by their ГИС ЖКХ field (`demo-…`), so a second run leaves them as they are.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from auth.models import User
from registry.models import Building
from voting.core import clock
from voting.core.extensions import db
from voting.meetings import dossier, lifecycle
from voting.meetings.models import AgendaItem, Meeting, MeetingDecision, MeetingForm, MeetingKind, MeetingState

AGENDA = (  # (title, subject code, the proposal put to the vote: what the protocol's ПРЕДЛОЖЕНО and РЕШИЛИ say)
    ("Избрать председателем собрания Иванова И. И., секретарём — Петрову А. С.", "44.2.5",
     "Избрать председателем общего собрания Иванова И. И. (кв. 12), секретарём общего собрания — Петрову А. С. "
     "(кв. 27) и поручить им подписать протокол"),
    ("Избрать счётную комиссию в составе: Сидоров С. С., Козлова М. Ю.", "44.2.5",
     "Избрать счётную комиссию общего собрания из двух человек: Сидоров С. С. (кв. 3), Козлова М. Ю. (кв. 41)"),
    ("Провести капитальный ремонт крыши в 2027 году за счёт фонда капитального ремонта", "44.2.1",
     "Провести в 2027 году капитальный ремонт крыши (ремонт кровли, замена водосточной системы) по смете из "
     "материалов собрания предельной стоимостью 4 200 000 руб. за счёт фонда капитального ремонта; срок работ — "
     "с 1 мая по 30 сентября 2027 года; участвовать в приёмке работ от имени собственников уполномочить "
     "председателя совета дома"),
    ("Выбрать управляющей организацией ООО «Управляющая компания „Южный Урал“»", "44.2.4",
     "Выбрать управляющей организацией ООО «Управляющая компания „Южный Урал“» и заключить с ней договор "
     "управления на условиях проекта договора из материалов собрания сроком на пять лет"),
    ("Определить местом хранения протокола офис управляющей компании", "44.2.5",
     "Определить местом хранения копии протокола и копий решений собственников офис управляющей организации; "
     "подлинники направить в Государственную жилищную инспекцию Челябинской области"),
)
CHOICES = {"44.2.4": "management_company"}  # the way the item chooses, as ГИС ЖКХ asks it (gis_nsi.NEEDS)


class Planned(NamedTuple):
    """A demo decision to be recorded (the ballots package records them as signed log entries)."""

    owner: str
    premises: str
    answers: dict[str, str]
    received_at: datetime
    source: str


Recorder = Callable[[Meeting, list[Planned], bool], None]  # the meeting, its decisions, whether it has closed


def record_plainly(meeting: Meeting, planned: list[Planned], closed: bool) -> None:
    """Decisions as plain rows, without a signed log."""
    for d in planned:
        db.session.add(MeetingDecision(meeting_id=meeting.id, owner_ref=d.owner, premises=d.premises,
                                       received_at=d.received_at, source=d.source, answers=json.dumps(d.answers)))
    db.session.flush()


def seed_meetings(building: Building, administrator: User, now: datetime | None = None,
                  record: Recorder = record_plainly) -> list[str]:
    """Create the demo meetings that do not exist yet; return lines saying what there is."""
    now = now or datetime.now(UTC)
    zone = ZoneInfo(building.timezone)
    today = now.astimezone(zone).date()

    def at(day_offset: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=day_offset), time(hour), zone)

    closed_opens = datetime(2026, 10, 1, 9, tzinfo=zone)
    specs = {
        "demo-draft": (MeetingState.DRAFT, at(20, 9), at(30, 20)),
        "demo-announced": (MeetingState.ANNOUNCED, at(10, 9), at(20, 20)),
        "demo-voting": (MeetingState.VOTING, at(-3, 9), at(6, 20)),
        "demo-closed": (MeetingState.COUNTED, closed_opens, closed_opens + timedelta(days=8, hours=11)),
    }
    lines = []
    for key, (state, opens, closes) in specs.items():
        meeting = db.session.scalar(select(Meeting).where(Meeting.gis_id == key))
        if meeting is None:
            meeting = _create(key, building, administrator, opens, closes)
            _bring_to(meeting, state, today, opens, closes, record)
        window = " – ".join(f"{t.astimezone(zone):%Y-%m-%d %H:%M}" for t in (meeting.opens_at, meeting.closes_at) if t)
        lines.append(f"meeting {meeting.id}: {key}, {meeting.state.value}, {window}")
    return lines


def _create(key: str, building: Building, administrator: User, opens: datetime, closes: datetime) -> Meeting:
    meeting = Meeting(building=building, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC, gis_id=key,
                      opens_at=opens, closes_at=closes, initiator_organisation=building.organisation,
                      administrator=administrator, paper_address=f"{building.address}, офис управляющей компании",
                      materials_info="Материалы размещены в системе и в офисе управляющей компании")
    db.session.add(meeting)
    for number, (title, code, proposal) in enumerate(AGENDA, start=1):
        db.session.add(AgendaItem(meeting=meeting, number=number, title=title, subject=code, proposal=proposal,
                                  gis_choice=CHOICES.get(code)))
    db.session.flush()
    return meeting


def _bring_to(meeting: Meeting, state: MeetingState, today: date, opens: datetime, closes: datetime,
              record: Recorder) -> None:
    if state is MeetingState.DRAFT:
        return
    meeting.state, meeting.notice_date = MeetingState.ANNOUNCED, opens.date() - timedelta(days=11)
    if state is MeetingState.ANNOUNCED:
        meeting.notice_date = today
    posted = min(datetime.combine(meeting.notice_date, time(9), ZoneInfo(meeting.building.timezone)), clock.now())
    meeting.record_delivery("gis_zhkh", posted, meeting.gis_id)  # the ways the law asks (ЖК РФ ст. 45 ч. 4)
    meeting.record_delivery("stairwell", posted, "на досках объявлений у входа в каждый подъезд")
    if state is MeetingState.ANNOUNCED:
        return
    meeting.open(opens, *dossier.freeze_register(meeting))
    voting_now = state is MeetingState.VOTING
    planned = _decisions(meeting, opens, timedelta(days=2) if voting_now else closes - opens,
                         share=0.45 if voting_now else 0.8)
    if state is MeetingState.COUNTED:
        meeting.close(closes)
    record(meeting, planned, not voting_now)
    if state is MeetingState.COUNTED:
        lifecycle.count(meeting)
        # counted the morning after the close, as a counting commission would: the protocol (dated by the count)
        # then falls within the ten days the law gives after the close, not on the day the demo was made
        day_after = closes.astimezone(ZoneInfo(meeting.building.timezone)).date() + timedelta(days=1)
        meeting.counted_at = datetime.combine(day_after, time(10), ZoneInfo(meeting.building.timezone))
    db.session.flush()


def _decisions(meeting: Meeting, opens: datetime, span: timedelta, share: float) -> list[Planned]:
    """Decisions of a deterministic part of the owners (one per joint group), mostly for, in arrival order."""
    planned = []
    rng = random.Random(meeting.gis_id)  # noqa: S311 - reproducible demo data
    register = json.loads(meeting.snapshot or "{}")["register"]
    for entry in register:
        owners = entry["owners"]
        joint = [o for o in owners if o["ownership"] == "joint"]
        voters = ([joint[0]] if joint else []) + [o for o in owners if o["ownership"] != "joint"]
        for owner in voters:
            if rng.random() > share:
                continue
            answers = {str(n): rng.choices(["for", "against", "abstain"], weights=[8, 1, 1])[0]
                       for n in range(1, len(AGENDA) + 1)}
            received = opens + span * rng.random()
            planned.append(Planned(owner["id"], entry["premises"], answers, received,
                                   rng.choice(["online"] * 4 + ["paper"])))
    return sorted(planned, key=lambda d: d.received_at)
