"""Meeting services: the plan and its readiness, announcing with notices, opening on a frozen register, closing,
counting with the pure tally, the dossier, participation for the administrator, reminders.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import selectinload

from auth.mail import send_mail
from auth.models import OwnershipLink, User
from registry.models import Owner, Ownership, Premises
from registry.services import natural_key
from voting.domain import collector
from voting.domain import dossier as dossiers
from voting.domain.numbers import format_amount, format_share
from voting.domain.schedule import Plan, Problem, local_date, notice_deadline, notice_gaps, readiness, timeline
from voting.domain.tally import Result, tally
from voting.domain.tally import to_json as result_json
from voting.domain.weights import owner_weight
from voting.errors import ConflictError, InvalidInputError
from voting.extensions import db, write_transaction
from voting.links import public_url
from voting.models import (
    GIS_ID,
    AgendaItem,
    Meeting,
    MeetingDecision,
    MeetingOfficer,
    MeetingState,
    NoticeDelivery,
    OfficerRole,
    ReminderSent,
    TransitionError,
)
from voting.signals import meeting_closed, meeting_counted, meeting_opened

OWNERS_LOCALE = "ru"  # mail to many owners goes out in the default language, whoever sends it
REMINDER_SLOTS = {"3d": timedelta(days=3), "1d": timedelta(days=1)}  # before the close


def now() -> datetime:
    return datetime.now(UTC)


def summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting as the API and `veche meetings` list it: instants in RFC 3339 with the building's offset."""
    zone = ZoneInfo(meeting.building.timezone)
    return {"id": meeting.id, "building": meeting.building.address, "form": meeting.form.value,
            "state": meeting.state.value,
            "opens_at": meeting.opens_at.astimezone(zone).isoformat() if meeting.opens_at else None,
            "closes_at": meeting.closes_at.astimezone(zone).isoformat() if meeting.closes_at else None}


def local_today(meeting: Meeting, at: datetime | None = None) -> date:
    return local_date(at or now(), meeting.building.timezone)


def premises_count(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count(Premises.id)).where(Premises.building_id == meeting.building_id)) or 0


def plan_of(meeting: Meeting) -> Plan:
    return Plan(form=meeting.form.value, timezone=meeting.building.timezone, opens_at=meeting.opens_at,
                closes_at=meeting.closes_at, agenda=tuple((i.title, i.subject, i.entrance) for i in meeting.agenda),
                place=meeting.place, paper_address=meeting.paper_address,
                administrator=meeting.administrator.email if meeting.administrator else None,
                premises_count=premises_count(meeting))


def readiness_of(meeting: Meeting, today: date | None = None) -> list[Problem]:
    return readiness(plan_of(meeting), today or local_today(meeting))


def record_delivery(meeting: Meeting, channel: str, at: datetime | None, detail: str | None) -> NoticeDelivery:
    """Record a way the notice reached the owners (`at`: now when not given, never in the future); a ГИС ЖКХ posting
    names the meeting's identifier there, which becomes the meeting's (the protocol's number under 266/пр)."""
    current = now()
    if at is not None and at > current:
        raise InvalidInputError(_("Когда: дата ещё не наступила."), field="at")
    detail = " ".join((detail or "").split()) or None
    if channel == "gis_zhkh":
        if detail is None or not GIS_ID.fullmatch(detail):
            raise InvalidInputError(_("Подробности: укажите идентификатор собрания в ГИС ЖКХ (латиница, цифры, "
                                      "дефисы)."), field="detail")
        meeting.gis_id = meeting.gis_id or detail
    return meeting.record_delivery(channel, at or current, detail)


def notice_status(meeting: Meeting) -> dict[str, Any]:
    """The notice's deliveries, the last day they count by, and what the law in force still asks of them."""
    status: dict[str, Any] = {"deliveries": list(meeting.notices), "deadline": None, "problems": [],
                              "days": timeline("notice_days_before_opening")}
    if meeting.notice_date is None or meeting.opens_at is None:
        return status
    zone = meeting.building.timezone
    deadline = notice_deadline(meeting.opens_at, zone)
    in_time = {n.channel for n in meeting.notices if local_date(n.at, zone) <= deadline}
    return status | {"deadline": deadline, "problems": notice_gaps(in_time, meeting.notice_date)}


