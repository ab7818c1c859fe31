"""The demo's counted meeting gets its officers (two owners and the management company's administrator) and its rendered
protocol, which the system operator signs once the administrator hands it over (an electronic meeting)."""

from __future__ import annotations

import json

from sqlalchemy import select

from auth.models import User
from protocols.models import Protocol
from protocols.services import render_now
from voting.core.extensions import db
from voting.meetings import plan
from voting.meetings.models import Meeting, OfficerRole


def seed_protocol(domain: str) -> list[str]:
    meeting = db.session.scalar(select(Meeting).where(Meeting.gis_id == "demo-closed"))
    if meeting is None:
        return []
    if not meeting.officers:
        for role, email in ((OfficerRole.CHAIR, f"owner1@{domain}"), (OfficerRole.SECRETARY, f"owner2@{domain}"),
                            (OfficerRole.COUNTER, f"uk@{domain}")):
            account = db.session.scalar(select(User).where(User.email == email))
            if account is not None:
                plan.add_officer(meeting, role, account.full_name or email, email)
        db.session.commit()
    protocol = db.session.get(Protocol, meeting.id) or render_now(meeting.id)
    signers = ", ".join(str(s["name"]) for s in json.loads(protocol.document or "{}").get("signers", []))
    return [f"protocol of meeting {meeting.id}: No. {protocol.number}, {protocol.pages} pages, "
            f"to be signed by {signers}"]
