"""The orders that say what a protocol must contain (LEGAL.md §6), read from `data/law.json` with effective dates:
Minstroy order 44/пр for meetings noticed before 01.09.2025, 266/пр from then. A protocol follows the order in force
on the meeting's notice date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from voting.domain.law import law


@dataclass(frozen=True)
class ProtocolOrder:
    code: str
    title: str
    effective_from: date
    number_is_gis_id: bool  # the number is the ГИС ЖКХ meeting identifier (else the meeting's ordinal in its year)
    initiator_passport: bool  # a person initiating is identified by passport data
    participant_identification: bool  # the participants' list carries identification data
    decision_snils: bool  # an owner's decision shows the owner's СНИЛС
    verify: bool = False


@cache
def orders() -> tuple[ProtocolOrder, ...]:
    raw = law()
    return tuple(sorted((ProtocolOrder(
        code=o["code"], title=o["title"], effective_from=date.fromisoformat(o["from"]),
        number_is_gis_id=o["number"] == "gis_id", initiator_passport=bool(o["initiator_passport"]),
        participant_identification=bool(o["participant_identification"]), decision_snils=bool(o["decision_snils"]),
        verify=bool(o.get("verify"))) for o in raw["protocol_orders"]), key=lambda o: o.effective_from))


def order_on(notice_date: date) -> ProtocolOrder:
    """The order in force on the notice date."""
    in_force = [o for o in orders() if o.effective_from <= notice_date]
    if not in_force:
        raise LookupError(f"no protocol order in force on {notice_date.isoformat()}")
    return in_force[-1]
