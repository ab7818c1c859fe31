"""Exact numbers for votes: areas are Decimal (0.01 m²), shares Fraction, display rounds half-up."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

CENT = Decimal("0.01")
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_GROUPING = re.compile(r"[\s\u00a0\u202f']")


class NumberError(ValueError):
    """A value that is not an exact number of the expected shape."""


def parse_decimal(text: str) -> Decimal:
    """Read a decimal written with a comma or a point and optional thousands spaces."""
    cleaned = _GROUPING.sub("", text).replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise NumberError(f"not a number: {text!r}")
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only valid literals
        raise NumberError(f"not a number: {text!r}") from exc


def parse_area(text: str) -> Decimal:
    """Read an area in m²: positive, at most two fraction digits, returned with exactly two."""
    value = parse_decimal(text)
    if value <= 0:
        raise NumberError("area must be positive")
    if value != value.quantize(CENT):
        raise NumberError("area has more than two fraction digits")
    return value.quantize(CENT)


def parse_share(text: str) -> Fraction:
    """Read a share as a fraction ("1/2"), an integer ("1") or a decimal ("0,5"); 0 < share ≤ 1."""
    match = _FRACTION.match(text)
    if match:
        numerator, denominator = int(match[1]), int(match[2])
        if denominator == 0:
            raise NumberError("share has a zero denominator")
        value = Fraction(numerator, denominator)
    else:
        value = Fraction(parse_decimal(text))
    if not 0 < value <= 1:
        raise NumberError("share must be above 0 and at most 1")
    return value


def format_fraction(value: Fraction) -> str:
    """Write an exact amount as "n/d" (or "n" when whole), the public exact form."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def format_share(value: Fraction) -> str:
    """Write a share always as "n/d", so that a whole share reads "1/1"."""
    return f"{value.numerator}/{value.denominator}"


def round_half_up(value: Fraction | Decimal, places: int = 2) -> Decimal:
    """Round an exact value half-up for display, with exactly `places` fraction digits."""
    exact = Fraction(value)
    quantum = Decimal(1).scaleb(-places)
    scaled = exact * 10**places
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    sign = -1 if scaled < 0 else 1
    return (Decimal(sign * whole) * quantum).quantize(quantum, rounding=ROUND_HALF_UP)


def format_amount(value: Fraction | Decimal, places: int = 2) -> str:
    """Write an amount for display: half-up, fixed fraction digits ("18.10")."""
    return f"{round_half_up(value, places):.{places}f}"


def percent(part: Fraction | Decimal | int, whole: Fraction | Decimal | int) -> Fraction | None:
    """Exact percentage of `part` in `whole`, or None where the whole is zero."""
    if whole == 0:
        return None
    return Fraction(part) * 100 / Fraction(whole)
