"""The test vectors of docs/evidence.md, made deterministically from published test keys with the project's own
hashing and signing rules (ballots.chain, ballots.canonical, ballots.merkle): every hashed or signed object with its
exact bytes, hash and signature; a small bundle with every entry type; a receipt; and mutated bundles with the
findings each must produce. `python -m tests.vectors.generate` rewrites them; tests/vectors/test_vectors.py fails
when the code and the files drift apart."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ballots import chain, merkle
from ballots.canonical import canonical, jcs_read
from ballots.verify import register_hash, verify_file
from voting.domain import dossier as dossiers
from voting.domain.rules import quorum_reference, subject
from voting.domain.tally import tally, to_json

HERE = Path(__file__).parent
FORMAT = "oss-evidence/1"
MEETING_ID = 7
OPENS_AT, CLOSES_AT = "2026-03-12T09:00:00+05:00", "2026-03-20T18:00:00+05:00"
NOTICE_DATE = "2026-03-01"
PROXY_SCAN = hashlib.sha256(b"veche test vector: a scanned proxy").hexdigest()
PAPER_SCAN = hashlib.sha256(b"veche test vector: a scanned paper decision").hexdigest()
PROTOCOL_PDF = hashlib.sha256(b"veche test vector: the protocol PDF").hexdigest()


# --- the published test keys ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServerKey:
    """Ed25519, seed = SHA-256("veche test vector server key")."""

    seed: bytes = hashlib.sha256(b"veche test vector server key").digest()

    @property
    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.raw).decode()

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()


@dataclass(frozen=True)
class DeviceKey:
    """ECDSA P-256, private scalar = SHA-256("veche test vector device key N") mod n; signatures by RFC 6979."""

    number: int

    @property
    def scalar(self) -> int:
        order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
        return int.from_bytes(hashlib.sha256(f"veche test vector device key {self.number}".encode()).digest(),
                              "big") % order

    @property
    def private(self) -> ec.EllipticCurvePrivateKey:
        return ec.derive_private_key(self.scalar, ec.SECP256R1())

    @property
    def spki(self) -> str:
        return base64.b64encode(self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()

    @property
    def key_id(self) -> str:
        return hashlib.sha256(base64.b64decode(self.spki)).hexdigest()[:32]

    def sign(self, message: bytes) -> str:
        der = self.private.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


SERVER = ServerKey()
KEYS = {n: DeviceKey(n) for n in range(1, 8)}


# --- the meeting ----------------------------------------------------------------------------------------------

def _owner(owner_id: str, name: str, ownership: str, share: str, document: str) -> dict[str, str]:
    return {"id": owner_id, "name": name, "ownership": ownership, "share": share, "document": document}


REGISTER = [
    {"premises": "1", "kind": "residential", "area": "60.00", "entrance": "1",
     "owners": [_owner("1", "Иванов Иван Иванович", "individual", "1/1", "74:36:0000000:1-74/001/2020-1")]},
    {"premises": "2", "kind": "residential", "area": "40.00", "entrance": "1",  # a joint group of two
     "owners": [_owner("2", "Петров Пётр Петрович", "joint", "1/1", "74:36:0000000:2-74/001/2020-1"),
                _owner("3", "Петрова Анна Сергеевна", "joint", "1/1", "74:36:0000000:2-74/001/2020-1")]},
    {"premises": "3", "kind": "residential", "area": "20.00", "entrance": "2",
     "owners": [_owner("4", "Сидоров Семён Семёнович", "individual", "1/1", "74:36:0000000:3-74/001/2020-1")]},
    {"premises": "4", "kind": "parking", "area": "15.50",
     "owners": [_owner("5", "Кузнецова Ольга Игоревна", "individual", "1/1", "74:36:0000000:4-74/001/2020-1")]},
    {"premises": "5", "kind": "non_residential", "area": "30.25", "entrance": "2",
     "owners": [_owner("6", "ООО «Ромашка»", "shared", "1/2", "74:36:0000000:5-74/001/2020-1"),
                _owner("7", "Орлов Олег Олегович", "shared", "1/2", "74:36:0000000:5-74/001/2020-2")]},
]
AGENDA = [("1", "Избрать председателя и секретаря собрания", "44.2.5"), ("2", "Утвердить план работ", "44.2.4")]


def manifest(**changes: Any) -> dict[str, Any]:
    """The manifest (the server's `ballots.manifest.build` for this meeting), with its register hash."""
    from datetime import date

    notice = date.fromisoformat(NOTICE_DATE)
    agenda = []
    for item_id, title, code in AGENDA:
        edition = subject(code).edition_on(notice)
        agenda.append({"id": item_id, "title": title, "subject": code, "rule": edition.rule.value,
                       "reference": edition.reference, "edition_from": edition.effective_from.isoformat()})
    document: dict[str, Any] = {
        "type": "manifest", "v": 1, "meeting_id": MEETING_ID,
        "building": {"address": "г. Челябинск, ул. Образцовая, д. 1", "timezone": "Asia/Yekaterinburg", "id": 3},
        "meeting": {"kind": "extraordinary", "form": "electronic", "notice_date": NOTICE_DATE,
                    "opens_at": OPENS_AT, "closes_at": CLOSES_AT},
        "register": REGISTER, "total_votes": "165.75", "agenda": agenda,
        "law": {"quorum": quorum_reference(notice)}}
    document["register_hash"] = register_hash(document)
    return document | changes


# --- the log --------------------------------------------------------------------------------------------------

@dataclass
class Log:
    """A meeting's log made as the server makes it: entries, checkpoints and the owners' ballot chains."""

    manifest: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    frontier: chain.Frontier = field(default_factory=list)
    chains: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def manifest_hash(self) -> str:
        return hashlib.sha256(canonical(chain.PAYLOAD_TAGS["manifest"], self.manifest)).hexdigest()

    def append(self, kind: str, payload: dict[str, Any], at: str, signer: DeviceKey | None = None) -> dict[str, Any]:
        body = canonical(chain.payload_tag(kind), payload)
        index = len(self.entries)
        prev = self.entries[-1]["entry_hash"] if self.entries else chain.GENESIS
        payload_hash = hashlib.sha256(body).hexdigest()
        hashed = chain.entry_hash(chain.entry_core(index, prev, kind, payload_hash, at))
        self.frontier = chain.push(self.frontier, hashed)
        entry = {"index": index, "prev": prev, "type": kind, "payload_hash": payload_hash, "server_time": at,
                 "entry_hash": hashed, "key_id": signer.key_id if signer else SERVER.fingerprint,
                 "signature": signer.sign(body) if signer else SERVER.sign(body), "payload": payload}
        self.entries.append(entry)
        return entry

    def checkpoint(self, at: str) -> None:
        size, root = len(self.entries), chain.root(self.frontier)
        body = chain.checkpoint_body(MEETING_ID, size, root, at)
        self.checkpoints.append({"meeting_id": MEETING_ID, "size": size, "root": root, "at": at,
                                 "signature": SERVER.sign(canonical(chain.CHECKPOINT_TAG, body))})

    def bind(self, key: DeviceKey, owner: str, premises: list[str], holder: str, at: str, name: str | None = None,
             proxy: dict[str, str] | None = None) -> None:
        payload: dict[str, Any] = {"type": "key_registered", "key_id": key.key_id, "public_key": key.spki,
                                   "owner_id": owner, "premises": premises, "holder": holder}
        if proxy is not None:
            payload["proxy"] = proxy
        elif name is not None:
            payload["name"] = name
        self.append("key_registered", payload, at)

    def ballot(self, key: DeviceKey, owner: str, premises: list[str], answers: dict[str, str], at: str,
               proxy: dict[str, str] | None = None, **changes: Any) -> dict[str, Any]:
        seq, prev = self.chains.get(owner, (0, None))
        payload = {"type": "ballot", "v": 1, "meeting_id": MEETING_ID, "manifest_hash": self.manifest_hash,
                   "owner_id": owner, "premises": premises, "answers": answers, "seq": seq + 1, "prev": prev,
                   "key_id": key.key_id, "client_time": at.replace("+00:00", "Z")} | (
            {"proxy": proxy["sha256"]} if proxy else {}) | changes
        entry = self.append("ballot", payload, at, key)
        self.chains[owner] = (payload["seq"], entry["payload_hash"])
        for number in premises:
            self.decisions.append({"owner": owner, "premises": number, "received_at": at, "source": "online",
                                   "answers": answers} | ({"representative": {
                                       "name": proxy["representative"], "proxy_valid_until": proxy["valid_until"]}}
                                       if proxy else {}))
        return entry

    def paper(self, key: DeviceKey, owner: str, premises: str, answers: dict[str, Any], received_at: str,
              at: str) -> dict[str, Any]:
        payload = {"type": "paper_decision", "v": 1, "meeting_id": MEETING_ID, "manifest_hash": self.manifest_hash,
                   "owner_id": owner, "premises": [premises], "answers": answers, "received_at": received_at,
                   "scan_sha256": PAPER_SCAN, "key_id": key.key_id}
        self.decisions.append({"owner": owner, "premises": premises, "received_at": received_at, "source": "paper",
                               "answers": answers})
        return self.append("paper_decision", payload, at, key)

    def result(self) -> dict[str, Any]:
        document = {"format": dossiers.FORMAT, "building": self.manifest["building"],
                    "meeting": self.manifest["meeting"], "register": self.manifest["register"],
                    "agenda": self.manifest["agenda"], "decisions": self.decisions}
        return to_json(tally(dossiers.parse(document)))

    def bundle(self) -> dict[str, Any]:
        """The bundle as `ballots.evidence.bundle` writes it."""
        keys = {e["payload"]["key_id"]: e["payload"]["public_key"] for e in self.entries
                if e["type"] == "key_registered"}
        tally_ = next((e["payload"] for e in reversed(self.entries) if e["type"] == "tally"), None)
        protocol = next((e["payload"] for e in reversed(self.entries) if e["type"] == "protocol"), None)
        return {
            "format": FORMAT, "meeting_id": MEETING_ID,
            "server_keys": [{"algorithm": "Ed25519", "public_key": SERVER.public_b64,
                             "fingerprint": SERVER.fingerprint}],
            "manifest": self.entries[0]["payload"], "manifest_hash": self.manifest_hash,
            "manifest_signature": self.entries[0]["signature"], "entries": copy.deepcopy(self.entries),
            "owner_keys": [{"key_id": k, "algorithm": "ECDSA-P256-SHA256", "public_key": v}
                           for k, v in sorted(keys.items())],
            "checkpoints": copy.deepcopy(self.checkpoints), "tally": tally_,
            "protocol_hash": protocol["sha256"] if protocol else None}


def utc(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00.000000+00:00"


PROXY = {"sha256": PROXY_SCAN, "valid_until": "2026-12-31", "representative": "Сидорова Мария Семёновна"}
OFFICER = "Тестова Татьяна Тестовна"


def meeting_log(tamper: str | None = None, stop: str | None = None) -> Log:
    """The vector meeting; `tamper` names a validly signed deviation (the semantic mutations), `stop` where the log
    ends ("tally": before the protocol)."""
    log = Log(manifest(**({"agenda": [manifest()["agenda"][0] | {"rule": "majority_of_all"},
                                      manifest()["agenda"][1]]} if tamper == "rule" else {}),
                       **({"total_votes": "165.00"} if tamper == "total_votes" else {}),
                       **({"register_hash": "0" * 64} if tamper == "register_hash" else {})))
    log.append("manifest", log.manifest, utc(12, 4))
    log.checkpoint(utc(12, 4))
    k = KEYS
    log.bind(k[1], "1", ["1"], "owner", utc(12, 5))
    log.ballot(k[1], "1", ["1"], {"1": "for", "2": "for"}, utc(12, 5))
    log.bind(k[2], "2", ["2"], "owner", utc(13, 6))
    log.ballot(k[2], "2", ["2"], {"1": "for", "2": "against"}, utc(13, 6))  # the joint group's first: it counts
    log.bind(k[3], "3", ["2"], "owner", utc(13, 7))
    log.ballot(k[3], "3", ["2"], {"1": "against", "2": "for"}, utc(13, 7))  # the other joint owner: duplicate
    log.append("key_revoked", {"type": "key_revoked", "key_id": k[1].key_id}, utc(14, 8))
    if tamper == "revoked_key":
        log.ballot(k[1], "1", ["1"], {"1": "against", "2": "against"}, utc(14, 9))
    else:
        log.bind(k[4], "1", ["1"], "owner", utc(14, 9))
        log.ballot(k[4], "1", ["1"], {"1": "against", "2": "for"}, utc(14, 9),  # the re-vote, with the new key
                   **({"seq": 3} if tamper == "seq" else {}))
    log.bind(k[5], "4", ["3"], "representative", utc(15, 10), proxy=PROXY)
    log.ballot(k[5], "4", ["3"] if tamper != "premises" else ["3", "4"], {"1": "for", "2": "for"}, utc(15, 10),
               proxy=PROXY)
    log.bind(k[6], "5", ["4"], "officer", utc(16, 11), name=OFFICER)
    if tamper == "officer_ballot":
        log.ballot(k[6], "5", ["4"], {"1": "for"}, utc(16, 11))
    log.paper(k[6], "5", "4", {"1": ["for", "against"], "2": "abstain"}, "2026-03-16T10:30:00.000000+00:00",
              utc(16, 11))
    if tamper == "checkpoint_every":
        log.checkpoint(utc(16, 12))
    log.append("close", {"type": "close", "meeting_id": MEETING_ID,
                         "closes_at": "2026-03-20T13:00:00.000000+00:00",
                         "ballots": sum(1 for e in log.entries if e["type"] == "ballot")}, utc(20, 13))
    log.checkpoint(utc(20, 13))
    if tamper == "ballot_after_close":
        log.ballot(k[2], "2", ["2"], {"1": "against", "2": "against"}, utc(20, 14))
    log.bind(k[6], "6", ["5"], "officer", utc(21, 9), name=OFFICER)
    # a page received after the close: keyed in, signed, and rejected by the tally as late
    log.paper(k[6], "6", "5", {"1": "for", "2": "for"}, "2026-03-20T14:00:00.000000+00:00", utc(21, 9))
    result = log.result()
    if tamper == "tally":
        result["items"][0]["for"] = "999.00"
    log.append("tally", result, utc(21, 10))
    log.checkpoint(utc(21, 10))
    if stop == "tally":
        return log
    evidence_sha256 = hashlib.sha256(dumps(log.bundle())).hexdigest()  # the bundle the PDF carries
    signer = {"role": "operator", "name": "ООО «Оператор системы»"}
    signature = SERVER.sign(canonical(chain.PROTOCOL_TAG, chain.protocol_signature(MEETING_ID, PROTOCOL_PDF, signer)))
    log.append("protocol", {"type": "protocol", "meeting_id": MEETING_ID, "number": "7-2026", "sha256": PROTOCOL_PDF,
                            "evidence_sha256": evidence_sha256, "signatures": [
                                signer | {"key_id": SERVER.fingerprint, "public_key": SERVER.public_b64,
                                          "signature": signature}]}, utc(22, 9))
    log.checkpoint(utc(22, 9))
    return log


def dumps(document: Any) -> bytes:
    """The files' form (as `ballots.evidence.dumps`): UTF-8 JSON, indent 1, not ASCII-escaped."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode() + b"\n"


def receipt_for(log: Log, index: int) -> dict[str, Any]:
    entry = log.entries[index]
    frontier: chain.Frontier = []
    for earlier in log.entries[:index + 1]:
        frontier = chain.push(frontier, earlier["entry_hash"])
    body = chain.receipt_body(entry["payload_hash"], index, entry["entry_hash"], entry["server_time"],
                              chain.root(frontier))
    return body | {"signature": SERVER.sign(canonical(chain.RECEIPT_TAG, body)), "key_fingerprint": SERVER.fingerprint}


# --- the objects, byte by byte --------------------------------------------------------------------------------

def _object(name: str, tag: str | None, value: Any, signer: ServerKey | DeviceKey | None) -> dict[str, Any]:
    data = canonical(tag, value) if tag else jcs_read(value)
    return {"name": name, "tag": tag, "input": value, "bytes_utf8": data.decode(), "bytes_hex": data.hex(),
            "sha256": hashlib.sha256(data).hexdigest(),
            "signature": signer.sign(data) if signer else None,
            "signed_by": (None if signer is None else "server" if isinstance(signer, ServerKey)
                          else f"device key {signer.number}")}


def objects(log: Log) -> list[dict[str, Any]]:
    """Every kind of hashed or signed object, from the vector meeting's log."""
    first = {kind: next(e for e in log.entries if e["type"] == kind) for kind in
             ("manifest", "key_registered", "key_revoked", "ballot", "paper_decision", "close", "tally", "protocol")}
    revote = next(e for e in log.entries if e["type"] == "ballot" and e["payload"]["seq"] == 2)
    proxied = next(e for e in log.entries if e["type"] == "ballot" and "proxy" in e["payload"])
    signer_of = {e["key_id"]: k for e in log.entries for k in KEYS.values() if k.key_id == e["key_id"]}
    out = []
    for name, entry in [*first.items(), ("ballot (re-vote)", revote), ("ballot (proxy)", proxied)]:
        out.append(_object(f"payload: {name}", chain.payload_tag(entry["type"]), entry["payload"],
                           signer_of.get(entry["key_id"], SERVER)))
    entry = first["ballot"]
    out.append(_object("entry core (entry hash)", chain.ENTRY_TAG, chain.entry_core(
        entry["index"], entry["prev"], entry["type"], entry["payload_hash"], entry["server_time"]), None))
    point = log.checkpoints[-1]
    out.append(_object("checkpoint body", chain.CHECKPOINT_TAG,
                       chain.checkpoint_body(MEETING_ID, point["size"], point["root"], point["at"]), SERVER))
    receipt = receipt_for(log, revote["index"])
    out.append(_object("receipt body", chain.RECEIPT_TAG,
                       {k: v for k, v in receipt.items() if k not in ("signature", "key_fingerprint")}, SERVER))
    operator = first["protocol"]["payload"]["signatures"][0]
    out.append(_object("protocol signature (operator)", chain.PROTOCOL_TAG, chain.protocol_signature(
        MEETING_ID, PROTOCOL_PDF, {"role": operator["role"], "name": operator["name"]}), SERVER))
    out.append(_object("register hash input (no tag)", None, {
        "register": [p | {"owners": [o | {"document": o.get("document"), "weight": _weight(p, o)}
                                     for o in p["owners"]]} for p in log.manifest["register"]],
        "total_votes": log.manifest["total_votes"]}, None))
    return out


def _weight(premises: dict[str, Any], owner: dict[str, Any]) -> str:
    from fractions import Fraction

    return str(Fraction(premises["area"]) * Fraction(owner["share"]))


def merkle_vectors(log: Log) -> dict[str, Any]:
    """RFC 6962 leaf and node hashes, the roots of every prefix of the log, and an inclusion proof for every entry."""
    leaves = [bytes.fromhex(e["entry_hash"]) for e in log.entries]
    first, second = leaves[0], leaves[1]
    return {
        "empty_tree_root": merkle.root([]).hex(),
        "leaf": {"data_hex": first.hex(), "hash": merkle.leaf_hash(first).hex()},
        "node": {"left_hex": merkle.leaf_hash(first).hex(), "right_hex": merkle.leaf_hash(second).hex(),
                 "hash": merkle.node_hash(merkle.leaf_hash(first), merkle.leaf_hash(second)).hex()},
        "roots": [{"size": n, "root": merkle.root(leaves[:n]).hex()} for n in range(1, len(leaves) + 1)],
        "inclusion": [{"index": i, "size": len(leaves), "leaf_hex": leaves[i].hex(),
                       "path": [h.hex() for h in merkle.inclusion_proof(leaves, i)]} for i in range(len(leaves))],
    }


# --- the mutations --------------------------------------------------------------------------------------------

def _entries(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in bundle["entries"] if e["type"] == kind]


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[5] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


Mutation = Callable[[dict[str, Any]], None]

# byte-level changes of the good bundle: each must be found although nothing was re-signed
CHANGES: dict[str, tuple[str, Mutation]] = {
    "format": ("the format name", lambda b: b.__setitem__("format", "oss-evidence/9")),
    "meeting-id": ("the top-level meeting id", lambda b: b.__setitem__("meeting_id", MEETING_ID + 1)),
    "server-key": ("another server public key", lambda b: b["server_keys"][0].__setitem__(
        "public_key", base64.b64encode(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode())),
    "server-fingerprint": ("the server key's fingerprint", lambda b: b["server_keys"][0].__setitem__(
        "fingerprint", "ab" * 32)),
    "server-algorithm": ("the server key's algorithm", lambda b: b["server_keys"][0].__setitem__(
        "algorithm", "ECDSA-P256-SHA256")),
    "manifest-copy": ("the top-level manifest copy", lambda b: b["manifest"]["register"][0].__setitem__(
        "area", "61.00")),
    "manifest-hash": ("the top-level manifest hash", lambda b: b.__setitem__("manifest_hash", "cd" * 32)),
    "manifest-signature": ("the manifest signature", lambda b: b.__setitem__(
        "manifest_signature", _flip(b["manifest_signature"]))),
    "owner-keys": ("a key in owner_keys", lambda b: b["owner_keys"][0].__setitem__(
        "public_key", KEYS[7].spki)),
    "tally-copy": ("the top-level tally copy", lambda b: b["tally"]["items"][0].__setitem__("for", "1.00")),
    "protocol-hash": ("the top-level protocol hash", lambda b: b.__setitem__("protocol_hash", "ef" * 32)),
    "extra-field": ("a field the format does not have", lambda b: b.__setitem__("note", "verified by the server")),
    "checkpoint-meeting-id": ("a checkpoint's meeting id", lambda b: b["checkpoints"][0].__setitem__(
        "meeting_id", MEETING_ID + 1)),
    "checkpoint-root": ("the final checkpoint's root", lambda b: b["checkpoints"][-1].__setitem__("root", "ab" * 32)),
    "checkpoint-dropped": ("the final checkpoint removed", lambda b: b["checkpoints"].pop()),
    "checkpoint-signature": ("a checkpoint's signature", lambda b: b["checkpoints"][1].__setitem__(
        "signature", _flip(b["checkpoints"][1]["signature"]))),
    "answer": ("a ballot's answer", lambda b: _entries(b, "ballot")[-1]["payload"]["answers"].__setitem__(
        "1", "against")),
    "ballot-signature": ("a ballot's signature", lambda b: _entries(b, "ballot")[0].__setitem__(
        "signature", _flip(_entries(b, "ballot")[0]["signature"]))),
    "server-time": ("a ballot's server time", lambda b: _entries(b, "ballot")[1].__setitem__(
        "server_time", "2026-03-13T06:00:01.000000+00:00")),
    "entry-prev": ("an entry's prev", lambda b: b["entries"][3].__setitem__("prev", chain.GENESIS)),
    "entry-dropped": ("an entry removed", lambda b: b["entries"].pop(4)),
    "entries-swapped": ("two entries swapped", lambda b: b["entries"].insert(3, b["entries"].pop(4))),
    "entry-hash": ("an entry's entry_hash", lambda b: b["entries"][2].__setitem__("entry_hash", "12" * 32)),
    "paper-scan": ("a paper decision's scan hash", lambda b: _entries(b, "paper_decision")[0]["payload"].__setitem__(
        "scan_sha256", "34" * 32)),
    "key-swapped": ("a registered public key", lambda b: _entries(b, "key_registered")[0]["payload"].__setitem__(
        "public_key", KEYS[7].spki)),
    "closing-time": ("the manifest's closing instant", lambda b: b["manifest"]["meeting"].__setitem__(
        "closes_at", "2030-01-01T00:00:00+05:00")),
}

# validly signed with the test keys, wrong in meaning: the verifier's semantic checks
TAMPERED: dict[str, str] = {
    "revoked_key": "a ballot signed by a key after its revocation",
    "seq": "a re-vote whose seq skips a number",
    "premises": "a representative's ballot for premises the key was not registered for",
    "officer_ballot": "an officer's key signing a ballot",
    "ballot_after_close": "a ballot after the close entry",
    "tally": "a tally entry that is not the recount",
    "rule": "a manifest whose rule is not the law's on the notice date",
    "total_votes": "a manifest whose total votes is not the register's area",
    "register_hash": "a manifest whose register hash is not its register's",
}


def _findings(data: bytes, receipt: bytes | None = None) -> tuple[int, list[str]]:
    """What `veche verify` says: its exit code and the findings' places."""
    from ballots.verify import MalformedError

    try:
        report = verify_file(data, receipt)
    except MalformedError as error:
        return 2, [str(error).split(":", 1)[0]]
    return (0 if report.valid else 1), [f.where for f in report.findings]


def build() -> dict[str, bytes]:
    """Every file of tests/vectors, by its path there."""
    log = meeting_log()
    bundle = log.bundle()
    files: dict[str, bytes] = {}
    files["bundle.json"] = dumps(bundle)
    revote = next(e["index"] for e in log.entries if e["type"] == "ballot" and e["payload"]["seq"] == 2)
    receipt = receipt_for(log, revote)
    files["receipt.json"] = dumps(receipt)
    files["bundle-before-protocol.json"] = dumps(meeting_log(stop="tally").bundle())
    files["keys.json"] = dumps({
        "server": {"algorithm": "Ed25519", "seed_hex": SERVER.seed.hex(), "public_key": SERVER.public_b64,
                   "fingerprint": SERVER.fingerprint,
                   "made_as": "seed = SHA-256(\"veche test vector server key\")"},
        "devices": [{"number": n, "algorithm": "ECDSA-P256-SHA256", "private_scalar_hex": f"{k.scalar:064x}",
                     "public_key": k.spki, "key_id": k.key_id,
                     "made_as": f"d = SHA-256(\"veche test vector device key {n}\") mod n; RFC 6979 signatures"}
                    for n, k in KEYS.items()]})
    files["objects.json"] = dumps(objects(log))
    files["merkle.json"] = dumps(merkle_vectors(log))
    index = []

    def add(name: str, what: str, data: bytes, receipt_data: bytes | None = None) -> None:
        code, found = _findings(data, receipt_data)
        record: dict[str, Any] = {"file": f"mutations/{name}.json", "what": what}
        if receipt_data is None:
            files[record["file"]] = data
        else:
            record = {"file": "bundle.json", "receipt": f"mutations/{name}.json", "what": what}
            files[record["receipt"]] = receipt_data
        index.append(record | {"exit": code, "findings": found})

    for name, (what, mutate) in CHANGES.items():
        changed = copy.deepcopy(bundle)
        mutate(changed)
        add(name, what, dumps(changed))
    for tamper, what in TAMPERED.items():
        add(f"signed-{tamper.replace('_', '-')}", what, dumps(meeting_log(tamper).bundle()))
    unprotocolled = meeting_log(stop="tally").bundle()
    unprotocolled["protocol_hash"] = PROTOCOL_PDF
    add("protocol-hash-without-protocol", "a protocol hash in a bundle whose log has no protocol entry",
        dumps(unprotocolled))
    for name, what, change in (
            ("receipt-signature", "the receipt's signature", lambda r: r.__setitem__("signature",
                                                                                   _flip(r["signature"]))),
            ("receipt-index", "the receipt's index", lambda r: r.__setitem__("index", r["index"] - 1)),
            ("receipt-root", "the receipt's tree head", lambda r: r["checkpoint"].__setitem__("root", "56" * 32)),
            ("receipt-ballot", "another ballot's hash", lambda r: r.__setitem__(
                "ballot_hash", _entries(bundle, "ballot")[0]["payload_hash"]))):
        changed_receipt = copy.deepcopy(receipt)
        change(changed_receipt)
        add(name, what, files["bundle.json"], dumps(changed_receipt))
    files["mutations/index.json"] = dumps(index)
    return files


def main() -> None:
    for path, data in build().items():
        target = HERE / path
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(data)
    sys.stdout.write(f"wrote {len(build())} files under {HERE}\n")


if __name__ == "__main__":
    main()
