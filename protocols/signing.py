"""Who signs a protocol, in what order, and the signatures themselves (LEGAL.md §1, §5, §6).

A meeting held in the system (the electronic form) has one signer, the system operator: when the administrator hands
the final protocol over, the server signs its SHA-256 with its own key, and where the operator's qualified signature
(УКЭП) is configured (`OPERATOR_QUALIFIED_SIGNER`, a "module:function" given the PDF and its SHA-256, answering
{"format", "signature", ...} as text) that signature is kept in what the server signs. For the paper forms, the chair
signs first, then the secretary, then the counting commission (without a commission, the initiator);
a protocol creating a ТСЖ is also signed by every owner who voted for it. Each signs the protocol's SHA-256 with
their device key in the browser (tag OSS-PROTOCOL-v1), or signs the printed protocol by hand: then the administrator
or a counting-commission member keys the signature in with the scan of the signed page, and signs that (the scan's
SHA-256 and their own name included) with their device key. When the last has signed, the `protocol` entry (the PDF's
hash, the bundle's hash and every signature) is appended to the meeting's log, and the meeting becomes `signed`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import import_string

from auth.models import OwnershipLink, StaffRole, User
from ballots import log
from ballots.canonical import canonical
from ballots.casting import active_key, verify_signature
from ballots.chain import PROTOCOL_SIGNED_FIELDS, PROTOCOL_TAG, protocol_signature
from ballots.models import LogHead, PaperScan
from protocols.document import tallied
from protocols.models import Protocol, ProtocolSignature, RenderState
from registry.models import Ownership
from voting.core.errors import ConflictError, ForbiddenError, InvalidInputError
from voting.core.extensions import db, write_transaction
from voting.core.labels import russian
from voting.core.server_key import server_key
from voting.domain.dossier import Dossier
from voting.domain.rules import subject
from voting.domain.tally import Result, choice
from voting.meetings.models import Meeting, MeetingDecision, MeetingForm, MeetingState

RANKS = {"operator": 0, "chair": 0, "secretary": 1, "counter": 2, "initiator": 3, "owner": 4}
Signed = tuple[str, str, str]  # key id, public key, signature (base64)


def _owner_users(owner_ids: set[int]) -> dict[int, set[int]]:
    users: dict[int, set[int]] = {owner: set() for owner in owner_ids}
    for owner, user in db.session.execute(select(Ownership.owner_id, OwnershipLink.user_id).join(
            OwnershipLink, OwnershipLink.ownership_id == Ownership.id).where(
            Ownership.owner_id.in_(owner_ids), OwnershipLink.ended_at.is_(None))):
        users[owner].add(user)
    return users


def required(meeting: Meeting, counted: tuple[Dossier, Result] | None = None) -> list[dict[str, Any]]:
    """The signers of the protocol in signing order: role, title, name and the accounts that may sign for it
    (`counted`: the meeting's dossier and tally, when the caller has them)."""
    if meeting.form is MeetingForm.ELECTRONIC:
        return [{"role": "operator", "name": current_app.config["OPERATOR_NAME"], "user_ids": [],
                 "title": russian("operator", "signer_role"), "rank": RANKS["operator"]}]
    officers = sorted(meeting.officers, key=lambda o: (RANKS[o.role.value], o.id))
    signers: list[dict[str, Any]] = [
        {"role": o.role.value, "name": o.name, "user_ids": [o.user_id] if o.user_id else []} for o in officers]
    if not any(o.role.value == "counter" for o in meeting.officers):
        if meeting.initiator_organisation is not None:
            staff = db.session.scalars(select(StaffRole.user_id).where(
                StaffRole.organisation_id == meeting.initiator_organisation.id)).all()
            signers.append({"role": "initiator", "name": meeting.initiator_organisation.name,
                            "user_ids": sorted(staff)})
        elif meeting.initiator_owner is not None:
            users = _owner_users({meeting.initiator_owner.id})[meeting.initiator_owner.id]
            signers.append({"role": "initiator", "name": meeting.initiator_owner.name,
                            "user_ids": sorted(users)})
    assert meeting.notice_date is not None
    notice = meeting.notice_date
    all_for = {str(i.number) for i in meeting.agenda if subject(i.subject).edition_on(notice).signed_by_all_for}
    if all_for:
        signers += _voters_for(meeting, all_for, *(counted or tallied(meeting)))
    return [s | {"title": russian(s["role"], "signer_role"), "rank": RANKS[str(s["role"])]} for s in signers]


def require_officers(meeting: Meeting) -> None:
    """A paper meeting's protocol is signed by its chair and secretary (LEGAL.md §6.8): refuse it without them."""
    if meeting.form is MeetingForm.ELECTRONIC:
        return
    elected = {o.role.value for o in meeting.officers}
    whom = {"chair": _("председателя"), "secretary": _("секретаря")}
    missing = [name for role, name in whom.items() if role not in elected]
    if missing:
        raise ConflictError(_("Протокол подписывают председатель и секретарь собрания: укажите %(whom)s на странице "
                              "собрания.", whom=_(" и ").join(missing)))


def _voters_for(meeting: Meeting, items: set[str], dossier: Dossier, result: Result) -> list[dict[str, Any]]:
    """Every owner whose counted decision says "for" on one of the items (a ТСЖ's creation, LEGAL.md §5)."""
    voters = {c.decision.owner for c in result.counted
              if any(choice(c.decision.answers.get(i)) == "for" for i in items)}
    owner_ids = {int(o) for o in voters if o.isdigit()}
    linked = _owner_users(owner_ids)
    online = db.session.execute(select(MeetingDecision.owner_ref, MeetingDecision.user_id).where(
        MeetingDecision.meeting_id == meeting.id, MeetingDecision.source == "online",
        MeetingDecision.user_id.is_not(None)))
    for owner, user in online:
        if owner.isdigit() and int(owner) in linked and user is not None:
            linked[int(owner)].add(user)
    names = {o.id: o.name for p in dossier.register for o in p.owners}
    return [{"role": "owner", "name": names.get(str(owner), str(owner)), "user_ids": sorted(linked[owner])}
            for owner in sorted(owner_ids)]


def payload(protocol: Protocol, signer: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a signer signs: the protocol's hash, their role and name (`extra`: for a handwritten signature keyed in,
    the scan's SHA-256 and who keyed it in, {"paper_scan", "keyed_by"}; for the operator, {"qualified"})."""
    return protocol_signature(protocol.meeting_id, protocol.sha256,
                              {"role": signer["role"], "name": signer["name"]} | (extra or {}))


def on_paper(user: User, scan_sha256: str) -> dict[str, str]:
    """The `paper` part of a handwritten signature's payload, as `user` keys it in."""
    return {"paper_scan": scan_sha256, "keyed_by": user.full_name or user.email}


def signers(protocol: Protocol) -> list[dict[str, Any]]:
    """The signers as printed on the protocol, each with the signature given (or None)."""
    given = list(protocol.signatures)
    out = []
    for signer in json.loads(protocol.document or "{}").get("signers", []):
        signature = next((s for s in given if s.role == signer["role"] and s.name == signer["name"]), None)
        if signature is not None:
            given.remove(signature)
        out.append(signer | {"signature": signature})
    return out


def awaited(protocol: Protocol) -> dict[int, dict[str, Any]]:
    """The signers whose turn it is, by their place in the list: unsigned, with every earlier rank signed."""
    if protocol.render_state is not RenderState.READY or protocol.meeting.state is not MeetingState.COUNTED:
        return {}
    pending = {i: s for i, s in enumerate(signers(protocol)) if s["signature"] is None}
    lowest = min((s["rank"] for s in pending.values()), default=None)
    return {i: s for i, s in pending.items() if s["rank"] == lowest}


def operator_due(protocol: Protocol) -> dict[str, Any] | None:
    """The system operator, when it is the operator's turn to sign."""
    return next((s for s in awaited(protocol).values() if s["role"] == "operator"), None)


def on_paper_due(protocol: Protocol) -> dict[int, dict[str, Any]]:
    """The awaited signers whose handwritten signature may be keyed in (every one but the operator)."""
    return {i: s for i, s in awaited(protocol).items() if s["role"] != "operator"}


def next_for(protocol: Protocol, user: User) -> dict[str, Any] | None:
    """The signer this user may sign as now: theirs, and their turn."""
    return next((s for s in awaited(protocol).values() if user.id in s["user_ids"]), None)


def sign(protocol: Protocol, user: User, key_id: str, signature_b64: str) -> ProtocolSignature:
    """Record the user's signature as the next signer they stand for; the last one completes the protocol."""
    return _record(protocol, user, lambda: next_for(protocol, user), _device(user, key_id, signature_b64))


def sign_on_paper(protocol: Protocol, user: User, place: int, scan_sha256: str, key_id: str,
                  signature_b64: str) -> ProtocolSignature:
    """Record the handwritten signature of the signer at `place`, keyed in by `user` (the administrator or a
    counting-commission member) with the kept scan of the signed page; the last one completes the protocol."""
    if db.session.scalar(select(PaperScan.id).where(PaperScan.meeting_id == protocol.meeting_id,
                                                    PaperScan.sha256 == scan_sha256)) is None:
        raise InvalidInputError(_("Скан подписанной страницы не найден: приложите его снова."), field="scan")
    return _record(protocol, user, lambda: on_paper_due(protocol).get(place), _device(user, key_id, signature_b64),
                   on_paper(user, scan_sha256), _("Этот подписант сейчас не подписывает протокол."))


def sign_as_operator(protocol: Protocol, user: User) -> ProtocolSignature:
    """The administrator (`user`) hands the final protocol of an electronic meeting to the system operator, whose
    server key signs it, with the operator's qualified signature where one is configured; this completes it."""
    refused = _("Протокол уже подписан оператором системы или ещё не готов.")
    if operator_due(protocol) is None:  # before the operator's tool is asked for a signature it would waste
        raise ForbiddenError(refused)
    key = server_key()
    return _record(protocol, user, lambda: operator_due(protocol),
                   lambda body: (key.fingerprint, key.public_b64, key.sign(canonical(PROTOCOL_TAG, body))),
                   _qualified(protocol), refused)


def _qualified(protocol: Protocol) -> dict[str, Any] | None:
    """The operator's qualified signature of the PDF, from the configured hook (none without one)."""
    hook = current_app.config.get("OPERATOR_QUALIFIED_SIGNER")
    if not hook or protocol.pdf is None:
        return None
    try:
        made = import_string(hook)(protocol.pdf, protocol.sha256)
    except Exception as error:  # the operator's tool is outside: whatever it raises, nothing is signed
        current_app.logger.exception("the operator's qualified signature failed")
        raise ConflictError(_("Квалифицированная подпись оператора не получена: %(e)s", e=str(error)[:200])) from None
    if not isinstance(made, dict) or not made.get("signature") or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in made.items()):
        raise ConflictError(_("Квалифицированная подпись оператора не получена: ответ без подписи."))
    return {"qualified": made}


def _device(user: User, key_id: str, signature_b64: str) -> Callable[[dict[str, Any]], Signed]:
    """A signer's own device-key signature over the payload, checked."""
    device_key = active_key(user, key_id)
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        signature = b""

    def signed(body: dict[str, Any]) -> Signed:
        verify_signature(device_key, canonical(PROTOCOL_TAG, body), signature)
        return device_key.key_id, device_key.public_key, signature_b64
    return signed


def _record(protocol: Protocol, user: User, whose_turn: Callable[[], dict[str, Any] | None],
            signed_by: Callable[[dict[str, Any]], Signed], extra: dict[str, Any] | None = None,
            refused: str | None = None) -> ProtocolSignature:
    """Check and keep a signature for the signer `whose_turn` names. Runs under the meeting log's lock, so two
    signers never complete (or sign as one signer) twice."""
    with write_transaction():
        head = log.lock_head(protocol.meeting_id)
        if head is None:
            raise ConflictError(_("У собрания нет журнала голосования."))
        db.session.refresh(protocol)
        signer = whose_turn()
        if signer is None:
            raise ForbiddenError(refused or _(
                "Сейчас не ваша очередь подписывать этот протокол (или вы не подписант)."))
        body = payload(protocol, signer, extra)
        key_id, public_key, signature = signed_by(body)
        record = ProtocolSignature(protocol=protocol, role=signer["role"], name=signer["name"], user_id=user.id,
                                   key_id=key_id, public_key=public_key,
                                   payload=json.dumps(body, ensure_ascii=False), signature=signature)
        db.session.add(record)
        db.session.flush()
        if all(s["signature"] is not None for s in signers(protocol)):
            _complete(protocol, head)
    return record


def _complete(protocol: Protocol, head: LogHead) -> None:
    """Every signer has signed: the protocol enters the log, and the meeting is `signed`."""
    body = {"type": "protocol", "meeting_id": protocol.meeting_id, "number": protocol.number, "sha256": protocol.sha256,
            "evidence_sha256": protocol.evidence_sha256,
            "signatures": [_entry_signature(s) for s in protocol.signatures]}
    entry = log.append_signed(head, "protocol", body, log.database_now())
    log.checkpoint(head, entry.root, log.database_now())
    protocol.meeting.move(MeetingState.SIGNED)
    protocol.signed_at = datetime.now(UTC)


def _entry_signature(signature: ProtocolSignature) -> dict[str, Any]:
    """A signature as the `protocol` entry lists it: enough to check it offline (a paper one: with what was keyed; the
    operator's: with its qualified signature)."""
    signed = json.loads(signature.payload)
    return {"role": signature.role, "name": signature.name, "key_id": signature.key_id,
            "public_key": signature.public_key, "signature": signature.signature} | {
        field: signed[field] for field in PROTOCOL_SIGNED_FIELDS if field in signed}
