"""Schedule and readiness rules on both sides of every boundary, in the building's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from voting.core.calendar import is_working_day
from voting.domain.schedule import (
    Plan,
    administrator_notice_problems,
    agenda_problems,
    earliest_opening,
    notice_deadline,
    notice_gaps,
    opt_out_deadline,
    opt_out_problems,
    protocol_due,
    readiness,
    results_due,
    schedule_problems,
)

YEKT = timezone(timedelta(hours=5))
TODAY = date(2026, 3, 1)


def plan(opens: datetime | None, closes: datetime | None, form: str = "electronic", **extra) -> Plan:
    values = {"agenda": (("Избрать председателя и секретаря собрания", "44.2.5", None),), "paper_address": "офис УК",
              "administrator": "uk@demo.veche", "premises_count": 10, **extra}
    return Plan(form=form, timezone="Asia/Yekaterinburg", opens_at=opens, closes_at=closes, **values)


def codes(problems) -> list[str]:
    return [p.code for p in problems]


@pytest.mark.parametrize(("opens", "ok"), [
    (datetime(2026, 3, 11, 0, 0, tzinfo=YEKT), True),     # exactly 10 days after the notice
    (datetime(2026, 3, 10, 23, 59, tzinfo=YEKT), False),  # a minute earlier, the 9th day
    (datetime(2026, 3, 10, 20, 0, tzinfo=UTC), True),  # 01:00 on the 11th in Chelyabinsk
    (datetime(2026, 3, 10, 18, 59, tzinfo=UTC), False),  # 23:59 on the 10th there
])
def test_notice_ten_days_before_opening_in_local_time(opens: datetime, ok: bool) -> None:
    problems = schedule_problems(plan(opens, opens + timedelta(days=10)), TODAY)
    assert ("notice_too_short" not in codes(problems)) is ok
    if not ok:
        assert problems[0].params["earliest"] == "2026-03-11"


@pytest.mark.parametrize(("length", "code"), [
    (timedelta(days=7), None), (timedelta(days=7) - timedelta(seconds=1), "voting_too_short"),
    (timedelta(days=60), None), (timedelta(days=60, seconds=1), "voting_too_long"),
])
def test_electronic_voting_lasts_7_to_60_days(length: timedelta, code: str | None) -> None:
    opens = datetime(2026, 3, 12, 9, tzinfo=YEKT)
    assert codes(schedule_problems(plan(opens, opens + length), TODAY)) == ([code] if code else [])


def test_paper_forms_have_no_length_rule_but_close_after_opening() -> None:
    opens = datetime(2026, 3, 12, 9, tzinfo=YEKT)
    assert schedule_problems(plan(opens, opens + timedelta(hours=3), form="in_person"), TODAY) == []
    assert codes(schedule_problems(plan(opens, opens, form="absentee"), TODAY)) == ["closes_before_opening"]


@pytest.mark.parametrize("due", [protocol_due, results_due])
def test_protocol_and_results_are_due_ten_calendar_days_after_the_local_close(due) -> None:
    assert due(datetime(2026, 3, 20, 18, 59, tzinfo=UTC), "Asia/Yekaterinburg") == date(2026, 3, 30)
    assert due(datetime(2026, 3, 20, 19, 0, tzinfo=UTC), "Asia/Yekaterinburg") == date(2026, 3, 31)
    assert earliest_opening(TODAY) == date(2026, 3, 11)


@pytest.mark.parametrize(("title", "code"), [
    ("Разное", "agenda_miscellaneous"), ("  разное.", "agenda_miscellaneous"), ("Прочее", "agenda_miscellaneous"),
    ("Выбрать УК; утвердить тариф", "agenda_several_questions"),
    ("Выбрать УК? Утвердить тариф?", "agenda_several_questions"),
    ("1) выбрать УК 2) утвердить тариф", "agenda_several_questions"),
    ("Избрать председателя и секретаря собрания", None),
    ("Утвердить размер платы 25,40 руб. за 1 м²", None),
])
def test_one_question_per_item_and_no_miscellaneous(title: str, code: str | None) -> None:
    assert codes(agenda_problems(((title, "44.2.5", None),), TODAY)) == ([code] if code else [])


@pytest.mark.parametrize(("code", "entrance", "problems"), [
    ("44.2.4.5", None, ["agenda_no_entrance"]), ("44.2.4.5", "", ["agenda_no_entrance"]), ("44.2.4.5", "2", []),
    ("44.2.5", None, []),
])
def test_converting_a_flat_names_the_entrance_whose_owners_must_agree(code: str, entrance: str | None,
                                                                       problems: list[str]) -> None:
    assert codes(agenda_problems((("Согласовать перевод квартиры 5 в нежилое", code, entrance),), TODAY)) == problems


def test_readiness_lists_everything_that_blocks_announcing() -> None:
    problems = readiness(Plan(form="mixed", timezone="Asia/Yekaterinburg", opens_at=None, closes_at=None,
                              agenda=(("Выбрать УК", None, None),)), TODAY)
    assert codes(problems) == ["missing", "missing", "agenda_no_subject", "missing", "missing", "register_empty"]
    assert [p.field for p in problems if p.code == "missing"] == ["opens_at", "closes_at", "place", "paper_address"]
    opens = datetime(2026, 3, 12, 9, tzinfo=YEKT)
    assert readiness(plan(opens, opens + timedelta(days=8)), TODAY) == []
    assert codes(readiness(plan(opens, opens + timedelta(days=8), administrator=None), TODAY)) == ["missing"]


@pytest.mark.parametrize(("notice", "delivered", "codes"), [
    (date(2025, 2, 28), {"stairwell"}, []),  # before 463-ФЗ: one lawful way is enough
    (date(2025, 2, 28), {"email", "platform"}, ["notice_channel_one_of"]),
    (date(2025, 3, 1), {"stairwell"}, ["notice_channel_missing"]),  # from 01.03.2025 ГИС ЖКХ as well
    (date(2025, 3, 1), {"gis_zhkh"}, ["notice_channel_one_of"]),
    (date(2025, 3, 1), {"gis_zhkh", "email", "platform"}, ["notice_channel_one_of"]),  # e-mail is not one of them
    (date(2025, 3, 1), {"gis_zhkh", "registered_letter"}, []),
    (date(2025, 3, 1), {"gis_zhkh", "hand_delivery"}, []),
    (date(2026, 11, 21), set(), ["notice_channel_missing", "notice_channel_one_of"]),
])
def test_the_notice_reaches_the_owners_the_ways_the_law_in_force_asks(notice, delivered, codes) -> None:
    assert [p.code for p in notice_gaps(delivered, notice)] == codes


@pytest.mark.parametrize(("opens_at", "deadline"), [
    (datetime(2026, 12, 10, 19, 30, tzinfo=UTC), date(2026, 12, 1)),  # 00:30 on the 11th in Chelyabinsk
    (datetime(2026, 12, 10, 18, 59, tzinfo=UTC), date(2026, 11, 30)),  # 23:59 on the 10th
])
def test_the_last_day_a_notice_counts_is_ten_days_before_the_local_opening_day(opens_at, deadline) -> None:
    assert notice_deadline(opens_at, "Asia/Yekaterinburg") == deadline
    assert earliest_opening(deadline) == opens_at.astimezone(ZoneInfo("Asia/Yekaterinburg")).date()


NOTIFIED = datetime(2026, 2, 20, 10, 0, tzinfo=YEKT)  # the initiator's notice reached the administrator


@pytest.mark.parametrize(("opens", "ok"), [
    (datetime(2026, 3, 6, 10, 0, tzinfo=YEKT), True),     # exactly 14 days after the notice reached them
    (datetime(2026, 3, 6, 9, 59, tzinfo=YEKT), False),    # one minute less
    (datetime(2026, 3, 6, 5, 0, tzinfo=UTC), True),       # 10:00 in Chelyabinsk
    (datetime(2026, 3, 6, 4, 59, tzinfo=UTC), False),     # 09:59 there
    (datetime(2026, 3, 6, 8, 0, tzinfo=timezone(timedelta(hours=3))), True),  # the same instant in Moscow time
])
def test_voting_starts_no_earlier_than_14_days_after_the_notice_to_the_administrator(opens: datetime,
                                                                                    ok: bool) -> None:
    problems = administrator_notice_problems(
        plan(opens, opens + timedelta(days=8), administrator_is_initiator=False, administrator_notified_at=NOTIFIED),
        TODAY)
    assert codes(problems) == ([] if ok else ["administrator_notice_too_late"])
    if not ok:
        assert problems[0].params == {"days": "14", "reference": "ЖК РФ ст. 47.1 ч. 3–5",
                                      "earliest": "06.03.2026 10:00"}


def test_the_notice_to_the_administrator_is_needed_only_when_they_are_not_the_initiator() -> None:
    opens = datetime(2026, 3, 12, 9, tzinfo=YEKT)
    other = plan(opens, opens + timedelta(days=8), administrator_is_initiator=False)
    assert codes(readiness(other, TODAY)) == ["administrator_notice_missing"]
    assert readiness(plan(opens, opens + timedelta(days=8)), TODAY) == []  # the initiator administers
    paper = plan(opens, opens + timedelta(days=8), form="absentee", administrator_is_initiator=False)
    assert administrator_notice_problems(paper, TODAY) == []  # 47.1 is about meetings in a system
    assert administrator_notice_problems(other, date(2015, 6, 29)) == []  # before art. 47.1 applied


@pytest.mark.parametrize(("opens", "deadline"), [
    # Tuesday 12 May 2026: 11 May is the day off for Victory Day (a Saturday), 9–10 May a weekend
    (datetime(2026, 5, 12, 9, 0, tzinfo=YEKT), date(2026, 5, 4)),
    # Wednesday 5 November 2025: 3–4 November off, Saturday 1 November a working day (transferred)
    (datetime(2025, 11, 5, 9, 0, tzinfo=YEKT), date(2025, 10, 28)),
    # Monday 12 January 2026, after the New Year holidays (1–11 January) and 31 December 2025
    (datetime(2026, 1, 12, 9, 0, tzinfo=YEKT), date(2025, 12, 24)),
    # Monday 16 March 2026: 9 March is the day off for 8 March (a Sunday)
    (datetime(2026, 3, 16, 9, 0, tzinfo=YEKT), date(2026, 3, 6)),
    # an ordinary week: Monday 23 March 2026
    (datetime(2026, 3, 23, 9, 0, tzinfo=YEKT), date(2026, 3, 16)),
])
def test_the_opt_out_deadline_is_five_working_days_of_the_production_calendar(opens: datetime,
                                                                                deadline: date) -> None:
    assert opt_out_deadline(opens, "Asia/Yekaterinburg", is_working_day) == deadline
    working = [deadline + timedelta(days=n) for n in range((opens.date() - deadline).days)]
    assert sum(map(is_working_day, working)) == 5  # from the deadline (included) to the opening day: five


@pytest.mark.parametrize(("received", "ok"), [
    (datetime(2026, 5, 4, 23, 59, tzinfo=YEKT), True),    # exactly 5 working days before, across the holiday
    (datetime(2026, 5, 5, 0, 0, tzinfo=YEKT), False),     # one working day less
    (datetime(2026, 5, 4, 18, 59, tzinfo=UTC), True),     # 23:59 on the 4th in Chelyabinsk
    (datetime(2026, 5, 4, 19, 0, tzinfo=UTC), False),     # already the 5th there
    (datetime(2026, 5, 8, 12, 0, tzinfo=YEKT), False),    # the last working day before the holiday
])
def test_an_owners_refusal_of_electronic_voting_comes_five_working_days_before(received: datetime, ok: bool) -> None:
    opens = datetime(2026, 5, 12, 9, 0, tzinfo=YEKT)
    problems = opt_out_problems(received, opens, "Asia/Yekaterinburg", is_working_day, TODAY)
    assert codes(problems) == ([] if ok else ["opt_out_too_late"])
    if not ok:
        assert problems[0].params["deadline"] == "04.05.2026" and "156-ФЗ" in problems[0].params["reference"]
