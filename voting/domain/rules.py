"""The subject catalogue and thresholds of LEGAL.md §4–5, read from `data/law.json` with effective dates.

A meeting is judged by the editions in force on its notice date; comparisons are exact, by integer
cross-multiplication of Fractions ("more than half of all" is for·2 > total; "two thirds of all" is for·3 ≥ total·2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from functools import cache

from voting.domain.law import law


class Rule(StrEnum):
    MAJORITY_OF_PARTICIPANTS = "majority_of_participants"
    MAJORITY_OF_ALL = "majority_of_all"
    TWO_THIRDS_OF_ALL = "two_thirds_of_all"
    UNANIMOUS = "unanimous"


class UnknownSubjectError(LookupError):
    """A subject code that is not in the catalogue, or not in force on the date asked."""


@dataclass(frozen=True)
class Edition:
    """One edition of the rule for a subject, in force from `effective_from`."""

    effective_from: date
    rule: Rule
    reference: str
    entrance_majority: bool = False  # also more than half of the votes of the owners in the premises' entrance
    signed_by_all_for: bool = False  # the protocol must be signed by every owner who voted for
    verify: bool = False


@dataclass(frozen=True)
class Subject:
    """A kind of question an agenda item decides, with plain-language help for the initiator."""

    code: str
    point: str | None
    title: str
    description: str
    editions: tuple[Edition, ...]
    verify: bool = False

    def edition_on(self, notice_date: date) -> Edition:
        """The edition in force on the notice date."""
        in_force = [e for e in self.editions if e.effective_from <= notice_date]
        if not in_force:
            raise UnknownSubjectError(f"subject {self.code} has no rule in force on {notice_date.isoformat()}")
        return max(in_force, key=lambda e: e.effective_from)


@dataclass(frozen=True)
class QuorumEdition:
    """The quorum in force from `effective_from`: the share of all votes that must take part — more than it
    (`strict`), or at least it."""

    effective_from: date
    share: Fraction
    strict: bool
    reference: str

    def holds(self, participating: Fraction, total: Fraction) -> bool:
        """Whether the votes that took part make the meeting competent, exactly."""
        needed = total * self.share
        return total > 0 and (participating > needed if self.strict else participating >= needed)

    def shortfall(self, participating: Fraction, total: Fraction) -> Fraction:
        """The votes still to take part before `holds`; "more than" counts one step of 0.01 m² (the register's
        precision) beyond the share, "at least" reaches it exactly."""
        if self.holds(participating, total):
            return Fraction(0)
        return total * self.share - participating + (Fraction(1, 100) if self.strict else 0)


def quorum_edition(raw: dict[str, str]) -> QuorumEdition:
    """A quorum edition of the law's data: {"from", "more_than" or "at_least": a fraction of all votes, "reference"}."""
    (kind, share), = ((k, raw[k]) for k in ("more_than", "at_least") if k in raw)
    return QuorumEdition(date.fromisoformat(raw["from"]), Fraction(share), kind == "more_than", raw["reference"])


def _edition(raw: dict[str, object]) -> Edition:
    return Edition(effective_from=date.fromisoformat(str(raw["from"])), rule=Rule(str(raw["rule"])),
                   reference=str(raw["reference"]), entrance_majority=bool(raw.get("entrance_majority")),
                   signed_by_all_for=bool(raw.get("signed_by_all_for")), verify=bool(raw.get("verify")))


@cache
def _law() -> tuple[dict[str, Subject], tuple[QuorumEdition, ...]]:
    raw = law()
    subjects = {
        s["code"]: Subject(code=s["code"], point=s.get("point"), title=s["title"], description=s["description"],
                           editions=tuple(sorted((_edition(e) for e in s["editions"]),
                                                 key=lambda e: e.effective_from)),
                           verify=bool(s.get("verify")))
        for s in raw["subjects"]
    }
    quorum = tuple(quorum_edition(q) for q in raw["quorum"])
    return subjects, quorum


def catalogue() -> list[Subject]:
    """Every subject, in the order of the law."""
    return list(_law()[0].values())


def subject(code: str) -> Subject:
    try:
        return _law()[0][code]
    except KeyError:
        raise UnknownSubjectError(f"unknown subject {code!r}") from None


def search(query: str) -> list[Subject]:
    """Subjects whose code, title or description contain every word of the query."""
    words = query.casefold().split()
    return [s for s in catalogue()
            if all(w in f"{s.code} {s.title} {s.description}".casefold() for w in words)]


def quorum_on(notice_date: date) -> QuorumEdition:
    """The quorum rule in force on the notice date."""
    editions = [q for q in _law()[1] if q.effective_from <= notice_date]
    if not editions:
        raise UnknownSubjectError(f"no quorum rule in force on {notice_date.isoformat()}")
    return max(editions, key=lambda q: q.effective_from)


def quorum_reference(notice_date: date) -> str:
    return quorum_on(notice_date).reference


def has_quorum(participating: Fraction, total: Fraction, notice_date: date) -> bool:
    """Whether the meeting is competent by the quorum rule in force on its notice date (ЖК РФ art. 45 p.3: more
    than half of all votes)."""
    return quorum_on(notice_date).holds(participating, total)


def rule_holds(rule: Rule, votes_for: Fraction, participating: Fraction, total: Fraction) -> bool:
    """Whether the votes for meet the rule, exactly."""
    if rule is Rule.MAJORITY_OF_PARTICIPANTS:
        return participating > 0 and votes_for * 2 > participating
    if rule is Rule.MAJORITY_OF_ALL:
        return votes_for * 2 > total
    if rule is Rule.TWO_THIRDS_OF_ALL:
        return total > 0 and votes_for * 3 >= total * 2
    return total > 0 and votes_for == total
