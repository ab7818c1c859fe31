"""The tally: every rule of FORMATS.md §2–3 on a small dossier, the edges of the window, and properties."""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.domain.dossier import DossierError, loads, parse
from voting.domain.tally import tally, to_json

OPENS, CLOSES = "2026-03-12T09:00:00+05:00", "2026-03-20T18:00:00+05:00"


def dossier(register: list[dict[str, Any]], decisions: list[dict[str, Any]],
            agenda: list[dict[str, Any]] | None = None, notice: str = "2026-03-01") -> dict[str, Any]:
    return {"format": "oss-dossier/1",
            "building": {"address": "г. Челябинск, ул. Труда, д. 1", "timezone": "Asia/Yekaterinburg"},
            "meeting": {"kind": "extraordinary", "form": "electronic", "notice_date": notice,
                        "opens_at": OPENS, "closes_at": CLOSES},
            "register": register, "agenda": agenda or [{"id": "1", "title": "Председатель", "subject": "44.2.5"}],
            "decisions": decisions}


def flat(number: str, area: str, *owners: tuple[str, str, str], entrance: str = "1",
         document: str | None = None) -> dict[str, Any]:
    return {"premises": number, "kind": "residential", "area": area, "entrance": entrance,
            "owners": [{"id": o, "name": f"Собственник {o}", "ownership": kind, "share": share,
                        **({"document": document} if document else {})} for o, kind, share in owners]}


def vote(owner: str, premises: str, answers: dict[str, Any], at: str = "2026-03-15T10:00:00+05:00",
         **extra: Any) -> dict[str, Any]:
    return {"owner": owner, "premises": premises, "received_at": at, "source": "online", "answers": answers, **extra}


def result(data: dict[str, Any]) -> dict[str, Any]:
    return to_json(tally(parse(data)))


def rejected(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["owner"], r["premises"], r["reason"]) for r in result(data)["decisions"]["rejected"]]


BUILDING = [flat("1", "54.30", ("o1", "shared", "1/2"), ("o2", "shared", "1/2")),
            flat("2", "45.70", ("o3", "individual", "1/1"))]  # total 100.00


def test_the_formats_example_has_exactly_half_and_so_no_quorum() -> None:
    out = result(dossier(BUILDING[:1], [vote("o1", "1", {"1": "for"})]))
    assert out["participation_percent"] == "50.00" and out["quorum"] is False
    assert out["items"][0]["for_exact"] == "543/20" and out["items"][0]["adopted"] is False


def test_shared_owners_each_vote_their_share() -> None:
    out = result(dossier(BUILDING, [vote("o1", "1", {"1": "for"}), vote("o3", "2", {"1": "against"})]))
    assert out["total_votes"] == "100.00" and out["participating_votes"] == "72.85"
    item = out["items"][0]
    assert (item["for"], item["against"], item["for_percent_of_participants"]) == ("27.15", "45.70", "37.27")
    assert out["quorum"] is True and item["adopted"] is False


def test_last_decision_before_close_counts_and_earlier_are_duplicates() -> None:
    data = dossier(BUILDING, [vote("o3", "2", {"1": "against"}, "2026-03-13T10:00:00+05:00"),
                              vote("o3", "2", {"1": "for"}, "2026-03-14T10:00:00+05:00"),
                              vote("o3", "2", {"1": "abstain"}, CLOSES)])
    out = result(data)
    assert out["items"][0]["for"] == "45.70"
    assert sorted(rejected(data)) == [("o3", "2", "duplicate"), ("o3", "2", "late")]


def test_joint_group_first_arrival_holds_the_vote_and_may_revote() -> None:
    register = [flat("5", "60.00", ("h", "joint", "1/1"), ("w", "joint", "1/1"), document="rec-5"),
                flat("6", "40.00", ("x", "individual", "1/1"))]
    data = dossier(register, [vote("w", "5", {"1": "against"}, "2026-03-13T10:00:00+05:00"),
                              vote("h", "5", {"1": "for"}, "2026-03-14T10:00:00+05:00"),
                              vote("w", "5", {"1": "for"}, "2026-03-15T10:00:00+05:00")])
    out = result(data)
    assert out["participating_votes"] == "60.00"  # the group's share once, not twice
    assert out["items"][0]["for"] == "60.00" and out["items"][0]["against"] == "0.00"
    assert sorted(rejected(data)) == [("h", "5", "duplicate"), ("w", "5", "duplicate")]


