"""An owner's own vote revokes their proxy in the count (LEGAL.md §8, FORMATS.md §2–3): a representative votes online,
then the owner's own paper decision, received earlier, is keyed in. The web count, the evidence's re-tally and the
protocol all say `proxy_revoked`, and the protocol's annexes say why (in Russian) and list refusals of e-voting."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from auth.models import Decision, Proxy
from ballots import evidence, paper
from ballots.verify import verify
from protocols import services
from protocols.models import RenderState
from tests.factories import csrf_token, login, staff_of, user
from tests.factories.ballots import PDF, Voter, add_key, ballot, open_meeting, submit
from voting.core.extensions import db
from voting.meetings import lifecycle, plan
from voting.meetings.models import ElectronicOptOut, OfficerRole

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "protocols"


def flat_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_an_own_paper_decision_received_first_revokes_the_later_proxy_vote_everywhere(client) -> None:
    state = open_meeting()
    owner = state.voters[0]  # premises 1, 60 m² of 100
    representative = user(full_name="Представителев Пётр Петрович")
    db.session.add(Proxy(representative=representative, ownership=owner.user.links[0].ownership, scan=b"%PDF-1.7",
                         scan_sha256="ef" * 32, scan_type="application/pdf", issued_on=date.today() - timedelta(days=3),
                         valid_until=date.today() + timedelta(days=30), status=Decision.APPROVED))
    helper = Voter(representative, add_key(representative), owner.owner_id, owner.premises)
    login(client, representative)
    assert submit(client, state, ballot(state, helper, {"1": "for", "2": "for"}, proxy="ef" * 32),
                  helper).status_code == 201
    client.get("/auth/logout")
    # the owner's own decision had reached the administrator on paper before that, and is keyed in only now
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    scan = paper.keep_scan(state.meeting, officer, PDF + b"own")
    assert state.meeting.opens_at is not None
    body = paper.payload(state.meeting, signer.key_id, owner.owner_id, owner.premises[0],
                         state.meeting.opens_at + timedelta(minutes=1), {"1": "against", "2": "against"},
                         scan.sha256, None, None)
    paper.record(state.meeting, officer, body, signer.sign("OSS-PAPER-v1", body))
    db.session.add(ElectronicOptOut(meeting=state.meeting, owner_id=int(state.voters[2].owner_id),
                                    received_at=datetime.now(UTC) - timedelta(days=9), recorded_by_id=officer.id))
    assert lifecycle.advance(state.meeting, at=state.meeting.closes_at)
    db.session.flush()

    login(client, officer)  # the web count, by the page's button
    token = csrf_token(client, f"/meetings/{state.meeting.id}")
    assert client.post(f"/meetings/{state.meeting.id}/count", data={"csrf_token": token}).status_code == 302
    db.session.refresh(state.meeting)
    result = json.loads(state.meeting.result or "{}")
    assert result["decisions"] == {"counted": 1, "rejected": [
        {"owner": owner.owner_id, "premises": "1", "reason": "proxy_revoked"}]}
    assert (result["items"][0]["for"], result["items"][0]["against"]) == ("0.00", "60.00")

    report = verify(evidence.bundle(state.meeting))  # `veche verify`'s re-tally agrees
    assert report.valid, [str(f) for f in report.findings]
    assert report.result == result

    plan.add_officer(state.meeting, OfficerRole.CHAIR, "Иванов Иван Иванович", owner.user.email)
    db.session.flush()
    protocol = services.render_now(state.meeting.id)
    assert protocol.render_state is RenderState.READY, protocol.error
    document = json.loads(protocol.document)
    reason = ("доверенность отозвана: собственник ранее проголосовал сам (личное решение собственника отменяет "
              "доверенность на это собрание)")
    assert document["rejected"] == [["1", "Иванов Иван Иванович, через представителя Представителев Пётр Петрович",
                                     document["rejected"][0][2], reason]]
    assert document["opt_outs"] == [["3", "Сидоров Семён Семёнович", document["opt_outs"][0][2]]]
    text = flat_text(protocol.pdf)
    assert text.count("Решения, не учтённые при подсчёте") == 2  # the participants' annex and the decisions'
    assert "через представителя Представителев Пётр Петрович" in text and "доверенность отозвана" in text
    assert "Собственники, отказавшиеся от голосования с использованием системы" in text
    assert "Сидоров Семён Семёнович" in text
    if shutil.which("pdftoppm"):  # the annexes as PNG, to be looked at (CI keeps test-artifacts)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "proxy-revoked.pdf").write_bytes(protocol.pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(ARTIFACTS / "proxy-revoked.pdf"),
                        str(ARTIFACTS / "proxy-revoked")], check=True, timeout=120)
