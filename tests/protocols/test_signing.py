"""An electronic meeting's protocol is signed by the system operator (the server key, with the operator's qualified
signature where configured); a paper meeting's officers sign its hash in order with their device keys or by hand. The
last signature puts the protocol into the log (verifiable, signatures included); a signed protocol never changes; then
it goes to the inspection."""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from auth.models import User
from ballots import evidence, paper
from ballots.chain import PROTOCOL_TAG
from ballots.verify import verify
from protocols import document, services, signing
from protocols.models import Protocol, RenderState
from tests.factories import csrf_token, login, staff_of
from tests.factories.ballots import Open, add_key, counted_meeting, key_in_paper, open_meeting
from voting.core.errors import ConflictError, ForbiddenError, InvalidInputError
from voting.core.extensions import db
from voting.core.server_key import server_key
from voting.meetings import lifecycle, plan
from voting.meetings.models import MeetingForm, MeetingState, OfficerRole


def signed_by(protocol: Protocol, account: Any, signer: Any) -> None:
    stand_for = signing.next_for(protocol, account)
    assert stand_for is not None, "not this account's turn"
    signing.sign(protocol, account, signer.key_id, signer.sign(PROTOCOL_TAG, signing.payload(protocol, stand_for)))


TSZH = (("Создать товарищество собственников жилья", "136.1"), ("Утвердить план", "44.2.4"))


def counted_on_paper(agenda: tuple[tuple[str, str], ...] = (("Избрать председателя", "44.2.5"),
                                                             ("Утвердить план", "44.2.4"))) -> Open:
    """A written (absentee) meeting, closed and counted: the first owner against item 1, the second for, the third's
    mark on item 1 void (both options); every other answer "for"."""
    state = open_meeting(agenda=agenda, form=MeetingForm.ABSENTEE)
    officer = staff_of(state.building.organisation)
    officer_key = add_key(officer)
    for voter, first in zip(state.voters, ("against", "for", ["for", "against"]), strict=True):
        key_in_paper(state, officer, officer_key, voter.owner_id, voter.premises[0], {"1": first, "2": "for"})
    assert lifecycle.advance(state.meeting, at=state.meeting.closes_at)
    lifecycle.count(state.meeting)
    db.session.flush()
    return state


@pytest.fixture
def officers(session) -> tuple[Protocol, list[tuple[Any, Any]]]:
    """A paper meeting's rendered protocol with a chair, a secretary and a counting-commission member, each with a
    device key."""
    state = counted_on_paper()
    meeting = state.meeting
    counter = staff_of(state.building.organisation)
    people = [(state.voters[0].user, state.voters[0].signer), (state.voters[1].user, state.voters[1].signer),
              (counter, add_key(counter))]
    for role, (account, _signer) in zip((OfficerRole.CHAIR, OfficerRole.SECRETARY, OfficerRole.COUNTER), people,
                                        strict=True):
        plan.add_officer(meeting, role, account.full_name or account.email, account.email)
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
    # the protocol's hash is bound: by its server-signed entry, which the final signed checkpoint covers
    assert bundle["checkpoints"][-1]["size"] == len(bundle["entries"])
    assert [f.where for f in verify(bundle | {"protocol_hash": "ab" * 32}).findings] == ["protocol_hash"]
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


@pytest.mark.parametrize(("elected", "missing"), [
    ((), "председателя и секретаря"),
    ((OfficerRole.CHAIR,), "секретаря"),
    ((OfficerRole.SECRETARY, OfficerRole.COUNTER), "председателя"),
    ((OfficerRole.CHAIR, OfficerRole.SECRETARY), None),
])
def test_a_paper_meetings_protocol_needs_its_chair_and_secretary(session, elected, missing) -> None:
    state = counted_on_paper()
    for n, role in enumerate(elected):
        plan.add_officer(state.meeting, role, f"Офицер {n}", "")
    db.session.flush()
    if missing is None:
        assert services.request_render(state.meeting).render_state is RenderState.READY
        return
    with pytest.raises(ConflictError, match=f"укажите {missing} "):
        services.request_render(state.meeting)
    with pytest.raises(ConflictError, match=missing):  # nor does the job (or `veche protocol`) render it
        services.make_pdf(state.meeting)


def test_submitting_before_every_signature_is_refused(officers) -> None:
    protocol, ((chair, chair_key), _secretary, _counter) = officers
    signed_by(protocol, chair, chair_key)
    with pytest.raises(ConflictError):
        services.submit(protocol, chair)