@pytest.mark.parametrize(("at", "reason"), [
    ("2026-03-12T09:00:00+05:00", None),               # exactly at opening: in
    ("2026-03-12T08:59:59.999999+05:00", "before_opening"),
    ("2026-03-12T03:59:59+00:00", "before_opening"),   # the same edge written in UTC
    ("2026-03-12T04:00:00+00:00", None),
    ("2026-03-20T17:59:59.999+05:00", None),           # 1 ms before close: in
    ("2026-03-20T18:00:00+05:00", "late"),             # exactly at close: late
    ("2026-03-20T16:00:00+03:00", "late"),             # the close in Moscow time
    ("2026-03-20T15:59:59+03:00", None),
    ("2026-03-20T23:59:59+11:00", None),               # 17:59:59 in Chelyabinsk
])
def test_voting_window_edges_in_any_offset(at: str, reason: str | None) -> None:
    data = dossier(BUILDING, [vote("o3", "2", {"1": "for"}, at)])
    assert rejected(data) == ([] if reason is None else [("o3", "2", reason)])


@pytest.mark.parametrize(("at", "expired"), [
    ("2026-03-15T23:59:59+05:00", False),  # the last local second of the proxy's last day
    ("2026-03-16T00:00:00+05:00", True),
    ("2026-03-15T18:59:59+00:00", False),  # 23:59:59 in Chelyabinsk
    ("2026-03-15T19:00:00+00:00", True),   # already the 16th in the building's time zone
])
def test_proxy_expiry_is_judged_on_the_local_date(at: str, expired: bool) -> None:
    decision = vote("o3", "2", {"1": "for"}, at,
                    representative={"name": "Представитель", "proxy_valid_until": "2026-03-15"})
    assert rejected(dossier(BUILDING, [decision])) == ([("o3", "2", "proxy_expired")] if expired else [])


PROXY = {"name": "Представитель", "proxy_valid_until": "2026-12-31"}


@pytest.mark.parametrize(("own_at", "proxy_at", "counted", "reason"), [
    # the owner voted first: the representative's later decision does not count, whatever it says
    ("2026-03-14T10:00:00+05:00", "2026-03-15T10:00:00+05:00", "against", "proxy_revoked"),
    ("2026-03-14T10:00:00+05:00", "2026-03-14T10:00:00.000001+05:00", "against", "proxy_revoked"),
    # the representative voted first: the owner's own later decision replaces it
    ("2026-03-15T10:00:00+05:00", "2026-03-14T10:00:00+05:00", "against", "duplicate"),
    ("2026-03-14T10:00:00.000001+05:00", "2026-03-14T10:00:00+05:00", "against", "duplicate"),
])
def test_an_owners_own_decision_revokes_the_proxy(own_at: str, proxy_at: str, counted: str, reason: str) -> None:
    own = vote("o3", "2", {"1": "against"}, own_at, source="paper")
    proxied = vote("o3", "2", {"1": "for"}, proxy_at, representative=PROXY)
    for order in ([own, proxied], [proxied, own]):  # the order keyed in does not matter, only received_at
        data = dossier(BUILDING, order)
        assert rejected(data) == [("o3", "2", reason)]
        assert result(data)["items"][0][counted] == "45.70"


