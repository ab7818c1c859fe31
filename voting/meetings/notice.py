"""The notice: its facts and text, the ways it reached the owners, and the paper decision forms.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext as _

from voting.core import clock
from voting.core.errors import InvalidInputError
from voting.domain.numbers import format_amount, format_share
from voting.domain.schedule import local_date, notice_deadline, notice_gaps, timeline
from voting.domain.weights import owner_weight
from voting.meetings.dossier import dossier_of
from voting.meetings.models import (
    GIS_ID,
    Meeting,
    NoticeDelivery,
)


def record_delivery(meeting: Meeting, channel: str, at: datetime | None, detail: str | None) -> NoticeDelivery:
    """Record a way the notice reached the owners (`at`: now when not given, never in the future); a ГИС ЖКХ posting
    names the meeting's identifier there, which becomes the meeting's (the protocol's number under 266/пр)."""
    current = clock.now()
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


DECISION_FORMS_AT_ONCE = 200  # forms in one PDF (a few ms each to typeset): more, and an entrance is asked for


def decision_forms(meeting: Meeting, entrance: str | None = None, opted_out: bool = False) -> list[dict[str, str]]:
    """A paper decision form's owner part for every owner of every premises (of `entrance`, or all; or only the
    owners who refused electronic voting) in the register the meeting votes on (frozen at opening): name, ЕГРН
    record, premises, area, share, votes (area × share)."""
    refused = {str(o.owner_id) for o in meeting.opt_outs}
    forms = [{"owner": owner.name, "document": owner.document or "", "premises": premises.number,
              "area": format_amount(premises.area), "share": format_share(owner.share),
              "votes": format_amount(owner_weight(premises.area, owner.share))}
             for premises in dossier_of(meeting).register if entrance in (None, premises.entrance)
             for owner in premises.owners if not opted_out or owner.id in refused]
    if not forms and opted_out:
        raise InvalidInputError(_("Отказов от электронного голосования нет: бланков для них не нужно."),
                                field="opted_out")
    if not forms:
        raise InvalidInputError(_("Подъезд: в нём нет помещений с собственниками."), field="entrance")
    if len(forms) > DECISION_FORMS_AT_ONCE:
        raise InvalidInputError(_("Подъезд: бланков слишком много для одного файла (%(n)s) — выберите подъезд.",
                                  n=len(forms)), field="entrance")
    return forms
