"""The exact tally of a meeting (LEGAL.md §3–5, FORMATS.md §2–3): the same code for the web, `veche recount`
and `veche verify`. Fractions throughout; rounding half-up happens only when the result is written out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from voting.domain import collector
from voting.domain.dossier import CHOICES, AgendaItem, Answer, Decision, Dossier
from voting.domain.numbers import format_amount, format_fraction, percent
from voting.domain.rules import Rule, has_quorum, rule_holds, subject

RESULT_FORMAT = "oss-result/1"


@dataclass(frozen=True)
class Rejection:
    owner: str
    premises: str
    reason: str  # not_an_owner, late, before_opening, proxy_expired, proxy_revoked, duplicate, premises_mismatch
    received_at: datetime
    representative: str | None = None  # the representative's name, for a decision cast under a proxy


class Counted(NamedTuple):
    """A decision that counts, with the area (in hundredths of m²) and share whose product are its votes
    (a named tuple: tens of thousands are made per tally)."""

    decision: Decision
    cents: int
    share: Fraction

    @property
    def votes(self) -> Fraction:
        return Fraction(self.cents * self.share.numerator, self.share.denominator * 100)


@dataclass(frozen=True)
class ItemResult:
    id: str
    subject: str
    rule: Rule
    votes_for: Fraction
    against: Fraction
    abstain: Fraction
    void: Fraction  # several marks: counted among participants, not among answers
    adopted: bool
    entrance_majority: bool | None = None  # only for subjects with the entrance rule; None when not checked


@dataclass(frozen=True)
class Result:
    total: Fraction
    participating: Fraction
    quorum: bool
    items: tuple[ItemResult, ...]
    counted: tuple[Counted, ...]
    rejected: tuple[Rejection, ...]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _microseconds(instant: datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


def _order(decision: Decision) -> tuple[Any, ...]:
    """Arrival order in exact integer microseconds, then who and how."""
    return (_microseconds(decision.received_at), decision.source, decision.owner, decision.premises,
            decision.representative.name if decision.representative else "")


def _answers_key(decision: Decision) -> list[tuple[str, str]]:
    return sorted((k, v if isinstance(v, str) else ",".join(v)) for k, v in decision.answers.items())


def _arrival(decisions: tuple[Decision, ...]) -> list[tuple[tuple[Any, ...], Decision]]:
    """Decisions in arrival order, with a total tie-break (the answers, compared only when everything else is
    equal) so that the result never depends on the order of the input."""
    keyed = [(_order(d), d) for d in decisions]
    if len({key for key, _d in keyed}) < len(keyed):
        keyed = [((*key, _answers_key(d)), d) for key, d in keyed]
    keyed.sort(key=itemgetter(0))
    return keyed


def choice(answer: Answer | None) -> str | None:
    """The single choice of an answer (the same option marked twice is one choice); None when absent or when
    several different options were marked (void for that item)."""
    if answer is None or isinstance(answer, str):
        return answer
    marks = set(answer)
    return marks.pop() if len(marks) == 1 else None


def _exact(parts: dict[int, int]) -> Fraction:
    """An exact sum kept as integer numerators (area in cents × share numerator) per share denominator: adding
    integers is far faster than adding Fractions."""
    return sum((Fraction(n, d * 100) for d, n in parts.items()), start=Fraction(0))


def _rejection(decision: Decision, reason: str) -> Rejection:
    representative = decision.representative.name if decision.representative else None
    return Rejection(decision.owner, decision.premises, reason, decision.received_at, representative)


@collector.paused()
def tally(dossier: Dossier) -> Result:
    """Count a meeting exactly: who took part, with what weight, and whether each item was adopted."""
    zone = ZoneInfo(dossier.timezone)
    meeting = dossier.meeting
    holdings: dict[tuple[str, str], tuple[int, Fraction]] = {}  # (owner, premises) -> (area in cents, share)
    groups: dict[tuple[str, str], tuple[str, str | None]] = {}
    entrance_of: dict[str, str | None] = {}
    owners = set()
    total_cents = 0
    for premises in dossier.register:
        cents = int(premises.area * 100)
        total_cents += cents
        entrance_of[premises.number] = premises.entrance
        for owner in premises.owners:
            owners.add(owner.id)
            holdings[(owner.id, premises.number)] = (cents, owner.share)
            if owner.ownership == "joint":
                groups[(owner.id, premises.number)] = (premises.number, owner.document)
    total = Fraction(total_cents, 100)

    rejected: list[Rejection] = []
    valid: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    arrival = _arrival(dossier.decisions)
    opens, closes = _microseconds(meeting.opens_at), _microseconds(meeting.closes_at)
    first_arrival: dict[tuple[str, str], int] = {}
    voted_in_person: set[tuple[str, str]] = set()  # an own decision revokes the owner's proxies (LEGAL.md §8)
    for position, (order, decision) in enumerate(arrival):
        key = (decision.owner, decision.premises)
        received = order[0]  # integer microseconds: aware datetimes compare slowly
        reason = None
        if key not in holdings:
            reason = "premises_mismatch" if decision.owner in owners else "not_an_owner"
        elif received < opens:
            reason = "before_opening"
        elif received >= closes:
            reason = "late"
        elif (decision.representative and decision.representative.proxy_valid_until
              and decision.received_at.astimezone(zone).date() > decision.representative.proxy_valid_until):
            reason = "proxy_expired"
        elif decision.representative and key in voted_in_person:
            reason = "proxy_revoked"
        if reason:
            rejected.append(_rejection(decision, reason))
        else:
            valid[key].append(decision)
            first_arrival.setdefault(key, position)
            if not decision.representative:
                voted_in_person.add(key)

    # a joint group votes once: the member whose decision arrived first holds the group's vote
    holders: dict[tuple[str, str | None], tuple[str, str]] = {}
    for key in sorted(valid, key=first_arrival.__getitem__):
        if key in groups:
            holders.setdefault(groups[key], key)
    counted: list[tuple[int, Decision, int, Fraction]] = []
    for key, decisions in valid.items():
        if key in groups and holders[groups[key]] != key:
            rejected.extend(_rejection(d, "duplicate") for d in decisions)
            continue
        *earlier, last = decisions
        if earlier:
            rejected.extend(_rejection(d, "duplicate") for d in earlier)
        counted.append((first_arrival[key] + len(earlier), last, *holdings[key]))
    counted.sort(key=lambda entry: entry[0])
    rejected.sort(key=lambda r: (r.premises, r.owner, r.received_at, r.reason))

    participating_parts: dict[int, int] = defaultdict(int)
    parts: dict[str, dict[str, dict[int, int]]] = {
        item.id: {name: defaultdict(int) for name in (*CHOICES, "void", "for_in_entrance")} for item in dossier.agenda}
    entrance_items = {item.id: item.entrance for item in dossier.agenda if item.entrance is not None}
    for _position, decision, cents, share in counted:  # one pass over the decisions for every item
        denominator, numerator = share.denominator, cents * share.numerator
        participating_parts[denominator] += numerator
        for item_id, answer in decision.answers.items():
            sums = parts.get(item_id)
            if sums is None or answer is None:
                continue
            marked = answer if type(answer) is str else choice(answer) or "void"  # several marks: void
            sums[marked][denominator] += numerator
            if marked == "for" and item_id in entrance_items and (
                    entrance_of.get(decision.premises) == entrance_items[item_id]):
                sums["for_in_entrance"][denominator] += numerator
    participating = _exact(participating_parts)
    quorum = has_quorum(participating, total, dossier.meeting.notice_date)
    items = tuple(_item(item, {name: _exact(p) for name, p in parts[item.id].items()}, participating, total, quorum,
                        dossier) for item in dossier.agenda)
    return Result(total, participating, quorum, items,
                  tuple(Counted(d, cents, share) for _p, d, cents, share in counted), tuple(rejected))


def _item(item: AgendaItem, sums: dict[str, Fraction], participating: Fraction, total: Fraction, quorum: bool,
          dossier: Dossier) -> ItemResult:
    """An item's result from its exact sums: the rule in force on the notice date, and the entrance's consent."""
    edition = subject(item.subject).edition_on(dossier.meeting.notice_date)
    adopted = quorum and rule_holds(edition.rule, sums["for"], participating, total)
    entrance_majority = None
    if edition.entrance_majority and item.entrance is not None:
        entrance_total = sum((Fraction(p.area) for p in dossier.register if p.entrance == item.entrance),
                             start=Fraction(0))
        entrance_majority = entrance_total > 0 and sums["for_in_entrance"] * 2 > entrance_total
        adopted = adopted and entrance_majority
    return ItemResult(item.id, item.subject, edition.rule, sums["for"], sums["against"], sums["abstain"],
                      sums["void"], adopted, entrance_majority)


# --- writing ------------------------------------------------------------------------------------------------


def _percent(part: Fraction, whole: Fraction) -> str | None:
    exact = percent(part, whole)
    return None if exact is None else format_amount(exact)


def to_json(result: Result) -> dict[str, Any]:
    """The result as `oss-result/1`: display amounts rounded half-up, each with its exact twin."""
    items = []
    for item in result.items:
        entry: dict[str, Any] = {"id": item.id, "subject": item.subject, "rule": item.rule.value}
        for name, value in (("for", item.votes_for), ("against", item.against), ("abstain", item.abstain)):
            entry[name] = format_amount(value)
        for name, value in (("for", item.votes_for), ("against", item.against), ("abstain", item.abstain)):
            entry[f"{name}_exact"] = format_fraction(value)
        entry["for_percent_of_participants"] = _percent(item.votes_for, result.participating)
        entry["for_percent_of_all"] = _percent(item.votes_for, result.total)
        if item.entrance_majority is not None:
            entry["entrance_majority"] = item.entrance_majority
        entry["adopted"] = item.adopted
        items.append(entry)
    return {
        "format": RESULT_FORMAT,
        "total_votes": format_amount(result.total), "total_votes_exact": format_fraction(result.total),
        "participating_votes": format_amount(result.participating),
        "participating_votes_exact": format_fraction(result.participating),
        "participation_percent": _percent(result.participating, result.total) or "0.00",
        "quorum": result.quorum,
        "items": items,
        "decisions": {"counted": len(result.counted),
                      "rejected": [{"owner": r.owner, "premises": r.premises, "reason": r.reason}
                                   for r in result.rejected]},
    }
