"""The evidence bundle of a meeting (`oss-evidence/1`, FORMATS.md §5): server keys, manifest, every log entry with
its payload and signature, the signers' public keys, the checkpoints, the tally and the protocol's hash."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ballots import log
from ballots.models import Checkpoint, LogHead
from voting.core.errors import ConflictError
from voting.core.extensions import db
from voting.core.server_key import server_key
from voting.meetings.models import Meeting, MeetingState

FORMAT = "oss-evidence/1"
AFTER_CLOSE = (MeetingState.CLOSED, MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)


def bundle(meeting: Meeting) -> dict[str, Any]:
    """The bundle of a closed meeting."""
    head = db.session.get(LogHead, meeting.id)
    if meeting.state not in AFTER_CLOSE or head is None:
        raise ConflictError(_("Доказательства выгружаются после закрытия голосования."))
    entries = log.entries(meeting.id)
    documents = [{"index": e.index, "prev": e.prev, "type": e.type, "payload_hash": e.payload_hash,
                  "server_time": e.server_time, "entry_hash": e.entry_hash, "key_id": e.key_id,
                  "signature": e.signature, "payload": json.loads(e.payload)} for e in entries]
    owner_keys = {d["payload"]["key_id"]: d["payload"]["public_key"] for d in documents
                  if d["type"] == "key_registered"}
    tally = next((d["payload"] for d in reversed(documents) if d["type"] == "tally"), None)
    protocol = next((d["payload"] for d in reversed(documents) if d["type"] == "protocol"), None)
    key = server_key()
    return {
        "format": FORMAT, "meeting_id": meeting.id,
        "server_keys": [{"algorithm": "Ed25519", "public_key": key.public_b64, "fingerprint": key.fingerprint}],
        "manifest": documents[0]["payload"], "manifest_hash": head.manifest_hash,
        "manifest_signature": documents[0]["signature"],
        "entries": documents,
        "owner_keys": [{"key_id": k, "algorithm": "ECDSA-P256-SHA256", "public_key": v}
                       for k, v in sorted(owner_keys.items())],
        "checkpoints": [{"meeting_id": meeting.id, "size": c.size, "root": c.root, "at": c.at, "signature": c.signature}
                        for c in db.session.scalars(select(Checkpoint).where(Checkpoint.meeting_id == meeting.id)
                                                    .order_by(Checkpoint.size))],
        "tally": tally,
        "protocol_hash": protocol["sha256"] if protocol else None,
    }


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
