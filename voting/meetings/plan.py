"""The plan of a meeting: its agenda, initiator and officers while a draft, and what still blocks announcing it.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from auth.models import OwnershipLink, StaffRole, User
from registry.models import Owner, Ownership, Premises
from registry.services import natural_key
from voting.core import clock
from voting.core.errors import InvalidInputError, VotingError
from voting.core.extensions import db
from voting.domain import gis_nsi, schedule
from voting.domain.schedule import Plan, Problem, local_date, readiness
from voting.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingOfficer,
    MeetingState,
    OfficerRole,
    TransitionError,
)


def summary(meeting: Meeting) -> dict[str, Any]:
    """A meeting as the API and `veche meetings` list it: instants in RFC 3339 with the building's offset."""
    zone = ZoneInfo(meeting.building.timezone)
    return {"id": meeting.id, "building": meeting.building.address, "form": meeting.form.value,
            "state": meeting.state.value,
            "opens_at": meeting.opens_at.astimezone(zone).isoformat() if meeting.opens_at else None,
            "closes_at": meeting.closes_at.astimezone(zone).isoformat() if meeting.closes_at else None}


def local_today(meeting: Meeting, at: datetime | None = None) -> date:
    return local_date(at or clock.now(), meeting.building.timezone)


def premises_count(meeting: Meeting) -> int:
    return db.session.scalar(select(func.count(Premises.id)).where(Premises.building_id == meeting.building_id)) or 0


def plan_of(meeting: Meeting) -> Plan:
    return Plan(form=meeting.form.value, timezone=meeting.building.timezone, opens_at=meeting.opens_at,
                closes_at=meeting.closes_at, agenda=tuple((i.title, i.subject, i.entrance) for i in meeting.agenda),
                place=meeting.place, paper_address=meeting.paper_address,
                administrator=meeting.administrator.email if meeting.administrator else None,
                premises_count=premises_count(meeting),
                administrator_is_initiator=administrator_is_initiator(meeting),
                administrator_notified_at=meeting.administrator_notified_at)


def administrator_is_initiator(meeting: Meeting) -> bool:
    """Whether the administrator's account is the initiator: staff of the initiating organisation, or the account
    holding the initiating owner's ownership (then no notice to the administrator is needed)."""
    user = meeting.administrator
    if user is None:
        return True
    if meeting.initiator_organisation_id is not None:
        return db.session.scalar(select(StaffRole.id).where(
            StaffRole.user_id == user.id, StaffRole.organisation_id == meeting.initiator_organisation_id)) is not None
    if meeting.initiator_owner_id is not None:
        return db.session.scalar(select(OwnershipLink.id).join(Ownership, OwnershipLink.ownership_id == Ownership.id)
                                 .where(OwnershipLink.user_id == user.id, OwnershipLink.ended_at.is_(None),
                                        Ownership.owner_id == meeting.initiator_owner_id).limit(1)) is not None
    return False


def administrator_ready_at(meeting: Meeting) -> datetime | None:
    """The earliest instant voting may start after the notice to the administrator, once it is recorded."""
    notified = meeting.administrator_notified_at
    return schedule.administrator_ready_at(notified, meeting.building.timezone) if notified else None


def record_administrator_notice(meeting: Meeting, at: datetime) -> None:
    """When the initiator's notice reached the administrator (ЖК РФ ст. 47.1 ч. 3–5); not in the future."""
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    if at > clock.now():
        raise InvalidInputError(_("Дата получения сообщения администратором не может быть в будущем."),
                                field="administrator_notified_at")
    meeting.administrator_notified_at = at


def readiness_of(meeting: Meeting, today: date | None = None) -> list[Problem]:
    return readiness(plan_of(meeting), today or local_today(meeting))


def gis_choices(today: date) -> list[tuple[str, str]]:
    """The ways an item may choose where ГИС ЖКХ asks (НСИ 241, НСИ 25), as (key, name), after "none"."""
    return [("", _("не требуется"))] + [(key, ref.name) for needs in gis_nsi.NEEDS
                                        for key, ref in gis_nsi.options(needs, today).items()]


def gis_readiness_of(meeting: Meeting) -> list[Problem]:
    """What the exchange with ГИС ЖКХ will lack (it does not block announcing)."""
    organisation = meeting.initiator_organisation
    return gis_nsi.identifier_problems(
        meeting.building.fias_guid,
        (organisation.gis_root_guid, organisation.gis_version_guid) if organisation else None,
        tuple((i.number, i.subject, i.gis_choice) for i in meeting.agenda), local_today(meeting))


def add_item(meeting: Meeting, title: str, subject: str, proposal: str | None, entrance: str | None,
             gis_choice: str | None = None) -> AgendaItem:
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    if gis_choice:
        kind = gis_nsi.question_type(subject, local_today(meeting))
        if kind is None or kind.needs is None or gis_choice not in gis_nsi.options(kind.needs, local_today(meeting)):
            raise InvalidInputError(_("Выбираемый способ не относится к этому виду вопроса."), field="gis_choice")
    item = AgendaItem(meeting=meeting, number=len(meeting.agenda) + 1, title=" ".join(title.split()),
                      subject=subject, proposal=(proposal or "").strip() or None, entrance=entrance or None,
                      gis_choice=gis_choice or None)
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


@dataclass(frozen=True)
class PlanChange:
    """What the administrator may change in a draft's plan; instants in the building's local time, naive."""

    kind: MeetingKind
    form: MeetingForm
    opens_at: datetime | None
    closes_at: datetime | None
    place: str | None
    paper_address: str | None
    materials_info: str | None
    gis_id: str | None
    administrator: str  # an account's e-mail, or empty
    initiator_owner: str  # an owner's name as in the register, or empty for the managing organisation


def update(meeting: Meeting, change: PlanChange) -> list[str]:
    """Apply a draft's plan; what could not be applied (an unknown administrator or initiator) comes back as
    warnings while the rest is kept."""
    if meeting.state is not MeetingState.DRAFT:
        raise_locked()
    zone = ZoneInfo(meeting.building.timezone)
    meeting.kind, meeting.form = change.kind, change.form
    meeting.opens_at = change.opens_at.replace(tzinfo=zone) if change.opens_at else None
    meeting.closes_at = change.closes_at.replace(tzinfo=zone) if change.closes_at else None
    meeting.place, meeting.paper_address = change.place, change.paper_address
    meeting.materials_info, meeting.gis_id = change.materials_info, change.gis_id
    warnings = []
    email = change.administrator.strip().lower()
    meeting.administrator = db.session.scalar(select(User).where(User.email == email)) if email else None
    if email and meeting.administrator is None:
        warnings.append(_("Учётной записи %(email)s нет: администратор не назначен.", email=email))
    try:
        set_initiator(meeting, change.initiator_owner)
    except VotingError as error:
        warnings.append(error.message)
    return warnings


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


def entrances(meeting: Meeting) -> list[str]:
    """The building's entrances, in natural order."""
    named = db.session.scalars(select(Premises.entrance).distinct().where(
        Premises.building_id == meeting.building_id, Premises.entrance.is_not(None)))
    return sorted((e for e in named if e), key=natural_key)
