"""Casting a signed ballot (FORMATS.md §5): check everything that needs no lock, then append under the meeting's
row lock with the database clock, commit, and only then sign the receipt. The same signed bytes return the same
receipt; a second ballot with a `seq` already taken is a conflict."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import gettext as _
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy import Row, Select, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from auth.keys import load_public_key, raw_to_der
from auth.models import DeviceKey, Proxy, User
from auth.policy import voting_rights
from ballots import chain, log
from ballots.canonical import CanonicalError, canonical
from ballots.chain import RECEIPT_TAG, receipt_body
from ballots.models import LogEntry, LogHead
from voting.core.errors import ConflictError, ForbiddenError, InvalidInputError, VotingError
from voting.core.extensions import db, write_transaction
from voting.core.server_key import server_key
from voting.domain.dossier import CHOICES
from voting.domain.schedule import reference
from voting.meetings.models import ElectronicOptOut, Meeting, MeetingDecision, MeetingForm
from voting.meetings.plan import local_today

BALLOT = "ballot"
TAG = log.PAYLOAD_TAGS[BALLOT]
HEX64 = validate.Regexp(r"^[0-9a-f]{64}$", error="must be 64 lowercase hex digits")


class BallotSchema(Schema):
    """The signed payload; unknown fields are refused (they would be signed but never checked)."""

    class Meta:
        unknown = RAISE

    type = fields.String(required=True, validate=validate.Equal(BALLOT))
    v = fields.Integer(required=True, strict=True, validate=validate.Equal(1))
    meeting_id = fields.Integer(required=True, strict=True)
    manifest_hash = fields.String(required=True, validate=HEX64)
    owner_id = fields.String(required=True, validate=validate.Length(1, 40))
    premises = fields.List(fields.String(validate=validate.Length(1, 20)), required=True,
                           validate=validate.Length(1, 100))
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 10)),
                          values=fields.String(validate=validate.OneOf(CHOICES)), required=True,
                          validate=validate.Length(min=1))
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))
    prev = fields.String(required=True, allow_none=True, validate=HEX64)
    key_id = fields.String(required=True, validate=validate.Length(1, 64))
    client_time = fields.AwareDateTime(required=True, format="iso")
    proxy = fields.String(validate=HEX64)  # the SHA-256 of the proxy document, when a representative votes


class SubmissionSchema(Schema):
    class Meta:
        unknown = RAISE

    payload = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(1, 200))


def _first_error(messages: Any, path: str) -> tuple[str, str]:
    """The first (path, message) of marshmallow's nested error dict."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        if key in ("value", "_schema"):  # {key: {"value": [...]}} for a dict's value, "_schema" for a nested whole
            return _first_error(value, path)
        return _first_error(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    return path, str(messages)


def load(schema: Schema, value: Any, prefix: str) -> Any:
    """The value as the schema loads it, or a 422 naming the first field in error (under `prefix`)."""
    try:
        return schema.load(value if isinstance(value, dict) else {})
    except ValidationError as error:
        field, message = _first_error(error.messages, prefix)
        raise InvalidInputError(f"{field}: {message}", field=field) from None


_SUBMISSION, _BALLOT = SubmissionSchema(), BallotSchema()  # stateless once made: made once


def parse(body: Any) -> tuple[dict[str, Any], bytes, bytes]:
    """The payload, its canonical (signed) bytes and the raw signature of a submission, or a 422 naming the field."""
    load(_SUBMISSION, body, "")
    message = signed_bytes(TAG, body["payload"])
    load(_BALLOT, body["payload"], "payload")
    if len(set(body["payload"]["premises"])) != len(body["payload"]["premises"]):
        raise InvalidInputError(_("payload.premises: помещение указано дважды"), field="payload.premises")
    return body["payload"], message, raw_signature(body["signature"])


def signed_bytes(tag: str, payload: Any) -> bytes:
    """The canonical bytes a payload is signed as, or a 422 naming the path of what RFC 8785 cannot write exactly
    (a float, a huge integer, a lone surrogate)."""
    try:
        return canonical(tag, payload)
    except CanonicalError as error:
        path, _colon, reason = str(error).partition(": ")
        field = path.replace("$", "payload", 1)
        raise InvalidInputError(f"{field}: {reason}", field=field) from None


def raw_signature(text: str) -> bytes:
    """A base64 signature's bytes, or a 422 naming `signature`."""
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInputError(_("signature: не base64"), field="signature") from None


def receipt(entry: LogEntry | log.Appended) -> dict[str, Any]:
    """The signed receipt of a ballot's entry; Ed25519 is deterministic, so asking again gives identical bytes."""
    return signed_receipt(receipt_of(entry))


def receipt_of(entry: LogEntry | log.Appended) -> dict[str, Any]:
    assert entry.ballot_hash is not None
    return receipt_body(entry.ballot_hash, entry.index, entry.entry_hash, entry.server_time, entry.root)


def signed_receipt(body: dict[str, Any]) -> dict[str, Any]:
    key = server_key()
    return body | {"signature": key.sign(canonical(RECEIPT_TAG, body)), "key_fingerprint": key.fingerprint}


def entry_by_hash(ballot_hash: str) -> LogEntry | None:
    return db.session.scalar(select(LogEntry).where(LogEntry.ballot_hash == ballot_hash))


@lru_cache(maxsize=256)
def manifest_facts(meeting_id: int, manifest_hash: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The agenda item ids and the (owner id, premises) pairs of a meeting's manifest, read once per process: the
    manifest entry never changes (the log is append-only), and its SHA-256 is part of the key."""
    manifest = manifest_of(meeting_id)
    return frozenset(item["id"] for item in manifest["agenda"]), frozenset(chain.register_owners(manifest))


def manifest_of(meeting_id: int) -> dict[str, Any]:
    entry = db.session.scalar(select(LogEntry).where(LogEntry.meeting_id == meeting_id, LogEntry.index == 0))
    if entry is None:
        raise ConflictError(_("Голосование по этому собранию ещё не открыто."))
    return json.loads(entry.payload)  # type: ignore[no-any-return]


def _binding(meeting_id: Any, key_id: Any, owner_id: Any) -> Select[str]:
    """The payload of the latest `key_registered` entry binding a key to an owner in this meeting's log."""
    return (select(LogEntry.payload).where(
        LogEntry.meeting_id == meeting_id, LogEntry.type == "key_registered", LogEntry.owner_ref == owner_id,
        LogEntry.bound_key == key_id).order_by(LogEntry.index.desc()).limit(1))


def bound_premises(meeting_id: int, key_id: str, owner_id: str) -> list[str]:
    """The premises a key may already sign for an owner in this meeting (none before its first entry for them)."""
    return _premises_of(db.session.scalar(_binding(meeting_id, key_id, owner_id)))


def _premises_of(binding: str | None) -> list[str]:
    return json.loads(binding)["premises"] if binding else []


def bind_key(head: LogHead, key_id: str, public_key: str, owner_id: str, premises: list[str], holder: str,
             at: datetime, name: str | None = None, proxy: dict[str, str] | None = None,
             bound: list[str] | None = None) -> None:
    """Record in the log, before a key's first entry for an owner, that the key may sign for them (and how: as the
    owner, as an officer keying in paper, or as a representative under the proxy {sha256, valid_until}); `bound`:
    the premises it is bound to already, when the caller has read them."""
    if bound is None:
        bound = bound_premises(head.meeting_id, key_id, owner_id)
    if set(premises) <= set(bound):
        return
    payload: dict[str, Any] = {"type": "key_registered", "key_id": key_id, "public_key": public_key,
                               "owner_id": owner_id, "premises": sorted(set(premises) | set(bound)),
                               "holder": holder}  # a premises proven since the last binding: bound again, wider
    if proxy is not None:
        payload["proxy"] = proxy | {"representative": name}
    elif name is not None:
        payload["name"] = name
    log.append_signed(head, "key_registered", payload, at, owner_ref=owner_id, bound_key=key_id)


def verify_signature(device_key: DeviceKey | Row[Any], message: bytes, signature: bytes) -> None:
    try:
        load_public_key(device_key.public_key).verify(raw_to_der(signature), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise InvalidInputError(_("Подпись не сходится с ключом и бюллетенем."), field="signature") from None


def active_key(user: User, key_id: str) -> DeviceKey:
    device_key = db.session.scalar(select(DeviceKey).where(DeviceKey.key_id == key_id))
    _refuse_unless_active(user, key_id, device_key)
    assert device_key is not None
    return device_key


def _refuse_unless_active(user: User, key_id: str, device_key: DeviceKey | Row[Any] | None) -> None:
    if device_key is None or device_key.user_id != user.id:
        raise ForbiddenError(_("Ключ %(key)s не принадлежит вашей учётной записи.", key=key_id), field="payload.key_id")
    if device_key.revoked_at is not None:
        raise ForbiddenError(_("Ключ %(key)s отозван.", key=key_id), field="payload.key_id")


# a test may make the process "crash" right after the commit, before the receipt is sent
after_commit: Callable[[log.Appended], None] | None = None


def submit(user: User, meeting: Meeting, body: Any) -> tuple[dict[str, Any], bool]:
    """Record a ballot and return its receipt, and whether it is new (False: the same ballot was sent before)."""
    payload, message, signature = parse(body)
    ballot_hash = hashlib.sha256(message).hexdigest()
    user_id = user.id
    try:
        device_key, proxy = _admissible(user, meeting, payload, message, signature)
        with write_transaction():
            entry = _append(meeting, payload, signature, ballot_hash, device_key, user, proxy)
            db.session.commit()
    except (VotingError, IntegrityError) as error:
        # refused (late, a seq taken, …) or a unique constraint hit: it may be this very ballot, recorded before or
        # by a parallel request, and the same bytes get the same receipt (looked for only here, off the hot path)
        db.session.rollback()
        existing = entry_by_hash(ballot_hash)
        if existing is not None:
            return receipt(existing), False
        if isinstance(error, IntegrityError):
            raise _seq_conflict(meeting.id, payload["owner_id"]) from None
        raise
    except Exception:
        db.session.rollback()  # release the lock before the error page is made
        raise
    if after_commit is not None:
        after_commit(entry)
    from voting.core import jobs

    jobs.run_after_commit("mail_receipt", entry_id=entry.id, user_id=user_id)
    return receipt(entry), True


def _admissible(user: User, meeting: Meeting, payload: dict[str, Any], message: bytes,
                signature: bytes) -> tuple[Row[Any], Proxy | None]:
    """The checks that need no lock: the meeting, its manifest, the signer's key and signature, the agenda, the
    register and the user's right to vote for the owner; the key, and the proxy the user votes under (or None)."""
    if payload["meeting_id"] != meeting.id:
        raise InvalidInputError(_("payload.meeting_id: бюллетень другого собрания"), field="payload.meeting_id")
    if meeting.form is not MeetingForm.ELECTRONIC:  # LEGAL.md §0: only a meeting held in the system votes in it
        raise ConflictError(_("В этом собрании голосуют письменными решениями: в системе голосуют только при заочном "
                              "голосовании с её использованием."), field="meeting", reason="not_electronic")
    owner_id = payload["owner_id"]
    standing = db.session.execute(_STANDING, {"meeting_id": meeting.id, "key_id": payload["key_id"],
                                              "owner": int(owner_id) if owner_id.isdigit() else -1}).first()
    if standing is None:
        raise ConflictError(_("Голосование по этому собранию ещё не открыто."))
    if payload["manifest_hash"] != standing.manifest_hash:
        raise InvalidInputError(_("payload.manifest_hash: не совпадает с манифестом собрания"),
                                field="payload.manifest_hash")
    if standing.opted_out is not None:
        raise ConflictError(refusal_text(meeting, standing.opted_out), field="payload.owner_id", reason="opted_out")
    _refuse_unless_active(user, payload["key_id"], standing if standing.key_id is not None else None)
    verify_signature(standing, message, signature)
    agenda, register = manifest_facts(meeting.id, standing.manifest_hash)
    unknown = sorted(set(payload["answers"]) - agenda)
    if unknown:
        raise InvalidInputError(_("payload.answers.%(item)s: такого вопроса нет в повестке", item=unknown[0]),
                                field=f"payload.answers.{unknown[0]}")
    rights = voting_rights(user, meeting.building, local_today(meeting, log.clock_time(standing.now)), meeting.id)
    proxies = set()
    for number in payload["premises"]:
        if (owner_id, number) not in register:
            raise ForbiddenError(_("Собственник %(owner)s не владеет помещением %(premises)s по реестру собрания.",
                                   owner=owner_id, premises=number), field="payload.premises")
        if (owner_id, number) not in rights:
            raise ForbiddenError(_("Вы не можете голосовать за собственника %(owner)s (помещение %(premises)s).",
                                   owner=owner_id, premises=number), field="payload.owner_id")
        proxies.add(rights[(owner_id, number)])
    if len(proxies) != 1:
        raise InvalidInputError(_("payload.premises: свои помещения и помещения по доверенности — разными бюллетенями"),
                                field="payload.premises")
    proxy = proxies.pop()
    if (proxy.scan_sha256 if proxy else None) != payload.get("proxy"):
        raise InvalidInputError(_("payload.proxy: укажите SHA-256 доверенности, по которой вы голосуете"),
                                field="payload.proxy")
    return standing, proxy


def refusal_text(meeting: Meeting, received_at: datetime) -> str:
    """Why the online ballot is closed to an owner who refused electronic voting in this meeting, naming the rule."""
    day = received_at.astimezone(ZoneInfo(meeting.building.timezone)).strftime("%d.%m.%Y")
    return _("Собственник отказался от голосования в системе на этом собрании (уведомление получено администратором "
             "%(day)s; %(reference)s): он голосует письменным решением — бланк выдаёт администратор, решение сдаётся "
             "по адресу: %(where)s.", day=day, reference=reference("electronic_opt_out_working_days_before_opening"),
             where=meeting.paper_address or "—")


def _seq_conflict(meeting_id: int, owner_id: str) -> ConflictError:
    last = last_ballot(meeting_id, owner_id)
    current = last.seq if last else 0
    return ConflictError(_("Этот бюллетень не следует за последним принятым (его номер %(seq)s): обновите страницу.",
                           seq=current), field="payload.seq", current_seq=current,
                         current_hash=last.ballot_hash if last else None)


def _owner_ballots(meeting_id: Any, owner_id: Any) -> Select[LogEntry]:
    return (select(LogEntry).where(LogEntry.meeting_id == meeting_id, LogEntry.type == BALLOT,
                                   LogEntry.owner_ref == owner_id).order_by(LogEntry.seq.desc()).limit(1))


def last_ballot(meeting_id: int, owner_id: str) -> LogEntry | None:
    return db.session.scalar(_owner_ballots(meeting_id, owner_id))


# built once, run with every ballot (the meeting, owner and key as bound parameters)
_STANDING = (  # before the lock, one round trip: the log head, the key (if any), the clock, the owner's refusal
    select(LogHead.manifest_hash, DeviceKey.key_id, DeviceKey.public_key, DeviceKey.user_id, DeviceKey.revoked_at,
           log.Clock().label("now"),
           select(ElectronicOptOut.received_at).where(ElectronicOptOut.meeting_id == bindparam("meeting_id"),
                                                      ElectronicOptOut.owner_id == bindparam("owner"))
           .scalar_subquery().label("opted_out"))
    .outerjoin(DeviceKey, DeviceKey.key_id == bindparam("key_id")).where(LogHead.meeting_id == bindparam("meeting_id")))
_last = _owner_ballots(bindparam("meeting_id"), bindparam("owner_id")).subquery()
_CHAIN = select(  # under the lock, one round trip: the clock, the owner's last ballot, the key's binding
    log.Clock().label("now"), select(_last.c.seq).scalar_subquery().label("seq"),
    select(_last.c.ballot_hash).scalar_subquery().label("prev"),
    _binding(bindparam("meeting_id"), bindparam("key_id"), bindparam("owner_id")).scalar_subquery().label("binding"))


def _append(meeting: Meeting, payload: dict[str, Any], signature: bytes, ballot_hash: str,
            device_key: DeviceKey | Row[Any], user: User, proxy: Proxy | None) -> log.Appended:
    """Under the lock: state, time, chain; then the entry (with the key's binding first) and the decisions. (A
    ballot committed by a parallel request while this one waited fails the chain check; `submit` then finds it.)"""
    head = log.lock_head(meeting.id)
    assert head is not None
    owner_id = payload["owner_id"]
    state = db.session.execute(_CHAIN, {"meeting_id": meeting.id, "owner_id": owner_id,
                                        "key_id": device_key.key_id}).one()
    now = log.clock_time(state.now)
    assert meeting.opens_at is not None and meeting.closes_at is not None
    if head.closed or now >= meeting.closes_at:
        raise ConflictError(_("Голосование закрыто: бюллетень не принят."), field="closes_at", reason="late")
    if now < meeting.opens_at:
        raise ConflictError(_("Голосование ещё не началось."), field="opens_at", reason="before_opening")
    if payload["seq"] != (state.seq or 0) + 1 or payload["prev"] != state.prev:
        raise _seq_conflict(meeting.id, owner_id)
    representative = None
    if proxy is not None:
        refuse_if_owner_voted(meeting.id, owner_id, "payload.proxy")
        representative = user.full_name or user.email
    bind_key(head, device_key.key_id, device_key.public_key, owner_id, payload["premises"],
             "representative" if proxy else "owner", now, representative,
             {"sha256": proxy.scan_sha256, "valid_until": proxy.valid_until.isoformat()} if proxy else None,
             bound=_premises_of(state.binding))
    entry = log.append(head, BALLOT, payload, base64.b64encode(signature).decode(), device_key.key_id, now,
                       ballot_hash=ballot_hash, owner_ref=owner_id, seq=payload["seq"])
    add_decisions(entry, payload, "online", now, user.id, representative, proxy.valid_until if proxy else None)
    db.session.flush()
    return entry


def refuse_if_owner_voted(meeting_id: int, owner_id: str, field: str) -> None:
    """An owner's own decision, online or on paper, revokes their proxies for the meeting (LEGAL.md §8)."""
    if db.session.scalar(select(MeetingDecision.id).where(
            MeetingDecision.meeting_id == meeting_id, MeetingDecision.owner_ref == owner_id,
            MeetingDecision.representative.is_(None)).limit(1)):
        raise ConflictError(_("Собственник проголосовал сам: доверенность на это собрание больше не действует."),
                            field=field)


_DECISIONS = db.metadata.tables[MeetingDecision.__tablename__]


def add_decisions(entry: log.Appended, payload: dict[str, Any], source: str, received_at: datetime,
                  user_id: int | None = None, representative: str | None = None,
                  proxy_valid_until: date | None = None) -> None:
    """The tally's rows for a ballot or paper decision just appended to the log: one per premises it names."""
    answers = json.dumps(payload["answers"], ensure_ascii=False, sort_keys=True)
    db.session.execute(insert(_DECISIONS), [  # Core, as the entry: nothing reads these rows back as objects
        {"meeting_id": entry.meeting_id, "owner_ref": payload["owner_id"], "premises": number,
         "received_at": received_at, "source": source, "answers": answers, "representative": representative,
         "proxy_valid_until": proxy_valid_until, "user_id": user_id, "log_index": entry.index}
        for number in payload["premises"]])
