"""Officers sign the protocol's hash in order with their device keys; the last signature puts the protocol into the
log (verifiable, signatures included); a signed protocol never changes; then it goes to the inspection."""

from __future__ import annotations

import copy
import html
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from ballots import evidence, paper
from ballots.chain import PROTOCOL_TAG
from ballots.verify import verify
from protocols import document, services, signing
from protocols.models import Protocol
from tests.ballots.helpers import add_key, open_meeting
from tests.ballots.test_evidence import counted_meeting, key_in_paper
from tests.factories import csrf_token, login, staff_of
from voting import services as meetings
from voting.errors import ConflictError, ForbiddenError, InvalidInputError
from voting.extensions import db
from voting.models import MeetingState, OfficerRole


def signed_by(protocol: Protocol, account: Any, signer: Any) -> None:
    stand_for = signing.next_for(protocol, account)
    assert stand_for is not None, "not this account's turn"
    signing.sign(protocol, account, signer.key_id, signer.sign(PROTOCOL_TAG, signing.payload(protocol, stand_for)))


@pytest.fixture
def officers(client, session) -> tuple[Protocol, list[tuple[Any, Any]]]:
    """A rendered protocol with a chair, a secretary and a counting-commission member, each with a device key."""
    state, _bundle = counted_meeting(client)
    meeting = state.meeting
    counter = staff_of(state.building.organisation)
    people = [(state.voters[0].user, state.voters[0].signer), (state.voters[1].user, state.voters[1].signer),
              (counter, add_key(counter))]
    for role, (account, _signer) in zip((OfficerRole.CHAIR, OfficerRole.SECRETARY, OfficerRole.COUNTER), people,
                                        strict=True):
        meetings.add_officer(meeting, role, account.full_name or account.email, account.email)
    db.session.flush()
    return services.render_now(meeting.id), people


def test_officers_sign_in_order_and_the_protocol_enters_the_log(officers) -> None:
    protocol, ((chair, chair_key), (secretary, secretary_key), (counter, counter_key)) = officers
    assert [s["role"] for s in signing.signers(protocol)] == ["chair", "secretary", "counter"]
    assert signing.next_for(protocol, secretary) is None  # the chair signs first
    with pytest.raises(ForbiddenError):
        signing.sign(protocol, secretary, secretary_key.key_id, "AAAA")
    with pytest.raises(InvalidInputError):  # a signature over something else
        signing.sign(protocol, chair, chair_key.key_id, chair_key.sign(PROTOCOL_TAG, {"sha256": "0" * 64}))
    signed_by(protocol, chair, chair_key)
    signed_by(protocol, secretary, secretary_key)
    assert protocol.meeting.state is MeetingState.COUNTED
    signed_by(protocol, counter, counter_key)
    assert protocol.meeting.state is MeetingState.SIGNED and protocol.signed_at is not None
    with pytest.raises(ConflictError):  # immutable once signed
        services.request_render(protocol.meeting)

    bundle = evidence.bundle(protocol.meeting)
    assert bundle["protocol_hash"] == protocol.sha256
    assert [e["type"] for e in bundle["entries"]][-3:] == ["close", "tally", "protocol"]
    report = verify(bundle)
    assert report.valid, [str(f) for f in report.findings]
    forged = copy.deepcopy(bundle)
    forged["entries"][-1]["payload"]["signatures"][1]["name"] = "Кто-то другой"
    assert any("signatures[1]" in f.where for f in verify(forged).findings)

    services.submit(protocol, chair)
    assert protocol.meeting.state is MeetingState.SUBMITTED and protocol.submitted_at is not None


def test_a_signed_protocol_cannot_be_changed_even_by_sql(officers) -> None:
    protocol, people = officers
    for account, key in people:
        signed_by(protocol, account, key)
    db.session.flush()
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(Protocol.__table__.update().where(Protocol.meeting_id == protocol.meeting_id)
                           .values(pdf=b"%PDF-1.7 forged"))
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(signing.ProtocolSignature.__table__.delete())


