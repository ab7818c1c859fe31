"""The receipt by e-mail, with the choices in plain text: a background job (RQ when Redis is set, inline otherwise)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from auth.mail import send_mail
from auth.models import User
from ballots import casting
from ballots.models import LogEntry
from voting.core.extensions import db
from voting.core.links import public_url
from voting.meetings.models import Meeting

CHOICE_WORDS = {"for": "ЗА", "against": "ПРОТИВ", "abstain": "ВОЗДЕРЖАЛСЯ"}


def mail_receipt(entry_id: int, user_id: int) -> None:
    """Mail the voter the receipt of a ballot they cast."""
    entry, user = db.session.get(LogEntry, entry_id), db.session.get(User, user_id)
    if entry is None or user is None:
        return
    meeting = db.session.get(Meeting, entry.meeting_id)
    assert meeting is not None
    receipt = casting.receipt(entry)
    payload = json.loads(entry.payload)
    agenda = {item["id"]: item["title"] for item in casting.manifest_of(meeting.id)["agenda"]}
    received = datetime.fromisoformat(entry.server_time).astimezone(ZoneInfo(meeting.building.timezone))
    lines = [f"{item}. {title}: {CHOICE_WORDS.get(payload['answers'].get(item, ''), _('нет ответа'))}"
             for item, title in agenda.items()]
    send_mail(user.email, _("Вече: бюллетень принят, код %(t)s", t=receipt["tracker"]), "\n".join([
        _("Ваш бюллетень по собранию в доме %(address)s принят %(at)s (время дома).", address=meeting.building.address,
          at=received.strftime("%d.%m.%Y %H:%M:%S")),
        _("Помещения: %(p)s.", p=", ".join(payload["premises"])), "", *lines, "",
        _("Код бюллетеня: %(t)s", t=receipt["tracker"]),
        _("Хеш бюллетеня: %(h)s", h=receipt["ballot_hash"]),
        _("Запись журнала № %(i)s, корень дерева %(r)s", i=receipt["index"], r=receipt["checkpoint"]["root"]),
        _("Подпись сервера: %(s)s", s=receipt["signature"]), "",
        _("Квитанция: %(url)s", url=public_url("ballots.receipt", meeting_id=meeting.id,
                                               ballot_hash=receipt["ballot_hash"]))]))
