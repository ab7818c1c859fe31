"""The version for the visually impaired: chosen in the header, kept on the account (or an anonymous visitor's
session), answered by classes on <html>; a change needs the form's CSRF token."""

from __future__ import annotations

import pytest

from tests.factories import csrf_token, login, user
from voting.core.display import Display, parse
from voting.core.extensions import db


@pytest.mark.parametrize(("stored", "display"), [
    (None, Display()), ("", Display()), ("size=150", Display(150)),
    ("size=200 contrast spacing", Display(200, True, True)),
    ("size=300", Display()), ("size=abc contrast", Display(contrast=True)), ("spacing", Display(spacing=True)),
])
def test_stored_form_reads_back(stored, display) -> None:
    assert parse(stored) == display
    assert parse(display.dump()) == display


def test_ordinary_view_stores_nothing_and_adds_no_class() -> None:
    assert Display().dump() is None and Display().classes() == ""
    assert Display(200, True, True).classes() == "text-200 contrast spacing"


def test_an_anonymous_visitor_keeps_it_in_the_session(client, session) -> None:
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    response = client.post("/display", data={"csrf_token": token, "size": "150", "contrast": "y",
                                             "next": "/auth/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert '<html lang="ru" class="text-150 contrast">' in client.get("/auth/login").get_data(as_text=True)
    client.post("/display", data={"csrf_token": token, "size": "100", "next": "/"})
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_an_account_remembers_it_on_any_browser(app, client, session) -> None:
    account = user()
    login(client, account)
    token = csrf_token(client, "/")
    client.post("/display", data={"csrf_token": token, "size": "200", "spacing": "y", "next": "/"})
    db.session.refresh(account)
    assert account.display == "size=200 spacing"
    other = app.test_client()
    login(other, account)
    assert 'class="text-200 spacing"' in other.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("data", [{"size": "150"}, {"size": "300", "csrf": True}])
def test_without_the_token_or_with_an_unknown_size_nothing_changes(client, session, data) -> None:
    form = {"size": data["size"], "next": "/"} | ({"csrf_token": csrf_token(client, "/")} if "csrf" in data else {})
    assert client.post("/display", data=form).status_code == 400
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)


def test_the_header_offers_it_on_every_page(client, session) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Версия для слабовидящих" in page and 'action="/display"' in page and 'rel="icon"' in page
    with client.get("/favicon.ico") as icon:
        assert icon.headers["Content-Type"] == "image/vnd.microsoft.icon" and icon.data[:4] == b"\0\0\1\0"
