"""The importVotingProtocolRequest: each form and kind element by element in the schema's order and types
(gis_shape), escaping, the numbers equal to `veche recount`, a refusal naming what is missing, and (when
VECHE_GIS_XSD_DIR points at the published schemas) validation by the schema itself."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from lxml import etree

from protocols.gis import request
from protocols.gis.facts import _decisions, gaps
from protocols.gis.request import Attachment, Decision, Organisation, Person, ProtocolFacts
from registry.models import Building
from tests.domain.test_tally import dossiers
from tests.protocols.gis_shape import HM, IND, NSI, ORG, check_request
from voting.domain.gis_nsi import options, question_type
from voting.domain.tally import tally, to_json
from voting.meetings.models import AgendaItem, Meeting
from voting.recount import recount_command

ZONE = timezone(timedelta(hours=5))
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
XSD_DIR = os.environ.get("VECHE_GIS_XSD_DIR")


def facts(form: str, kind: str = "extraordinary", **changes: Any) -> ProtocolFacts:
    on = date(2026, 10, 10)
    fund = question_type("44.2.1.1", on)
    assert fund is not None
    values: dict[str, Any] = dict(
        transport_guid="9a1f0e3c-1b2d-4c5e-8f60-718293a4b5c6", fias_guid="5b2f1e0c-7a6d-4e3b-9c8a-1f2e3d4c5b6a",
        date=on, form=form, kind=kind, opens_at=datetime(2026, 10, 1, 9, tzinfo=ZONE),
        closes_at=datetime(2026, 10, 10, 0, tzinfo=ZONE),
        initiators=(Person("Иванов", "Иван", "Иванович", "11223344595"), Organisation(GUID, None)),
        quorum=True, number="7", place="г. Челябинск, ул. Труда, д. 1, двор", resolution_place="офис УК",
        discipline="Письменные решения — в офисе УК", info_review="На странице собрания",
        attachments=(Attachment("protocol.pdf", "Протокол", GUID),),
        decisions=(Decision(1, "Способ формирования фонда", fund.ref, Fraction(5431, 300), Fraction(1, 3),
                            Fraction(0), True, forming_fund=options("forming_fund", on)["special_account"]),))
    values.update(changes)
    return ProtocolFacts(**values)


def names(node: etree._Element) -> list[str]:
    return [child.tag.split("}")[1] for child in node]


@pytest.mark.parametrize(("form", "branch", "children"), [
    ("electronic", "EVoting", ["EVotingDateBegin", "EVotingDateEnd", "Discipline", "InfoReview", "Attachments"]),
    ("absentee", "AVoting", ["AVotingStartDate", "AVotingDate", "ResolutionPlace", "Attachments"]),
    ("in_person", "Meeting", ["VotingPlace", "MeetingDate", "Attachments"]),
    ("mixed", "MeetingAVoting", ["MeetingDate", "VotingPlace", "AVotingStartDate", "AVotingDate", "ResolutionPlace",
                                 "Attachments"]),
])
@pytest.mark.parametrize(("kind", "flag"), [("extraordinary", "ExtraVoting"), ("annual", "AnnualVoting")])
def test_each_form_and_kind_in_the_schemas_order_and_types(form: str, branch: str, children: list[str], kind: str,
                                                            flag: str) -> None:
    root = request.build(facts(form, kind))
    assert check_request(root) == []
    assert root.tag == f"{{{HM}}}importVotingProtocolRequest" and root.get("Id") == request.REQUEST_ID
    assert root.get("{http://dom.gosuslugi.ru/schema/integration/base/}version") == "11.11.0.6"
    assert names(root) == ["TransportGUID", "Protocol"]
    protocol = root[1]
    assert names(protocol) == ["FIASHouseGuid", "ProtocolNum", "ProtocolDate", branch, flag, "VoteInitiators",
                               "VoteInitiators", "MeetingEligibility", "DecisionList"]
    assert protocol[2].text == "2026-10-10" and protocol[4].text == "true" and protocol[7].text == "C"
    assert names(protocol[3]) == children
    values = {child.tag.split("}")[1]: child.text for child in protocol[3]}
    assert values.get("EVotingDateBegin", values.get("MeetingDate")) in (None, "2026-10-01T09:00:00+05:00")
    assert values.get("AVotingDate") in (None, "2026-10-09")  # the window ends at midnight: the 9th is the last day
    person, organisation = protocol[5][0], protocol[6][0]
    assert [c.tag for c in person] == [f"{{{IND}}}{n}" for n in ("Surname", "FirstName", "Patronymic", "SNILS")]
    assert [c.tag for c in organisation] == [f"{{{ORG}}}orgRootEntityGUID"]
    decision = protocol[8]
    assert names(decision) == ["QuestionNumber", "QuestionName", "DecisionsType", "Agree", "Against", "Abstent",
                               "FormingFund", "votingResume"]
    assert [c.text for c in decision[3:6]] == ["18.10", "0.33", "0.00"]  # 5431/300 and 1/3, half-up to two places
    assert [c.tag for c in decision[2]] == [f"{{{NSI}}}{n}" for n in ("Code", "GUID", "Name")]
    assert decision[2][0].text == "2.1" and decision[-1].text == "M"


def test_a_provisional_number_a_replaced_version_and_placing() -> None:
    root = request.build(facts("electronic", number=None, protocol_guid=GUID, placing=True, quorum=False,
                               attachments=()))
    assert check_request(root) == []
    assert names(root) == ["TransportGUID", "ProtocolGUID", "Protocol"]
    assert "ProtocolNum" not in names(root[2]) and names(root[2])[-1] == "Placing"
    assert root[2].find(f"{{{HM}}}MeetingEligibility").text == "N"
    assert names(root[2].find(f"{{{HM}}}EVoting"))[-1] == "InfoReview"  # attachments are optional here only


def test_the_shape_check_catches_what_the_schema_refuses() -> None:
    """The check can fail: order, a missing attachment of a paper form, a float-looking amount, the version."""
    root = request.build(facts("absentee"))
    branch = root[1].find(f"{{{HM}}}AVoting")
    branch.remove(branch.find(f"{{{HM}}}Attachments"))
    root[1].find(f"{{{HM}}}DecisionList/{{{HM}}}Agree").text = "18.1"
    root.set("{http://dom.gosuslugi.ru/schema/integration/base/}version", "11.0")
    date_node = root[1].find(f"{{{HM}}}ProtocolDate")
    root[1].remove(date_node)
    root[1].insert(0, date_node)
    problems = "\n".join(check_request(root))
    assert "Attachments: 0 present" in problems and "'18.1'" in problems and "fixed '11.11.0.6'" in problems
    assert "FIASHouseGuid: 0 present" in problems


def test_agenda_text_with_markup_characters_is_escaped() -> None:
    question = 'Вопрос <b>«А & Б»</b> "в кавычках" и \'апострофах\' ]]>'
    root = request.build(facts("electronic", place='Двор <дома> & "сквер"', decisions=(
        Decision(1, question, facts("electronic").decisions[0].type, Fraction(1), Fraction(0), Fraction(0), True),)))
    raw = request.to_bytes(root)
    assert b"<b>" not in raw and b"&lt;b&gt;" in raw and b"&amp; \xd0\x91" in raw
    parsed = etree.fromstring(raw)
    assert parsed.find(f".//{{{HM}}}QuestionName").text == question
    assert check_request(parsed) == []


def recounted(dossier: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(dossier, ensure_ascii=False), encoding="utf-8")
    outcome = CliRunner().invoke(recount_command, [str(path), "--json"])
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


CHOSEN = {"44.2.4": "management_company", "44.2.1.1": "regional_operator"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dossiers())
def test_the_numbers_are_the_recounts_to_the_last_digit(app, tmp_path: Path, dossier: dict[str, Any]) -> None:
    """A generated meeting: its stored tally through the exporter equals `veche recount` of its dossier."""
    from voting.domain.dossier import parse

    meeting = Meeting(result=json.dumps(to_json(tally(parse(dossier)))))
    meeting.agenda = [AgendaItem(number=int(a["id"]), title=a["title"], subject=a["subject"],
                                 gis_choice=CHOSEN.get(a["subject"])) for a in dossier["agenda"]]
    with app.test_request_context():
        meeting.building = Building(fias_guid="5b2f1e0c-7a6d-4e3b-9c8a-1f2e3d4c5b6a", timezone="Asia/Yekaterinburg")
        assert gaps(meeting, date(2026, 3, 21)) == []
        decisions = _decisions(meeting, date(2026, 3, 21))
    quorum = json.loads(meeting.result or "{}")["quorum"]  # as facts.gather takes it
    root = request.build(facts("electronic", decisions=decisions, quorum=quorum))
    assert check_request(root) == []
    exported = [(d.findtext(f"{{{HM}}}QuestionNumber"), d.findtext(f"{{{HM}}}Agree"), d.findtext(f"{{{HM}}}Against"),
                 d.findtext(f"{{{HM}}}Abstent"), d.findtext(f"{{{HM}}}votingResume"))
                for d in root.iter(f"{{{HM}}}DecisionList")]
    result = recounted(dossier, tmp_path)
    assert exported == [(i["id"], i["for"], i["against"], i["abstain"], "M" if i["adopted"] else "N")
                        for i in result["items"]]
    assert root.findtext(f".//{{{HM}}}MeetingEligibility") == ("C" if result["quorum"] else "N")


@pytest.mark.skipif(not XSD_DIR, reason="VECHE_GIS_XSD_DIR is not set: the published ГИС ЖКХ schemas are not here "
                                        "(the element-by-element checks above still run)")
@pytest.mark.parametrize("form", ["electronic", "absentee", "in_person", "mixed"])
def test_the_published_schema_accepts_every_form(form: str) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(Path(XSD_DIR or "") / "house-management" / "hcs-house-management-types.xsd"))
    for kind in ("extraordinary", "annual"):
        errors = list(schema.iter_errors(request.to_bytes(request.build(facts(form, kind))).decode()))
        assert [e.reason for e in errors] == []


def test_dates_in_utc_are_written_with_their_offset() -> None:
    root = request.build(facts("electronic", opens_at=datetime(2026, 10, 1, 4, tzinfo=UTC)))
    assert root.findtext(f".//{{{HM}}}EVotingDateBegin") == "2026-10-01T04:00:00+00:00"
