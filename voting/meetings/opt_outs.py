"""Owners who told the administrator they will not vote electronically in a meeting (156-ФЗ): recorded with the day
the notice reached the administrator, at least five working days of the production calendar before voting starts.
Such an owner votes by a written decision. Services flush, never commit."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from registry.models import Owner
from voting.core import clock
from voting.core.calendar import is_working_day
from voting.core.errors import ConflictError, InvalidInputError
from voting.core.extensions import db
from voting.domain.schedule import opt_out_deadline, opt_out_problems
from voting.meetings.models import ElectronicOptOut, Meeting, MeetingForm, MeetingState
from voting.meetings.plan import local_today

OPEN_TO_OPT_OUT = (MeetingState.DRAFT, MeetingState.ANNOUNCED)


def deadline(meeting: Meeting) -> str | None:
    """The last day (DD.MM.YYYY) a refusal may reach the administrator, once the opening is set."""
    if meeting.form is not MeetingForm.ELECTRONIC or meeting.opens_at is None:
        return None
    return f"{opt_out_deadline(meeting.opens_at, meeting.building.timezone, is_working_day):%d.%m.%Y}"


def record(meeting: Meeting, owner_id: int, received_at: datetime, recorded_by_id: int) -> ElectronicOptOut:
    """Record an owner's refusal of electronic voting in this meeting, or refuse it naming the rule."""
    if meeting.form is not MeetingForm.ELECTRONIC:
        raise ConflictError(_("Отказ от электронного голосования касается только заочного голосования с "
                              "использованием системы (ЖК РФ ст. 47.1)."), field="meeting")
    if meeting.state not in OPEN_TO_OPT_OUT:
        raise ConflictError(_("Отказ от электронного голосования принимается до начала голосования."),
                            field="received_at")
    owner = db.session.get(Owner, owner_id)
    if owner is None or owner.building_id != meeting.building_id:
        raise InvalidInputError(_("Собственник: такого собственника нет в реестре дома."), field="owner")
    if received_at > clock.now():
        raise InvalidInputError(_("Дата получения уведомления не может быть в будущем."), field="received_at")
    for problem in opt_out_problems(received_at, meeting.opens_at, meeting.building.timezone, is_working_day,
                                    meeting.notice_date or local_today(meeting)):
        if problem.code == "opt_out_too_late":
            raise InvalidInputError(_(
                "Уведомление об отказе от электронного голосования должно поступить администратору не позднее чем "
                "за %(days)s рабочих дней до начала голосования (%(reference)s); для этого собрания последний день — "
                "%(deadline)s.", **problem.params), field="received_at")
        if problem.code == "missing":
            raise ConflictError(_("Сначала укажите начало голосования: от него отсчитываются %(days)s рабочих дней.",
                                  days=problem.params["days"]), field="opens_at")
        raise ConflictError(_("Отказ от электронного голосования не предусмотрен на эту дату (%(reference)s).",
                              **problem.params), field="received_at")
    if db.session.scalar(select(ElectronicOptOut.id).where(ElectronicOptOut.meeting_id == meeting.id,
                                                           ElectronicOptOut.owner_id == owner.id)):
        raise InvalidInputError(_("Отказ этого собственника уже записан."), field="owner")
    opt_out = ElectronicOptOut(meeting=meeting, owner_id=owner.id, received_at=received_at,
                               recorded_by_id=recorded_by_id)
    db.session.add(opt_out)
    db.session.flush()
    return opt_out


def opted_out(meeting_id: int, owner_ref: str) -> ElectronicOptOut | None:
    """The owner's refusal of electronic voting in this meeting, if any (`owner_ref`: the owner's id as text)."""
    if not owner_ref.isdigit():
        return None
    return db.session.scalar(select(ElectronicOptOut).where(ElectronicOptOut.meeting_id == meeting_id,
                                                            ElectronicOptOut.owner_id == int(owner_ref)))
