"""The Russian production calendar (производственный календарь): weekends, the non-working holidays of ТК РФ ст. 112
and the days the Government transfers, from the maintained `holidays` package."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


@cache
def _russia(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in Russia: not a weekend or holiday, or a weekend made a working day."""
    return bool(_russia(day.year).is_working_day(day))
