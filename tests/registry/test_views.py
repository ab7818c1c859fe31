"""Register pages: masked personal data, the upload → preview → confirm flow, errors that save nothing."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from auth.models import SecurityEvent
from registry.models import Premises, RegisterUpload
from tests.factories import building, csrf_token, csv_bytes, flat, login, owner_in, staff_of
from voting.core.extensions import db

OWNER = flat("1", owner="Иванов Иван Иванович", snils="112-233-445 95")


def upload(client, item, data: bytes, filename: str = "реестр.csv"):
    url = f"/buildings/{item.id}/register"
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def premises_count(item) -> int:
    return db.session.scalar(select(func.count(Premises.id)).where(Premises.building_id == item.id)) or 0


def managed(client, **kwargs):
    """A building, and its management company's staff signed in."""
    item = building(**kwargs)
    login(client, staff_of(item.organisation))
    return item


def test_building_page_shows_totals_and_masks_personal_data(client, session) -> None:
    item = managed(client, rows=[OWNER, flat("2", owner=None, area="30,00", entrance="2")])
    page = client.get(f"/buildings/{item.id}").get_data(as_text=True)
    assert "Иванов И. И." in page and "Иван Иванович" not in page
    assert "***-***-*** 95" in page and "112-233-445" not in page
    assert "80,00" in page  # total votes, Russian number format
    assert "собственник не указан" in page
    assert not db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "personal_data_viewed")).all()

    unmasked = client.get(f"/buildings/{item.id}?unmask=1").get_data(as_text=True)
    assert "Иванов Иван Иванович" in unmasked and "112-233-445 95" in unmasked
    event = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "personal_data_viewed")).one()
    assert event.subject == item.address


def test_owners_see_no_neighbour_and_cannot_unmask(client, session) -> None:
    item = building(rows=[OWNER, flat("2", owner="Петров Пётр Петрович")])
    login(client, owner_in(item, "2"))
    page = client.get(f"/buildings/{item.id}?unmask=1").get_data(as_text=True)
    # LEGAL.md §9: the premises and their areas, not who owns them (masked or not)
    assert "Иванов" not in page and "112-233-445" not in page and "СНИЛС" not in page
    assert "Загрузить реестр" not in page
    assert client.get(f"/buildings/{item.id}/register").status_code == 404


def test_building_search_by_owner_and_number(client, session) -> None:
    item = managed(client, rows=[OWNER, flat("2", owner="Петров Пётр Петрович")])
    by_owner = client.get(f"/buildings/{item.id}?q=Петров").get_data(as_text=True)
    assert "Петров П. П." in by_owner and "Иванов И. И." not in by_owner
    by_number = client.get(f"/buildings/{item.id}?q=1").get_data(as_text=True)
    assert "Иванов И. И." in by_number and "Петров П. П." not in by_number


def test_searches_take_percent_and_underscore_literally(client, session) -> None:
    item = managed(client, address="г. Челябинск, ул. Кирова, д. 10",
                   rows=[OWNER, flat("2", owner="Петров Пётр Петрович")])
    for query in ("%", "_", "Петр_в"):
        page = client.get(f"/buildings/{item.id}", query_string={"q": query}).get_data(as_text=True)
        assert "Петров П. П." not in page and "Иванов И. И." not in page, query
    for query in ("%", "_", "Кир_ва"):
        assert "ул. Кирова" not in client.get("/buildings/", query_string={"q": query}).get_data(as_text=True), query


def test_a_page_past_the_end_shows_the_last_page(client, session, monkeypatch) -> None:
    from registry import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    item = managed(client, rows=[OWNER, flat("2", owner="Петров Пётр Петрович")])
    for page in ("3", "99999999999999999", "-99999999999999999999"):
        response = client.get(f"/buildings/{item.id}?page={page}")
        assert response.status_code == 200, page
        text = response.get_data(as_text=True)
        last = page != "-99999999999999999999"
        assert ("Петров П. П." in text) is last and ("Иванов И. И." in text) is not last
        assert f'<span aria-current="page">{2 if last else 1}</span>' in text


