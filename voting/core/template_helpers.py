"""Filters and globals for templates: local times, exact amounts for display, rules of agenda items."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import Flask
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from voting.core.labels import LABELS, label, russian
from voting.domain.numbers import round_half_up
from voting.domain.rules import Rule, Subject, UnknownSubjectError, subject


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


def zone_name(timezone: str) -> str:
    """A time zone by its city, in the reader's language ("Екатеринбург" for Asia/Yekaterinburg)."""
    return str(get_timezone_location(timezone, locale=get_locale(), return_city=True))


def svg_number(value: Fraction | Decimal | int | float, places: int = 2) -> str:
    """An exact value as an SVG length: a plain decimal (a point, no grouping), rounded half-up, never a fraction."""
    text = format(round_half_up(Fraction(value), places), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def share_of(part: Fraction | Decimal | int, whole: Fraction | Decimal | int, scale: int = 100) -> Fraction:
    """`part` of `whole` on a bar of `scale` units, kept between 0 and `scale` (exact; zero for an empty whole)."""
    if not whole:
        return Fraction(0)
    return min(max(Fraction(part) * scale / Fraction(whole), Fraction(0)), Fraction(scale))


def channel_label(channel: str) -> str:
    """How a notice reached the owners, in the reader's language."""
    return label(channel, "channel")


def gis_state(state: str) -> str:
    """A delivery to ГИС ЖКХ, or a line of its log, in the reader's language."""
    return label(state, "gis_delivery")


def _notice_day(meeting: Any) -> date:
    """The date that chooses the law's edition: the notice date, or today for a meeting not yet announced."""
    return meeting.notice_date or datetime.now(ZoneInfo(meeting.building.timezone)).date()


def item_rule(item: Any, meeting: Any) -> str:
    return subject(item.subject).edition_on(_notice_day(meeting)).rule.value


def sentence(text: str) -> str:
    """The text ended with one full stop: a name with initials («Петрову А. С.») already ends with one."""
    text = str(text).rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def subject_name(code: str) -> str:
    """A subject's code with its plain-language name from the law's catalogue ("44.2.5 — Выбор способа …")."""
    try:
        return f"{code} — {subject(code).title}"
    except UnknownSubjectError:
        return code


def subject_rule(item: Subject, meeting: Any) -> str:
    return item.edition_on(_notice_day(meeting)).rule.value


def threshold_for(rule: str) -> Fraction | None:
    """Where to draw the threshold line on a bar of all votes, in % (display only; the decision is exact)."""
    return {Rule.MAJORITY_OF_ALL: Fraction(50), Rule.TWO_THIRDS_OF_ALL: Fraction(200, 3),
            Rule.UNANIMOUS: Fraction(100)}.get(Rule(rule))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(local=local, duration=duration, amount=amount, area=area, fraction=fraction,
                                 fromjson=json.loads, channel_label=channel_label,
                                 svg=svg_number, zone_name=zone_name, label=label, russian=russian,
                                 subject_name=subject_name, sentence=sentence, gis_state=gis_state)
    app.jinja_env.globals.update(get_locale=get_locale, item_rule=item_rule, subject_rule=subject_rule,
                                 threshold_for=threshold_for, share_of=share_of,
                                 label_table=LABELS)
