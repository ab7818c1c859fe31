"""The meeting dossier (`oss-dossier/1`, FORMATS.md §2): parsed strictly, every error named by its JSON path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voting.domain import collector
from voting.domain.numbers import format_fraction
from voting.domain.rules import UnknownSubjectError, subject

FORMAT = "oss-dossier/1"
KINDS = ("annual", "extraordinary")
FORMS = ("in_person", "absentee", "mixed", "electronic")
PREMISES_KINDS = ("residential", "non_residential", "parking")
OWNERSHIPS = ("individual", "shared", "joint", "public")
SOURCES = ("online", "paper", "in_person")
CHOICES = ("for", "against", "abstain")
_AREA = re.compile(r"\d+\.\d\d")
_SHARE = re.compile(r"(\d+)/(\d+)")


class DossierError(ValueError):
    """Malformed input: `path` says where (e.g. `register[3].owners[0].share`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


# The long lists are named tuples, not dataclasses: a large dossier makes tens of thousands of them.
class Owner(NamedTuple):
    id: str
    name: str
    ownership: str
    share: Fraction
    document: str | None = None


class Premises(NamedTuple):
    number: str
    kind: str
    area: Decimal
    entrance: str | None
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class AgendaItem:
    id: str
    title: str
    subject: str
    entrance: str | None = None  # for 44.2.4.5: the entrance whose owners must also agree


class Representative(NamedTuple):
    name: str
    proxy_valid_until: date | None = None  # inclusive, in the building's local time


Answer = str | tuple[str, ...]


class Decision(NamedTuple):
    owner: str
    premises: str
    received_at: datetime
    source: str
    answers: Mapping[str, Answer]
    representative: Representative | None = None


@dataclass(frozen=True)
class Meeting:
    kind: str
    form: str
    notice_date: date
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Dossier:
    address: str
    timezone: str
    meeting: Meeting
    register: tuple[Premises, ...]
    agenda: tuple[AgendaItem, ...]
    decisions: tuple[Decision, ...]


# --- reading ------------------------------------------------------------------------------------------------


@collector.paused()
def loads(text: str | bytes) -> Dossier:
    """Parse dossier JSON text; floats and duplicate keys are refused."""
    try:
        data = json.loads(text, parse_float=_no_float, object_pairs_hook=_no_duplicates)
    except DossierError:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise DossierError("$", f"not valid JSON ({error})") from None
    return parse(data)


def _no_float(text: str) -> Any:
    raise DossierError("$", f"floats are not allowed ({text}): write amounts as strings")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return unique_keys(pairs, lambda message: DossierError("$", message))


def unique_keys(pairs: list[tuple[str, Any]], refuse: Callable[[str], Exception]) -> dict[str, Any]:
    """An `object_pairs_hook`: the object, or `refuse(message)` raised when a key appears twice (I-JSON, RFC 7493,
    which RFC 8785 assumes: readers that keep the first or the last value would see different documents)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(key for key, _value in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
        raise refuse(f"duplicate key {duplicate!r}")
    return result


@collector.paused()
def parse(data: object) -> Dossier:
    """Check a decoded dossier and build it."""
    root = _object(data, "$")
    if root.get("format") != FORMAT:
        raise DossierError("format", f"must be {FORMAT!r}")
    building = _object(root.get("building"), "building")
    timezone = _text(building.get("timezone"), "building.timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DossierError("building.timezone", f"unknown IANA time zone {timezone!r}") from None
    meeting = _meeting(_object(root.get("meeting"), "meeting"))
    register = tuple(_premises_fast(item) or _premises(item, f"register[{i}]")
                     for i, item in enumerate(_list(root.get("register"), "register")))
    _unique([p.number for p in register], "register", "premises")
    agenda = tuple(_agenda_item(item, f"agenda[{i}]", meeting.notice_date)
                   for i, item in enumerate(_list(root.get("agenda"), "agenda")))
    _unique([a.id for a in agenda], "agenda", "id")
    items = {a.id for a in agenda}
    decisions = tuple(_decision_fast(item, items) or _decision(item, f"decisions[{i}]", items)
                      for i, item in enumerate(_list(root.get("decisions", []), "decisions")))
    return Dossier(address=_text(building.get("address"), "building.address"), timezone=timezone,
                   meeting=meeting, register=register, agenda=agenda, decisions=decisions)


def _object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DossierError(path, "must be an object")
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise DossierError(path, "must be a list")
    return value


def _text(value: object, path: str, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise DossierError(path, "must be a non-empty string")
    return value


def _choice(value: object, path: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise DossierError(path, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _instant(value: object, path: str) -> datetime:
    text = _text(value, path)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise DossierError(path, f"{text!r} is not an RFC 3339 instant") from None
    if instant.tzinfo is None:
        raise DossierError(path, f"{text!r} has no UTC offset")
    return instant


def _date(value: object, path: str) -> date:
    text = _text(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DossierError(path, f"{text!r} is not a date (YYYY-MM-DD)") from None


def _unique(values: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise DossierError(f"{path}[{index}].{what}", f"{value!r} appears twice")
        seen.add(value)


def _meeting(raw: dict[str, Any]) -> Meeting:
    meeting = Meeting(kind=_choice(raw.get("kind"), "meeting.kind", KINDS),
                      form=_choice(raw.get("form"), "meeting.form", FORMS),
                      notice_date=_date(raw.get("notice_date"), "meeting.notice_date"),
                      opens_at=_instant(raw.get("opens_at"), "meeting.opens_at"),
                      closes_at=_instant(raw.get("closes_at"), "meeting.closes_at"))
    if meeting.closes_at <= meeting.opens_at:
        raise DossierError("meeting.closes_at", "must be after opens_at")
    return meeting


def _premises(raw: object, path: str) -> Premises:
    item = _object(raw, path)
    area_text = _text(item.get("area"), f"{path}.area")
    if not _AREA.fullmatch(area_text):
        raise DossierError(f"{path}.area", f"{area_text!r} must be a decimal string with two fraction digits")
    area = Decimal(area_text)  # the pattern guarantees exactly two fraction digits
    if area <= 0:
        raise DossierError(f"{path}.area", "must be positive")
    entrance = item.get("entrance")
    owners = tuple(_owner(o, f"{path}.owners[{i}]")
                   for i, o in enumerate(_list(item.get("owners", []), f"{path}.owners")))
    _unique([o.id for o in owners], f"{path}.owners", "id")
    if len(owners) > 1:
        groups: set[str | None] = set()
        total = Fraction(0)
        for owner in owners:
            if owner.ownership == "joint":
                if owner.document in groups:
                    continue
                groups.add(owner.document)
            total += owner.share
        if total > 1:
            raise DossierError(f"{path}.owners", f"shares add up to {format_fraction(total)}, above 1")
    return Premises(number=_text(item.get("premises"), f"{path}.premises"),
                    kind=_choice(item.get("kind"), f"{path}.kind", PREMISES_KINDS), area=area,
                    entrance=None if entrance is None else _text(entrance, f"{path}.entrance"), owners=owners)


def _owner(raw: object, path: str) -> Owner:
    item = _object(raw, path)
    share_text = _text(item.get("share"), f"{path}.share")
    share = share_of(share_text)
    if share is None:
        raise DossierError(f"{path}.share", f"{share_text!r} must be a fraction string like \"1/2\"")
    if share > 1:
        raise DossierError(f"{path}.share", f"{share_text} exceeds 1")
    if share == 0:
        raise DossierError(f"{path}.share", "must be above 0")
    document = item.get("document")
    return Owner(id=_text(item.get("id"), f"{path}.id"), name=_text(item.get("name"), f"{path}.name"),
                 ownership=_choice(item.get("ownership"), f"{path}.ownership", OWNERSHIPS), share=share,
                 document=None if document is None else _text(document, f"{path}.document"))


@cache
def share_of(text: str) -> Fraction | None:
    """A share string ("1/2") as a Fraction; shares repeat, so each is read once."""
    match = _SHARE.fullmatch(text)
    if not match or int(match[2]) == 0:
        return None
    return Fraction(int(match[1]), int(match[2]))


# Fast paths for the long lists: the same checks without building JSON paths. They return None at the first
# doubt, and the checked functions above then decide (raising the error with its path), so both accept exactly
# the same input (tested against each other).


@cache
def _valid_share(text: str) -> Fraction | None:
    share = share_of(text)
    return share if share is not None and 0 < share <= 1 else None


def _owner_fast(raw: object) -> Owner | None:
    if type(raw) is not dict:
        return None
    owner_id, name, ownership, share_text = raw.get("id"), raw.get("name"), raw.get("ownership"), raw.get("share")
    document = raw.get("document")
    if not (type(owner_id) is str and owner_id.strip() and type(name) is str and name.strip()
            and type(share_text) is str and type(ownership) is str and ownership in OWNERSHIPS
            and (document is None or (type(document) is str and document.strip()))):
        return None
    share = _valid_share(share_text)
    if share is None:
        return None
    return Owner(owner_id, name, ownership, share, document)


def _premises_fast(raw: object) -> Premises | None:
    if type(raw) is not dict:
        return None
    number, kind, area_text, entrance = raw.get("premises"), raw.get("kind"), raw.get("area"), raw.get("entrance")
    owners_raw = raw.get("owners", [])
    if not (type(number) is str and number.strip() and type(kind) is str and kind in PREMISES_KINDS
            and type(area_text) is str and _AREA.fullmatch(area_text)
            and (entrance is None or (type(entrance) is str and entrance.strip())) and type(owners_raw) is list):
        return None
    area = Decimal(area_text)
    owners = tuple(_owner_fast(o) for o in owners_raw)
    if area <= 0 or None in owners or len({o.id for o in owners}) != len(owners):  # type: ignore[union-attr]
        return None
    if len(owners) > 1:
        groups: set[str | None] = set()
        numerator, denominator = 0, 1  # the sum of the shares in integers (faster than adding Fractions)
        for owner in owners:
            if owner.ownership == "joint":  # type: ignore[union-attr]
                if owner.document in groups:  # type: ignore[union-attr]
                    continue
                groups.add(owner.document)  # type: ignore[union-attr]
            share = owner.share  # type: ignore[union-attr]
            numerator = numerator * share.denominator + share.numerator * denominator
            denominator *= share.denominator
        if numerator > denominator:
            return None
    return Premises(number, kind, area, entrance, owners)  # type: ignore[arg-type]


def _decision_fast(raw: object, items: set[str]) -> Decision | None:
    if type(raw) is not dict or raw.get("representative") is not None:
        return None
    owner, premises, source, received, answers_raw = (raw.get("owner"), raw.get("premises"), raw.get("source"),
                                                      raw.get("received_at"), raw.get("answers", {}))
    if not (type(owner) is str and owner.strip() and type(premises) is str and premises.strip()
            and type(source) is str and source in SOURCES and type(received) is str and received.strip()
            and type(answers_raw) is dict):
        return None
    try:
        instant = datetime.fromisoformat(received)  # type: ignore[arg-type]
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None
    answers: dict[str, Answer] = {}
    for key, value in answers_raw.items():
        if key not in items:
            return None
        if type(value) is str and value in CHOICES:
            answers[key] = value
        elif type(value) is list and all(type(v) is str and v in CHOICES for v in value):
            answers[key] = tuple(value)
        else:
            return None
    return Decision(owner, premises, instant, source, answers)  # type: ignore[arg-type]


def _agenda_item(raw: object, path: str, notice_date: date) -> AgendaItem:
    item = _object(raw, path)
    code = _text(item.get("subject"), f"{path}.subject")
    try:
        subject(code).edition_on(notice_date)
    except UnknownSubjectError as error:
        raise DossierError(f"{path}.subject", str(error)) from None
    entrance = item.get("entrance")
    return AgendaItem(id=_text(item.get("id"), f"{path}.id"), title=_text(item.get("title"), f"{path}.title"),
                      subject=code, entrance=None if entrance is None else _text(entrance, f"{path}.entrance"))


def _decision(raw: object, path: str, items: set[str]) -> Decision:
    item = _object(raw, path)
    answers: dict[str, Answer] = {}
    for key, value in _object(item.get("answers", {}), f"{path}.answers").items():
        where = f"{path}.answers.{key}"
        if key not in items:
            raise DossierError(where, "no such agenda item")
        if isinstance(value, list):
            answers[key] = tuple(_choice(v, f"{where}[{i}]", CHOICES) for i, v in enumerate(value))
        else:
            answers[key] = _choice(value, where, CHOICES)
    representative = None
    if item.get("representative") is not None:
        rep = _object(item["representative"], f"{path}.representative")
        until = rep.get("proxy_valid_until")
        representative = Representative(
            name=_text(rep.get("name"), f"{path}.representative.name"),
            proxy_valid_until=None if until is None else _date(until, f"{path}.representative.proxy_valid_until"))
    return Decision(owner=_text(item.get("owner"), f"{path}.owner"),
                    premises=_text(item.get("premises"), f"{path}.premises"),
                    received_at=_instant(item.get("received_at"), f"{path}.received_at"),
                    source=_choice(item.get("source"), f"{path}.source", SOURCES), answers=answers,
                    representative=representative)


# --- writing ------------------------------------------------------------------------------------------------


def to_json(dossier: Dossier) -> dict[str, Any]:
    """The dossier as `oss-dossier/1` JSON (no floats; instants in the building's offset)."""
    zone = ZoneInfo(dossier.timezone)

    def instant(value: datetime) -> str:
        return value.astimezone(zone).isoformat()

    def answer(value: Answer) -> str | list[str]:
        return list(value) if isinstance(value, tuple) else value

    meeting = dossier.meeting
    return {
        "format": FORMAT,
        "building": {"address": dossier.address, "timezone": dossier.timezone},
        "meeting": {"kind": meeting.kind, "form": meeting.form, "notice_date": meeting.notice_date.isoformat(),
                    "opens_at": instant(meeting.opens_at), "closes_at": instant(meeting.closes_at)},
        "register": [
            {"premises": p.number, "kind": p.kind, "area": f"{p.area:.2f}",
             **({"entrance": p.entrance} if p.entrance is not None else {}),
             "owners": [{"id": o.id, "name": o.name, "ownership": o.ownership,
                         "share": f"{o.share.numerator}/{o.share.denominator}",
                         **({"document": o.document} if o.document else {})} for o in p.owners]}
            for p in dossier.register],
        "agenda": [{"id": a.id, "title": a.title, "subject": a.subject,
                    **({"entrance": a.entrance} if a.entrance else {})} for a in dossier.agenda],
        "decisions": [
            {"owner": d.owner, "premises": d.premises, "received_at": instant(d.received_at), "source": d.source,
             "answers": {k: answer(v) for k, v in d.answers.items()},
             **({"representative": {"name": d.representative.name, **(
                 {"proxy_valid_until": d.representative.proxy_valid_until.isoformat()}
                 if d.representative.proxy_valid_until else {})}} if d.representative else {})}
            for d in dossier.decisions],
    }
