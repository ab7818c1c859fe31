"""Votes of owners and buildings: 1 m² of an owner's share of a premises is one vote (ЖК РФ art. 48 p.3)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

OwnershipKind = Literal["individual", "shared", "joint", "public"]


@dataclass(frozen=True)
class Holding:
    """One ownership line of a premises: who holds which share, and in which joint group if any."""

    owner: str
    kind: OwnershipKind
    share: Fraction
    group: str | None = None


@dataclass(frozen=True)
class Premises:
    """A premises that can be owned, with its exact area and the holdings on it."""

    number: str
    area: Decimal
    holdings: tuple[Holding, ...] = ()


def owner_weight(area: Decimal, share: Fraction) -> Fraction:
    """Votes an owner carries on one premises: area × share, exactly."""
    if area < 0:
        raise ValueError("area must not be negative")
    if not 0 < share <= 1:
        raise ValueError("share must be above 0 and at most 1")
    return Fraction(area) * share


def held_share(holdings: Iterable[Holding]) -> Fraction:
    """Sum of the shares on a premises, counting each joint group once."""
    total = Fraction(0)
    seen_groups: set[str] = set()
    for holding in holdings:
        if holding.kind == "joint":
            group = holding.group or holding.owner
            if group in seen_groups:
                continue
            seen_groups.add(group)
        total += holding.share
    return total


def premises_weights(premises: Premises) -> dict[str, Fraction]:
    """Votes per owner on one premises; every joint member may vote the whole group share."""
    if held_share(premises.holdings) > 1:
        raise ValueError(f"shares of premises {premises.number} exceed 1")
    weights: dict[str, Fraction] = {}
    for holding in premises.holdings:
        weights[holding.owner] = weights.get(holding.owner, Fraction(0)) + owner_weight(
            premises.area, holding.share
        )
    return weights


def total_votes(areas: Iterable[Decimal]) -> Decimal:
    """Votes of the whole building: the sum of the areas of all premises that can be owned (LEGAL.md §3)."""
    return sum(areas, Decimal("0.00"))