def test_submitting_before_every_signature_is_refused(officers) -> None:
    protocol, ((chair, chair_key), _secretary, _counter) = officers
    signed_by(protocol, chair, chair_key)
    with pytest.raises(ConflictError):
        services.submit(protocol, chair)


def test_without_a_commission_the_initiator_signs(client, session) -> None:
    state, _bundle = counted_meeting(client)
    staff = staff_of(state.building.organisation)
    state.meeting.initiator_organisation = state.building.organisation
    db.session.flush()
    signers = signing.required(state.meeting)
    assert [(s["role"], s["name"]) for s in signers] == [("initiator", state.building.organisation.name)]
    assert staff.id in signers[0]["user_ids"]


def test_a_tszh_protocol_is_signed_by_every_owner_who_voted_for(client, session) -> None:
    state, _bundle = counted_meeting(client, agenda=(("Создать товарищество собственников жилья", "136.1"),
                                                     ("Утвердить план", "44.2.4")))
    owners = [s for s in signing.required(state.meeting) if s["role"] == "owner"]
    # item 1: the first owner re-voted against, the second voted for, the third's paper mark is void
    assert [s["name"] for s in owners] == ["Петров Пётр Петрович"]
    assert owners[0]["user_ids"] == [state.voters[1].user.id]


@pytest.fixture
def tszh(client, session) -> tuple[Protocol, Any, Any, Any]:
    """A ТСЖ's creation: a chair without an account (signs on paper), then the owner who voted for; an officer."""
    state, _bundle = counted_meeting(client, agenda=(("Создать товарищество собственников жилья", "136.1"),
                                                     ("Утвердить план", "44.2.4")))
    meetings.add_officer(state.meeting, OfficerRole.CHAIR, "Сидорова Анна Андреевна", "")
    officer = staff_of(state.building.organisation)
    db.session.flush()
    return services.render_now(state.meeting.id), state.voters[1], officer, add_key(officer)


def keyed_on_paper(protocol: Protocol, officer: Any, signer: Any, place: int, scan: bytes) -> None:
    kept = paper.keep_scan(protocol.meeting, officer, scan)
    body = signing.payload(protocol, signing.signers(protocol)[place], signing.on_paper(officer, kept.sha256))
    signing.sign_on_paper(protocol, officer, place, kept.sha256, signer.key_id, signer.sign(PROTOCOL_TAG, body))


def test_a_handwritten_signature_is_keyed_in_with_its_scan_and_verifies(tszh) -> None:
    protocol, owner, officer, officer_key = tszh
    listed = signing.signers(protocol)
    assert [(s["role"], s["name"], s["user_ids"]) for s in listed] == [
        ("chair", "Сидорова Анна Андреевна", []), ("owner", "Петров Пётр Петрович", [owner.user.id])]
    assert list(signing.awaited(protocol)) == [0]  # the chair first: the owner's turn has not come
    with pytest.raises(ForbiddenError):
        keyed_on_paper(protocol, officer, officer_key, 1, b"%PDF-1.7 the owner's page")
    scan = paper.keep_scan(protocol.meeting, officer, b"%PDF-1.7 the chair's page").sha256
    unkept = signing.on_paper(officer, "ab" * 32)
    with pytest.raises(InvalidInputError, match="Скан"):  # a scan never uploaded
        signing.sign_on_paper(protocol, officer, 0, "ab" * 32, officer_key.key_id, officer_key.sign(
            PROTOCOL_TAG, signing.payload(protocol, listed[0], unkept)))
    with pytest.raises(InvalidInputError):  # signed without the scan's hash: not what is recorded
        signing.sign_on_paper(protocol, officer, 0, scan, officer_key.key_id,
                              officer_key.sign(PROTOCOL_TAG, signing.payload(protocol, listed[0])))
    keyed_on_paper(protocol, officer, officer_key, 0, b"%PDF-1.7 the chair's page")
    assert protocol.meeting.state is MeetingState.COUNTED
    signed_by(protocol, owner.user, owner.signer)
    assert protocol.meeting.state is MeetingState.SIGNED

    bundle = evidence.bundle(protocol.meeting)
    chair, by_owner = bundle["entries"][-1]["payload"]["signatures"]
    assert chair["paper_scan"] == scan and chair["keyed_by"] == (officer.full_name or officer.email)
    assert chair["key_id"] == officer_key.key_id and "paper_scan" not in by_owner
    report = verify(bundle)
    assert report.valid, [str(f) for f in report.findings]
    for change in ({"paper_scan": "cd" * 32}, {"keyed_by": "Кто-то другой"}):
        forged = copy.deepcopy(bundle)
        forged["entries"][-1]["payload"]["signatures"][0] |= change
        where = f"entries[{len(bundle['entries']) - 1}].payload.signatures[0]"  # besides the entry's own hash
        assert where in [f.where for f in verify(forged).findings], change


