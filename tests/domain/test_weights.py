from decimal import Decimal
from fractions import Fraction

import pytest

from voting.domain.weights import Holding, Premises, held_share, owner_weight, premises_weights, total_votes


def test_weight_is_area_times_share_exactly() -> None:
    assert owner_weight(Decimal("54.31"), Fraction(1, 3)) == Fraction(5431, 300)
    assert owner_weight(Decimal("54.30"), Fraction(1)) == Fraction(543, 10)


@pytest.mark.parametrize(("shares", "ok"), [
    ((Fraction(1, 2), Fraction(1, 2)), True),                       # exactly 1
    ((Fraction(1, 3), Fraction(2, 3)), True),
    ((Fraction(1, 2), Fraction(1, 2), Fraction(1, 10**9)), False),  # just over 1
    ((Fraction(1, 3), Fraction(1, 3)), True),                       # under 1: a share nobody registered
])
def test_shares_of_a_premises_may_not_exceed_one(shares: tuple[Fraction, ...], ok: bool) -> None:
    premises = Premises("1", Decimal("60.00"),
                        tuple(Holding(f"o{i}", "shared", share) for i, share in enumerate(shares)))
    if ok:
        assert sum(premises_weights(premises).values()) == Fraction(60) * sum(shares)
    else:
        with pytest.raises(ValueError, match="exceed 1"):
            premises_weights(premises)


def test_joint_group_counts_its_share_once_but_each_member_may_vote_it() -> None:
    spouses = (Holding("husband", "joint", Fraction(1), "rec-1"), Holding("wife", "joint", Fraction(1), "rec-1"))
    assert held_share(spouses) == 1
    weights = premises_weights(Premises("7", Decimal("61.00"), spouses))
    assert weights == {"husband": Fraction(61), "wife": Fraction(61)}


def test_two_joint_groups_with_half_each() -> None:
    holdings = (Holding("a", "joint", Fraction(1, 2), "r1"), Holding("b", "joint", Fraction(1, 2), "r1"),
                Holding("c", "joint", Fraction(1, 2), "r2"), Holding("d", "joint", Fraction(1, 2), "r2"))
    assert held_share(holdings) == 1
    assert held_share((*holdings, Holding("e", "shared", Fraction(1, 10**6)))) > 1


@pytest.mark.parametrize("share", [Fraction(0), Fraction(-1, 2), Fraction(3, 2)])
def test_impossible_share_refused(share: Fraction) -> None:
    with pytest.raises(ValueError):
        owner_weight(Decimal("10.00"), share)


def test_total_votes_is_the_exact_sum_of_areas() -> None:
    assert total_votes([Decimal("0.10")] * 10) == Decimal("1.00")
    assert total_votes([]) == Decimal("0.00")
    assert str(total_votes([Decimal("54.30"), Decimal("0.01")])) == "54.31"