def test_without_a_commission_the_initiator_signs(session) -> None:
    state = counted_on_paper()
    staff = staff_of(state.building.organisation)
    state.meeting.initiator_organisation = state.building.organisation
    db.session.flush()
    signers = signing.required(state.meeting)
    assert [(s["role"], s["name"]) for s in signers] == [("initiator", state.building.organisation.name)]
    assert staff.id in signers[0]["user_ids"]


def test_a_tszh_protocol_is_signed_by_every_owner_who_voted_for(session) -> None:
    state = counted_on_paper(agenda=TSZH)
    owners = [s for s in signing.required(state.meeting) if s["role"] == "owner"]
    # item 1: the first owner voted against, the second for, the third's mark is void
    assert [s["name"] for s in owners] == ["Петров Пётр Петрович"]
    assert owners[0]["user_ids"] == [state.voters[1].user.id]


@pytest.fixture
def tszh(session) -> tuple[Protocol, Any, Any, Any]:
    """A ТСЖ's creation: a chair without an account (signs on paper), the secretary (an officer of the company, who
    also keys in paper), then the owner who voted for."""
    state = counted_on_paper(agenda=TSZH)
    officer = staff_of(state.building.organisation)
    plan.add_officer(state.meeting, OfficerRole.CHAIR, "Сидорова Анна Андреевна", "")
    plan.add_officer(state.meeting, OfficerRole.SECRETARY, officer.full_name or officer.email, officer.email)
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
        ("chair", "Сидорова Анна Андреевна", []), ("secretary", officer.full_name or officer.email, [officer.id]),
        ("owner", "Петров Пётр Петрович", [owner.user.id])]
    assert list(signing.awaited(protocol)) == [0]  # the chair first: the owner's turn has not come
    with pytest.raises(ForbiddenError):
        keyed_on_paper(protocol, officer, officer_key, 2, b"%PDF-1.7 the owner's page")
    scan = paper.keep_scan(protocol.meeting, officer, b"%PDF-1.7 the chair's page").sha256
    unkept = signing.on_paper(officer, "ab" * 32)
    with pytest.raises(InvalidInputError, match="Скан"):  # a scan never uploaded
        signing.sign_on_paper(protocol, officer, 0, "ab" * 32, officer_key.key_id, officer_key.sign(
            PROTOCOL_TAG, signing.payload(protocol, listed[0], unkept)))
    with pytest.raises(InvalidInputError):  # signed without the scan's hash: not what is recorded
        signing.sign_on_paper(protocol, officer, 0, scan, officer_key.key_id,
                              officer_key.sign(PROTOCOL_TAG, signing.payload(protocol, listed[0])))
    keyed_on_paper(protocol, officer, officer_key, 0, b"%PDF-1.7 the chair's page")
    signed_by(protocol, officer, officer_key)
    assert protocol.meeting.state is MeetingState.COUNTED
    signed_by(protocol, owner.user, owner.signer)
    assert protocol.meeting.state is MeetingState.SIGNED

    bundle = evidence.bundle(protocol.meeting)
    chair, _secretary, by_owner = bundle["entries"][-1]["payload"]["signatures"]
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
    state = open_meeting(agenda=(("Создать товарищество собственников жилья", "136.1"), ("Утвердить план", "44.2.4")),
                         form=MeetingForm.ABSENTEE)
    officer = staff_of(state.building.organisation)
    key_in_paper(state, officer, add_key(officer), state.voters[2].owner_id, "3", {"1": ["for", "for"], "2": "for"})
    assert lifecycle.advance(state.meeting, at=state.meeting.closes_at)
    lifecycle.count(state.meeting)
    db.session.flush()
    assert document.tallied(state.meeting)[1].items[0].votes_for == Decimal("10")
    assert [d["answers"] for d in document.build(state.meeting)["decisions"]] == [[["1", "за"], ["2", "за"]]]
    assert [s["name"] for s in signing.required(state.meeting) if s["role"] == "owner"] == ["Сидоров Семён Семёнович"]


QUALIFIED_CALLS: list[str] = []


def qualified_for_test(pdf: bytes, sha256: str) -> dict[str, str]:
    """Stands for the operator's certified tool (configured as the hook): answers a detached signature's shape."""
    assert hashlib.sha256(pdf).hexdigest() == sha256
    QUALIFIED_CALLS.append(sha256)
    return {"format": "CAdES-BES (test)", "signature": base64.b64encode(b"qualified:" + sha256.encode()).decode()}


def failing_tool(pdf: bytes, sha256: str) -> dict[str, str]:
    raise TimeoutError("the certified tool did not answer")


