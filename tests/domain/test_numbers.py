from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voting.domain.numbers import (
    NumberError,
    format_amount,
    format_fraction,
    format_share,
    parse_area,
    parse_decimal,
    parse_share,
    percent,
    round_half_up,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("54.30", Decimal("54.30")), ("54,3", Decimal("54.30")), ("1 054,25", Decimal("1054.25")),
    ("0.01", Decimal("0.01")), ("12", Decimal("12.00")), ("1\u00a0234,50", Decimal("1234.50")),
])
def test_area_accepts_comma_point_and_grouping(text: str, expected: Decimal) -> None:
    assert parse_area(text) == expected
    assert str(parse_area(text)) == f"{expected:.2f}"


@pytest.mark.parametrize("text", ["0", "0,00", "-0.01", "-5", "54.305", "0.001", "abc", "", "5e3", "1,2,3", "--1"])
def test_area_refuses_zero_negative_non_numeric_and_sub_cent(text: str) -> None:
    with pytest.raises(NumberError):
        parse_area(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("1/2", Fraction(1, 2)), ("1", Fraction(1)), ("1/1", Fraction(1)), ("0,5", Fraction(1, 2)),
    ("2/3", Fraction(2, 3)), ("1 / 3", Fraction(1, 3)), ("999999/1000000", Fraction(999999, 1000000)),
])
def test_share_is_exact(text: str, expected: Fraction) -> None:
    assert parse_share(text) == expected


@pytest.mark.parametrize("text", ["0", "0/5", "3/2", "1.0001", "1000001/1000000", "1/0", "-1/2", "half"])
def test_share_outside_zero_to_one_is_refused(text: str) -> None:
    with pytest.raises(NumberError):
        parse_share(text)


@pytest.mark.parametrize(("value", "expected"), [
    (Fraction(1, 200), "0.01"), (Fraction(1, 201), "0.00"), (Fraction(-1, 200), "-0.01"),
    (Fraction(5431, 300), "18.10"), (Fraction(2, 3), "0.67"), (Decimal("56.695"), "56.70"),
    (Decimal("56.6949999"), "56.69"), (Fraction(0), "0.00"),
])
def test_display_rounds_half_up(value: Fraction, expected: str) -> None:
    assert format_amount(value) == expected


@given(st.fractions(min_value=-10**9, max_value=10**9), st.integers(min_value=0, max_value=6))
def test_round_half_up_agrees_with_decimal_on_exact_input(value: Fraction, places: int) -> None:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    if exact * Decimal(10) ** places != Fraction(value) * 10**places:
        return  # not exactly representable in 28 digits: Decimal itself would round first
    assert round_half_up(value, places) == exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def test_fraction_forms() -> None:
    assert format_fraction(Fraction(5431, 300)) == "5431/300"
    assert format_fraction(Fraction(400)) == "400"
    assert format_share(Fraction(1)) == "1/1"
    assert parse_decimal("-3,5") == Decimal("-3.5")


def test_percent_of_zero_is_none() -> None:
    assert percent(1, 0) is None
    assert percent(Fraction(1, 3), 1) == Fraction(100, 3)
