"""veche's subjects as ГИС ЖКХ reference-book entries (`data/gis_nsi.json`): НСИ 63 question types, and the
НСИ 241 / НСИ 25 values some questions carry; dated editions, read once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from voting.domain.schedule import Problem

# the item's choice ГИС ЖКХ asks for: FormingFund (НСИ 241), ManagementType (НСИ 25)
NEEDS = ("forming_fund", "management_type")
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


@dataclass(frozen=True)
class NsiRef:
    """One entry of a ГИС ЖКХ reference book (nsi-base:nsiRef)."""

    code: str
    guid: str
    name: str
    verify: bool = False


@dataclass(frozen=True)
class QuestionType:
    """A subject's НСИ 63 entry and which further value (if any) ГИС ЖКХ needs with it."""

    ref: NsiRef
    needs: str | None


@cache
def _data() -> dict[str, Any]:
    text = resources.files("voting.domain.data").joinpath("gis_nsi.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _ref(entry: dict[str, Any]) -> NsiRef:
    return NsiRef(entry["code"], entry["guid"], entry["name"], bool(entry.get("verify")))


def edition(on: date) -> dict[str, Any] | None:
    """The edition in force on `on` (None before the first)."""
    editions = [e for e in _data()["editions"] if date.fromisoformat(e["from"]) <= on]
    return max(editions, key=lambda e: e["from"]) if editions else None


def question_type(subject: str, on: date) -> QuestionType | None:
    """The НСИ 63 entry of a subject code (None when the data has none)."""
    entry = (edition(on) or {}).get("question_types", {}).get(subject)
    return QuestionType(_ref(entry), entry.get("needs")) if entry else None


def options(needs: str, on: date) -> dict[str, NsiRef]:
    """The values an item whose type `needs` this may carry, by veche's key (e.g. `special_account`)."""
    return {key: _ref(entry) for key, entry in (edition(on) or {}).get(needs, {}).items()}


def identifier_problems(fias_guid: str | None, organisation_guids: tuple[str | None, str | None] | None,
                        items: tuple[tuple[int, str, str | None], ...], on: date) -> list[Problem]:
    """What ГИС ЖКХ will need that is missing: the house's ФИАС GUID, the initiator organisation's registry GUID
    (`organisation_guids` None when no organisation initiates), and for each item (number, subject, chosen way)
    its НСИ 63 type and, where that asks for one, the way chosen."""
    problems = []
    if not is_guid(fias_guid):
        problems.append(Problem("gis_missing", "fias_guid"))
    if organisation_guids is not None and not any(is_guid(g) for g in organisation_guids):
        problems.append(Problem("gis_missing", "organisation_guid"))
    for number, subject, chosen in items:
        kind = question_type(subject, on)
        if kind is None:
            problems.append(Problem("gis_no_question_type", "agenda", {"item": str(number), "subject": subject}))
        elif kind.needs and chosen not in options(kind.needs, on):
            problems.append(Problem("gis_choice_missing", "agenda", {"item": str(number), "needs": kind.needs}))
    return problems


def is_guid(text: str | None) -> bool:
    """A GUID as ГИС ЖКХ writes them (base:GUIDType)."""
    return GUID.fullmatch(text or "") is not None


def unverified(on: date) -> list[str]:
    """Subject codes whose НСИ entries have not been checked against ГИС ЖКХ's reference books."""
    current = edition(on) or {}
    return sorted(code for code, entry in current.get("question_types", {}).items() if entry.get("verify"))