def test_a_revoked_proxy_stays_revoked_and_the_owner_may_still_revote() -> None:
    data = dossier(BUILDING, [vote("o3", "2", {"1": "for"}, "2026-03-13T10:00:00+05:00", representative=PROXY),
                              vote("o3", "2", {"1": "against"}, "2026-03-14T10:00:00+05:00"),
                              vote("o3", "2", {"1": "for"}, "2026-03-15T10:00:00+05:00", representative=PROXY),
                              vote("o3", "2", {"1": "abstain"}, "2026-03-16T10:00:00+05:00")])
    assert sorted(rejected(data)) == [("o3", "2", "duplicate"), ("o3", "2", "duplicate"), ("o3", "2", "proxy_revoked")]
    assert result(data)["items"][0]["abstain"] == "45.70"
    reasons = {(r.reason, r.representative) for r in tally(parse(data)).rejected}
    assert reasons == {("duplicate", "Представитель"), ("duplicate", None), ("proxy_revoked", "Представитель")}


def test_an_own_decision_refused_before_opening_revokes_nothing() -> None:
    data = dossier(BUILDING, [vote("o3", "2", {"1": "against"}, "2026-03-12T08:59:59+05:00"),
                              vote("o3", "2", {"1": "for"}, "2026-03-15T10:00:00+05:00", representative=PROXY)])
    assert rejected(data) == [("o3", "2", "before_opening")]
    assert result(data)["items"][0]["for"] == "45.70"


def test_one_joint_owners_vote_revokes_only_their_own_proxy() -> None:
    register = [flat("5", "60.00", ("h", "joint", "1/1"), ("w", "joint", "1/1"), document="rec-5"),
                flat("6", "40.00", ("x", "individual", "1/1"))]
    data = dossier(register, [vote("h", "5", {"1": "for"}, "2026-03-13T10:00:00+05:00"),
                              vote("h", "5", {"1": "against"}, "2026-03-14T10:00:00+05:00", representative=PROXY),
                              vote("w", "5", {"1": "against"}, "2026-03-15T10:00:00+05:00", representative=PROXY)])
    assert sorted(rejected(data)) == [("h", "5", "proxy_revoked"), ("w", "5", "duplicate")]
    assert result(data)["items"][0]["for"] == "60.00"


def test_strangers_and_wrong_premises_are_refused() -> None:
    data = dossier(BUILDING, [vote("o9", "1", {"1": "for"}), vote("o1", "2", {"1": "for"})])
    assert sorted(rejected(data)) == [("o1", "2", "premises_mismatch"), ("o9", "1", "not_an_owner")]
    assert result(data)["decisions"]["counted"] == 0


def test_several_marks_void_one_item_and_blanks_stay_among_participants() -> None:
    agenda = [{"id": "1", "title": "Председатель", "subject": "44.2.5"},
              {"id": "2", "title": "Секретарь", "subject": "44.2.5"}]
    data = dossier(BUILDING, [vote("o3", "2", {"1": ["for", "against"], "2": "for"}),
                              vote("o1", "1", {"2": "for"}), vote("o2", "1", {"1": "for"})], agenda)
    out = result(data)
    first, second = out["items"]
    assert out["participating_votes"] == "100.00"
    assert (first["for"], first["against"], first["for_percent_of_participants"]) == ("27.15", "0.00", "27.15")
    assert first["adopted"] is False  # the void and the blank answers still count among participants
    assert second["for"] == "72.85" and second["adopted"] is True


def test_owner_of_two_premises_sends_two_decisions() -> None:
    register = [flat("1", "50.00", ("p", "individual", "1/1")), flat("М1", "13.25", ("p", "individual", "1/1")),
                flat("2", "50.00", ("q", "individual", "1/1"))]
    out = result(dossier(register, [vote("p", "1", {"1": "for"}), vote("p", "М1", {"1": "for"})]))
    assert out["participating_votes"] == "63.25" and out["decisions"]["counted"] == 2


def test_public_premises_vote_through_their_official() -> None:
    register = [{"premises": "7", "kind": "residential", "area": "60.00",
                 "owners": [{"id": "mo", "name": "МО «Челябинский ГО»", "ownership": "public", "share": "1/1"}]},
                flat("8", "40.00", ("x", "individual", "1/1"))]
    out = result(dossier(register, [vote("mo", "7", {"1": "for"})]))
    assert out["quorum"] is True and out["items"][0]["adopted"] is True


