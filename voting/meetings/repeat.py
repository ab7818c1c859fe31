"""A meeting held again after it had no quorum: from an очное meeting, its agenda decided by заочное (or electronic)
voting (ЖК РФ ст. 47 ч. 1); an annual meeting without quorum needs its repeat. One action drafts the new meeting
with the same agenda and subjects, to be noticed anew. Services flush, never commit."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from voting.core.errors import ConflictError, InvalidInputError
from voting.core.extensions import db
from voting.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingMaterial,
    MeetingOfficer,
    MeetingState,
)

COUNTED = (MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)


def without_quorum(meeting: Meeting) -> bool:
    """Counted, and the count found no quorum."""
    return meeting.state in COUNTED and bool(meeting.result) and json.loads(meeting.result or "{}")["quorum"] is False


def repeated_by(meeting: Meeting) -> Meeting | None:
    """The meeting drafted to repeat this one (not a cancelled one)."""
    return db.session.scalar(select(Meeting).where(Meeting.repeat_of_id == meeting.id,
                                                   Meeting.state != MeetingState.CANCELLED).limit(1))


def forms_for_repeat(meeting: Meeting) -> tuple[MeetingForm, ...]:
    """The forms the repeat may take: заочное or electronic after an очное meeting (ст. 47 ч. 1), and an annual
    meeting's own form; none unless the meeting was counted without quorum."""
    if not without_quorum(meeting):
        return ()
    forms = [MeetingForm.ABSENTEE, MeetingForm.ELECTRONIC] if meeting.form is MeetingForm.IN_PERSON else []
    if meeting.kind is MeetingKind.ANNUAL and meeting.form not in forms:
        forms.append(meeting.form)
    return tuple(forms)


def needs_repeat(meeting: Meeting) -> bool:
    """An annual meeting counted without quorum whose repeat has not been drafted yet."""
    return meeting.kind is MeetingKind.ANNUAL and without_quorum(meeting) and repeated_by(meeting) is None


def draft_repeat(meeting: Meeting, form: MeetingForm) -> Meeting:
    """A draft with the same building, kind, initiator, administrator, agenda, subjects, officers and materials, and no
    dates: it is noticed anew."""
    allowed = forms_for_repeat(meeting)
    if not allowed:
        raise ConflictError(_("Повторное собрание проводится, если у подсчитанного собрания не было кворума: очное "
                              "(ЖК РФ ст. 47 ч. 1) или годовое."), field="meeting")
    if form not in allowed:
        raise InvalidInputError(_("После очного собрания без кворума то же решение принимается заочным "
                                  "голосованием (ЖК РФ ст. 47 ч. 1)."), field="form")
    existing = repeated_by(meeting)
    if existing is not None:
        raise ConflictError(_("Повторное собрание уже создано: № %(n)s.", n=existing.id), field="meeting")
    repeat = Meeting(building=meeting.building, kind=meeting.kind, form=form, repeat_of=meeting,
                     initiator_organisation=meeting.initiator_organisation, initiator_owner=meeting.initiator_owner,
                     administrator=meeting.administrator, paper_address=meeting.paper_address,
                     place=meeting.place if form in (MeetingForm.IN_PERSON, MeetingForm.MIXED) else None,
                     materials_info=meeting.materials_info)
    db.session.add(repeat)
    for item in meeting.agenda:
        db.session.add(AgendaItem(meeting=repeat, number=item.number, title=item.title, proposal=item.proposal,
                                  subject=item.subject, entrance=item.entrance))
    for officer in meeting.officers:
        db.session.add(MeetingOfficer(meeting=repeat, role=officer.role, name=officer.name, user_id=officer.user_id))
    for material in meeting.materials:
        db.session.add(MeetingMaterial(meeting=repeat, filename=material.filename, mime=material.mime,
                                       content=material.content, sha256=material.sha256))
    db.session.flush()
    return repeat