@pytest.fixture
def electronic(client, session) -> tuple[Protocol, Any]:
    """An electronic meeting's rendered protocol (with a chair and a secretary elected) and its administrator."""
    state, _bundle = counted_meeting(client)
    plan.add_officer(state.meeting, OfficerRole.CHAIR, "Иванов Иван Иванович", state.voters[0].user.email)
    plan.add_officer(state.meeting, OfficerRole.SECRETARY, "Петров Пётр Петрович", state.voters[1].user.email)
    db.session.flush()
    return services.render_now(state.meeting.id), staff_of(state.building.organisation)


def test_an_electronic_meetings_protocol_is_signed_by_the_system_operator(app, electronic) -> None:
    protocol, administrator = electronic
    assert [(s["role"], s["name"], s["user_ids"]) for s in signing.signers(protocol)] == [
        ("operator", app.config["OPERATOR_NAME"], [])]  # the elected officers do not sign (LEGAL.md §6)
    assert signing.next_for(protocol, administrator) is None and signing.on_paper_due(protocol) == {}
    record = signing.sign_as_operator(protocol, administrator)
    assert protocol.meeting.state is MeetingState.SIGNED and record.key_id == server_key().fingerprint
    assert record.qualified is None
    with pytest.raises(ForbiddenError):  # once
        signing.sign_as_operator(protocol, administrator)

    bundle = evidence.bundle(protocol.meeting)
    (signed,) = bundle["entries"][-1]["payload"]["signatures"]
    assert signed["role"] == "operator" and signed["key_id"] == server_key().fingerprint
    report = verify(bundle)
    assert report.valid, [str(f) for f in report.findings]
    where = f"entries[{len(bundle['entries']) - 1}].payload.signatures[0]"
    for change in ({"name": "Кто-то другой"}, {"role": "chair"}, {"key_id": "ab" * 32},
                   {"signature": base64.b64encode(b"\0" * 64).decode()}):
        forged = copy.deepcopy(bundle)
        forged["entries"][-1]["payload"]["signatures"][0] |= change
        assert where in [f.where for f in verify(forged).findings], change


def test_the_operators_qualified_signature_is_kept_in_what_the_server_signs(app, electronic) -> None:
    protocol, administrator = electronic
    app.config["OPERATOR_QUALIFIED_SIGNER"] = "tests.protocols.test_signing:failing_tool"
    with pytest.raises(ConflictError, match="did not answer"):
        signing.sign_as_operator(protocol, administrator)
    assert protocol.signatures == [] and protocol.meeting.state is MeetingState.COUNTED  # nothing half-signed
    app.config["OPERATOR_QUALIFIED_SIGNER"] = "tests.protocols.test_signing:qualified_for_test"
    QUALIFIED_CALLS.clear()
    record = signing.sign_as_operator(protocol, administrator)
    with pytest.raises(ForbiddenError):  # signed: the operator's tool is not asked again
        signing.sign_as_operator(protocol, administrator)
    assert [protocol.sha256] == QUALIFIED_CALLS
    assert record.qualified == qualified_for_test(protocol.pdf, protocol.sha256)

    bundle = evidence.bundle(protocol.meeting)
    assert bundle["entries"][-1]["payload"]["signatures"][0]["qualified"]["format"] == "CAdES-BES (test)"
    assert verify(bundle).valid
    forged = copy.deepcopy(bundle)
    forged["entries"][-1]["payload"]["signatures"][0]["qualified"]["signature"] = "AAAA"
    assert f"entries[{len(bundle['entries']) - 1}].payload.signatures[0]" in [f.where for f in verify(forged).findings]


def test_the_administrator_hands_the_protocol_to_the_operator_through_the_page(client, electronic) -> None:
    protocol, administrator = electronic
    url = f"/meetings/{protocol.meeting_id}/protocol"
    chair = db.session.get(User, protocol.meeting.officers[0].user_id)
    login(client, chair)
    page = client.get(url).get_data(as_text=True)
    assert "Оператор системы: Оператор региональной информационной системы" in page
    assert "Передать оператору на подпись" not in page and "Подписать протокол" not in page
    assert client.post(f"{url}/operator", data={"csrf_token": csrf_token(client, url)}).status_code == 404
    client.get("/auth/logout")
    login(client, administrator)
    assert "Передать оператору на подпись" in client.get(url).get_data(as_text=True)
    done = client.post(f"{url}/operator", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Все подписи собраны" in text and "подписано ключом системы" in text
    again = client.post(f"{url}/operator", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "уже подписан оператором" in again.get_data(as_text=True) and len(protocol.signatures) == 1
