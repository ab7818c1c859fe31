"""The published vectors (docs/evidence.md §12): they are exactly what the code makes, every object's bytes, hash and
signature check with nothing but hashlib and cryptography, the bundle and receipt verify, and `veche verify` gives
each mutated bundle the exit code and findings recorded for it."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from click.testing import CliRunner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ballots.verify_command import verify_command
from tests.vectors import generate

HERE = Path(__file__).parent
INDEX = json.loads((HERE / "mutations" / "index.json").read_bytes())


def _json(name: str) -> Any:
    return json.loads((HERE / name).read_bytes())


def test_the_files_are_what_the_generator_makes_from_the_code() -> None:
    made = generate.build()
    stale = sorted(p for p, data in made.items() if not (HERE / p).exists() or (HERE / p).read_bytes() != data)
    assert not stale, f"run `python -m tests.vectors.generate`: {stale}"
    on_disk = {str(p.relative_to(HERE)) for p in HERE.rglob("*.json")}
    assert on_disk == set(made), on_disk ^ set(made)


def _verify(*args: str) -> tuple[int, dict[str, Any] | str]:
    result = CliRunner().invoke(verify_command, [*args, "--json"])
    try:
        return result.exit_code, json.loads(result.output)
    except ValueError:
        return result.exit_code, result.output


def test_the_bundles_and_the_receipt_verify() -> None:
    for name in ("bundle.json", "bundle-before-protocol.json"):
        code, report = _verify(str(HERE / name))
        assert code == 0 and isinstance(report, dict) and report["valid"], report
    code, report = _verify(str(HERE / "bundle.json"), "--receipt", str(HERE / "receipt.json"))
    assert code == 0 and isinstance(report, dict), report
    receipt = _json("receipt.json")
    assert report["receipt"]["receipt.checkpoint"]["size"] == receipt["index"] + 1
    assert report["receipt"]["checkpoints (final)"]["size"] == len(_json("bundle.json")["entries"])
    bundle = _json("bundle.json")
    types = {e["type"] for e in bundle["entries"]}
    assert types == {"manifest", "key_registered", "key_revoked", "ballot", "paper_decision", "close", "tally",
                     "protocol"}
    assert bundle["tally"]["decisions"]["rejected"] and bundle["protocol_hash"] is not None


@pytest.mark.parametrize("case", INDEX, ids=[c.get("receipt", c["file"]).split("/")[-1] for c in INDEX])
def test_every_mutation_gives_its_recorded_exit_code_and_findings(case: dict[str, Any]) -> None:
    args = [str(HERE / case["file"])] + (["--receipt", str(HERE / case["receipt"])] if "receipt" in case else [])
    code, report = _verify(*args)
    assert code == case["exit"] and code in (1, 2)
    if code == 1:
        assert isinstance(report, dict) and [f["where"] for f in report["findings"]] == case["findings"]
    else:
        assert case["findings"][0] in str(report)


def test_every_top_level_field_has_a_mutation_that_is_found() -> None:
    fields = set(_json("bundle.json"))
    found = {f.split("[")[0].split(".")[0] for case in INDEX for f in case["findings"]}
    assert fields - {"entries"} <= found | {"entries"}, fields - found


def _server() -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(_json("keys.json")["server"]["public_key"]))


def _device(number: int) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(base64.b64decode(_json("keys.json")["devices"][number - 1]["public_key"]))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def test_every_object_s_bytes_hash_and_signature_check_independently() -> None:
    keys = _json("keys.json")
    assert hashlib.sha256(base64.b64decode(keys["server"]["public_key"])).hexdigest() == keys["server"]["fingerprint"]
    for device in keys["devices"]:
        assert hashlib.sha256(base64.b64decode(device["public_key"])).hexdigest()[:32] == device["key_id"]
    for item in _json("objects.json"):
        data = (item["tag"] + "\n").encode() + rfc8785.dumps(item["input"]) if item["tag"] else rfc8785.dumps(
            item["input"])
        assert data == bytes.fromhex(item["bytes_hex"]) == item["bytes_utf8"].encode(), item["name"]
        assert hashlib.sha256(data).hexdigest() == item["sha256"], item["name"]
        if item["signed_by"] == "server":
            _server().verify(base64.b64decode(item["signature"]), data)
        elif item["signed_by"]:
            raw = base64.b64decode(item["signature"])
            _device(int(item["signed_by"].split()[-1])).verify(
                encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")), data,
                ec.ECDSA(hashes.SHA256()))
    names = {item["name"] for item in _json("objects.json")}
    for kind in ("manifest", "key_registered", "key_revoked", "ballot", "paper_decision", "close", "tally",
                 "protocol"):
        assert f"payload: {kind}" in names
    assert {"entry core (entry hash)", "checkpoint body", "receipt body", "register hash input (no tag)"} <= names


def _mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_the_merkle_vectors_are_rfc_6962() -> None:
    vectors = _json("merkle.json")
    leaves = [bytes.fromhex(e["entry_hash"]) for e in _json("bundle.json")["entries"]]
    assert vectors["empty_tree_root"] == hashlib.sha256(b"").hexdigest()
    assert vectors["leaf"]["hash"] == hashlib.sha256(b"\x00" + leaves[0]).hexdigest()
    assert [r["root"] for r in vectors["roots"]] == [_mth(leaves[:n]).hex() for n in range(1, len(leaves) + 1)]
    root = _mth(leaves)
    for proof in vectors["inclusion"]:  # walk each audit path up by the index's bits (RFC 9162 §2.1.3.2)
        index, last, node = proof["index"], proof["size"] - 1, hashlib.sha256(b"\x00" + leaves[proof["index"]]).digest()
        for sibling in map(bytes.fromhex, proof["path"]):
            if index % 2 or index == last:
                node = hashlib.sha256(b"\x01" + sibling + node).digest()
                while index % 2 == 0 and index:
                    index, last = index >> 1, last >> 1
            else:
                node = hashlib.sha256(b"\x01" + node + sibling).digest()
            index, last = index >> 1, last >> 1
        assert node == root, proof["index"]
