"""The administrator's board: participation by entrance, the quorum's shortfall, who has not voted.

Services flush, never commit: the view or command commits once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from registry.services import natural_key
from voting.domain.rules import quorum_on
from voting.domain.tally import tally
from voting.domain.weights import owner_weight
from voting.meetings.dossier import dossier_of
from voting.meetings.models import (
    Meeting,
)


@dataclass(frozen=True)
class Participation:
    total: Fraction
    participating: Fraction
    by_entrance: list[tuple[str, Fraction, Fraction]]  # entrance, took part, all
    missing: list[tuple[str, str, Fraction]]  # premises, owner name, votes (largest first)
    needed_for_quorum: Fraction  # by the quorum rule in force on the notice date


def participation(meeting: Meeting) -> Participation:
    data = dossier_of(meeting)
    result = tally(data)
    counted = {(c.decision.owner, c.decision.premises) for c in result.counted}
    taken_part: dict[str, Fraction] = defaultdict(Fraction)
    everyone: dict[str, Fraction] = defaultdict(Fraction)
    missing = []
    for premises in data.register:
        entrance = premises.entrance or "—"
        everyone[entrance] += Fraction(premises.area)
        joint_voted = any(o.ownership == "joint" and (o.id, premises.number) in counted for o in premises.owners)
        for owner in premises.owners:
            weight = owner_weight(premises.area, owner.share)
            if (owner.id, premises.number) in counted:
                taken_part[entrance] += weight
            elif not (owner.ownership == "joint" and joint_voted):
                missing.append((premises.number, owner.name, weight))
    missing.sort(key=lambda row: (-row[2], row[0]))
    entrances = sorted(everyone, key=natural_key)
    return Participation(result.total, result.participating,
                         [(e, taken_part[e], everyone[e]) for e in entrances], missing,
                         quorum_on(data.meeting.notice_date).shortfall(result.participating, result.total))
