"""The dashboard, the public summary, the API, and meetings held elsewhere (form and file)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from indicators.models import RegisteredMeeting
from tests.factories import building, csrf_token, flat, inspector_of, login, staff_of
from voting.cli import cli
from voting.core.extensions import db

PERIOD = {"from": "2026-01-01", "to": "2026-05-31"}


def test_dashboard_public_summary_and_api(client, runner) -> None:
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    from registry.models import Region

    region = db.session.scalar(select(Region).where(Region.name == "Челябинская область"))
    login(client, inspector_of(region=region))
    page = client.get("/indicators/", query_string=PERIOD).get_data(as_text=True)
    assert "Регион: 1856 из 3011 онлайн — 61.64 %" in page
    names = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>', page)
    assert names[0] in ("Снежинский городской округ", "Верхнеуральский муниципальный округ",
                        "Карталинский муниципальный округ", "Увельский муниципальный округ",
                        "Нагайбакский муниципальный округ", "Аргаяшский муниципальный округ",
                        "Брединский муниципальный округ")  # 100 % first
    by_total = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>',
                          client.get("/indicators/", query_string={**PERIOD, "sort": "total"}).get_data(as_text=True))
    assert by_total[:2] == ["Челябинский городской округ", "Магнитогорский городской округ"]
    assert "<svg class=\"chart\"" in page and "цель 60 %" in page
    export = client.get("/indicators/export.csv", query_string=PERIOD)
    assert "Челябинский городской округ,651,934,69.70,yes" in export.get_data(as_text=True)

    public = client.get("/indicators/public", query_string=PERIOD).get_data(as_text=True)
    assert "1856 из 3011" in public and "@" not in public  # aggregates only
    api = client.get("/api/v1/indicators/online-share", query_string=PERIOD)
    assert api.status_code == 200 and api.json["region"]["percent"] == "61.64"
    bad = client.get("/api/v1/indicators/online-share", query_string={"from": "2026-06-01", "to": "2026-01-01"})
    assert bad.status_code == 422 and "starts after it ends" in bad.json["detail"] and bad.json["field"] == "from"


def test_company_registers_a_meeting_held_elsewhere(client) -> None:
    item = building(rows=[flat("1")])
    login(client, staff_of(item.organisation))
    url = f"/buildings/{item.id}/meetings-elsewhere"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "kind": "annual", "form": "absentee",
                                      "started_on": "2026-04-01", "ended_on": "2026-04-20", "protocol_number": "7",
                                      "protocol": (io.BytesIO(b"%PDF-1.7 protocol"), "p.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    stored = db.session.scalars(select(RegisteredMeeting)).one()
    assert (stored.form.value, stored.ended_on.isoformat(), stored.protocol_number) == ("absentee", "2026-04-20", "7")
    assert stored.municipality_id == item.municipality_id and stored.protocol_pdf.startswith(b"%PDF")


@pytest.mark.parametrize(("change", "message"), [
    ({"ended_on": "2026-03-31"}, "окончание раньше начала"),
    ({"started_on": ""}, "укажите дату"),
    ({"kind": "weekly"}, "Неверный вариант"),
    ({"protocol": (io.BytesIO(b"<html>not a protocol"), "p.pdf")}, "Файл должен быть в формате PDF."),
])
def test_a_bad_meeting_held_elsewhere_is_refused_naming_the_field(client, change, message) -> None:
    item = building(rows=[flat("1")])
    login(client, staff_of(item.organisation))
    url = f"/buildings/{item.id}/meetings-elsewhere"
    data = {"csrf_token": csrf_token(client, url), "kind": "annual", "form": "absentee", "started_on": "2026-04-01",
            "ended_on": "2026-04-20", **change}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RegisteredMeeting.id))) == 0


def test_broken_file_is_refused_with_row_numbers_and_nothing_saved(client) -> None:
    item = building(rows=[flat("1")])
    login(client, staff_of(item.organisation))
    text = ("Дом;Вид;Форма;Начало;Окончание;Номер протокола\n"
            f"{item.address};годовое;заочное;01.03.2026;10.03.2026;1\n"
            f"{item.address};ежегодное;заочное;01.03.2026;10.03.2026;2\n"
            f"г. Нигде, д. 0;годовое;очное;01.03.2026;10.03.2026;3\n"
            f"{item.address};годовое;электронное;10.03.2026;01.03.2026;4\n")
    token = csrf_token(client, "/manage/meetings-elsewhere")
    response = client.post("/manage/meetings-elsewhere", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "m.csv")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "строка 3, столбец Вид: неизвестный вид «ежегодное»" in page
    assert "строка 5, столбец Окончание: окончание раньше начала" in page
    assert db.session.scalar(select(func.count(RegisteredMeeting.id))) == 0
    good = [*text.splitlines()[:2],
            f"{item.cadastral_number or item.address};внеочередное;электронное;01.05.2026;10.05.2026;9"]
    response = client.post("/manage/meetings-elsewhere", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO("\n".join(good).encode()), "m.csv")})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(RegisteredMeeting.id))) == 2
    foreign = [good[0], "г. Нигде, д. 0;годовое;очное;01.03.2026;10.03.2026;3"]
    response = client.post("/manage/meetings-elsewhere", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO("\n".join(foreign).encode()), "m.csv")})
    assert "не найден среди домов вашей организации" in response.get_data(as_text=True)


def test_drill_down_by_organisation_and_building(client) -> None:
    from datetime import date

    from indicators.models import RegisteredMeeting as Held
    from voting.meetings.models import MeetingForm, MeetingKind

    item = building(rows=[flat("1")])
    for form in (MeetingForm.ELECTRONIC, MeetingForm.ABSENTEE, MeetingForm.ELECTRONIC):
        db.session.add(Held(municipality_id=item.municipality_id, building_id=item.id,
                            organisation_id=item.organisation_id, kind=MeetingKind.ANNUAL, form=form,
                            started_on=date(2026, 2, 1), ended_on=date(2026, 2, 10)))
    db.session.add(Held(municipality_id=item.municipality_id, kind=MeetingKind.ANNUAL, form=MeetingForm.MIXED,
                        started_on=date(2026, 2, 1), ended_on=date(2026, 2, 10)))
    db.session.flush()
    login(client, inspector_of(municipality=item.municipality))
    page = client.get(f"/indicators/municipalities/{item.municipality_id}", query_string=PERIOD).get_data(
        as_text=True)
    assert re.search(r"ООО «УК Тест»</th><td class=\"num\">2</td><td class=\"num\">3</td><td class=\"num\">66.67",
                     page)
    assert re.search(rf"{re.escape(item.address)}</th><td class=\"num\">2</td><td class=\"num\">3</td>", page)
    assert re.search(r"—</th><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">0.00", page)


def test_a_period_outside_2000_to_2100_is_refused_naming_the_field(client) -> None:
    item = building(rows=[flat("1")])  # a region and a building's time zone: where the bounds overflowed
    json_client = {"Accept": "application/json"}
    widest = {"from": "0001-01-01", "to": "9999-12-31"}
    public = client.get("/indicators/public", query_string=widest)
    assert public.status_code == 422 and "2000-01-01" in public.get_data(as_text=True)
    assert client.get("/indicators/public", query_string=widest, headers=json_client).json["field"] == "from"
    for url in ("/api/v1/indicators/feed", "/api/v1/indicators/online-share"):
        for period, field in ((widest, "from"), ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
                              ({"from": "1999-12-31", "to": "2026-01-01"}, "from"),
                              ({"from": "2026-01-01", "to": "2101-01-01"}, "to")):
            refused = client.get(url, query_string=period)
            assert refused.status_code == 422 and refused.json["field"] == field, (url, period)
            assert "2100-12-31" in refused.json["detail"]
        assert client.get(url, query_string={"from": "2000-01-01", "to": "2100-12-31"}).status_code == 200
    assert client.get("/indicators/public", query_string={"from": "2000-01-01", "to": "2100-12-31"}).status_code == 200
    login(client, inspector_of(municipality=item.municipality))
    drill_down = client.get(f"/indicators/municipalities/{item.municipality_id}", query_string=widest,
                            headers=json_client)
    assert drill_down.status_code == 422 and drill_down.json["field"] == "from"
    assert client.get("/indicators/", query_string={"from": "2026-01-01", "to": "9999-12-31"}).status_code == 422


def test_drill_down_only_within_the_inspectors_scope(client, app) -> None:
    from registry.models import Municipality

    mine = building("г. Челябинск, ул. А, д. 1", rows=[flat("1")])
    other = Municipality(region=mine.municipality.region, name="Копейский городской округ",
                         short_name="Копейский ГО", population=1)
    db.session.add(other)
    db.session.flush()
    login(client, inspector_of(municipality=mine.municipality))
    assert client.get(f"/indicators/municipalities/{mine.municipality_id}", query_string=PERIOD).status_code == 200
    assert client.get(f"/indicators/municipalities/{other.id}", query_string=PERIOD).status_code == 404
    assert client.get("/indicators/municipalities/999999999", query_string=PERIOD).status_code == 404
    dashboard = client.get("/indicators/", query_string=PERIOD).get_data(as_text=True)
    assert f"/indicators/municipalities/{mine.municipality_id}?" in dashboard
    assert f"/indicators/municipalities/{other.id}?" not in dashboard and "Копейский городской округ" in dashboard
    # a region's inspector sees every municipality of that region
    regional = app.test_client()
    login(regional, inspector_of(region=mine.municipality.region))
    assert regional.get(f"/indicators/municipalities/{other.id}", query_string=PERIOD).status_code == 200
