"""The identifiers ГИС ЖКХ needs, in the register: the house's ФИАС GUID as a register column (checked per row) and
on the building page with the managing organisation's registry GUIDs; the meeting page lists what is missing."""

from __future__ import annotations

import pytest

from registry.register_file import read_register
from registry.sync import apply_register, diff_register
from tests.factories import building, csrf_token, csv_bytes, flat, login, staff_of
from tests.registry.test_register_file import LIMIT, errors_of
from voting.core.extensions import db
from voting.meetings.models import AgendaItem, Meeting, MeetingForm, MeetingKind

FIAS = "5B2F1E0C-7A6D-4E3B-9C8A-1F2E3D4C5B6A"


def test_the_house_guid_comes_from_any_row_and_is_applied(session) -> None:
    rows = [flat("1", fias_guid=FIAS), flat("2", owner="Петров Пётр Петрович"), flat("3", fias_guid=FIAS.lower())]
    register = read_register("r.csv", csv_bytes(rows, headers=[*HEADER, "ФИАС дома"]), LIMIT)
    assert register.fias_guid == FIAS.lower()
    item = building(rows=[flat("1"), flat("2", owner="Петров Пётр Петрович"), flat("3")])
    diff = diff_register(item, register)
    assert not diff.empty and [(c.field, c.old, c.new) for c in diff.building_changed] == [
        ("fias_guid", "", FIAS.lower())]
    apply_register(item, register)
    db.session.flush()
    assert item.fias_guid == FIAS.lower()
    assert diff_register(item, register).empty  # applied: nothing left to change
    assert diff_register(item, read_register("r.csv", csv_bytes([flat("1"), flat("2", owner="Петров Пётр Петрович"),
                                                                  flat("3")]), LIMIT)).empty  # absent: kept


HEADER = ["Помещение", "Вид помещения", "Площадь, м²", "Подъезд", "Собственник", "Вид собственности",
          "Номер записи ЕГРН"]


@pytest.mark.parametrize(("value", "message"), [
    ("5b2f1e0c-7a6d-4e3b-9c8a-1f2e3d4c5b6", "строка 2, столбец ФИАС дома: идентификатор ФИАС «5b2f1e0c-7a6d-4e3b-9c8a-"
                                             "1f2e3d4c5b6» — не GUID"),  # one digit short
    ("5b2f1e0c7a6d4e3b9c8a1f2e3d4c5b6a", "— не GUID"),  # no hyphens
    ("г. Челябинск", "— не GUID"),
])
def test_a_malformed_house_guid_is_refused_naming_row_and_column(value: str, message: str) -> None:
    errors = errors_of(csv_bytes([flat("1", fias_guid=value)], headers=[*HEADER, "ФИАС дома"]))
    assert len(errors) == 1 and message in errors[0] and errors[0].startswith("строка 2, столбец ФИАС дома")


def test_two_different_house_guids_are_refused() -> None:
    other = "0f8fad5b-d9cb-469f-a165-70867728950e"
    errors = errors_of(csv_bytes([flat("1", fias_guid=FIAS), flat("2", fias_guid=other)],
                                 headers=[*HEADER, "ФИАС дома"]))
    assert errors == ["строка 3, столбец ФИАС дома: другой идентификатор ФИАС, чем в строке 2: у дома он один"]


def test_the_building_page_keeps_the_identifiers_and_the_meeting_page_lists_what_is_missing(client, session) -> None:
    item = building(rows=[flat("1")])
    meeting = Meeting(building=item, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC,
                      initiator_organisation=item.organisation)
    db.session.add_all([meeting, AgendaItem(meeting=meeting, number=1, title="Выбрать способ управления",
                                            subject="44.2.4")])
    db.session.commit()  # kept past the refused request's rollback
    login(client, staff_of(item.organisation))
    shown = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "У дома нет идентификатора ФИАС" in shown and "нет идентификатора в реестре организаций ГИС ЖКХ" in shown
    assert "Вопрос 1: для ГИС ЖКХ укажите выбираемый способ." in shown
    page = f"/buildings/{item.id}"
    token = csrf_token(client, page)
    refused = client.post(page + "/gis", data={"csrf_token": token, "fias_guid": "не guid"})
    assert refused.status_code == 422 and "ФИАС" in refused.get_data(as_text=True)
    assert item.fias_guid is None
    saved = client.post(page + "/gis", data={"csrf_token": token, "fias_guid": FIAS,
                                             "org_root_guid": "0F8FAD5B-D9CB-469F-A165-70867728950E"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:300]
    db.session.refresh(item)
    db.session.refresh(item.organisation)
    assert (item.fias_guid, item.organisation.gis_root_guid) == (FIAS.lower(), "0f8fad5b-d9cb-469f-a165-70867728950e")
    db.session.get(AgendaItem, meeting.agenda[0].id).gis_choice = "management_company"  # type: ignore[union-attr]
    db.session.commit()
    shown = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Для обмена с ГИС ЖКХ" not in shown


def test_an_item_states_the_way_it_chooses_only_where_ghis_asks(client, session) -> None:
    from tests.factories.meetings import drafted, post

    meeting, _item = drafted(client)
    url, page = f"/meetings/{meeting.id}/items", f"/meetings/{meeting.id}"
    post(client, url, {"title": "Выбрать управление управляющей организацией", "subject": "44.2.4",
                       "gis_choice": "management_company"}, page=page)
    refused = post(client, url, {"title": "Избрать председателя", "subject": "44.2.5",
                                 "gis_choice": "management_company"}, page=page)
    assert refused.status_code == 422 and "не относится к этому виду вопроса" in refused.get_data(as_text=True)
    post(client, url, {"title": "Избрать председателя", "subject": "44.2.5", "gis_choice": ""}, page=page)
    db.session.expire_all()
    items = db.session.get(Meeting, meeting.id).agenda  # type: ignore[union-attr]
    assert [(i.subject, i.gis_choice) for i in items] == [("44.2.4", "management_company"), ("44.2.5", None)]
