"""The НСИ data beside law.json: every subject mapped, dated editions, and what the exchange will lack."""

from __future__ import annotations

from datetime import date

import pytest

from voting.domain import gis_nsi
from voting.domain.law import law

FIAS = "5b2f1e0c-7a6d-4e3b-9c8a-1f2e3d4c5b6a"


def test_every_subject_of_the_law_has_a_question_type() -> None:
    on = date(2026, 1, 1)
    missing = [s["code"] for s in law()["subjects"] if gis_nsi.question_type(s["code"], on) is None]
    assert missing == []
    assert gis_nsi.question_type("44.2.1.1", on).ref.code == "2.1"  # type: ignore[union-attr]
    assert gis_nsi.question_type("44.2.4", on).needs == "management_type"  # type: ignore[union-attr]
    # НСИ 241 code 1 is «Значение не выбрано», which ГИС ЖКХ refuses on import: never offered
    assert "1" not in {ref.code for ref in gis_nsi.options("forming_fund", on).values()}


@pytest.mark.parametrize(("on", "mapped"), [(date(2016, 12, 31), False), (date(2017, 1, 1), True)])
def test_the_edition_applies_from_its_date(on: date, mapped: bool) -> None:
    assert (gis_nsi.question_type("44.2.5", on) is not None) is mapped


@pytest.mark.parametrize(("fias", "organisation", "items", "codes"), [
    (FIAS, None, ((1, "44.2.5", None),), []),
    (None, None, (), [("gis_missing", "fias_guid")]),
    (FIAS.upper(), (None, None), (), [("gis_missing", "organisation_guid")]),
    (FIAS, (None, FIAS), (), []),  # either registry GUID will do
    (FIAS, None, ((1, "44.2.4", None), (2, "44.2.4", "special_account"), (3, "44.2.4", "hoa")),
     [("gis_choice_missing", "agenda"), ("gis_choice_missing", "agenda")]),  # a fund's way is no management method
    (FIAS, None, ((1, "99.9", None),), [("gis_no_question_type", "agenda")]),
])
def test_what_the_exchange_will_lack(fias: str | None, organisation: tuple[str | None, str | None] | None,
                                     items: tuple[tuple[int, str, str | None], ...],
                                     codes: list[tuple[str, str]]) -> None:
    problems = gis_nsi.identifier_problems(fias, organisation, items, date(2026, 1, 1))
    assert [(p.code, p.field) for p in problems] == codes


def test_placeholders_are_listed_until_checked_against_the_reference_books() -> None:
    assert "44.2.5" in gis_nsi.unverified(date(2026, 1, 1))
