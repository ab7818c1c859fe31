"""Every rule on both sides of its boundary, and the edition chosen by the notice date."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from voting.domain.rules import (
    Rule,
    UnknownSubjectError,
    catalogue,
    has_quorum,
    quorum_edition,
    quorum_on,
    rule_holds,
    search,
    subject,
)

TOTAL = Fraction(1000)
EPS = Fraction(1, 100)  # one hundredth of a vote: the smallest step of an area


@pytest.mark.parametrize(("participating", "expected"), [
    (TOTAL / 2, False),               # exactly half: no quorum
    (TOTAL / 2 + EPS, True),          # just over half
    (TOTAL / 2 - EPS, False),
    (TOTAL, True),
    (Fraction(0), False),
])
def test_quorum_is_more_than_half_of_all(participating: Fraction, expected: bool) -> None:
    assert has_quorum(participating, TOTAL, date(2026, 3, 1)) is expected


@pytest.mark.parametrize(("raw", "participating", "expected"), [
    ({"at_least": "1/4"}, TOTAL / 4, True),           # a rule of "at least a quarter": exactly a quarter is enough
    ({"at_least": "1/4"}, TOTAL / 4 - EPS, False),
    ({"more_than": "1/3"}, TOTAL / 3, False),         # "more than a third": exactly a third is not
    ({"more_than": "1/3"}, TOTAL / 3 + EPS, True),
])
def test_the_quorum_rule_is_data_with_a_date(raw: dict[str, str], participating: Fraction, expected: bool) -> None:
    edition = quorum_edition({"from": "2027-01-01", "reference": "ЖК РФ ст. 45 ч. 3 (ред. 2027)"} | raw)
    assert edition.effective_from == date(2027, 1, 1) and edition.holds(participating, TOTAL) is expected
    assert quorum_on(date(2026, 3, 1)).share == Fraction(1, 2) and quorum_on(date(2026, 3, 1)).strict


@pytest.mark.parametrize(("raw", "participating", "shortfall"), [
    ({"more_than": "1/2"}, TOTAL / 2 - 100, 100 + EPS),   # more than half: one step beyond the half
    ({"more_than": "1/2"}, TOTAL / 2, EPS),               # exactly half is not yet a quorum
    ({"more_than": "1/2"}, TOTAL / 2 + EPS, Fraction(0)),
    ({"at_least": "1/2"}, TOTAL / 2 - 100, Fraction(100)),  # an "at least half" edition: reaching the half is enough
    ({"at_least": "1/2"}, TOTAL / 2 - EPS, EPS),
    ({"at_least": "1/2"}, TOTAL / 2, Fraction(0)),
])
def test_the_shortfall_to_the_quorum_follows_the_edition(raw: dict[str, str], participating: Fraction,
                                                          shortfall: Fraction) -> None:
    edition = quorum_edition({"from": "2027-01-01", "reference": "ЖК РФ ст. 45 ч. 3 (ред. 2027)"} | raw)
    assert edition.shortfall(participating, TOTAL) == shortfall
    assert edition.holds(participating + shortfall, TOTAL) and (
        shortfall == 0 or not edition.holds(participating + shortfall - EPS, TOTAL))


@pytest.mark.parametrize(("rule", "votes_for", "participating", "expected"), [
    # majority of participants: more than half of the votes of those who took part (abstentions included)
    (Rule.MAJORITY_OF_PARTICIPANTS, Fraction(300), Fraction(600), False),           # exactly 50 %
    (Rule.MAJORITY_OF_PARTICIPANTS, Fraction(300) + EPS, Fraction(600), True),      # just over
    (Rule.MAJORITY_OF_PARTICIPANTS, Fraction(600), Fraction(600), True),            # 100 %
    (Rule.MAJORITY_OF_PARTICIPANTS, Fraction(0), Fraction(0), False),               # nobody took part
    # majority of all: more than half of all votes of the building
    (Rule.MAJORITY_OF_ALL, TOTAL / 2, TOTAL, False),                                 # exactly 50 %
    (Rule.MAJORITY_OF_ALL, TOTAL / 2 + EPS, TOTAL, True),                            # just over
    # two thirds of all: at least 2/3 of all votes
    (Rule.TWO_THIRDS_OF_ALL, TOTAL * 2 / 3, TOTAL, True),                            # exactly 2/3
    (Rule.TWO_THIRDS_OF_ALL, TOTAL * 2 / 3 - EPS, TOTAL, False),                     # just under
    (Rule.TWO_THIRDS_OF_ALL, Fraction(66667, 100), TOTAL, True),                     # 66.667 %
    (Rule.TWO_THIRDS_OF_ALL, Fraction(66666, 100), TOTAL, False),                    # 66.666 %
    # unanimous: 100 % of all owners
    (Rule.UNANIMOUS, TOTAL, TOTAL, True),
    (Rule.UNANIMOUS, TOTAL - EPS, TOTAL, False),
])
def test_rule_boundaries(rule: Rule, votes_for: Fraction, participating: Fraction, expected: bool) -> None:
    assert rule_holds(rule, votes_for, participating, TOTAL) is expected


def test_two_thirds_with_a_total_not_divisible_by_three() -> None:
    total = Fraction(10001, 100)  # 100.01 m²: two thirds is 66.67333…
    assert rule_holds(Rule.TWO_THIRDS_OF_ALL, Fraction(6668, 100), total, total)
    assert not rule_holds(Rule.TWO_THIRDS_OF_ALL, Fraction(6667, 100), total, total)


@pytest.mark.parametrize(("notice", "rule"), [
    (date(2022, 8, 31), Rule.MAJORITY_OF_PARTICIPANTS),  # before 01.09.2022
    (date(2022, 9, 1), Rule.MAJORITY_OF_ALL),            # from that day
    (date(2026, 3, 1), Rule.MAJORITY_OF_ALL),
])
def test_choice_of_management_changed_on_1_september_2022(notice: date, rule: Rule) -> None:
    assert subject("44.2.4").edition_on(notice).rule is rule


def test_catalogue_has_every_subject_of_legal_md_with_references() -> None:
    codes = {s.code for s in catalogue()}
    assert {"44.2.1", "44.2.1.1", "44.2.1.1-1", "44.2.1.2", "44.2.2", "44.2.3", "44.2.3.1", "44.2.3.2",
            "44.2.3.6", "44.2.4", "44.2.4.1", "44.2.4.2", "44.2.4.4", "44.2.4.5", "44.2.5", "36.3", "40.2",
            "136.1"} <= codes
    for item in catalogue():
        assert item.title and item.description
        assert all(e.reference.startswith("ЖК РФ") for e in item.editions)
    assert subject("36.3").edition_on(date(2026, 1, 1)).rule is Rule.UNANIMOUS
    assert subject("136.1").edition_on(date(2026, 1, 1)).signed_by_all_for
    assert subject("44.2.4.5").edition_on(date(2026, 1, 1)).entrance_majority


def test_unknown_subject_and_dates_before_the_code() -> None:
    with pytest.raises(UnknownSubjectError):
        subject("44.2.99")
    with pytest.raises(UnknownSubjectError):
        subject("44.2.5").edition_on(date(2000, 1, 1))


def test_search_in_plain_words() -> None:
    assert [s.code for s in search("капитальный ремонт кредит")] == ["44.2.1.2"]
    assert "44.2.5" in [s.code for s in search("председатель")]