@pytest.mark.parametrize(("notice", "adopted"), [("2022-08-31", True), ("2022-09-01", False)])
def test_management_choice_follows_the_edition_of_the_notice_date(notice: str, adopted: bool) -> None:
    agenda = [{"id": "1", "title": "Выбрать УК", "subject": "44.2.4"}]
    # 72.85 of 100 take part; 45.70 for: a majority of participants, not a majority of all
    data = dossier(BUILDING, [vote("o1", "1", {"1": "against"}), vote("o3", "2", {"1": "for"})], agenda, notice)
    item = result(data)["items"][0]
    assert item["rule"] == ("majority_of_participants" if adopted else "majority_of_all")
    assert item["adopted"] is adopted


def test_entrance_rule_for_converting_a_flat() -> None:
    register = [flat("1", "30.00", ("a", "individual", "1/1"), entrance="1"),
                flat("2", "30.00", ("b", "individual", "1/1"), entrance="1"),
                flat("3", "40.00", ("c", "individual", "1/1"), entrance="2")]
    agenda = [{"id": "1", "title": "Перевод кв. 1 в нежилое", "subject": "44.2.4.5", "entrance": "1"}]
    both = result(dossier(register, [vote(o, p, {"1": "for"}) for o, p in (("a", "1"), ("c", "3"))], agenda))
    assert both["items"][0]["entrance_majority"] is False and both["items"][0]["adopted"] is False  # 30 of 60
    all_three = result(dossier(register, [vote(o, p, {"1": "for"}) for o, p in (("a", "1"), ("b", "2"),
                                                                            ("c", "3"))], agenda))
    assert all_three["items"][0]["entrance_majority"] is True and all_three["items"][0]["adopted"] is True


@pytest.mark.parametrize(("mutate", "path"), [
    (lambda d: d["register"][0]["owners"][0].update(share="3/2"), "register[0].owners[0].share: 3/2 exceeds 1"),
    (lambda d: d["register"][0]["owners"][0].update(share="2/3"), "register[0].owners: shares add up to 7/6"),
    (lambda d: d["register"][1].update(area="45.7"), "register[1].area"),
    (lambda d: d["agenda"][0].update(subject="44.9"), "agenda[0].subject: unknown subject"),
    (lambda d: d["decisions"][0]["answers"].update({"7": "for"}), "decisions[0].answers.7: no such agenda item"),
    (lambda d: d["decisions"][0]["answers"].update({"1": "yes"}), "decisions[0].answers.1: 'yes' is not one of"),
    (lambda d: d["decisions"][0].update(received_at="2026-03-15T10:00:00"), "decisions[0].received_at"),
    (lambda d: d.update(format="oss-dossier/2"), "format: must be"),
    (lambda d: d["building"].update(timezone="Mars/Olympus"), "building.timezone"),
    (lambda d: d["meeting"].update(closes_at=OPENS), "meeting.closes_at: must be after opens_at"),
    (lambda d: d["register"].append(copy.deepcopy(d["register"][0])), "register[2].premises: '1' appears twice"),
])
def test_malformed_dossiers_name_the_json_path(mutate: Any, path: str) -> None:
    data = dossier(copy.deepcopy(BUILDING), [vote("o1", "1", {"1": "for"})])
    mutate(data)
    with pytest.raises(DossierError) as caught:
        parse(data)
    assert str(caught.value).startswith(path)


def test_floats_are_refused_in_json() -> None:
    text = json.dumps(dossier(BUILDING, [])).replace('"54.30"', "54.30")
    with pytest.raises(DossierError, match="floats are not allowed"):
        loads(text)


# --- properties -------------------------------------------------------------------------------------------

CHOICE = st.sampled_from(["for", "against", "abstain"])
SUBJECTS = st.sampled_from(["44.2.5", "44.2.4", "44.2.1", "36.3", "44.2.1.1"])


