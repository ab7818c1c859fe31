"""The regional indicator's arithmetic (LEGAL.md §10, FORMATS.md §3a): exact shares, rounded half-up for display,
compared with the target exactly; "no meetings held" where the total is zero."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache

from voting.domain.law import law
from voting.domain.numbers import format_amount

ONLINE_FORMS = frozenset({"electronic"})  # LEGAL.md §10: held online means the electronic form (ЖК РФ ст. 47.1)


def is_online(form: str) -> bool:
    """Whether a meeting of this form (its code, as in the dossier) counts as held online for the indicator."""
    return form in ONLINE_FORMS


@cache
def target(name: str) -> Decimal:
    """A target percentage from law.json (`online_share_target_percent`, `verified_residents_target_percent`)."""
    return Decimal(law()["indicators"][name]["value"])


@dataclass(frozen=True)
class Share:
    """A part of a whole: the exact percentage, its display form, and whether it meets the target."""

    part: int
    whole: int
    target_percent: Decimal

    @property
    def exact(self) -> Fraction | None:
        return None if self.whole == 0 else Fraction(self.part * 100, self.whole)

    @property
    def percent(self) -> str | None:
        return None if self.exact is None else format_amount(self.exact)

    @property
    def meets_target(self) -> bool | None:
        return None if self.exact is None else self.exact >= Fraction(self.target_percent)


def online_share(online: int, total: int) -> Share:
    return Share(online, total, target("online_share_target_percent"))


def residents_share(verified: int, population: int) -> Share:
    return Share(verified, population, target("verified_residents_target_percent"))
