"""Mail to a building's verified owners: reminders before the close and the results after the count.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from auth.mail import send_mail
from auth.models import OwnershipLink, User
from registry.models import Ownership, Premises
from voting.core import clock
from voting.core.extensions import db
from voting.core.links import public_url
from voting.meetings.models import (
    Meeting,
    MeetingDecision,
    MeetingState,
    ReminderSent,
)

OWNERS_LOCALE = "ru"  # mail to many owners goes out in the default language, whoever sends it


REMINDER_SLOTS = {"3d": timedelta(days=3), "1d": timedelta(days=1)}  # before the close


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
    meeting.results_sent_at = clock.now()
    return len(recipients)


def send_reminders(at: datetime | None = None) -> int:
    """Mail owners who have not voted, once per slot (3 days and 1 day before the close); never those who voted."""
    at = at or clock.now()
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
