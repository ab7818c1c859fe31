"""The operator reads and filters the security log; nobody else does."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import TOTP_SECRET, login, post_login, user


def test_operator_filters_the_log_by_kind_and_person(client, app) -> None:
    victim = user("victim@example.org")
    post_login(app.test_client(), victim.email, "wrong password here")
    login(client, user(is_operator=True, totp_secret=TOTP_SECRET, totp_confirmed_at=datetime.now(UTC)))
    page = client.get("/manage/security-log?kind=sign_in_failed").get_data(as_text=True)
    assert "victim@example.org" in page and "неверный пароль" in page and "неудачный вход" in page
    assert "victim@example.org" not in client.get("/manage/security-log?kind=sign_in").get_data(as_text=True)
    assert "victim@example.org" in client.get("/manage/security-log?who=VICTIM").get_data(as_text=True)
    assert "victim@example.org" not in client.get("/manage/security-log?who=someone-else").get_data(as_text=True)
    for who in ("%", "victim_example"):  # literal characters, not wildcards
        page = client.get("/manage/security-log", query_string={"who": who}).get_data(as_text=True)
        assert "victim@example.org" not in page, who


def test_others_cannot_read_it(client) -> None:
    login(client, user())
    assert client.get("/manage/security-log").status_code == 403
