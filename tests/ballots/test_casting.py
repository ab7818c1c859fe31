"""Casting signed ballots through the API: receipts, re-votes, refusals with a reason and nothing recorded,
the close by the database clock, a crash after the commit, proxies, and the append-only log."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from auth.models import Decision, Proxy
from ballots import casting, paper
from ballots.models import LogEntry
from tests.factories import login, staff_of, user
from tests.factories.ballots import Voter, add_key, ballot, entries, key_in_paper, open_meeting, submit
from voting.core.errors import ConflictError
from voting.core.extensions import db
from voting.core.server_key import server_key, verify
from voting.domain.tally import tally
from voting.meetings import dossier
from voting.meetings.models import MeetingDecision, MeetingForm


def test_a_ballot_is_recorded_with_a_signed_receipt_and_mailed(client, session, mailbox) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    response = submit(client, state, ballot(state, voter, {"1": "for", "2": "against"}), voter)
    assert response.status_code == 201, response.json
    receipt = response.json
    body = {k: v for k, v in receipt.items() if k not in ("signature", "key_fingerprint")}
    from ballots.canonical import canonical

    assert verify(server_key().public_b64, receipt["signature"], canonical("OSS-RECEIPT-v1", body))
    assert receipt["tracker"].replace("-", "").lower() == receipt["ballot_hash"][:12]
    assert receipt["checkpoint"]["size"] == receipt["index"] + 1
    mail = mailbox.to(voter.user.email)[-1]
    text_body = mail.get_body(("plain",)).get_content()
    assert receipt["tracker"] in mail["Subject"] and "Избрать председателя: ЗА" in text_body
    assert "Утвердить план: ПРОТИВ" in text_body
    page = client.get(f"/meetings/{state.meeting.id}/receipts/{receipt['ballot_hash']}").get_data(as_text=True)
    assert receipt["tracker"] in page and "против" in page
    assert client.get(f"/api/v1/receipts/{receipt['ballot_hash']}").json == receipt

    # the same bytes again: the same receipt, nothing new recorded
    again = submit(client, state, voter.ballots[-1])
    assert again.status_code == 200 and again.json == receipt and entries(state) == 1
    # a re-vote continues the chain and is the one counted
    revote = submit(client, state, ballot(state, voter, {"1": "against"}), voter)
    assert revote.status_code == 201 and revote.json["index"] > receipt["index"]
    result = tally(dossier.dossier_of(state.meeting))
    assert [c.decision.answers for c in result.counted] == [{"1": "against"}]
    assert [r.reason for r in result.rejected] == ["duplicate"]


def test_a_second_ballot_with_a_taken_seq_is_a_conflict_naming_the_current_seq(client, session) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    assert submit(client, state, ballot(state, voter, {"1": "for"}), voter).status_code == 201
    response = submit(client, state, ballot(state, voter, {"1": "against"}, seq=1, prev=None))
    assert response.status_code == 409 and response.json["current_seq"] == 1 and entries(state) == 1


def _tamper_signature(body: dict) -> dict:
    raw = bytearray(base64.b64decode(body["signature"]))
    raw[5] ^= 1
    return body | {"signature": base64.b64encode(bytes(raw)).decode()}


def _changed(body: dict, **payload: object) -> dict:
    return body | {"payload": body["payload"] | payload}  # after signing: what RFC 8785 cannot write is refused first


def _float_seq(body: dict) -> dict:
    return body | {"payload": body["payload"] | {"seq": 1.0}}  # as JSON: "seq": 1.0


REFUSALS = {
    "bad signature": (lambda s, v: _tamper_signature(ballot(s, v, {"1": "for"})), 422, "signature"),
    "wrong manifest hash": (lambda s, v: ballot(s, v, {"1": "for"}, manifest_hash="ab" * 32), 422,
                            "payload.manifest_hash"),
    "foreign owner": (lambda s, v: ballot(s, v, {"1": "for"}, owner_id=s.voters[1].owner_id, premises=["2"]), 403,
                      "payload.owner_id"),
    "unknown option": (lambda s, v: ballot(s, v, {"1": "maybe"}), 422, "payload.answers.1"),
    "unknown item": (lambda s, v: ballot(s, v, {"9": "for"}), 422, "payload.answers.9"),
    "float in the payload": (lambda s, v: _float_seq(ballot(s, v, {"1": "for"})), 422, "payload.seq"),
    "integer beyond 2^53": (lambda s, v: _changed(ballot(s, v, {"1": "for"}), seq=2**53), 422, "payload.seq"),
    "lone surrogate": (lambda s, v: _changed(ballot(s, v, {"1": "for"}), owner_id="\ud800"), 422, "payload.owner_id"),
    "unknown field": (lambda s, v: ballot(s, v, {"1": "for"}, weight="100"), 422, "payload.weight"),
    "premises not held": (lambda s, v: ballot(s, v, {"1": "for"}, premises=["3"]), 403, "payload.premises"),
    "no answers": (lambda s, v: ballot(s, v, {}), 422, "payload.answers"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_ballots_get_a_reason_and_record_nothing(client, session, case: str) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    make, status, field = REFUSALS[case]
    response = submit(client, state, make(state, voter))
    assert response.status_code == status, response.json
    assert response.json["field"] == field and response.json["detail"]
    assert entries(state) == 0 and entries(state, "key_registered") == 0


def test_a_revoked_key_is_refused(client, session) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    assert submit(client, state, ballot(state, voter, {"1": "for"}), voter).status_code == 201
    from auth.keys import revoke_key
    from auth.models import DeviceKey

    revoke_key(db.session.scalar(select(DeviceKey).where(DeviceKey.key_id == voter.signer.key_id)), voter.user)
    db.session.flush()
    assert entries(state, "key_revoked") == 1
    response = submit(client, state, ballot(state, voter, {"1": "against"}))
    assert response.status_code == 403 and "отозван" in response.json["detail"] and entries(state) == 1


def test_the_close_is_by_the_database_clock_to_the_millisecond(app, client, session) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    closes = state.meeting.closes_at
    app.extensions["veche.clock"] = lambda: closes - timedelta(milliseconds=1)
    try:
        assert submit(client, state, ballot(state, voter, {"1": "for"}), voter).status_code == 201
        app.extensions["veche.clock"] = lambda: closes
        response = submit(client, state, ballot(state, voter, {"1": "against"}))
        assert response.status_code == 409 and response.json["reason"] == "late"
    finally:
        del app.extensions["veche.clock"]
    assert entries(state) == 1


def test_a_crash_between_commit_and_response_then_a_retry_gives_one_entry_and_the_same_receipt(
        client, session, monkeypatch: pytest.MonkeyPatch) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    body = ballot(state, voter, {"1": "for"})

    def crash(entry: LogEntry) -> None:
        raise ConnectionAbortedError("the process died before answering")

    monkeypatch.setattr(casting, "after_commit", crash)
    with pytest.raises(ConnectionAbortedError):
        submit(client, state, body)
    monkeypatch.setattr(casting, "after_commit", None)
    retry = submit(client, state, body)
    assert retry.status_code == 200 and entries(state) == 1
    assert retry.json == client.get(f"/api/v1/receipts/{retry.json['ballot_hash']}").json


def test_a_representative_votes_under_a_proxy_until_the_owner_votes_himself(client, session) -> None:
    state = open_meeting()
    owner = state.voters[0]
    representative = user(full_name="Представителев Пётр Петрович")
    proxy = Proxy(representative=representative, ownership=owner.user.links[0].ownership, scan=b"%PDF-1.7",
                  scan_sha256="ef" * 32, scan_type="application/pdf", issued_on=date.today() - timedelta(days=3),
                  valid_until=date.today() + timedelta(days=30), status=Decision.APPROVED)
    db.session.add(proxy)
    helper = Voter(representative, add_key(representative), owner.owner_id, owner.premises)
    login(client, representative)
    assert submit(client, state, ballot(state, helper, {"1": "for"}), helper).status_code == 422  # no proxy hash
    first = submit(client, state, ballot(state, helper, {"1": "for"}, proxy="ef" * 32), helper)
    assert first.status_code == 201, first.json
    decision = db.session.scalar(select(MeetingDecision).where(MeetingDecision.log_index == first.json["index"]))
    assert decision.representative == "Представителев Пётр Петрович" and decision.proxy_valid_until
    # the owner votes himself (continuing the same chain): the proxy no longer works for this meeting
    client.get("/auth/logout")
    login(client, owner.user)
    owner.ballots = list(helper.ballots)
    assert submit(client, state, ballot(state, owner, {"1": "against"}), owner).status_code == 201
    client.get("/auth/logout")
    login(client, representative)
    helper.ballots = list(owner.ballots)
    refused = submit(client, state, ballot(state, helper, {"1": "for"}, proxy="ef" * 32))
    assert refused.status_code == 409 and refused.json["field"] == "payload.proxy"


def test_the_log_is_append_only_in_the_database(client, session) -> None:
    state = open_meeting()
    with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text("UPDATE ballot_log_entries SET type = 'ballot' WHERE meeting_id = :m"),
                           {"m": state.meeting.id})
    with pytest.raises(Exception, match="append-only"), db.session.begin_nested():
        db.session.execute(text("DELETE FROM ballot_log_entries WHERE meeting_id = :m"), {"m": state.meeting.id})
    assert json.loads(db.session.scalar(select(LogEntry.payload).where(
        LogEntry.meeting_id == state.meeting.id, LogEntry.index == 0)))["type"] == "manifest"


def test_the_manifest_withholds_personal_data_and_receipts_stay_in_their_building(client, session) -> None:
    state = open_meeting()
    voter = state.voters[0]
    login(client, voter.user)
    shown = client.get(f"/api/v1/meetings/{state.meeting.id}").json
    owners = [o for p in shown["manifest"]["register"] for o in p["owners"]]
    assert shown["manifest"]["personal_data"] == "withheld" and len(owners) == 3
    assert not any("name" in o or "document" in o for o in owners)
    assert [c["name"] for c in shown["ballots"]] == ["Иванов Иван Иванович"]  # whom they vote for: named
    receipt = submit(client, state, ballot(state, voter, {"1": "for"}), voter).json
    client.get("/auth/logout")

    elsewhere = open_meeting(address="г. Челябинск, ул. Другая, д. 2")
    login(client, elsewhere.voters[0].user)
    assert client.get(f"/api/v1/receipts/{receipt['ballot_hash']}").status_code == 404
    client.get("/auth/logout")
    login(client, staff_of(state.building.organisation))
    full = client.get(f"/api/v1/meetings/{state.meeting.id}").json["manifest"]
    assert "personal_data" not in full and full["register"][0]["owners"][0]["name"] == "Иванов Иван Иванович"
    assert client.get(f"/api/v1/receipts/{receipt['ballot_hash']}").json == receipt


def test_an_owners_own_paper_decision_revokes_the_proxy_online_and_on_paper(client, session) -> None:
    state = open_meeting()
    owner = state.voters[0]
    representative = user(full_name="Представителев Пётр Петрович")
    db.session.add(Proxy(representative=representative, ownership=owner.user.links[0].ownership, scan=b"%PDF-1.7",
                         scan_sha256="ef" * 32, scan_type="application/pdf", issued_on=date.today() - timedelta(days=3),
                         valid_until=date.today() + timedelta(days=30), status=Decision.APPROVED))
    officer = staff_of(state.building.organisation)
    officer_key = add_key(officer)
    key_in_paper(state, officer, officer_key, owner.owner_id, owner.premises[0], {"1": "against"})  # his own
    helper = Voter(representative, add_key(representative), owner.owner_id, owner.premises)
    login(client, representative)
    refused = submit(client, state, ballot(state, helper, {"1": "for"}, proxy="ef" * 32))
    assert refused.status_code == 409 and refused.json["field"] == "payload.proxy"
    scan = paper.keep_scan(state.meeting, officer, b"%PDF-1.7 the representative's decision").sha256
    body = paper.payload(state.meeting, officer_key.key_id, owner.owner_id, owner.premises[0], datetime.now(UTC),
                         {"1": "for"}, scan, "Представителев Пётр Петрович", date.today() + timedelta(days=30))
    with pytest.raises(ConflictError, match="проголосовал сам"):  # nor may it be keyed in from paper
        paper.record(state.meeting, officer, body, officer_key.sign("OSS-PAPER-v1", body))
    assert [d.representative for d in db.session.scalars(select(MeetingDecision).where(
        MeetingDecision.meeting_id == state.meeting.id))] == [None]


@pytest.mark.parametrize("form", [MeetingForm.ABSENTEE, MeetingForm.MIXED, MeetingForm.IN_PERSON])
def test_only_a_meeting_held_in_the_system_takes_online_ballots(client, session, form) -> None:
    state = open_meeting(form=form)
    voter = state.voters[0]
    login(client, voter.user)
    refused = submit(client, state, ballot(state, voter, {"1": "for"}))
    assert refused.status_code == 409 and refused.json["field"] == "meeting"
    assert db.session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.meeting_id == state.meeting.id, LogEntry.type == "ballot")) == 0
    page = client.get(f"/meetings/{state.meeting.id}/vote").get_data(as_text=True)
    assert "голосуют письменными решениями" in page and "Подписать и отправить" not in page
