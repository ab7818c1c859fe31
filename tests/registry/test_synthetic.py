"""The synthetic register the benchmarks use passes the register's own checks and has the mix it was asked for."""

from __future__ import annotations

from collections import Counter

from registry import synthetic
from registry.kinds import OwnershipKind, PremisesKind
from tests.factories import register


def test_a_synthetic_building_is_a_valid_register_with_its_mix() -> None:
    mix = synthetic.Mix(shared_every=4, joint_every=20, non_residential_every=100, snils_every=3)
    parsed = register(synthetic.rows(1000, mix))
    kinds = Counter(o.kind for o in parsed.ownerships)
    assert len(parsed.premises) == 1000
    assert kinds[OwnershipKind.SHARED] == 2 * 250 and kinds[OwnershipKind.JOINT] == 2 * 50
    assert kinds[OwnershipKind.INDIVIDUAL] == 1000 - 250 - 50
    assert sum(p.kind is PremisesKind.NON_RESIDENTIAL for p in parsed.premises.values()) == 10
    assert synthetic.rows(50, mix) == synthetic.rows(50, mix)  # the same arguments give the same building
