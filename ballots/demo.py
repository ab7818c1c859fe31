"""The demo's decisions as a real signed log: the manifest at opening, ballots signed in Python exactly as browsers
sign them (each owner's own deterministic device key), paper decisions signed by the company's officer with a scan,
one vote under a proxy, and for a closed meeting the close and, after counting, the tally — so `veche evidence`
and `veche verify` work on the demo."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from auth.models import DeviceKey, User
from ballots import hooks, log, manifest
from ballots.canonical import digest
from ballots.casting import add_decisions, bind_key
from ballots.models import LogHead, PaperScan
from ballots.signing import DeviceSigner
from voting.core.extensions import db
from voting.meetings.demo import Planned, Recorder
from voting.meetings.models import Meeting

REPRESENTATIVE = "Кузнецова Ольга Викторовна"


def _signer(seed: str) -> DeviceSigner:
    """A device key of its own for every demo signer, the same on every run."""
    number = int.from_bytes(hashlib.sha256(f"veche-demo-key\n{seed}".encode()).digest(), "big") % (2**255)
    return DeviceSigner(ec.derive_private_key(number + 1, ec.SECP256R1()))


def officer_key(officer: User) -> DeviceSigner:
    """The officer's demo device key, registered to their account."""
    signer = _signer(officer.email)
    if db.session.scalar(select(DeviceKey).where(DeviceKey.key_id == signer.key_id)) is None:
        db.session.add(DeviceKey(key_id=signer.key_id, user=officer, public_key=signer.spki, label="demo"))
    return signer


def record_signed(officer: User) -> Recorder:
    """A recorder for `voting.meetings.demo.seed_meetings` that writes the decisions as signed log entries."""

    def record(meeting: Meeting, planned: list[Planned], closed: bool) -> None:
        assert meeting.opens_at is not None
        head = log.start(meeting.id, manifest.build(meeting), meeting.opens_at)
        paper_key = officer_key(officer)
        last: dict[str, tuple[int, str]] = {}  # owner -> (seq, ballot hash)
        proxy_given = False
        for decision in planned:
            if decision.source == "paper":
                _paper(meeting, head, officer, paper_key, decision)
                continue
            proxy = None
            if not proxy_given:  # the first online voter sent a representative with a proxy
                proxy_given = True
                proxy = {"sha256": hashlib.sha256(f"demo proxy {meeting.id}".encode()).hexdigest(),
                         "valid_until": (decision.received_at.date() + timedelta(days=90)).isoformat()}
            _ballot(meeting, head, decision, last, proxy)
        db.session.flush()
        if closed:
            hooks.close_log(meeting)

    return record


def _ballot(meeting: Meeting, head: LogHead, decision: Planned, last: dict[str, tuple[int, str]],
            proxy: dict[str, str] | None) -> None:
    signer = _signer(f"{meeting.id}/{decision.owner}/{'proxy' if proxy else 'owner'}")
    bind_key(head, signer.key_id, signer.spki, decision.owner, [decision.premises],
             "representative" if proxy else "owner", decision.received_at, REPRESENTATIVE if proxy else None, proxy)
    seq, prev = last.get(decision.owner, (0, None))
    payload = {"type": "ballot", "v": 1, "meeting_id": meeting.id, "manifest_hash": head.manifest_hash,
               "owner_id": decision.owner, "premises": [decision.premises], "answers": decision.answers,
               "seq": seq + 1, "prev": prev, "key_id": signer.key_id, "client_time": log.rfc3339(decision.received_at),
               **({"proxy": proxy["sha256"]} if proxy else {})}
    ballot_hash = digest(log.PAYLOAD_TAGS["ballot"], payload)
    entry = log.append(head, "ballot", payload, signer.sign(log.PAYLOAD_TAGS["ballot"], payload), signer.key_id,
                       decision.received_at, ballot_hash=ballot_hash, owner_ref=decision.owner, seq=seq + 1)
    last[decision.owner] = (seq + 1, ballot_hash)
    add_decisions(entry, payload, "online", decision.received_at, None, REPRESENTATIVE if proxy else None,
                  date.fromisoformat(proxy["valid_until"]) if proxy else None)


def _paper(meeting: Meeting, head: LogHead, officer: User, signer: DeviceSigner, decision: Planned) -> None:
    scan = f"%PDF-1.4\n% demo scan: meeting {meeting.id}, premises {decision.premises}\n".encode()
    sha256 = hashlib.sha256(scan).hexdigest()
    db.session.add(PaperScan(meeting_id=meeting.id, sha256=sha256, mime="application/pdf", content=scan,
                             uploaded_by_id=officer.id))
    payload = {"type": "paper_decision", "v": 1, "meeting_id": meeting.id, "manifest_hash": head.manifest_hash,
               "owner_id": decision.owner, "premises": [decision.premises], "answers": decision.answers,
               "received_at": log.rfc3339(decision.received_at), "scan_sha256": sha256, "key_id": signer.key_id}
    bind_key(head, signer.key_id, signer.spki, decision.owner, [decision.premises], "officer",
             decision.received_at, officer.full_name or officer.email)
    entry = log.append(head, "paper_decision", payload, signer.sign(log.PAYLOAD_TAGS["paper_decision"], payload),
                       signer.key_id, decision.received_at, ballot_hash=digest(log.PAYLOAD_TAGS["paper_decision"],
                                                                               payload), owner_ref=decision.owner)
    add_decisions(entry, payload, "paper", decision.received_at)

