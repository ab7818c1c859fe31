"""The log's hashing rules, shared by the server and the offline verifier (no Flask, no database): the tag each
payload is hashed under, the entry hash chain, and the RFC 6962 tree head kept as a frontier of subtree roots."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ballots import merkle
from ballots.canonical import canonical

GENESIS = "0" * 64  # the `prev` of entry 0
ENTRY_TAG = "OSS-ENTRY-v1"
CHECKPOINT_TAG = "OSS-CHECKPOINT-v1"
RECEIPT_TAG = "OSS-RECEIPT-v1"
PROTOCOL_TAG = "OSS-PROTOCOL-v1"  # a signer's signature over the protocol's hash, role and name
# a handwritten signature on the printed protocol, keyed in by an officer, also signs the scan's hash and who keyed it;
# the system operator's (the server key's) also signs the operator's qualified signature, where one was applied
PROTOCOL_SIGNED_FIELDS = ("paper_scan", "keyed_by", "qualified")
PAYLOAD_TAGS = {"manifest": "OSS-MANIFEST-v1", "ballot": "OSS-BALLOT-v1", "paper_decision": "OSS-PAPER-v1"}
SERVER_TAG = "OSS-LOG-v1"  # every entry the server itself signs, other than the manifest
SIGNED_BY_SERVER = frozenset({"manifest", "key_registered", "key_revoked", "close", "tally", "protocol"})
SIGNED_BY_KEYS = frozenset({"ballot", "paper_decision"})


def payload_tag(entry_type: str) -> str:
    return PAYLOAD_TAGS.get(entry_type, SERVER_TAG)


def register_owners(manifest: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(owner id, premises) → the owner's row in the manifest's frozen register."""
    return {(o["id"], p["premises"]): o for p in manifest["register"] for o in p["owners"]}


def rfc3339(instant: datetime) -> str:
    """The one spelling of an instant in the log: UTC, microseconds, an explicit offset."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def entry_core(index: int, prev: str, entry_type: str, payload_hash: str, server_time: str) -> dict[str, Any]:
    return {"index": index, "prev": prev, "type": entry_type, "payload_hash": payload_hash,
            "server_time": server_time}


def entry_hash(core: dict[str, Any], encode: Callable[[str, Any], bytes] = canonical) -> str:
    """The entry's hash; the verifier passes `canonical_read` for the cores it builds from a parsed bundle."""
    return hashlib.sha256(encode(ENTRY_TAG, core)).hexdigest()


def checkpoint_body(meeting_id: int, size: int, root: str, at: str) -> dict[str, Any]:
    return {"meeting_id": meeting_id, "size": size, "root": root, "at": at}


def tracker(ballot_hash: str) -> str:
    """The short code an owner reads off a receipt: the ballot hash's first twelve hex digits in three groups."""
    short = ballot_hash[:12].upper()
    return f"{short[:4]}-{short[4:8]}-{short[8:]}"


def protocol_signature(meeting_id: Any, sha256: Any, signer: dict[str, Any]) -> dict[str, Any]:
    """What a protocol's signer signs: the protocol's hash, the signer's role and name, and the fields their kind of
    signature adds (PROTOCOL_SIGNED_FIELDS); the server builds it to sign, the verifier to check."""
    return {"type": "protocol_signature", "v": 1, "meeting_id": meeting_id, "sha256": sha256,
            "role": signer.get("role"), "name": signer.get("name")} | {
        field: signer[field] for field in PROTOCOL_SIGNED_FIELDS if field in signer}


def receipt_body(ballot_hash: str, index: int, entry_hash_: str, received_at: str, root: str) -> dict[str, Any]:
    return {"ballot_hash": ballot_hash, "tracker": tracker(ballot_hash), "index": index,
            "entry_hash": entry_hash_, "received_at": received_at, "checkpoint": {"size": index + 1, "root": root}}


Frontier = list[tuple[int, bytes]]


def push(frontier: Frontier, entry_hash_hex: str) -> Frontier:
    """Add a leaf: equal-sized neighbours merge, exactly as RFC 6962 splits at powers of two."""
    stack = [*frontier, (1, merkle.leaf_hash(bytes.fromhex(entry_hash_hex)))]
    while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
        right, left = stack.pop(), stack.pop()
        stack.append((left[0] * 2, merkle.node_hash(left[1], right[1])))
    return stack


def root(frontier: Frontier) -> str:
    """MTH of every leaf pushed so far."""
    if not frontier:
        return merkle.root([]).hex()
    top = frontier[-1][1]
    for _size, node in reversed(frontier[:-1]):
        top = merkle.node_hash(node, top)
    return top.hex()


def frontier_to_json(frontier: Frontier) -> str:
    return "[" + ",".join(f'[{size},"{node.hex()}"]' for size, node in frontier) + "]"


def frontier_from_json(text: str) -> Frontier:
    return [(size, bytes.fromhex(node)) for size, node in json.loads(text)]
