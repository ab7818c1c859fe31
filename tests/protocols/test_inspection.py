"""The inspector's side: the list in scope with filters, overdue flags and CSV; the one-click recount next to the
protocol's numbers; notes; the public check page; the ГИС ЖКХ export; `veche protocol` and `veche verify` on it."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from ballots.verify_command import verify_command
from protocols import services
from protocols.gis import results as gis
from tests.factories import csrf_token, inspector_of, login, staff_of
from tests.factories.ballots import counted_meeting
from voting.cli import cli
from voting.core.extensions import db
from voting.meetings.models import Meeting, MeetingForm, MeetingKind, MeetingState


def inspected(client):
    state, _bundle = counted_meeting(client)
    protocol = services.render_now(state.meeting.id)
    inspector = inspector_of(municipality=state.building.municipality)
    client.get("/auth/logout")
    login(client, inspector)
    return state, protocol, inspector


def test_the_inspector_finds_recounts_and_notes_a_protocol(client, session) -> None:
    state, protocol, _inspector = inspected(client)
    meeting = state.meeting
    late = Meeting(building=state.building, kind=MeetingKind.ANNUAL, form=MeetingForm.ABSENTEE,
                   state=MeetingState.CLOSED, opens_at=datetime.now(UTC) - timedelta(days=30),
                   closes_at=datetime.now(UTC) - timedelta(days=12))
    db.session.add(late)
    db.session.flush()
    page = client.get("/inspection/").get_data(as_text=True)
    assert f"№ {protocol.number}" in page and state.building.address in page
    assert page.count("просрочен") == 1  # the closed meeting without a protocol twelve days on
    only_counted = client.get("/inspection/?state=counted&outcome=some").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/protocol" in only_counted and f"собрание {late.id}" not in only_counted
    assert "Протоколов по этим условиям нет" in client.get("/inspection/?form=in_person").get_data(as_text=True)
    listed = client.get("/inspection/protocols.csv").get_data(as_text=True)
    assert protocol.sha256 in listed and listed.count("\n") == 3  # the header and two meetings
    assert "подсчитано" in listed and "counted" not in listed and "electronic" not in listed  # words, not codes

    show = client.get(f"/meetings/{meeting.id}/protocol").get_data(as_text=True)
    token = csrf_token(client, f"/meetings/{meeting.id}/protocol")
    recount = client.post(f"/meetings/{meeting.id}/protocol/recount", data={"csrf_token": token})
    body = recount.get_data(as_text=True)
    assert "Проверить и пересчитать" in show and recount.status_code == 200
    assert "совпал с протоколом до последней цифры" in body and "НЕТ" not in body
    assert client.get(f"/meetings/{meeting.id}/protocol.pdf").data == protocol.pdf
    note = {"csrf_token": token, "text": "Проверено, замечаний нет"}
    client.post(f"/meetings/{meeting.id}/protocol/notes", data=note)
    assert "Проверено, замечаний нет" in client.get(f"/meetings/{meeting.id}/protocol").get_data(as_text=True)


def test_a_recount_shows_where_the_protocol_differs(client, session) -> None:
    _state, protocol, _inspector = inspected(client)
    document = json.loads(protocol.document or "{}")
    document["result"]["items"][0]["for"] = "99.99"  # as if the printed number had been changed
    protocol.document = json.dumps(document)
    db.session.flush()
    report, rows = services.recount(protocol)
    assert report.valid
    assert [r["label"] for r in rows if not r["same"]] == ["Вопрос 1: за"]


def test_the_public_page_confirms_a_protocol_without_personal_data(client, session) -> None:
    state, protocol, _inspector = inspected(client)
    client.get("/auth/logout")
    for digest in (protocol.evidence_sha256, protocol.sha256):
        page = client.get(f"/verify/{digest}").get_data(as_text=True)
        assert "подлинный протокол" in page and state.building.address in page
        assert "Иванов" not in page and "Петров" not in page
    assert client.get("/verify/" + "0" * 64).status_code == 404


def test_gis_export_in_json_and_xml(client, session) -> None:
    state, protocol, _inspector = inspected(client)
    document = json.loads(protocol.document or "{}")
    results = json.loads(client.get(f"/meetings/{state.meeting.id}/protocol/gis.json").data)
    result = json.loads(state.meeting.result or "{}")
    assert results["form"] == "EVoting" and results["kind"] == "extra" and results["meeting_id"] is None
    assert [(q["number"], q["for"], q["against"], q["abstain"], q["adopted"]) for q in results["questions"]] == [
        (int(i["id"]), i["for"], i["against"], i["abstain"], i["adopted"]) for i in result["items"]]
    # the XML is ГИС ЖКХ's importVotingProtocolRequest (tests/protocols/test_gis_*): refused while identifiers lack
    refused = client.get(f"/meetings/{state.meeting.id}/protocol/gis.xml")
    assert refused.status_code == 422 and "ФИАС" in refused.get_data(as_text=True)
    document["items"][0]["title"] = "<&> " + "я" * 4000
    long = gis.export(document)
    assert len(long["questions"][0]["name"]) == 3000 and long["questions"][0]["name"].startswith("<&> ")


def test_the_command_writes_the_protocol_and_verify_checks_the_pdf(client, session, runner, tmp_path: Path) -> None:
    state, _bundle = counted_meeting(client)
    out = tmp_path / "protocol.pdf"
    result = runner.invoke(cli, ["protocol", str(state.meeting.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(verify_command, [str(out)]).exit_code == 0
    assert runner.invoke(cli, ["protocol", "999999", "-o", str(out)]).exit_code == 2
    # the same PDF carrying a different bundle: the protocol names another one
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    name, (content,) = next(iter(reader.attachments.items()))
    bundle = json.loads(content)
    bundle["tally"]["quorum"] = not bundle["tally"]["quorum"]
    forged = PdfWriter()
    forged.append(reader)
    forged.add_metadata(dict(reader.metadata or {}))
    forged.add_attachment(name, json.dumps(bundle).encode())
    tampered = tmp_path / "tampered.pdf"
    with tampered.open("wb") as handle:
        forged.write(handle)
    checked = CliRunner().invoke(verify_command, [str(tampered)])
    assert checked.exit_code == 1 and "the protocol names evidence" in checked.output


def test_the_company_enters_the_gis_number_and_the_protocol_carries_it(client, session) -> None:
    state, _bundle = counted_meeting(client)
    protocol = services.render_now(state.meeting.id)
    assert protocol.number_provisional
    officer = staff_of(state.building.organisation)
    client.get("/auth/logout")
    login(client, officer)
    url = f"/meetings/{state.meeting.id}/protocol"
    token = csrf_token(client, url)
    assert client.post(url + "/number", data={"csrf_token": token, "gis_id": "<script>"}).status_code == 422
    client.post(url + "/number", data={"csrf_token": token, "gis_id": "8e2f-41aa-93c1"})
    db.session.refresh(protocol)
    assert (protocol.number, protocol.number_provisional) == ("8e2f-41aa-93c1", False)
    assert "Протокол № 8e2f-41aa-93c1" in " ".join(PdfReader(io.BytesIO(protocol.pdf or b"")).pages[0]
                                                    .extract_text().split())


def test_protocol_of_a_meeting_not_counted_is_refused(client, session, runner, tmp_path: Path) -> None:
    state, _bundle = counted_meeting(client)
    officer = staff_of(state.building.organisation)
    meeting = Meeting(building=state.building, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.CLOSED)
    db.session.add(meeting)
    db.session.flush()
    assert runner.invoke(cli, ["protocol", str(meeting.id), "-o", str(tmp_path / "p.pdf")]).exit_code == 2
    client.get("/auth/logout")
    login(client, officer)
    assert client.get(f"/meetings/{meeting.id}/protocol").status_code == 404
