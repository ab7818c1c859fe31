"""The meetings' background jobs: reminders, the results mail, opening and closing meetings whose instant came."""

from __future__ import annotations

from sqlalchemy import select

from voting.core import jobs
from voting.core.extensions import db
from voting.meetings import lifecycle, mail
from voting.meetings.models import Meeting, MeetingState


def send_reminders() -> int:
    """Mail owners who have not voted (mail.send_reminders)."""
    sent = mail.send_reminders()
    db.session.commit()
    return sent


def mail_results(meeting_id: int) -> int:
    """Mail a counted meeting's results to its verified owners, once (mail.mail_results)."""
    sent = mail.mail_results(meeting_id)
    db.session.commit()
    return sent


def advance_meetings() -> int:
    """Open and close meetings whose instant has come."""
    due = [m.id for m in db.session.scalars(
        select(Meeting).where(Meeting.state.in_([MeetingState.ANNOUNCED, MeetingState.VOTING])))
        if lifecycle.due(m)]
    for meeting_id in due:
        lifecycle.advance_locked(meeting_id)
    return len(due)


def connect() -> None:
    """Register the meetings' jobs with the queue."""
    for job in (send_reminders, mail_results, advance_meetings):
        jobs.register(job.__name__, job)
