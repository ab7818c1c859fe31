"""The exchange with ГИС ЖКХ end to end against a stand-in on 127.0.0.1: `veche gis-export` (and its refusal naming
what is missing), the signed request sent by the job, the MessageGUID kept, getState polled, the outcome stored
(accepted with the GUID that comes back, refused with its codes), transport failures retried; the protocol page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from protocols.gis import delivery
from protocols.models import GisExchange, GisState
from tests.factories import csrf_token, login, staff_of
from tests.factories.ballots import counted_meeting
from tests.protocols.gis_shape import HM, check_request
from tests.protocols.gis_standin import StandIn, serve
from voting.cli import cli
from voting.core.errors import VotingError
from voting.core.extensions import db
from voting.domain.protocol_orders import order_on

FIAS = "5b2f1e0c-7a6d-4e3b-9c8a-1f2e3d4c5b6a"
ORG_GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
SENDER = "6c2a4e1b-3d5f-4a7b-9c8d-0e1f2a3b4c5d"


def key_pair(tmp_path: Path, name: str = "veche-test") -> tuple[Path, Path, bytes]:
    """A self-signed RSA certificate standing for the sender's (GOST in production)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    key_file, cert_file = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_file.write_bytes(cert_pem)
    return key_file, cert_file, cert_pem


