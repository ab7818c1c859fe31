"""A meeting's life: announcing with notices, opening on a frozen register, closing and counting with the pure tally.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from auth.mail import send_mail
from voting.core import clock
from voting.core.extensions import db, write_transaction
from voting.core.links import public_url
from voting.core.signals import meeting_closed, meeting_counted, meeting_opened
from voting.domain.tally import Result, tally
from voting.domain.tally import to_json as result_json
from voting.meetings.dossier import dossier_of, freeze_register
from voting.meetings.mail import OWNERS_LOCALE, verified_owners
from voting.meetings.models import (
    Meeting,
    MeetingState,
    NoticeDelivery,
)
from voting.meetings.notice import notice_text
from voting.meetings.plan import local_today, readiness_of


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
    db.session.add(NoticeDelivery(meeting=meeting, channel="email", detail=f"адресатов: {len(recipients)}"))
    db.session.add(NoticeDelivery(meeting=meeting, channel="platform", detail=url))
    return len(recipients)


def due(meeting: Meeting, at: datetime | None = None) -> bool:
    """Whether the meeting's opening or closing instant has come and it has not moved yet."""
    return state_at(meeting, at) is not meeting.state


def state_at(meeting: Meeting, at: datetime | None = None) -> MeetingState:
    """The state the meeting's dates put it in at `at`, before `advance` has caught up: what a page that only reads
    shows (it opens and closes nothing: `veche tick` and the next request on the meeting itself do)."""
    at = at or clock.now()
    state = meeting.state
    if state is MeetingState.ANNOUNCED and meeting.opens_at and at >= meeting.opens_at:
        state = MeetingState.VOTING
    if state is MeetingState.VOTING and meeting.closes_at and at >= meeting.closes_at:
        state = MeetingState.CLOSED
    return state


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
    at = at or clock.now()
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
