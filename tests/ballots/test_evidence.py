"""The evidence bundle: a closed and counted meeting with online ballots, a re-vote, a proxy vote and paper
decisions verifies; every single mutation of meaning is found; malformed input exits 2; the shipped bundle verifies."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ballots import evidence
from ballots.signing import DeviceSigner
from ballots.verify import MalformedError, loads, verify
from ballots.verify_command import verify_command
from tests.factories import login
from tests.factories.ballots import ballot, counted_meeting, open_meeting, submit
from voting.cli import cli
from voting.core.extensions import db
from voting.meetings import lifecycle

GOLDEN = Path(__file__).parent.parent / "golden" / "evidence-small.json"


def test_a_counted_meeting_verifies_and_retallies_to_its_result(client, session, runner, tmp_path: Path) -> None:
    state, bundle = counted_meeting(client)
    if os.environ.get("VECHE_WRITE_GOLDEN"):  # to refresh the shipped bundle after a deliberate format change
        GOLDEN.write_bytes(evidence.dumps(bundle))
    report = verify(bundle)
    assert report.valid, [str(f) for f in report.findings]
    assert report.result == json.loads(state.meeting.result or "{}")
    assert report.ballots == 3 and report.paper == 2
    assert [e["type"] for e in bundle["entries"]][-2:] == ["close", "tally"]
    assert bundle["checkpoints"][-1]["size"] == len(bundle["entries"])
    # the command line: export, then verify offline
    out = tmp_path / "evidence.json"
    result = runner.invoke(cli, ["evidence", str(state.meeting.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    checked = CliRunner().invoke(verify_command, [str(out)])
    assert checked.exit_code == 0 and "VALID" in checked.output
    assert runner.invoke(cli, ["evidence", "999999", "-o", str(out)]).exit_code == 2


def test_evidence_of_a_meeting_still_voting_is_refused(session, runner, tmp_path: Path) -> None:
    state = open_meeting()
    result = runner.invoke(cli, ["evidence", str(state.meeting.id), "-o", str(tmp_path / "e.json")])
    assert result.exit_code == 2 and "после закрытия" in result.output


def _entries(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in bundle["entries"] if e["type"] == kind]


def _swap(bundle: dict[str, Any]) -> None:
    a, b = (bundle["entries"].index(e) for e in _entries(bundle, "ballot")[:2])
    bundle["entries"][a], bundle["entries"][b] = bundle["entries"][b], bundle["entries"][a]


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda bundle: path(bundle).__setitem__(key, value)


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "answer": lambda b: _entries(b, "ballot")[-1]["payload"]["answers"].__setitem__("1", "against"),
    "area": lambda b: b["manifest"]["register"][0].__setitem__("area", "61.00"),
    "share": lambda b: b["manifest"]["register"][0]["owners"][0].__setitem__("share", "1/2"),
    "owner": lambda b: _entries(b, "ballot")[-1]["payload"].__setitem__("owner_id", b["manifest"]["register"][0]
                                                                          ["owners"][0]["id"]),
    "time": lambda b: _entries(b, "ballot")[0].__setitem__("server_time", "2020-01-01T00:00:00.000000+00:00"),
    "signature byte": lambda b: _entries(b, "ballot")[0].__setitem__(
        "signature", ("B" if _entries(b, "ballot")[0]["signature"][0] != "B" else "C")
        + _entries(b, "ballot")[0]["signature"][1:]),
    "prev": lambda b: _entries(b, "ballot")[1].__setitem__("prev", "0" * 64),
    "root": lambda b: b["checkpoints"][-1].__setitem__("root", "ab" * 32),
    "dropped entry": lambda b: b["entries"].remove(_entries(b, "ballot")[1]),
    "duplicated entry": lambda b: b["entries"].insert(3, copy.deepcopy(_entries(b, "ballot")[0])),
    "reordered entries": _swap,
    "tally number": lambda b: b["tally"]["items"][0].__setitem__("for", "99.00"),
    "tally entry": lambda b: _entries(b, "tally")[0]["payload"].__setitem__("quorum", False),
    "paper scan": lambda b: _entries(b, "paper_decision")[0]["payload"].__setitem__("scan_sha256", "cd" * 32),
    "closing time": lambda b: b["manifest"]["meeting"].__setitem__("closes_at", "2030-01-01T00:00:00+05:00"),
    "final checkpoint dropped": lambda b: b["checkpoints"].pop(),
    "key swapped": lambda b: _entries(b, "key_registered")[0]["payload"].__setitem__(
        "public_key", DeviceSigner().spki),
    "entry after the tally": lambda b: b["entries"].append(copy.deepcopy(_entries(b, "ballot")[0])),
}


def test_every_single_mutation_is_found(client, session) -> None:
    _state, bundle = counted_meeting(client)
    missed = []
    for name, mutate in MUTATIONS.items():
        changed = copy.deepcopy(bundle)
        mutate(changed)
        assert changed != bundle, name
        report = verify(changed)
        if report.valid:
            missed.append(name)
    assert not missed, f"mutations not found: {missed}"
    assert len(MUTATIONS) >= 12


@pytest.mark.parametrize(("data", "where"), [
    (b"not json", "$"), (b'{"format": "oss-dossier/1"}', "format"),
    (b'{"format": "oss-evidence/1", "server_keys": [], "manifest": {}, "entries": [], "checkpoints": [], '
     b'"owner_keys": [], "manifest_hash": ""}', "entries"),
    (b'{"format": "oss-evidence/1", "x": 1.5}', "$"),
    (b'{"format": "oss-evidence/1", "x": 9007199254740992}', "$"),  # 2^53: not exact in RFC 8785
    # a key twice: a reader keeping the first value and one keeping the last would see different ballots
    (b'{"format": "oss-evidence/1", "entries": [{"payload": {"answers": {"1": "for", "1": "against"}}}]}', "$"),
    (b"%PDF-1.7\n%%EOF", "$"),
])
def test_malformed_input_exits_2_naming_where(tmp_path: Path, data: bytes, where: str) -> None:
    with pytest.raises(MalformedError, match=rf"^{re_escape(where)}:"):
        loads(data)
    path = tmp_path / "bundle.json"
    path.write_bytes(data)
    result = CliRunner().invoke(verify_command, [str(path)])
    assert result.exit_code == 2 and where in result.output


def re_escape(text: str) -> str:
    import re

    return re.escape(text)


def test_the_shipped_bundle_verifies_and_a_changed_copy_does_not(tmp_path: Path) -> None:
    result = CliRunner().invoke(verify_command, [str(GOLDEN), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True
    bundle = json.loads(GOLDEN.read_bytes())
    bundle["entries"][-2]["server_time"] = bundle["entries"][-2]["server_time"].replace(":", ";", 1)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(bundle))
    result = CliRunner().invoke(verify_command, [str(changed)])
    assert result.exit_code == 1 and "FINDING entries[" in result.output


def test_a_lone_surrogate_in_a_payload_is_malformed_not_a_crash(tmp_path: Path) -> None:
    bundle = json.loads(GOLDEN.read_bytes())
    bundle["entries"][1]["payload"]["owner_id"] = "\ud800"  # written as the JSON escape \ud800: not Unicode text
    changed = tmp_path / "surrogate.json"
    changed.write_text(json.dumps(bundle))
    result = CliRunner().invoke(verify_command, [str(changed)])
    assert result.exit_code == 2 and "entries[1].payload" in result.output and "surrogate" in result.output


def test_the_server_s_bundle_has_the_shape_of_the_published_vectors(client, session) -> None:
    _state, bundle = counted_meeting(client)
    vector = json.loads((Path(__file__).parent.parent / "vectors" / "bundle.json").read_bytes())
    assert set(bundle) == set(vector)
    assert {k for e in bundle["entries"] for k in e} == {k for e in vector["entries"] for k in e}
    assert [set(c) for c in bundle["checkpoints"]] == [set(vector["checkpoints"][0])] * len(bundle["checkpoints"])
    assert bundle["checkpoints"][0]["meeting_id"] == bundle["manifest"]["meeting_id"]


def test_a_downloaded_receipt_checks_against_the_bundle_and_a_changed_one_does_not(client, session,
                                                                                   tmp_path: Path) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    cast = submit(client, state, ballot(state, voter, {"1": "for", "2": "for"}), voter)
    assert cast.status_code == 201
    page = client.get(f"/meetings/{state.meeting.id}/receipts/{cast.json['ballot_hash']}").get_data(as_text=True)
    download = f"/meetings/{state.meeting.id}/receipts/{cast.json['ballot_hash']}.json"
    assert download in page
    got = client.get(download)
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    assert json.loads(got.data) == cast.json
    assert lifecycle.advance(state.meeting, at=state.meeting.closes_at)
    lifecycle.count(state.meeting)
    db.session.flush()
    bundle, receipt = tmp_path / "evidence.json", tmp_path / "receipt.json"
    bundle.write_bytes(evidence.dumps(evidence.bundle(state.meeting)))
    receipt.write_bytes(got.data)
    checked = CliRunner().invoke(verify_command, [str(bundle), "--receipt", str(receipt)])
    assert checked.exit_code == 0 and "VALID" in checked.output and "included under the root" in checked.output, \
        checked.output
    changed = json.loads(got.data) | {"received_at": "2020-01-01T00:00:00.000000+00:00"}
    receipt.write_text(json.dumps(changed))
    checked = CliRunner().invoke(verify_command, [str(bundle), "--receipt", str(receipt)])
    assert checked.exit_code == 1 and "FINDING receipt.signature" in checked.output
    receipt.write_text('{"ballot_hash": "x"}')
    checked = CliRunner().invoke(verify_command, [str(bundle), "--receipt", str(receipt)])
    assert checked.exit_code == 2 and "receipt.tracker: missing" in checked.output
    assert client.get(f"/meetings/{state.meeting.id}/receipts/{'0' * 64}.json").status_code == 404