def test_a_handwritten_signature_through_the_page(client, tszh) -> None:
    protocol, owner, officer, officer_key = tszh
    url = f"/meetings/{protocol.meeting_id}/protocol"
    login(client, owner.user)
    assert "Подпись на бумаге" not in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/paper", data={"csrf_token": csrf_token(client, url)}).status_code == 404
    client.get("/auth/logout")
    login(client, officer)
    page = client.get(url).get_data(as_text=True)
    assert "Подпись на бумаге" in page and "Председатель собрания: Сидорова Анна Андреевна" in page
    refused = client.post(f"{url}/paper", data={"csrf_token": csrf_token(client, url), "signer": "0",
                                                "scan": (io.BytesIO(b"MZ\x90 not a scan"), "scan.pdf")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "PDF, JPEG или PNG" in refused.get_data(as_text=True)
    shown = client.post(f"{url}/paper", data={"csrf_token": csrf_token(client, url), "signer": "0",
                                              "scan": (io.BytesIO(b"\x89PNG\r\n\x1a\n page"), "page.png")},
                        content_type="multipart/form-data")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Подписать внесение" in text
    body = json.loads(html.unescape(re.search(r'name="payload" value="([^"]+)"', text)[1]))
    scan = re.search(r'name="paper_scan" value="([0-9a-f]{64})"', text)[1]
    assert body["paper_scan"] == scan and body["role"] == "chair"
    done = client.post(f"{url}/paper/sign", data={
        "csrf_token": csrf_token(client, url), "signer": "0", "paper_scan": scan, "key_id": officer_key.key_id,
        "signature": officer_key.sign(PROTOCOL_TAG, body)}, follow_redirects=True).get_data(as_text=True)
    assert "Подпись с бумаги внесена" in done and "подписано на бумаге" in done
    assert f"/paper/scans/{scan}" in done
    assert [s.paper_scan for s in protocol.signatures] == [scan]


def test_the_same_option_marked_twice_is_one_choice_for_the_tally_the_protocol_and_its_signers(session) -> None:
    state = open_meeting(agenda=(("Создать товарищество собственников жилья", "136.1"), ("Утвердить план", "44.2.4")))
    officer = staff_of(state.building.organisation)
    key_in_paper(state, officer, add_key(officer), state.voters[2].owner_id, "3", {"1": ["for", "for"], "2": "for"})
    assert meetings.advance(state.meeting, at=state.meeting.closes_at)
    meetings.count(state.meeting)
    db.session.flush()
    assert document.tallied(state.meeting)[1].items[0].votes_for == Decimal("10")
    assert [d["answers"] for d in document.build(state.meeting)["decisions"]] == [[["1", "за"], ["2", "за"]]]
    assert [s["name"] for s in signing.required(state.meeting) if s["role"] == "owner"] == ["Сидоров Семён Семёнович"]