def test_buildings_list_and_search_show_only_the_users_buildings(client, session) -> None:
    managed(client, address="г. Челябинск, ул. Кирова, д. 10", rows=[OWNER])
    building("г. Челябинск, ул. Чужая, д. 1", rows=[OWNER])  # another company's
    assert "ул. Кирова" in client.get("/buildings/?q=Кирова").get_data(as_text=True)
    assert "ул. Кирова" not in client.get("/buildings/?q=Ленина").get_data(as_text=True)
    assert "ул. Чужая" not in client.get("/buildings/").get_data(as_text=True)


def test_upload_preview_confirm(client, session) -> None:
    item = managed(client, rows=[OWNER])
    response = upload(client, item, csv_bytes([OWNER, flat("2", owner="Петров Пётр Петрович")]))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "Добавятся помещения" in preview and "2: Петров П. П. (1/1)" in preview
    assert premises_count(item) == 1  # nothing applied before confirmation

    base = re.search(r'name="base" type="hidden" value="([0-9a-f]+)"', preview)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview)[1]
    done = client.post(f"{preview_url}/apply", data={"csrf_token": token, "base": base}, follow_redirects=True)
    assert done.status_code == 200
    assert "Реестр обновлён" in done.get_data(as_text=True)
    assert premises_count(item) == 2
    applied = db.session.scalars(select(RegisterUpload)).one()
    assert applied.applied_at is not None and applied.content is None and len(applied.sha256) == 64
    assert client.get(preview_url).status_code == 404  # an applied upload cannot be applied again


def test_stale_preview_is_not_applied(client, session) -> None:
    item = managed(client, rows=[OWNER])
    preview_url = upload(client, item, csv_bytes([OWNER, flat("2")])).headers["Location"]
    token = csrf_token(client, preview_url)
    response = client.post(f"{preview_url}/apply", data={"csrf_token": token, "base": "0" * 64},
                           follow_redirects=True)
    assert "изменился после просмотра" in response.get_data(as_text=True)
    assert premises_count(item) == 1


def test_broken_file_lists_rows_and_changes_nothing(client, session) -> None:
    item = managed(client, rows=[OWNER])
    response = upload(client, item, csv_bytes([OWNER, flat("2", area="-1"), flat("3", premises_kind="чердак")]))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "строка 3, столбец Площадь, м²: отрицательная площадь «-1»" in page
    assert "строка 4, столбец Вид помещения: неизвестное значение «чердак»" in page
    assert premises_count(item) == 1
    assert db.session.scalar(select(func.count(RegisterUpload.id))) == 0


def test_wrong_type_and_too_large_files_get_a_message_not_a_500(client, session, app) -> None:
    item = managed(client, rows=[OWNER])
    response = upload(client, item, b"%PDF-1.7\n\0binary", "scan.pdf")
    assert response.status_code == 422 and "Неверный тип файла" in response.get_data(as_text=True)
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2048
    try:
        response = upload(client, item, b"x" * 4096)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413 and "Файл больше" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, session) -> None:
    item = managed(client, rows=[OWNER])
    response = client.post(f"/buildings/{item.id}/register",
                           data={"file": (io.BytesIO(csv_bytes([OWNER])), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)


def test_unknown_building_is_404(client, session) -> None:
    managed(client, rows=[OWNER])
    assert client.get("/buildings/999999").status_code == 404
    assert client.get("/buildings/999999/register").status_code == 404


def test_templates_download(client, session) -> None:
    xlsx = client.get("/buildings/register-template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    csv = client.get("/buildings/register-template.csv")
    assert "Помещение;Вид помещения;Площадь, м²" in csv.get_data(as_text=True)


def test_language_switch_to_english(client, session) -> None:
    token = csrf_token(client, "/")
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/auth/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page
    evil = client.post("/language", data={"csrf_token": token, "lang": "ru", "next": "//evil.example/"})
    assert evil.headers["Location"] == "/"


def test_security_headers_on_pages_and_errors(client, session) -> None:
    for response in (client.get("/"), client.get("/no-such-page")):
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'; object-src 'none'")
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age" in response.headers["Strict-Transport-Security"]
    assert not re.search(r"<script(?![^>]*\ssrc=)", client.get("/").get_data(as_text=True))  # no inline scripts


def test_errors_answer_json_to_json_clients(client, session) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["title"] == "Страница не найдена"