@st.composite
def dossiers(draw: st.DrawFn) -> dict[str, Any]:
    register = []
    owners: list[tuple[str, str]] = []
    for n in range(draw(st.integers(1, 6))):
        area = draw(st.integers(1, 20000).map(lambda c: f"{c // 100}.{c % 100:02d}"))
        kind = draw(st.sampled_from(["individual", "shared", "joint"]))
        if kind == "individual":
            ids = [(f"p{n}a", "individual", "1/1")]
        elif kind == "shared":
            ids = [(f"p{n}a", "shared", "1/3"), (f"p{n}b", "shared", "2/3")]
        else:
            ids = [(f"p{n}a", "joint", "1/1"), (f"p{n}b", "joint", "1/1")]
        register.append(flat(str(n), area, *ids, entrance=str(n % 2)))
        owners.extend((o, str(n)) for o, _k, _s in ids)
    agenda = [{"id": str(i), "title": f"Вопрос {i}", "subject": draw(SUBJECTS)}
              for i in range(1, draw(st.integers(1, 3)) + 1)]
    decisions = []
    opening = datetime(2026, 3, 12, 9, tzinfo=timezone(timedelta(hours=5)))
    for _ in range(draw(st.integers(0, 12))):
        owner, premises = draw(st.sampled_from([*owners, ("stranger", "0")]))
        at = opening + timedelta(minutes=draw(st.integers(-60, 60 * 24 * 9)))  # some before, some after
        answers = {a["id"]: draw(st.one_of(CHOICE, st.lists(CHOICE, min_size=2, max_size=2)))
                   for a in agenda if draw(st.booleans())}
        decisions.append(vote(owner, premises, answers, at.isoformat()))
    return dossier(register, decisions, agenda)


@settings(max_examples=150, deadline=None)
@given(dossiers(), st.randoms(use_true_random=False))
def test_order_of_decisions_does_not_matter(data: dict[str, Any], rng: random.Random) -> None:
    shuffled = copy.deepcopy(data)
    rng.shuffle(shuffled["decisions"])
    assert result(shuffled) == result(data)


@settings(max_examples=150, deadline=None)
@given(dossiers())
def test_counts_never_exceed_participants_and_participants_never_exceed_total(data: dict[str, Any]) -> None:
    outcome = tally(parse(data))
    assert outcome.participating <= outcome.total
    for item in outcome.items:
        assert item.votes_for + item.against + item.abstain + item.void <= outcome.participating


@settings(max_examples=150, deadline=None)
@given(dossiers(), st.data())
def test_adding_a_for_never_turns_adopted_into_rejected(data: dict[str, Any], draw: st.DataObject) -> None:
    before = result(data)
    changed = copy.deepcopy(data)
    counted = tally(parse(data)).counted
    item = draw.draw(st.sampled_from([a["id"] for a in data["agenda"]]))
    if counted and draw.draw(st.booleans()):
        # the counted decision of some owner now says "for" on the item
        target = draw.draw(st.sampled_from(counted)).decision
        for entry in changed["decisions"]:
            if (entry["owner"], entry["premises"]) == (target.owner, target.premises):
                entry["answers"][item] = "for"
    else:
        # an owner who has not voted yet votes "for"
        voted = {(c.decision.owner, c.decision.premises) for c in counted}
        free = [(o["id"], p["premises"]) for p in data["register"] for o in p["owners"]
                if (o["id"], p["premises"]) not in voted and o["ownership"] != "joint"]
        if not free:
            return
        owner, premises = draw.draw(st.sampled_from(free))
        changed["decisions"].append(vote(owner, premises, {item: "for"}))
    after = result(changed)
    for old, new in zip(before["items"], after["items"], strict=True):
        if old["id"] == item and old["adopted"]:
            assert new["adopted"], (old, new)


@settings(max_examples=100, deadline=None)
@given(dossiers())
def test_fast_and_checked_readers_agree(data: dict[str, Any]) -> None:
    """The dossier reader's fast paths accept exactly what the checked functions accept, with the same result."""
    import voting.domain.dossier as module

    fast = parse(data)
    original = (module._premises_fast, module._decision_fast)
    module._premises_fast, module._decision_fast = (lambda raw: None), (lambda raw, items: None)
    try:
        assert parse(data) == fast
    finally:
        module._premises_fast, module._decision_fast = original
