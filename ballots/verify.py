"""`veche verify`: check an evidence bundle offline (no Flask, no database, no network) and re-tally it with the
same pure tally as the web (FORMATS.md §5). Every finding says what is wrong and where."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ballots import chain, merkle
from ballots.canonical import MAX_INTEGER, CanonicalError, canonical, canonical_read, jcs_read
from voting.domain import dossier as dossiers
from voting.domain.tally import tally, to_json

FORMAT = "oss-evidence/1"
ENTRY_FIELDS = ("index", "prev", "type", "payload_hash", "server_time", "key_id", "signature", "payload")
# every field a bundle may carry, and what binds it (docs/evidence.md §8); anything else is a finding: it would be
# believed by a reader, but no signature covers it
BUNDLE_FIELDS = frozenset({"format", "meeting_id", "server_keys", "manifest", "manifest_hash", "manifest_signature",
                           "entries", "owner_keys", "checkpoints", "tally", "protocol_hash"})
OPTIONAL_ENTRY_FIELDS = frozenset({"entry_hash"})
CHECKPOINT_FIELDS = frozenset({"meeting_id", "size", "root", "at", "signature"})
SERVER_KEY_FIELDS = frozenset({"algorithm", "public_key", "fingerprint"})
PDF_EVIDENCE_KEY = "/VecheEvidenceSHA256"  # the protocol PDF's metadata: the SHA-256 printed on its first page
HOLDERS = ("owner", "representative", "officer")
AFTER_CLOSE = {"close": {"paper_decision", "key_registered", "tally", "protocol"}, "tally": {"protocol"}}


class MalformedError(ValueError):
    """The input is not an evidence bundle at all (exit 2): `path` says where."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class Finding:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    result: dict[str, Any] | None = None
    entries: int = 0
    ballots: int = 0
    paper: int = 0
    receipt: dict[str, Any] | None = None  # with --receipt: the inclusion proofs of its entry

    def add(self, where: str, what: str) -> None:
        self.findings.append(Finding(where, what))

    @property
    def valid(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "entries": self.entries, "ballots": self.ballots, "paper_decisions": self.paper,
                "findings": [{"where": f.where, "what": f.what} for f in self.findings], "result": self.result} | (
                    {"receipt": self.receipt} if self.receipt is not None else {})


# --- reading ------------------------------------------------------------------------------------------------

def _no_float(text: str) -> Any:
    raise MalformedError("$", f"floats are not allowed ({text})")


def _exact_integer(text: str) -> int:
    number = int(text)
    if abs(number) > MAX_INTEGER:
        raise MalformedError("$", f"integers beyond ±2^53−1 are not exact in RFC 8785 ({text})")
    return number


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dossiers.unique_keys(pairs, lambda message: MalformedError("$", message))


def loads(data: bytes) -> dict[str, Any]:
    """A bundle from JSON, or from a protocol PDF that carries one as an attachment."""
    if data.startswith(b"%PDF"):
        data = read_pdf(data)[0]
    try:
        bundle = json.loads(data, parse_float=_no_float, parse_int=_exact_integer,
                            object_pairs_hook=_unique_keys)
    except MalformedError:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedError("$", f"not valid JSON ({error})") from None
    _shape(bundle)
    return bundle  # type: ignore[no-any-return]


