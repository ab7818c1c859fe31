"""`veche recount`: offline, exact, with the exit codes and messages of FORMATS.md §4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from voting.cli import cli

GOLDEN = Path(__file__).parent / "golden"


def recount(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["recount", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["formats_example", "all_rules", "proxy_revoked"])
def test_golden_dossiers_give_their_recorded_results(name: str) -> None:
    code, output = recount(str(GOLDEN / f"{name}.json"), "--json")
    assert code == 0
    assert json.loads(output) == json.loads((GOLDEN / f"{name}.result.json").read_text(encoding="utf-8"))


def test_all_rules_numbers_checked_by_hand() -> None:
    out = json.loads(recount(str(GOLDEN / "all_rules.json"), "--json")[1])
    assert (out["total_votes"], out["participating_votes"], out["participation_percent"]) == (
        "330.25", "289.85", "87.77")
    chair, repair, company = out["items"]
    assert (chair["for"], chair["abstain"], chair["for_percent_of_participants"], chair["for_percent_of_all"]) == (
        "256.45", "33.40", "88.48", "77.65")
    assert (repair["for"], repair["against"], repair["rule"], repair["adopted"]) == (
        "242.05", "47.80", "two_thirds_of_all", True)
    assert (company["for"], company["rule"], company["adopted"]) == ("208.65", "majority_of_all", True)
    reasons = sorted(r["reason"] for r in out["decisions"]["rejected"])
    assert reasons == ["before_opening", "duplicate", "duplicate", "late", "not_an_owner", "premises_mismatch",
                       "proxy_expired"]


def test_an_owners_own_paper_decision_revokes_a_later_proxy_vote_checked_by_hand() -> None:
    """Owner 1 voted «против» on paper on the 14th; their representative voted «за» online on the 16th (listed first
    in the file): the proxy was revoked. Owner 2's representative voted first; the owner's own decision replaces it."""
    out = json.loads(recount(str(GOLDEN / "proxy_revoked.json"), "--json")[1])
    item = out["items"][0]
    assert (item["for"], item["against"], out["participating_votes"], item["adopted"]) == (
        "0.00", "100.00", "100.00", False)
    assert out["decisions"] == {"counted": 2, "rejected": [{"owner": "o1", "premises": "1", "reason": "proxy_revoked"},
                                                           {"owner": "o2", "premises": "2", "reason": "duplicate"}]}
    code, text = recount(str(GOLDEN / "proxy_revoked.json"))
    assert code == 0 and "premises 1: proxy_revoked" in text


def test_text_table() -> None:
    code, output = recount(str(GOLDEN / "all_rules.json"))
    assert code == 0 and "quorum: yes" in output and "two_thirds_of_all" in output and "adopted" in output


def test_malformed_input_exits_2_naming_the_path(tmp_path: Path) -> None:
    data = json.loads((GOLDEN / "formats_example.json").read_text(encoding="utf-8"))
    data["register"][0]["owners"][0]["share"] = "3/2"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code, output = recount(str(bad))
    assert code == 2 and "register[0].owners[0].share: 3/2 exceeds 1" in output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert recount(str(broken))[0] == 2
    assert recount(str(tmp_path / "missing.json"))[0] == 2


def test_recount_needs_no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECHE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, _ = recount(str(GOLDEN / "formats_example.json"))
    assert code == 0
