"""The production calendar against the calendars the Government published (ТК РФ ст. 112 and its decrees on
transferring days off): every day of 2025 and 2026, and the statutory holidays of 2027."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from voting.core.calendar import is_working_day

# weekdays (Monday–Friday) that are not working days: holidays and the days off transferred to them
DAYS_OFF = {
    # decree of the Government of 4 October 2024: 4 January → 2 May, 5 January → 31 December, 23 February (a
    # Sunday) → 8 May, 8 March (a Saturday) → 13 June, the working Saturday 1 November → 3 November
    2025: ["01-01", "01-02", "01-03", "01-06", "01-07", "01-08", "05-01", "05-02", "05-08", "05-09", "06-12",
           "06-13", "11-03", "11-04", "12-31"],
    # decree for 2026: 3 January → 9 January, 4 January → 31 December; 8 March (a Sunday) and 9 May (a Saturday)
    # move to the next working day, 9 and 11 May (ТК РФ ст. 112 ч. 2)
    2026: ["01-01", "01-02", "01-05", "01-06", "01-07", "01-08", "01-09", "02-23", "03-09", "05-01", "05-11",
           "06-12", "11-04", "12-31"],
}
WORKING_WEEKENDS = {2025: ["11-01"], 2026: []}  # Saturdays and Sundays made working days
STATUTORY = ["01-01", "01-02", "01-03", "01-04", "01-05", "01-06", "01-07", "01-08", "02-23", "03-08", "05-01",
             "05-09", "06-12", "11-04"]  # ТК РФ ст. 112 ч. 1: non-working holidays every year


@pytest.mark.parametrize("year", sorted(DAYS_OFF))
def test_every_day_of_the_year_matches_the_published_calendar(year: int) -> None:
    off = {date.fromisoformat(f"{year}-{day}") for day in DAYS_OFF[year]}
    working_weekends = {date.fromisoformat(f"{year}-{day}") for day in WORKING_WEEKENDS[year]}
    day, wrong = date(year, 1, 1), []
    while day.year == year:
        expected = (day.weekday() < 5 and day not in off) or day in working_weekends
        if is_working_day(day) != expected:
            wrong.append((day.isoformat(), expected))
        day += timedelta(days=1)
    assert wrong == []


def test_working_days_per_year_match_the_published_totals() -> None:
    # the published production calendars: 247 working days in 2025, 247 in 2026
    for year, total in ((2025, 247), (2026, 247)):
        days = (date(year, 1, 1) + timedelta(days=n) for n in range(365))
        assert sum(map(is_working_day, days)) == total, year


@pytest.mark.parametrize("day", STATUTORY)
def test_the_statutory_holidays_of_2027_are_days_off(day: str) -> None:
    assert not is_working_day(date.fromisoformat(f"2027-{day}"))
