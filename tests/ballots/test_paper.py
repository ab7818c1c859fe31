"""Paper decisions through the pages: the officer keys in a page with its scan, signs what the server laid out,
and it is counted as paper; a bad scan or a signature over something else is refused and nothing is recorded."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ballots.models import LogEntry
from tests.ballots.helpers import Open, add_key, open_meeting
from tests.factories import csrf_token, login, staff_of
from voting import services
from voting.extensions import db


def key_in(client, state: Open, key_id: str, holder: str, scan: bytes, **marks: list[str]):
    meeting_id = state.meeting.id
    token = csrf_token(client, f"/meetings/{meeting_id}/paper")
    received = (state.meeting.opens_at + timedelta(minutes=10)).astimezone(ZoneInfo(state.building.timezone))
    data = {"csrf_token": token, "key_id": key_id, "holder": holder,
            "received_at": received.replace(tzinfo=None).isoformat(timespec="seconds"),
            "scan": (io.BytesIO(scan), "scan.pdf")}
    data |= {f"item-{item}": values for item, values in marks.items()}
    return client.post(f"/meetings/{meeting_id}/paper", data=data, content_type="multipart/form-data")


def test_an_officer_keys_in_and_signs_a_paper_decision(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    owner = state.voters[2]
    page = key_in(client, state, signer.key_id, f"{owner.owner_id}|3", b"%PDF-1.7 scan", **{
        "1": ["for"], "2": ["for", "against"]})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    payload = json.loads(html.unescape(re.search(r'name="payload" value="([^"]+)"', text)[1]))
    assert payload["answers"] == {"1": "for", "2": ["for", "against"]} and payload["type"] == "paper_decision"
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")
    # a signature that is not the officer's key over exactly this decision is refused
    changed = payload | {"answers": {"1": "against"}}
    refused = client.post(f"/meetings/{state.meeting.id}/paper/sign", data={
        "csrf_token": token, "payload": json.dumps(changed), "signature": signer.sign("OSS-PAPER-v1", payload)})
    assert refused.status_code == 422 and "Подпись не сходится" in refused.get_data(as_text=True)
    signed = client.post(f"/meetings/{state.meeting.id}/paper/sign", data={
        "csrf_token": token, "payload": json.dumps(payload), "signature": signer.sign("OSS-PAPER-v1", payload)})
    assert signed.status_code == 302 and "recorded=" in signed.headers["Location"]
    entry = db.session.scalar(select(LogEntry).where(LogEntry.meeting_id == state.meeting.id,
                                                     LogEntry.type == "paper_decision"))
    assert entry is not None and json.loads(entry.payload) == payload
    result = services.tally(services.dossier_of(state.meeting))
    assert [(c.decision.source, c.decision.premises) for c in result.counted] == [("paper", "3")]
    assert result.items[1].void == 10  # several marks on item 2: void for that item only
    scan = client.get(f"/meetings/{state.meeting.id}/paper/scans/{payload['scan_sha256']}")
    assert scan.status_code == 200 and scan.headers["Content-Disposition"].startswith("attachment")


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    page = key_in(client, state, signer.key_id, f"{state.voters[0].owner_id}|1", b"MZ\x90 not a scan",
                  **{"1": ["for"]})
    assert page.status_code == 422 and "PDF, JPEG или PNG" in page.get_data(as_text=True)
    assert db.session.scalar(select(LogEntry.id).where(LogEntry.meeting_id == state.meeting.id,
                                                       LogEntry.type == "paper_decision")) is None


def test_owners_cannot_key_in_paper(client, session) -> None:
    state = open_meeting()
    login(client, state.voters[0].user)
    assert client.get(f"/meetings/{state.meeting.id}/paper").status_code == 404
