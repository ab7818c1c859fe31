"""SVG lengths from exact values: plain decimals, never a fraction, never a float of a vote."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from voting.core.template_helpers import share_of, svg_number, threshold_for


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(25333, 100), "253.33"), (Fraction(200, 3), "66.67"), (Fraction(1, 200), "0.01"),
    (Fraction(1, 201), "0"), (Decimal("12.50"), "12.5"), (100, "100"), (0, "0"), (Fraction(-1, 3), "-0.33"),
    (Fraction(5, 1000), "0.01"), (Fraction(4999, 1000000), "0"),
])
def test_svg_number_is_a_rounded_plain_decimal(value, text) -> None:
    assert svg_number(value) == text
    assert "/" not in svg_number(value) and "," not in svg_number(value)


def test_share_of_is_exact_and_kept_on_the_bar() -> None:
    assert share_of(Fraction(1, 3), 1) == Fraction(100, 3)
    assert share_of(5, 0) == 0 and share_of(7, 5) == 100 and share_of(-1, 5) == 0
    assert svg_number(share_of(Decimal("2743.25"), Decimal("5486.50"))) == "50"


def test_thresholds_are_exact() -> None:
    assert threshold_for("two_thirds_of_all") == Fraction(200, 3)
    assert threshold_for("majority_of_participants") is None