def add_item(meeting: Meeting, title: str, subject: str, proposal: str | None, entrance: str | None) -> AgendaItem:
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    item = AgendaItem(meeting=meeting, number=len(meeting.agenda) + 1, title=" ".join(title.split()),
                      subject=subject, proposal=(proposal or "").strip() or None, entrance=entrance or None)
    db.session.add(item)
    return item


def remove_item(meeting: Meeting, number: int) -> None:
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    for item in list(meeting.agenda):
        if item.number == number:
            meeting.agenda.remove(item)
            db.session.delete(item)
    db.session.flush()
    for position, item in enumerate(sorted(meeting.agenda, key=lambda i: i.number), start=1):
        item.number = position


def set_initiator(meeting: Meeting, owner_name: str) -> None:
    """The initiator: an owner named as in the register, or (empty name) the managing organisation."""
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    wanted = " ".join(owner_name.split()).casefold()
    if not wanted:
        meeting.initiator_owner, meeting.initiator_organisation = None, meeting.building.organisation
        return
    matches = [o for o in db.session.scalars(select(Owner).where(Owner.building_id == meeting.building_id))
               if " ".join(o.name.split()).casefold() == wanted]
    if len(matches) != 1:
        raise InvalidInputError(_("Собственник «%(name)s» не найден в реестре дома (или найден не один).",
                                  name=owner_name), field="initiator_owner")
    meeting.initiator_owner, meeting.initiator_organisation = matches[0], None


def add_officer(meeting: Meeting, role: OfficerRole, name: str, email: str) -> MeetingOfficer:
    """An officer (chair, secretary, counting commission member); the account, if named, signs the protocol."""
    if meeting.state not in (MeetingState.DRAFT, MeetingState.ANNOUNCED, MeetingState.VOTING,
                             MeetingState.CLOSED, MeetingState.COUNTED):
        raise_locked()
    if role in (OfficerRole.CHAIR, OfficerRole.SECRETARY) and any(o.role is role for o in meeting.officers):
        raise InvalidInputError(_("Председатель и секретарь — по одному."), field="role")
    user = None
    if email.strip():
        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise InvalidInputError(_("Учётной записи %(email)s нет.", email=email), field="email")
    officer = MeetingOfficer(meeting=meeting, role=role, name=" ".join(name.split()), user_id=user.id if user else None)
    db.session.add(officer)
    return officer


def remove_officer(meeting: Meeting, officer_id: int) -> None:
    for officer in list(meeting.officers):
        if officer.id == officer_id:
            meeting.officers.remove(officer)
            db.session.delete(officer)


def raise_locked() -> None:
    raise TransitionError(_("Повестку и даты можно менять только в черновике."))


# --- announcing, opening, closing, counting -------------------------------------------------------------------


def _owners_with_holdings(meeting: Meeting) -> dict[User, set[tuple[str, str]]]:
    """Verified owners and their (owner id, premises) pairs in the building, as decisions name them."""
    rows = db.session.execute(
        select(User, Ownership.owner_id, Premises.number).join(OwnershipLink, OwnershipLink.user_id == User.id)
        .join(Ownership, Ownership.id == OwnershipLink.ownership_id).join(Premises)
        .where(Premises.building_id == meeting.building_id, OwnershipLink.ended_at.is_(None))).all()
    holdings: dict[User, set[tuple[str, str]]] = defaultdict(set)
    for user, owner_id, number in rows:
        holdings[user].add((str(owner_id), number))
    return holdings


def verified_owners(meeting: Meeting) -> list[User]:
    """Accounts with a proven ownership in the building."""
    return list(_owners_with_holdings(meeting))


def announce(meeting: Meeting) -> int:
    """Announce today (local) if nothing blocks it; mail the notice to every verified owner; returns how many."""
    today = local_today(meeting)
    meeting.announce(today, readiness_of(meeting, today))
    recipients = verified_owners(meeting)
    url = public_url("meetings.show", meeting_id=meeting.id)
    with force_locale(OWNERS_LOCALE):  # the owners' language, not the sender's
        subject, body = _("Вече: сообщение о проведении общего собрания"), notice_text(meeting) + f"\n\n{url}"
    for owner in recipients:
        send_mail(owner.email, subject, body)
    db.session.add(NoticeDelivery(meeting=meeting, channel="email", detail=f"{len(recipients)} owner(s)"))
    db.session.add(NoticeDelivery(meeting=meeting, channel="platform", detail=url))
    return len(recipients)


