"""The voting JSON API under /api/v1/: meetings the user may see, a meeting's manifest with the user's place in
each owner's ballot chain, ballot submission and receipt lookup. Described in /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select

from auth.policy import (
    BUILDING_PERSONAL_DATA,
    BUILDING_VIEW,
    SIGNED_IN,
    may,
    policy,
    visible_buildings,
    voting_rights,
)
from ballots import casting, chain, log
from ballots.models import LogHead
from registry.models import Building
from voting.core import limits
from voting.core.errors import NotFoundError
from voting.core.extensions import db, limiter
from voting.core.openapi import READ, WRITE, problems
from voting.core.routing import ID_MAX
from voting.meetings.models import Meeting
from voting.meetings.plan import local_today, summary
from voting.meetings.views import load_meeting

bp = Blueprint("ballots_api", __name__, url_prefix="/api/v1")


@bp.get("/meetings")
@policy(SIGNED_IN)
def meetings() -> ResponseReturnValue:
    buildings = visible_buildings(current_user).with_only_columns(Building.id)
    rows = db.session.scalars(select(Meeting).where(Meeting.building_id.in_(buildings)).order_by(Meeting.id))
    return {"meetings": [summary(m) for m in rows]}


def ballot_chains(meeting: Meeting, manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """For each owner the user may vote for here (`manifest`: the meeting's, None before opening): the premises, the
    proxy, the next `seq`/`prev`, and why the online ballot is closed to them (a refusal of electronic voting)."""
    if manifest is None:
        return []
    register = chain.register_owners(manifest)
    today = local_today(meeting, log.database_now())
    grouped: dict[tuple[str, str | None], list[str]] = {}
    for (owner_id, number), proxy in sorted(voting_rights(current_user, meeting.building, today, meeting.id).items()):
        if (owner_id, number) in register:
            grouped.setdefault((owner_id, proxy.scan_sha256 if proxy else None), []).append(number)
    refused = {str(o.owner_id): o.received_at for o in meeting.opt_outs}
    chains = []
    for (owner_id, proxy_hash), premises in grouped.items():
        last = casting.last_ballot(meeting.id, owner_id)
        chains.append({"owner_id": owner_id, "name": register[(owner_id, premises[0])]["name"],
                       "premises": premises, "proxy": proxy_hash,
                       "refused": casting.refusal_text(meeting, refused[owner_id]) if owner_id in refused else None,
                       "seq": (last.seq or 0) + 1 if last else 1, "prev": last.ballot_hash if last else None,
                       "last": casting.receipt(last) if last else None})
    return chains


@bp.get("/meetings/<id:meeting_id>")
@policy(BUILDING_VIEW, load_meeting)
def manifest(meeting: Meeting) -> ResponseReturnValue:
    head = db.session.get(LogHead, meeting.id)
    document = casting.manifest_of(meeting.id) if head else None
    return summary(meeting) | {
        "manifest_hash": head.manifest_hash if head else None,
        "manifest": document if document is None or may(current_user, BUILDING_PERSONAL_DATA, meeting)
        else without_personal_data(document),
        "ballots": ballot_chains(meeting, document)}


def without_personal_data(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest for those who may not see the register's personal data (an owner, a guest): the owners' names
    and ЕГРН records left out (the names of those the user votes for are in `ballots`)."""
    return manifest | {"register": [premises | {"owners": [
        {key: value for key, value in owner.items() if key not in ("name", "document")}
        for owner in premises["owners"]]} for premises in manifest["register"]], "personal_data": "withheld"}


@bp.post("/meetings/<id:meeting_id>/ballots")
@policy(BUILDING_VIEW, load_meeting)
@limiter.limit(limits.BALLOTS_PER_ACCOUNT, key_func=limits.account_key)
@limiter.limit(limits.BALLOTS_PER_ADDRESS)
def submit(meeting: Meeting) -> ResponseReturnValue:
    receipt, new = casting.submit(current_user, meeting, request.get_json(silent=True))
    return receipt, 201 if new else 200


@bp.get("/receipts/<ballot_hash>")
@policy(SIGNED_IN)
def receipt(ballot_hash: str) -> ResponseReturnValue:
    entry = casting.entry_by_hash(ballot_hash)
    if entry is None or entry.type != casting.BALLOT or not may(
            current_user, BUILDING_VIEW, db.session.get(Meeting, entry.meeting_id)):
        raise NotFoundError("no ballot with this hash")
    return casting.receipt(entry)


# --- OpenAPI --------------------------------------------------------------------------------------------------

class ReceiptSchema(Schema):
    ballot_hash = fields.String(required=True)
    tracker = fields.String(required=True)
    index = fields.Integer(required=True)
    entry_hash = fields.String(required=True)
    received_at = fields.String(required=True, metadata={"description": "RFC 3339, the database clock"})
    checkpoint = fields.Dict(required=True, metadata={"description": "{size, root}: the tree head with this entry"})
    signature = fields.String(required=True, metadata={"description": 'Ed25519 over "OSS-RECEIPT-v1\\n" + JCS'})
    key_fingerprint = fields.String(required=True)


class SubmissionDocSchema(Schema):
    payload = fields.Dict(required=True, metadata={"description": "the ballot (FORMATS.md §5), as signed"})
    signature = fields.String(required=True, metadata={
        "description": 'base64 raw r‖s of ECDSA P-256/SHA-256 over "OSS-BALLOT-v1\\n" + JCS(payload)'})


def describe(api: APISpec) -> None:
    """Add the voting paths to the OpenAPI description."""
    api.components.schema("Receipt", schema=ReceiptSchema)
    api.components.schema("BallotSubmission", schema=SubmissionDocSchema)
    meeting_id = [{"in": "path", "name": "meeting_id", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}]
    api.path(path="/api/v1/meetings", operations={"get": {
        "summary": "Meetings of the buildings the user may see",
        "responses": {"200": {"description": "meetings", "content": {"application/json": {
            "schema": {"type": "object"}}}}} | problems(*READ)}})
    api.path(path="/api/v1/meetings/{meeting_id}", operations={"get": {
        "summary": "A meeting's signed manifest (for those who may not see the register's personal data, without "
                   "the owners' names and ЕГРН records: `personal_data` is then \"withheld\") and the user's next "
                   "seq/prev for each owner they may vote for",
        "parameters": meeting_id, "responses": {"200": {"description": "manifest"}} | problems(*READ)}})
    api.path(path="/api/v1/meetings/{meeting_id}/ballots", operations={"post": {
        "summary": "Cast a signed ballot; the same bytes again return the same receipt",
        "parameters": meeting_id,
        "requestBody": {"required": True, "content": {"application/json": {"schema": "BallotSubmission"}}},
        "responses": {"201": {"description": "recorded", "content": {"application/json": {"schema": "Receipt"}}},
                      "200": {"description": "recorded before: the same receipt",
                              "content": {"application/json": {"schema": "Receipt"}}}} | problems(
                          *WRITE, s409="voting closed, or `seq` taken: `current_seq` says which")}})
    api.path(path="/api/v1/receipts/{ballot_hash}", operations={"get": {
        "summary": "The signed receipt of a recorded ballot",
        "parameters": [{"in": "path", "name": "ballot_hash", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
        "responses": {"200": {"description": "receipt", "content": {"application/json": {"schema": "Receipt"}}}}
        | problems(*READ)}})
