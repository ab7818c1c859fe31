"""Filters and globals for templates: local times, exact amounts for display, rules of agenda items."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from voting.domain.numbers import round_half_up
from voting.domain.rules import Rule, Subject, subject


def local(value: datetime | None, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%d.%m.%Y %H:%M") if value else "—"


def duration(value: timedelta) -> str:
    days, seconds = value.days, value.seconds
    if days < 0:
        return "0"
    return _("%(d)s дн. %(h)s ч", d=days, h=seconds // 3600) if days else _("%(h)s ч %(m)s мин",
                                                                          h=seconds // 3600, m=seconds % 3600 // 60)


def amount(value: Fraction | Decimal | int) -> str:
    """An exact amount rounded half-up for display, in the reader's number format."""
    return format_decimal(round_half_up(Fraction(value)), format="#,##0.00")


def area(value: Decimal) -> str:
    return format_decimal(value, format="#,##0.00")


def fraction(text: str) -> Fraction:
    return Fraction(text)


def channel_label(channel: str) -> str:
    """How a notice reached the owners, in the reader's language."""
    return {"platform": _("на странице собрания в системе"), "email": _("по электронной почте"),
            "gis_zhkh": _("в ГИС ЖКХ"), "stairwell": _("в подъездах (в месте, определённом решением собрания)"),
            "registered_letter": _("заказными письмами"), "hand_delivery": _("вручением под подпись")}.get(
        channel, channel)


def gis_state(state: str) -> str:
    """A delivery to ГИС ЖКХ, or a line of its log, in the reader's language (one label table)."""
    return {"queued": _("в очереди"), "sent": _("отправлен, ГИС ЖКХ обрабатывает"), "waiting": _("ожидание ответа"),
            "retry": _("нет ответа, повтор"), "accepted": _("принят"), "refused": _("отклонён"),
            "failed": _("не доставлен"), "renumber": _("протокол не переформирован с новым номером")}.get(state, state)


def _notice_day(meeting: Any) -> date:
    """The date that chooses the law's edition: the notice date, or today for a meeting not yet announced."""
    return meeting.notice_date or datetime.now(ZoneInfo(meeting.building.timezone)).date()


def item_rule(item: Any, meeting: Any) -> str:
    return subject(item.subject).edition_on(_notice_day(meeting)).rule.value


def subject_rule(item: Subject, meeting: Any) -> str:
    return item.edition_on(_notice_day(meeting)).rule.value


def threshold_for(rule: str) -> float | None:
    """Where to draw the threshold line on a bar of all votes (display only; the decision is exact)."""
    return {Rule.MAJORITY_OF_ALL: 50.0, Rule.TWO_THIRDS_OF_ALL: 66.67, Rule.UNANIMOUS: 100.0}.get(Rule(rule))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(local=local, duration=duration, amount=amount, area=area, fraction=fraction,
                                 fromjson=json.loads, channel_label=channel_label,
                                 gis_state=gis_state)
    app.jinja_env.globals.update(get_locale=get_locale, item_rule=item_rule, subject_rule=subject_rule,
                                 threshold_for=threshold_for)