def mail_results(meeting_id: int) -> int:
    """Mail a counted meeting's decisions and results to every verified owner, once; returns how many."""
    meeting = db.session.get(Meeting, meeting_id, with_for_update=True, populate_existing=True)
    if meeting is None or meeting.result is None or meeting.results_sent_at is not None:
        return 0
    recipients = verified_owners(meeting)
    with force_locale(OWNERS_LOCALE):
        subject = _("Вече: итоги общего собрания")
        body = render_template("meetings/results.txt", meeting=meeting, result=json.loads(meeting.result),
                               titles={str(item.number): item.title for item in meeting.agenda},
                               url=public_url("meetings.show", meeting_id=meeting.id))
    for owner in recipients:
        send_mail(owner.email, subject, body)
    meeting.results_sent_at = now()
    return len(recipients)


DECISION_FORMS_AT_ONCE = 200  # forms in one PDF (about 70 ms each to typeset): more, and an entrance is asked for


def decision_forms(meeting: Meeting, entrance: str | None = None) -> list[dict[str, str]]:
    """A paper decision form's owner part for every owner of every premises (of `entrance`, or all) in the register
    the meeting votes on (frozen at opening): name, ЕГРН record, premises, area, share, votes (area × share)."""
    forms = [{"owner": owner.name, "document": owner.document or "", "premises": premises.number,
              "area": format_amount(premises.area), "share": format_share(owner.share),
              "votes": format_amount(owner_weight(premises.area, owner.share))}
             for premises in dossier_of(meeting).register if entrance in (None, premises.entrance)
             for owner in premises.owners]
    if not forms:
        raise InvalidInputError(_("Подъезд: в нём нет помещений с собственниками."), field="entrance")
    if len(forms) > DECISION_FORMS_AT_ONCE:
        raise InvalidInputError(_("Подъезд: бланков слишком много для одного файла (%(n)s) — выберите подъезд.",
                                  n=len(forms)), field="entrance")
    return forms


def entrances(meeting: Meeting) -> list[str]:
    """The building's entrances, in natural order."""
    named = db.session.scalars(select(Premises.entrance).distinct().where(
        Premises.building_id == meeting.building_id, Premises.entrance.is_not(None)))
    return sorted((e for e in named if e), key=natural_key)


def notice_text(meeting: Meeting) -> str:
    """The notice as plain text for mail (the page and the PDF lay out the same elements)."""
    return render_template("meetings/notice.txt", meeting=meeting, facts=notice_facts(meeting))


def notice_facts(meeting: Meeting) -> dict[str, Any]:
    """Every element LEGAL.md §2 asks of a notice, as plain values in the building's local time."""
    zone = ZoneInfo(meeting.building.timezone)
    initiator = (meeting.initiator_organisation.name if meeting.initiator_organisation
                 else meeting.initiator_owner.name if meeting.initiator_owner else "")
    return {
        "address": meeting.building.address, "initiator": initiator, "kind": meeting.kind.value,
        "form": meeting.form.value,
        "opens": meeting.opens_at.astimezone(zone) if meeting.opens_at else None,
        "closes": meeting.closes_at.astimezone(zone) if meeting.closes_at else None,
        "place": meeting.place, "paper_address": meeting.paper_address, "materials": meeting.materials_info,
        "administrator": (meeting.administrator.full_name or meeting.administrator.email)
        if meeting.administrator else None,
        "agenda": [(i.number, i.title) for i in meeting.agenda], "timezone": meeting.building.timezone,
        "notice_date": meeting.notice_date,
    }


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