def read_pdf(data: bytes) -> tuple[bytes, str | None]:
    """The evidence attachment of a protocol PDF, and the bundle SHA-256 the protocol says it carries."""
    import io

    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a dependency; a broken install still gets a clear message
        raise MalformedError("$", "reading a PDF needs pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = reader.attachments
        printed = reader.metadata.get(PDF_EVIDENCE_KEY) if reader.metadata else None
    except Exception as error:
        raise MalformedError("$", f"unreadable PDF ({error})") from None
    for name, contents in attachments.items():
        if name.endswith(".json") and contents:
            return contents[0], str(printed) if printed else None
    raise MalformedError("$", "the PDF carries no evidence bundle attachment")


def verify_file(data: bytes, receipt: bytes | None = None) -> Report:
    """Verify a bundle, or a protocol PDF: its bundle, and that the bundle is the one the protocol names; with a
    receipt, also that the receipt's ballot is in that bundle's log."""
    checked = load_receipt(receipt) if receipt is not None else None
    pdf = data.startswith(b"%PDF")
    printed = None
    if pdf:
        data, printed = read_pdf(data)
    bundle = loads(data)
    report = verify(bundle)
    actual = hashlib.sha256(data).hexdigest()
    if pdf and printed != actual:
        report.add("pdf", f"the protocol names evidence {printed}, but carries {actual}")
    if checked is not None:
        report.receipt = check_receipt(bundle, checked, report)
    return report


def _require(value: Any, path: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise MalformedError(path, f"must be {names}")
    return value


def _shape(bundle: Any) -> None:
    """The structure every later check relies on; anything else is malformed input."""
    _require(bundle, "$", dict)
    if bundle.get("format") != FORMAT:
        raise MalformedError("format", f"must be {FORMAT!r}")
    for key, kind in (("server_keys", list), ("manifest", dict), ("entries", list), ("checkpoints", list),
                      ("owner_keys", list), ("manifest_hash", str)):
        _require(bundle.get(key), key, kind)
    if not bundle["entries"]:
        raise MalformedError("entries", "the log is empty")
    for i, entry in enumerate(bundle["entries"]):
        _require(entry, f"entries[{i}]", dict)
        for key in ENTRY_FIELDS:
            if key not in entry:
                raise MalformedError(f"entries[{i}].{key}", "missing")
        _require(entry["index"], f"entries[{i}].index", int)
        _require(entry["payload"], f"entries[{i}].payload", dict)
        for key in ("prev", "type", "payload_hash", "server_time", "key_id", "signature"):
            _require(entry[key], f"entries[{i}].{key}", str)
    for i, point in enumerate(bundle["checkpoints"]):
        _require(point, f"checkpoints[{i}]", dict)
        _require(point.get("size"), f"checkpoints[{i}].size", int)
        for key in ("root", "at", "signature"):
            _require(point.get(key), f"checkpoints[{i}].{key}", str)
    for i, key in enumerate(bundle["server_keys"]):
        _require(key, f"server_keys[{i}]", dict)
        _require(key.get("public_key"), f"server_keys[{i}].public_key", str)


# --- signatures -----------------------------------------------------------------------------------------------

def _ed25519(public_b64: str, signature_b64: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64, validate=True)).verify(
            base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _ecdsa(public: ec.EllipticCurvePublicKey, signature_b64: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(signature_b64, validate=True)
        if len(raw) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _device_key(spki_b64: str) -> ec.EllipticCurvePublicKey | None:
    try:
        key = serialization.load_der_public_key(base64.b64decode(spki_b64, validate=True))
    except (ValueError, binascii.Error):
        return None
    return key if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1) else None


# --- the checks -----------------------------------------------------------------------------------------------

@dataclass
class _Binding:
    index: int
    public: ec.EllipticCurvePublicKey | None
    premises: set[str]
    payload: dict[str, Any]


@dataclass
class _State:
    """What the walk over the log has learnt so far."""

    server: dict[str, str]
    manifest_hash: str
    register: dict[tuple[str, str], dict[str, Any]]
    agenda: set[str]
    meeting_id: Any
    bindings: dict[tuple[str, str], _Binding] = field(default_factory=dict)  # (key id, owner) → binding
    revoked: dict[str, int] = field(default_factory=dict)  # key id → index of its revocation
    chains: dict[str, tuple[int, str]] = field(default_factory=dict)  # owner → (last seq, last ballot hash)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    after: str | None = None  # "close" or "tally" once seen
    hashes: list[str] = field(default_factory=list)  # every entry's hash, in order
    # the entries' signatures, checked after the walk on every core: (check, where, what it means if it fails)
    signatures: list[tuple[Callable[[], bool], str, str]] = field(default_factory=list)


def verify(bundle: dict[str, Any]) -> Report:
    """Every check of FORMATS.md §5, then the re-tally compared with the tally entry and the bundle's tally."""
    report = Report(entries=len(bundle["entries"]))
    server = {}
    for i, key in enumerate(bundle["server_keys"]):
        try:
            raw = base64.b64decode(key["public_key"], validate=True)
        except (ValueError, binascii.Error):
            report.add(f"server_keys[{i}].public_key", "not base64")
            continue
        fingerprint = hashlib.sha256(raw).hexdigest()
        if key.get("fingerprint") not in (None, fingerprint):
            report.add(f"server_keys[{i}].fingerprint", "does not match the key")
        if key.get("algorithm", "Ed25519") != "Ed25519":
            report.add(f"server_keys[{i}].algorithm", "server keys are Ed25519")
        _unbound(key, SERVER_KEY_FIELDS, f"server_keys[{i}]", report)
        server[fingerprint] = key["public_key"]
    _unbound(bundle, BUNDLE_FIELDS, "", report)
    manifest = bundle["manifest"]
    entries = bundle["entries"]
    try:
        manifest_bytes = canonical_read(chain.PAYLOAD_TAGS["manifest"], manifest)
    except CanonicalError as error:
        raise MalformedError("manifest", str(error)) from None
    manifest_hash = hashlib.sha256(manifest_bytes).hexdigest()
    if entries[0]["type"] != "manifest" or entries[0]["payload"] != manifest:
        report.add("entries[0]", "the log does not start with the bundle's manifest")
    if bundle["manifest_hash"] != manifest_hash:
        report.add("manifest_hash", "does not match the manifest")
    if not any(_ed25519(k, bundle.get("manifest_signature", ""), manifest_bytes)
               for k in server.values()):
        report.add("manifest_signature", "not a valid server signature over the manifest")
    try:
        register = chain.register_owners(manifest)
        agenda = {item["id"] for item in manifest["agenda"]}
        closes_at = datetime.fromisoformat(manifest["meeting"]["closes_at"])
        opens_at = datetime.fromisoformat(manifest["meeting"]["opens_at"])
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedError("manifest", f"not a meeting manifest ({error})") from None
    if bundle.get("meeting_id") != manifest.get("meeting_id"):
        report.add("meeting_id", "differs from the manifest's meeting_id")
    _register(manifest, report)
    state = _State(server, manifest_hash, register, agenda, manifest.get("meeting_id"))
    _walk(entries, state, report, opens_at, closes_at)
    _check_signatures(state.signatures, report)
    _checkpoints(bundle, report, state.hashes)
    _copies(bundle, report)
    _retally(bundle, manifest, state, report)
    return report


def _unbound(document: dict[str, Any], known: frozenset[str], where: str, report: Report) -> None:
    """Fields no signature covers: a reader would believe them, so they must not be there."""
    for key in sorted(set(document) - known):
        report.add(f"{where}.{key}" if where else key, "not a field of oss-evidence/1: nothing signed binds it")


def register_hash(manifest: dict[str, Any]) -> str:
    """The SHA-256 of the register as frozen at opening (no tag line): JCS of {"register", "total_votes"}, each owner
    with its `document` (null when the manifest has none) and its `weight` (area × share, a reduced fraction)."""
    register = [premises | {"owners": [owner | {"document": owner.get("document"),
                                                "weight": str(Fraction(premises["area"]) * Fraction(owner["share"]))}
                                       for owner in premises["owners"]]} for premises in manifest["register"]]
    return hashlib.sha256(jcs_read({"register": register, "total_votes": manifest.get("total_votes")})).hexdigest()


def _register(manifest: dict[str, Any], report: Report) -> None:
    """The manifest's register hash and total votes, recomputed from its register."""
    try:
        hashed = register_hash(manifest)
        total = sum((Fraction(p["area"]) for p in manifest["register"]), start=Fraction(0))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return  # the recount names what is wrong with the register
    if manifest.get("register_hash") != hashed:
        report.add("manifest.register_hash", f"is not the hash of the manifest's register ({hashed})")
    if manifest.get("total_votes") != _two_places(total):
        report.add("manifest.total_votes", f"is not the sum of the register's areas ({_two_places(total)})")


def _two_places(value: Fraction) -> str:
    """A sum of areas (each to the cent) as the manifest writes it."""
    cents = int(value * 100)
    return f"{cents // 100}.{cents % 100:02d}"


def _copies(bundle: dict[str, Any], report: Report) -> None:
    """The bundle's conveniences are copies of what the log signs: owner keys, the tally and the protocol's hash."""
    entries = bundle["entries"]
    keys: dict[str, Any] = {}
    for entry in entries:
        if entry["type"] == "key_registered":
            keys[str(entry["payload"].get("key_id"))] = entry["payload"].get("public_key")
    expected = [{"key_id": k, "algorithm": "ECDSA-P256-SHA256", "public_key": v} for k, v in sorted(keys.items())]
    if bundle["owner_keys"] != expected:
        report.add("owner_keys", "not the keys the log's key_registered entries register")
    tally_ = next((e["payload"] for e in reversed(entries) if e["type"] == "tally"), None)
    if bundle.get("tally") != tally_:
        report.add("tally", "not the payload of the log's tally entry" if tally_ else "there is no tally entry")
    protocol = next((e["payload"] for e in reversed(entries) if e["type"] == "protocol"), None)
    if bundle.get("protocol_hash") != (protocol.get("sha256") if protocol else None):
        report.add("protocol_hash", "not the sha256 of the log's protocol entry" if protocol
                   else "there is no protocol entry: it must be null")


def _walk(entries: list[dict[str, Any]], state: _State, report: Report, opens_at: datetime,
          closes_at: datetime) -> None:
    prev, last_time = chain.GENESIS, ""
    for position, entry in enumerate(entries):
        where = f"entries[{position}]"
        kind, payload = entry["type"], entry["payload"]
        _unbound(entry, frozenset(ENTRY_FIELDS) | OPTIONAL_ENTRY_FIELDS, where, report)
        if entry["index"] != position:
            report.add(f"{where}.index", f"is {entry['index']}, expected {position} (an entry dropped, added or moved)")
        if entry["prev"] != prev:
            report.add(f"{where}.prev", "does not name the previous entry's hash (the chain is broken)")
        try:
            body = canonical_read(chain.payload_tag(kind), payload)  # hashed here, and the signed message below
        except CanonicalError as error:
            raise MalformedError(f"{where}.payload", str(error)) from None
        if entry["payload_hash"] != hashlib.sha256(body).hexdigest():
            report.add(f"{where}.payload_hash", "does not match the payload (the payload was changed)")
        hashed = chain.entry_hash(chain.entry_core(entry["index"], entry["prev"], kind, entry["payload_hash"],
                                                   entry["server_time"]), canonical_read)
        if entry.get("entry_hash") not in (None, hashed):
            report.add(f"{where}.entry_hash", "does not match the entry")
        prev = hashed
        state.hashes.append(hashed)
        if entry["server_time"] < last_time:
            report.add(f"{where}.server_time", "earlier than the entry before it")
        last_time = max(last_time, entry["server_time"])
        if kind != "tally" and payload.get("type") != kind:  # a tally entry's payload is an oss-result/1
            report.add(f"{where}.payload.type", f"is {payload.get('type')!r} in a {kind} entry")
        if state.after and kind not in AFTER_CLOSE[state.after]:
            report.add(where, f"a {kind} entry after the {state.after} entry")
        if kind in chain.SIGNED_BY_SERVER:
            public = state.server.get(entry["key_id"])
            unsigned = f"{where}.signature", f"not a valid server signature over the {kind} entry"
            if public is None:
                report.add(*unsigned)
            else:
                state.signatures.append((partial(_ed25519, public, entry["signature"], body), *unsigned))
        if kind == "manifest" and position != 0:
            report.add(where, "a second manifest")
        elif kind == "key_registered":
            _key_registered(payload, where, report)
            state.bindings[(str(payload.get("key_id")), str(payload.get("owner_id")))] = _Binding(
                position, _device_key(str(payload.get("public_key"))), set(_strings(payload.get("premises"))), payload)
        elif kind == "key_revoked":
            state.revoked.setdefault(str(payload.get("key_id")), position)
        elif kind in chain.SIGNED_BY_KEYS:
            _decision(entry, body, where, position, state, report, opens_at, closes_at)
        elif kind in ("close", "tally"):
            if kind == "close":
                _close(payload, where, entries[:position], closes_at, report)
            elif state.after != "close":
                report.add(where, "a tally entry before the close entry")
            state.after = kind
        elif kind == "protocol":
            if state.after != "tally":
                report.add(where, "a protocol entry before the tally entry")
            _protocol_signatures(payload, where, state.server, report)
        elif kind != "manifest":
            report.add(f"{where}.type", f"unknown entry type {kind!r}")
    report.ballots = sum(1 for e in entries if e["type"] == "ballot")
    report.paper = sum(1 for e in entries if e["type"] == "paper_decision")


def _strings(value: Any) -> list[str]:
    """A list of premises numbers, or none (then the entry's premises are reported missing)."""
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else []


def _key_registered(payload: dict[str, Any], where: str, report: Report) -> None:
    """A binding names its key by the key's own id, and one of the three kinds of holder."""
    spki = payload.get("public_key")
    if not isinstance(spki, str) or not _is_base64(spki) or payload.get("key_id") != hashlib.sha256(
            base64.b64decode(spki)).hexdigest()[:32]:
        report.add(f"{where}.payload.key_id", "not the first 32 hex digits of the SHA-256 of the public key")
    if payload.get("holder") not in HOLDERS:
        report.add(f"{where}.payload.holder", f"is {payload.get('holder')!r}, not one of {', '.join(HOLDERS)}")


def _close(payload: dict[str, Any], where: str, before: list[dict[str, Any]], closes_at: datetime,
           report: Report) -> None:
    """The close entry counts the ballots before it and names the manifest's closing instant."""
    ballots = sum(1 for e in before if e["type"] == "ballot")
    if payload.get("ballots") != ballots:
        report.add(f"{where}.payload.ballots", f"says {payload.get('ballots')!r}, the log has {ballots} ballots")
    try:
        same = datetime.fromisoformat(str(payload.get("closes_at"))) == closes_at
    except ValueError:
        same = False
    if not same:
        report.add(f"{where}.payload.closes_at", "not the manifest's closing instant")


def _check_signatures(checks: list[tuple[Callable[[], bool], str, str]], report: Report) -> None:
    """Run the checks in one slice per core (the signature arithmetic releases the GIL), and report the failures in
    log order."""
    slices = max(1, min(os.cpu_count() or 1, len(checks) // 500))
    size = max(1, -(-len(checks) // slices))
    parts = [checks[i:i + size] for i in range(0, len(checks), size)]
    with ThreadPoolExecutor(max_workers=slices) as pool:
        passed = [ok for part in pool.map(lambda part: [check() for check, _w, _m in part], parts) for ok in part]
    for ok, (_check, where, what) in zip(passed, checks, strict=True):
        if not ok:
            report.add(where, what)


def _protocol_signatures(payload: dict[str, Any], where: str, server: dict[str, str], report: Report) -> None:
    """Each signer's signature over the protocol's hash, their role and name: an officer's device key (a handwritten
    signature: the keying officer's, over that and the scan's hash and their name), or the system operator's server
    key (over that and the operator's qualified signature, when it carries one)."""
    signatures = payload.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        report.add(f"{where}.payload.signatures", "the protocol entry names no signatures")
        return
    for i, signed in enumerate(signatures):
        if not isinstance(signed, dict):
            report.add(f"{where}.payload.signatures[{i}]", "not an object")
            continue
        body = canonical(chain.PROTOCOL_TAG,
                         chain.protocol_signature(payload.get("meeting_id"), payload.get("sha256"), signed))
        if signed.get("role") == "operator":
            public = server.get(str(signed.get("key_id")))
            valid = public is not None and _ed25519(public, str(signed.get("signature")), body)
        else:
            device = _device_key(str(signed.get("public_key")))
            valid = device is not None and _ecdsa(device, str(signed.get("signature")), body)
        if not valid:
            report.add(f"{where}.payload.signatures[{i}]", f"not a valid signature of the {signed.get('role')} "
                                                            "over the protocol's hash")


def _decision(entry: dict[str, Any], body: bytes, where: str, position: int, state: _State, report: Report,
              opens_at: datetime, closes_at: datetime) -> None:
    """A ballot or paper decision: its signer, what it answers, and (ballots) its place in the owner's chain."""
    payload, kind = entry["payload"], entry["type"]
    owner = str(payload.get("owner_id"))
    premises = _strings(payload.get("premises"))
    binding = state.bindings.get((entry["key_id"], owner))
    if binding is None:
        report.add(f"{where}.key_id", f"the key is not registered for owner {owner} before this entry")
    elif (binding.payload.get("holder") == "officer") != (kind == "paper_decision"):
        report.add(f"{where}.key_id", f"the key was registered as {binding.payload.get('holder')}, not for a {kind}")
    elif not binding.premises >= set(premises):
        report.add(f"{where}.payload.premises", "outside what the key was registered to sign for")
    if entry["key_id"] in state.revoked and state.revoked[entry["key_id"]] < position:
        report.add(f"{where}.key_id", "the key was revoked before this entry")
    unsigned = f"{where}.signature", f"not a valid signature of key {entry['key_id']} over the {kind}"
    if binding is None or binding.public is None:
        report.add(*unsigned)
    else:
        state.signatures.append((partial(_ecdsa, binding.public, entry["signature"], body), *unsigned))
    if payload.get("key_id") != entry["key_id"]:
        report.add(f"{where}.payload.key_id", "differs from the key that signed the entry")
    if payload.get("meeting_id") != state.meeting_id:
        report.add(f"{where}.payload.meeting_id", "not this meeting's id")
    if len(set(premises)) != len(premises):
        report.add(f"{where}.payload.premises", "a premises named twice")
    if payload.get("manifest_hash") != state.manifest_hash:
        report.add(f"{where}.payload.manifest_hash", "does not name this meeting's manifest")
    if not premises:
        report.add(f"{where}.payload.premises", "no premises")
    for number in premises:
        if (owner, number) not in state.register:
            report.add(f"{where}.payload.premises", f"owner {owner} holds no premises {number} in the manifest")
    answers = payload.get("answers") if isinstance(payload.get("answers"), dict) else {}
    for item, answer in answers.items():
        marks = answer if isinstance(answer, list) and kind == "paper_decision" else [answer]
        if item not in state.agenda or not marks or any(m not in dossiers.CHOICES for m in marks):
            report.add(f"{where}.payload.answers.{item}", "not an agenda item with a valid choice")
    representative = None
    if kind == "ballot":
        received_at = entry["server_time"]
        seq, prev = state.chains.get(owner, (0, None))
        if payload.get("seq") != seq + 1 or payload.get("prev") != prev:
            report.add(f"{where}.payload.seq", f"breaks owner {owner}'s chain (expected seq {seq + 1} after {prev})")
        state.chains[owner] = (payload.get("seq") if isinstance(payload.get("seq"), int) else seq + 1,
                               entry["payload_hash"])
        if state.after is not None:
            report.add(where, f"a ballot after the {state.after} entry")
        try:
            instant = datetime.fromisoformat(received_at)
        except ValueError:
            raise MalformedError(f"{where}.server_time", "not an RFC 3339 instant") from None
        if not opens_at <= instant < closes_at:
            report.add(f"{where}.server_time", "a ballot recorded outside the voting window")
        proxy = binding.payload.get("proxy") if binding else None
        if (proxy or {}).get("sha256") != payload.get("proxy"):
            report.add(f"{where}.payload.proxy", "does not match the proxy the key was registered with")
        if proxy:
            representative = {"name": proxy.get("representative") or "", "proxy_valid_until": proxy.get("valid_until")}
        source = "online"
    else:
        received_at = payload.get("received_at")
        representative = payload.get("representative")
        source = "paper"
        if payload.get("check_of") is not None:
            return  # a second keying of the same page checks the first; it is not counted again
    for number in premises:
        state.decisions.append({"owner": owner, "premises": number, "received_at": received_at, "source": source,
                                "answers": answers, **({"representative": representative} if representative else {})})


def _checkpoints(bundle: dict[str, Any], report: Report, hashes: list[str]) -> None:
    """Every checkpoint is signed and matches the tree of the entries it covers; the last one covers them all."""
    entries, points = bundle["entries"], bundle["checkpoints"]
    if not points:
        report.add("checkpoints", "no signed checkpoint")
        return
    wanted = {p["size"]: i for i, p in enumerate(points)}
    frontier: chain.Frontier = []
    server = [k["public_key"] for k in bundle["server_keys"]]
    for position, hashed in enumerate(hashes, start=1):
        frontier = chain.push(frontier, hashed)
        if position in wanted:
            point = points[wanted[position]]
            if point["root"] != chain.root(frontier):
                report.add(f"checkpoints[{wanted[position]}].root", f"not the root of the first {position} entries")
    meeting_id = bundle["manifest"].get("meeting_id")  # a checkpoint signs the manifest's meeting id
    for i, point in enumerate(points):
        _unbound(point, CHECKPOINT_FIELDS, f"checkpoints[{i}]", report)
        if point.get("meeting_id", meeting_id) != meeting_id:
            report.add(f"checkpoints[{i}].meeting_id", "differs from the manifest's meeting_id")
        body = chain.checkpoint_body(meeting_id, point["size"], point["root"], point["at"])
        if not any(_ed25519(k, point["signature"], canonical(chain.CHECKPOINT_TAG, body)) for k in server):
            report.add(f"checkpoints[{i}].signature", "not a valid server signature over the checkpoint")
        if point["size"] > len(entries) or point["size"] < 1:
            report.add(f"checkpoints[{i}].size", f"{point['size']} entries, but the log has {len(entries)}")
    final = max(points, key=lambda p: p["size"])
    if final["size"] != len(entries):
        report.add("checkpoints", f"the final checkpoint covers {final['size']} entries, the log has {len(entries)}")


def _retally(bundle: dict[str, Any], manifest: dict[str, Any], state: _State, report: Report) -> None:
    """Recount from the manifest and the decisions of the log; compare with the tally entry and the bundle's."""
    document = {"format": dossiers.FORMAT, "building": manifest.get("building"), "meeting": manifest.get("meeting"),
                "register": manifest.get("register"), "agenda": manifest.get("agenda"), "decisions": state.decisions}
    try:
        result = to_json(tally(dossiers.parse(document)))
    except dossiers.DossierError as error:
        report.add(f"manifest/decisions: {error.args[0] if error.args else ''}", "cannot be recounted")
        return
    report.result = result
    for i, (item, counted) in enumerate(zip(manifest["agenda"], result["items"], strict=True)):
        if item.get("rule") != counted["rule"]:  # the rule comes from the subject and the notice date, not the manifest
            report.add(f"manifest.agenda[{i}].rule", f"says {item.get('rule')!r}, the law on the notice date gives "
                                                     f"{counted['rule']!r}")
    recorded = [e["payload"] for e in bundle["entries"] if e["type"] == "tally"]
    if not recorded:
        return
    for where, claimed in (("tally entry", recorded[-1]), ("tally", bundle.get("tally"))):
        for path, mine, theirs in _differences(result, claimed, ""):
            report.add(f"{where}{path}", f"says {theirs!r}, the recount gives {mine!r}")


def _differences(mine: Any, theirs: Any, path: str) -> list[tuple[str, Any, Any]]:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        return [d for key in sorted(set(mine) | set(theirs))
                for d in _differences(mine.get(key), theirs.get(key), f"{path}.{key}")]
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(mine, theirs, strict=True))
                for d in _differences(a, b, f"{path}[{i}]")]
    return [] if mine == theirs else [(path, mine, theirs)]


# --- receipts -------------------------------------------------------------------------------------------------

RECEIPT_FIELDS = ("ballot_hash", "tracker", "index", "entry_hash", "received_at", "checkpoint", "signature",
                  "key_fingerprint")


def load_receipt(data: bytes) -> dict[str, Any]:
    """A receipt as the receipt page downloads it (docs/evidence.md §9), or MalformedError naming the field."""
    try:
        receipt = json.loads(data, parse_float=_no_float, parse_int=_exact_integer, object_pairs_hook=_unique_keys)
    except MalformedError as error:
        raise MalformedError("receipt", str(error)) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedError("receipt", f"not valid JSON ({error})") from None
    _require(receipt, "receipt", dict)
    for key in RECEIPT_FIELDS:
        if key not in receipt:
            raise MalformedError(f"receipt.{key}", "missing")
    _require(receipt["index"], "receipt.index", int)
    _require(receipt["checkpoint"], "receipt.checkpoint", dict)
    _require(receipt["checkpoint"].get("size"), "receipt.checkpoint.size", int)
    for key in ("ballot_hash", "tracker", "entry_hash", "received_at", "signature", "key_fingerprint"):
        _require(receipt[key], f"receipt.{key}", str)
    _require(receipt["checkpoint"].get("root"), "receipt.checkpoint.root", str)
    return receipt  # type: ignore[no-any-return]


def check_receipt(bundle: dict[str, Any], receipt: dict[str, Any], report: Report) -> dict[str, Any]:
    """The receipt's server signature, its ballot at its index, and RFC 6962 inclusion proofs of that entry under the
    receipt's tree head and under the final signed checkpoint; the proofs, for the report."""
    body = {key: receipt[key] for key in RECEIPT_FIELDS if key not in ("signature", "key_fingerprint")}
    public = {hashlib.sha256(base64.b64decode(k["public_key"])).hexdigest(): k["public_key"]
              for k in bundle["server_keys"] if _is_base64(k["public_key"])}
    key = public.get(receipt["key_fingerprint"])
    if key is None:
        report.add("receipt.key_fingerprint", "not a server key of the bundle")
    elif not _ed25519(key, receipt["signature"], canonical_read(chain.RECEIPT_TAG, body)):
        report.add("receipt.signature", "not a valid server signature over the receipt")
    if receipt["tracker"] != chain.tracker(receipt["ballot_hash"]):
        report.add("receipt.tracker", "not the ballot hash's tracker")
    entries, index = bundle["entries"], receipt["index"]
    if not 0 <= index < len(entries):
        report.add("receipt.index", f"the log has no entry {index}")
        return {}
    entry = entries[index]
    hashed = chain.entry_hash(chain.entry_core(entry["index"], entry["prev"], entry["type"], entry["payload_hash"],
                                               entry["server_time"]), canonical_read)
    for field_, mine, theirs in (("entry_hash", hashed, receipt["entry_hash"]),
                                 ("ballot_hash", entry["payload_hash"], receipt["ballot_hash"]),
                                 ("received_at", entry["server_time"], receipt["received_at"])):
        if mine != theirs:
            report.add(f"receipt.{field_}", f"entry {index} of the log has {mine}")
    if entry["type"] != "ballot":
        report.add("receipt.index", f"entry {index} is a {entry['type']} entry, not a ballot")
    leaves = [bytes.fromhex(chain.entry_hash(chain.entry_core(e["index"], e["prev"], e["type"], e["payload_hash"],
                                                              e["server_time"]), canonical_read)) for e in entries]
    proofs = {}
    heads = [("receipt.checkpoint", receipt["checkpoint"].get("size"), receipt["checkpoint"].get("root"))]
    if bundle["checkpoints"]:
        final = max(bundle["checkpoints"], key=lambda p: p["size"])
        heads.append(("checkpoints (final)", final["size"], final["root"]))
    for where, size, root in heads:
        if not isinstance(size, int) or not index < size <= len(leaves):
            report.add(f"{where}.size", f"{size}: cannot hold entry {index} of a log of {len(leaves)}")
            continue
        path = merkle.inclusion_proof(leaves[:size], index)
        reached = merkle.root_from_inclusion(index, size, leaves[index], path)
        if not _is_hex(root) or reached != bytes.fromhex(root):
            report.add(f"{where}.root", f"entry {index} is not included under this root of {size} entries")
        proofs[where] = {"size": size, "root": root, "path": [node.hex() for node in path]}
    if receipt["checkpoint"].get("size") != index + 1:
        report.add("receipt.checkpoint.size", "a receipt names the tree head just after its entry (index + 1)")
    return proofs


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def _is_hex(text: Any) -> bool:
    return isinstance(text, str) and len(text) == 64 and all(c in "0123456789abcdef" for c in text)
