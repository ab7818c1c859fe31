"""veche's subjects as ГИС ЖКХ reference-book entries (`data/gis_nsi.json`): НСИ 63 question types, and the
НСИ 241 / НСИ 25 values some questions carry; dated editions, read once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

# the item's choice ГИС ЖКХ asks for: FormingFund (НСИ 241), ManagementType (НСИ 25)
NEEDS = ("forming_fund", "management_type")


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


def unverified(on: date) -> list[str]:
    """Subject codes whose НСИ entries have not been checked against ГИС ЖКХ's reference books."""
    current = edition(on) or {}
    return sorted(code for code, entry in current.get("question_types", {}).items() if entry.get("verify"))