def due(meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the meeting's opening or closing instant has come and it has not moved yet."""
    at = at or now()
    return bool((meeting.state is MeetingState.ANNOUNCED and meeting.opens_at and at >= meeting.opens_at)
                or (meeting.state is MeetingState.VOTING and meeting.closes_at and at >= meeting.closes_at))


def advance_locked(meeting_id: int) -> Meeting | None:
    """Open or close a due meeting in a write transaction of its own, with the meeting's row locked and re-read
    (two requests that find it due take turns; the second sees it moved); commits."""
    with write_transaction():
        meeting = db.session.get(Meeting, meeting_id, populate_existing=True, with_for_update=True)
        if meeting is not None:
            advance(meeting)
        db.session.commit()
    return meeting


def advance(meeting: Meeting, at: datetime | None = None) -> bool:
    """Open or close a meeting whose instant has come (pages and `veche tick` call this); True if it moved."""
    at = at or now()
    moved = False
    if meeting.state is MeetingState.ANNOUNCED and meeting.opens_at and at >= meeting.opens_at:
        meeting.open(at, *freeze_register(meeting))
        db.session.flush()
        meeting_opened.send(meeting, at=at)
        moved = True
    if meeting.state is MeetingState.VOTING and meeting.closes_at and at >= meeting.closes_at:
        meeting.close(at)
        db.session.flush()
        meeting_closed.send(meeting, at=at)
        moved = True
    return moved


def count(meeting: Meeting) -> Result:
    """Count a closed meeting and keep its oss-result/1."""
    result = tally(dossier_of(meeting))
    document = result_json(result)
    meeting.count(document)
    db.session.flush()
    meeting_counted.send(meeting, result=document)
    return result


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


# --- for the administrator: participation, quorum, who has not voted --------------------------------------------


@dataclass(frozen=True)
class Participation:
    total: Fraction
    participating: Fraction
    by_entrance: list[tuple[str, Fraction, Fraction]]  # entrance, took part, all
    missing: list[tuple[str, str, Fraction]]  # premises, owner name, votes (largest first)

    @property
    def needed_for_quorum(self) -> Fraction:
        """Votes still needed for more than half of all: the smallest step is 0.01 m²."""
        half = self.total / 2
        return max(Fraction(0), half - self.participating + Fraction(1, 100)) if self.participating <= half \
            else Fraction(0)


def participation(meeting: Meeting) -> Participation:
    data = dossier_of(meeting)
    result = tally(data)
    counted = {(c.decision.owner, c.decision.premises) for c in result.counted}
    taken_part: dict[str, Fraction] = defaultdict(Fraction)
    everyone: dict[str, Fraction] = defaultdict(Fraction)
    missing = []
    for premises in data.register:
        entrance = premises.entrance or "—"
        everyone[entrance] += Fraction(premises.area)
        joint_voted = any(o.ownership == "joint" and (o.id, premises.number) in counted for o in premises.owners)
        for owner in premises.owners:
            weight = owner_weight(premises.area, owner.share)
            if (owner.id, premises.number) in counted:
                taken_part[entrance] += weight
            elif not (owner.ownership == "joint" and joint_voted):
                missing.append((premises.number, owner.name, weight))
    missing.sort(key=lambda row: (-row[2], row[0]))
    entrances = sorted(everyone, key=natural_key)
    return Participation(result.total, result.participating,
                         [(e, taken_part[e], everyone[e]) for e in entrances], missing)


# --- reminders ----------------------------------------------------------------------------------------------


def send_reminders(at: datetime | None = None) -> int:
    """Mail owners who have not voted, once per slot (3 days and 1 day before the close); never those who voted."""
    at = at or now()
    sent = 0
    for meeting in db.session.scalars(select(Meeting).where(Meeting.state == MeetingState.VOTING)):
        due = [slot for slot, before in REMINDER_SLOTS.items()
               if meeting.closes_at and meeting.closes_at - before <= at < meeting.closes_at]
        if not due:
            continue
        slot = min(due, key=lambda s: REMINDER_SLOTS[s])
        decided = {tuple(row) for row in db.session.execute(select(MeetingDecision.owner_ref, MeetingDecision.premises)
                                         .where(MeetingDecision.meeting_id == meeting.id))}
        already = set(db.session.scalars(select(ReminderSent.user_id).where(ReminderSent.meeting_id == meeting.id,
                                                                            ReminderSent.slot == slot)))
        closes = meeting.closes_at.astimezone(ZoneInfo(meeting.building.timezone)) if meeting.closes_at else at
        for owner, holdings in _owners_with_holdings(meeting).items():
            if owner.id in already or holdings <= decided:  # reminded already, or every holding has a decision
                continue
            send_mail(owner.email, _("Вече: вы ещё не проголосовали"),
                      _("Голосование по собранию в доме %(address)s закончится %(closes)s (местное время). "
                        "Ваш голос ещё не получен: %(url)s", address=meeting.building.address,
                        closes=closes.strftime("%d.%m.%Y %H:%M"),
                        url=public_url("meetings.show", meeting_id=meeting.id)))
            db.session.add(ReminderSent(meeting_id=meeting.id, user_id=owner.id, slot=slot))
            sent += 1
    db.session.flush()
    return sent