@pytest.fixture
def stand_in(app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    key_file, cert_file, cert = key_pair(tmp_path)
    for server in serve(StandIn(cert=cert)):
        for name, value in {"GIS_URL": server.url, "GIS_SENDER": SENDER, "GIS_KEY_FILE": str(key_file),
                            "GIS_CERT_FILE": str(cert_file), "GIS_BACKOFF_SECONDS": 0.01, "GIS_ATTEMPTS": 5,
                            "GIS_SIGNER": None, "REDIS_URL": None}.items():
            monkeypatch.setitem(app.config, name, value)
        yield server


def ready(client):
    """A counted electronic meeting whose building and initiator have their ГИС ЖКХ identifiers."""
    state, _bundle = counted_meeting(client)
    state.building.fias_guid = FIAS
    state.building.organisation.gis_root_guid = ORG_GUID
    state.meeting.initiator_organisation = state.building.organisation
    state.meeting.agenda[1].gis_choice = "management_company"  # 44.2.4: ГИС ЖКХ asks which way
    db.session.flush()
    return state


def test_gis_export_writes_the_request_and_refuses_naming_what_is_missing(client, session, runner,
                                                                            tmp_path: Path) -> None:
    state = ready(client)
    out = tmp_path / "protocol.xml"
    result = runner.invoke(cli, ["gis-export", str(state.meeting.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = etree.parse(str(out)).getroot()
    assert check_request(root) == []
    stored = json.loads(state.meeting.result or "{}")
    assert [d.findtext(f"{{{HM}}}Agree") for d in root.iter(f"{{{HM}}}DecisionList")] == [
        i["for"] for i in stored["items"]]
    state.building.fias_guid = None
    state.meeting.agenda[1].gis_choice = None
    db.session.flush()
    refused = runner.invoke(cli, ["gis-export", str(state.meeting.id), "-o", str(tmp_path / "no.xml")])
    assert refused.exit_code == 2
    assert "нет идентификатора ФИАС" in refused.output and "вопрос 2: не указан способ управления" in refused.output
    assert not (tmp_path / "no.xml").exists()
    assert runner.invoke(cli, ["gis-export", "999999", "-o", str(out)]).exit_code == 2


def test_the_job_delivers_and_stores_the_identifier_that_comes_back(client, session, stand_in: StandIn) -> None:
    from protocols import services

    state = ready(client)
    protocol = services.render_now(state.meeting.id)
    assert protocol.number_provisional
    exchange = delivery.start(state.meeting)
    db.session.refresh(exchange)
    assert exchange.state == GisState.ACCEPTED.value, [(e.step, e.detail) for e in exchange.events]
    message = stand_in.messages[exchange.message_guid or ""]
    assert message.problems == [] and message.transport_guid == exchange.transport_guid
    assert exchange.result_guid == message.guid and exchange.unique_number == "74-" + message.guid[:8]
    assert [e.step for e in exchange.events] == ["queued", "sent", "waiting", "accepted"]
    assert stand_in.received == ["urn:importVotingProtocol", "urn:getState", "urn:getState"]
    signed = etree.fromstring(exchange.request.encode())
    assert signed[0].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"  # first, as base:BaseType has it
    assert order_on(state.meeting.notice_date).number_is_gis_id  # 266/пр: the protocol's number is ГИС ЖКХ's id
    assert state.meeting.gis_id == message.guid
    db.session.refresh(protocol)
    assert (protocol.number, protocol.number_provisional) == (message.guid, False)  # rendered again with it
    # the next version names the one it replaces
    again = delivery.start(state.meeting)
    assert etree.fromstring(again.request.encode()).findtext(f"{{{HM}}}ProtocolGUID") == message.guid


def test_a_refusal_is_stored_with_its_codes_and_transport_failures_are_retried(client, session,
                                                                                stand_in: StandIn) -> None:
    state = ready(client)
    stand_in.refuse = ("INT004105", "Дом с указанным ФИАС не найден")
    stand_in.fail_next = 2  # the first two requests meet a busy service
    exchange = delivery.start(state.meeting)
    db.session.refresh(exchange)
    assert exchange.state == GisState.REFUSED.value and exchange.result_guid is None
    assert exchange.error_list == [["INT004105", "Дом с указанным ФИАС не найден"]]
    assert [e.step for e in exchange.events] == ["queued", "retry", "retry", "sent", "waiting", "refused"]
    assert "HTTP 503" in (exchange.events[1].detail or "")
    # once the house is fixed there, sending again is accepted
    stand_in.refuse = None
    assert delivery.start(state.meeting).state == GisState.ACCEPTED.value


def test_a_request_signed_by_another_key_is_refused_by_the_stand_in(client, session, stand_in: StandIn,
                                                                     tmp_path: Path, app) -> None:
    state = ready(client)
    other_key, other_cert, _pem = key_pair(tmp_path, "someone-else")
    app.config["GIS_KEY_FILE"], app.config["GIS_CERT_FILE"] = str(other_key), str(other_cert)
    exchange = delivery.start(state.meeting)
    assert exchange.state == GisState.REFUSED.value
    assert exchange.error_list[0][0] == "SRV006000" and "signature" in exchange.error_list[0][1]


def test_nothing_answers_then_the_delivery_is_failed(client, session, stand_in: StandIn, app) -> None:
    state = ready(client)
    stand_in.fail_next = 10
    exchange = delivery.start(state.meeting)
    assert exchange.state == GisState.FAILED.value and exchange.message_guid is None
    assert [e.step for e in exchange.events].count("retry") == app.config["GIS_ATTEMPTS"]


def test_the_protocol_page_sends_and_shows_the_delivery_log(client, session, stand_in: StandIn) -> None:
    from protocols import services

    state = ready(client)
    services.render_now(state.meeting.id)
    login(client, staff_of(state.building.organisation))
    page = f"/meetings/{state.meeting.id}/protocol"
    token = csrf_token(client, page)
    assert client.post(page + "/gis/file", data={"csrf_token": token, "attachment_guid": "не guid"}).status_code == 422
    client.post(page + "/gis/send", data={"csrf_token": token})
    exchange = db.session.query(GisExchange).filter_by(meeting_id=state.meeting.id).one()
    shown = client.get(page).get_data(as_text=True)
    assert exchange.state == "accepted" and f"идентификатор протокола {exchange.result_guid}" in shown
    assert f"идентификатор сообщения {exchange.message_guid}" in shown and "MessageGUID" not in shown  # the log
    xml = client.get(page + "/gis.xml")
    assert xml.status_code == 200 and check_request(etree.fromstring(xml.data)) == []
    results = json.loads(client.get(page + "/gis.json").data)  # the JSON for people: the same numbers
    assert [(str(q["number"]), q["for"], q["against"], q["abstain"]) for q in results["questions"]] == [
        (d.findtext(f"{{{HM}}}QuestionNumber"), d.findtext(f"{{{HM}}}Agree"), d.findtext(f"{{{HM}}}Against"),
         d.findtext(f"{{{HM}}}Abstent")) for d in etree.fromstring(xml.data).iter(f"{{{HM}}}DecisionList")]


def test_the_demos_counted_meeting_exports_with_the_recounts_numbers_and_is_delivered(
        runner, session, stand_in: StandIn, tmp_path: Path) -> None:
    from click.testing import CliRunner
    from sqlalchemy import select

    from voting.meetings.models import Meeting
    from voting.recount import recount_command

    assert runner.invoke(cli, ["demo"]).exit_code == 0
    closed = db.session.scalar(select(Meeting).where(Meeting.gis_id == "demo-closed"))
    out, dossier = tmp_path / "demo.xml", tmp_path / "dossier.json"
    exported = runner.invoke(cli, ["gis-export", str(closed.id), "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert runner.invoke(cli, ["dossier", str(closed.id), "-o", str(dossier)]).exit_code == 0
    recount = json.loads(CliRunner().invoke(recount_command, [str(dossier), "--json"]).output)
    root = etree.parse(str(out)).getroot()
    assert check_request(root) == []
    assert [(d.findtext(f"{{{HM}}}Agree"), d.findtext(f"{{{HM}}}Against"), d.findtext(f"{{{HM}}}Abstent"))
            for d in root.iter(f"{{{HM}}}DecisionList")] == [
        (i["for"], i["against"], i["abstain"]) for i in recount["items"]]
    exchange = delivery.start(closed)
    assert exchange.state == GisState.ACCEPTED.value
    assert exchange.result_guid == stand_in.messages[exchange.message_guid or ""].guid


SIGNED_BY_HOOK: list[bytes] = []


def gost_tool(unsigned: bytes) -> bytes:
    """Stands for the operator's GOST signing tool: signs with the test key the fixture configured."""
    from flask import current_app

    from protocols.gis.signature import sign_with

    SIGNED_BY_HOOK.append(unsigned)
    signed = sign_with(etree.fromstring(unsigned), Path(current_app.config["TEST_GIS_KEY"]).read_bytes(),
                       Path(current_app.config["TEST_GIS_CERT"]).read_bytes())
    return etree.tostring(signed)


def broken_tool(unsigned: bytes) -> bytes:
    raise RuntimeError("токен не вставлен")


def test_the_operators_signing_tool_signs_when_configured(client, session, stand_in: StandIn, app,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    state = ready(client)
    monkeypatch.setitem(app.config, "TEST_GIS_KEY", app.config["GIS_KEY_FILE"])
    monkeypatch.setitem(app.config, "TEST_GIS_CERT", app.config["GIS_CERT_FILE"])
    monkeypatch.setitem(app.config, "GIS_KEY_FILE", None)
    monkeypatch.setitem(app.config, "GIS_SIGNER", "tests.protocols.test_gis_delivery:broken_tool")
    with pytest.raises(VotingError, match="токен не вставлен"):
        delivery.start(state.meeting)
    assert db.session.query(GisExchange).filter_by(meeting_id=state.meeting.id).count() == 0  # nothing kept
    monkeypatch.setitem(app.config, "GIS_SIGNER", "tests.protocols.test_gis_delivery:gost_tool")
    exchange = delivery.start(state.meeting)
    assert SIGNED_BY_HOOK and b"Signature" not in SIGNED_BY_HOOK[-1]  # the tool got the unsigned request
    assert exchange.state == GisState.ACCEPTED.value
