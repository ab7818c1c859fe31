"""Accounts end to end over real SMTP: register, confirm, sign in, sessions that really end, resets, 2FA, limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select, text, update

from auth.models import SecurityEvent, User, UserSession
from auth.passwords import password_problem
from tests.factories import PASSWORD, TOTP_SECRET, building, csrf_token, flat, login, post_login, staff_of, user
from voting.core.extensions import db


def register(client, email: str = "new@example.org", password: str = PASSWORD):
    token = csrf_token(client, "/auth/register")
    return client.post("/auth/register", data={"csrf_token": token, "email": email, "full_name": "Новикова Н. Н.",
                                               "password": password, "confirm": password})


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_register_confirm_by_mailed_link_and_sign_in(client, mailbox) -> None:
    assert register(client).status_code == 200
    [message] = mailbox.to("new@example.org")
    assert "подтвердите" in message["Subject"]
    assert post_login(client, "new@example.org").status_code == 401  # not confirmed yet
    link = mailbox.last_link("new@example.org")
    assert client.get(link).status_code == 302
    assert client.get(link).status_code == 302 and "уже использована" in client.get("/auth/login").get_data(
        as_text=True)  # single use
    response = post_login(client, "NEW@example.org")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    created = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert created.password_hash.startswith("$argon2id$")


def test_registration_refuses_short_long_and_common_passwords(client, mailbox) -> None:
    for password, message in (("short7!", "не короче 8"), ("x" * 129, "не длиннее 128"),
                              ("qwertyuiop", "слишком распространён"), ("Password1", "слишком распространён")):
        response = register(client, password=password)
        assert response.status_code == 422 and message in response.get_data(as_text=True), password
    assert password_problem("x" * 128) is None and password_problem("длинная фраза без правил") is None
    assert not mailbox.messages


def test_registering_a_taken_address_reveals_nothing_and_warns_the_owner(client, mailbox) -> None:
    existing = user("taken@example.org")
    response = register(client, email="taken@example.org")
    assert response.status_code == 200 and "Проверьте почту" in response.get_data(as_text=True)
    assert "попытка повторной регистрации" in mailbox.to("taken@example.org")[0]["Subject"]
    assert db.session.scalar(select(User).where(User.email == "taken@example.org")).id == existing.id


def test_session_id_changes_at_sign_in_and_dies_at_sign_out(client) -> None:
    account = user()
    client.get("/auth/login")
    before = session_cookie(client)
    login(client, account)
    signed_in = session_cookie(client)
    assert signed_in != before
    sid = db.session.scalar(select(UserSession.id).where(UserSession.user_id == account.id))
    assert sid not in before
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/account/")})
    client.set_cookie("session", signed_in)  # an attacker replays the old cookie
    assert client.get("/account/").status_code == 302


def test_password_change_ends_every_other_session(client, app) -> None:
    account = user()
    other = app.test_client()
    login(other, account)
    login(client, account)
    old_cookie = session_cookie(client)
    token = csrf_token(client, "/auth/password")
    new = "a new long passphrase"
    response = client.post("/auth/password", data={"csrf_token": token, "current": PASSWORD, "password": new,
                                                   "confirm": new})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this browser continues under a new session id
    assert other.get("/account/").status_code == 302   # the other device is signed out
    client.set_cookie("session", old_cookie)
    assert client.get("/account/").status_code == 302


def test_sign_out_everywhere(client, app) -> None:
    account = user()
    other = app.test_client()
    login(other, account)
    login(client, account)
    client.post("/auth/logout-everywhere", data={"csrf_token": csrf_token(client, "/account/")})
    assert other.get("/account/").status_code == 302 and client.get("/account/").status_code == 302


def test_idle_and_absolute_timeouts(client) -> None:
    account = user()
    login(client, account)
    assert client.get("/account/").status_code == 200
    db.session.execute(update(UserSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    assert client.get("/account/").status_code == 302
    login(client, account)
    db.session.execute(update(UserSession).where(UserSession.ended_at.is_(None))
                       .values(created_at=datetime.now(UTC) - timedelta(hours=13)))
    assert client.get("/account/").status_code == 302


def test_reset_by_mailed_link_single_use(client, mailbox) -> None:
    account = user("forgot@example.org")
    token = csrf_token(client, "/auth/reset")
    client.post("/auth/reset", data={"csrf_token": token, "email": "forgot@example.org"})
    link = mailbox.last_link("forgot@example.org")
    token = csrf_token(client, link)
    new = "another long passphrase"
    assert client.post(link, data={"csrf_token": token, "password": new, "confirm": new}).status_code == 302
    assert client.post(link, data={"csrf_token": token, "password": "third pass phrase",
                                   "confirm": "third pass phrase"}).status_code == 302  # refused, back to the form
    assert post_login(client, account.email, new).status_code == 302
    assert post_login(client, account.email, "third pass phrase").status_code == 401


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(client, mailbox) -> None:
    token = csrf_token(client, "/auth/reset")
    response = client.post("/auth/reset", data={"csrf_token": token, "email": "nobody@example.org"})
    assert "Проверьте почту" in response.get_data(as_text=True) and not mailbox.messages


def test_staff_need_a_one_time_code(client) -> None:
    item = building(rows=[flat("1")])
    account = staff_of(item.organisation)
    response = post_login(client, account.email)
    assert response.headers["Location"].endswith("/auth/totp")
    assert client.get("/account/").status_code == 302  # the password alone does not sign in
    token = csrf_token(client, "/auth/totp")
    assert client.post("/auth/totp", data={"csrf_token": token, "code": "000000"}).status_code == 200
    code = pyotp.TOTP(TOTP_SECRET).now()
    assert client.post("/auth/totp", data={"csrf_token": token, "code": code}).status_code == 302
    assert client.get(f"/buildings/{item.id}/register").status_code == 200


def test_staff_without_a_code_enrol_on_first_sign_in(client) -> None:
    item = building(rows=[flat("1")])
    account = staff_of(item.organisation)
    account.totp_secret, account.totp_confirmed_at = None, None
    db.session.flush()
    post_login(client, account.email)
    page = client.get("/auth/totp").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in page
    with client.session_transaction() as state:
        secret = state["totp_secret"]
    token = csrf_token(client, "/auth/totp")
    assert client.post("/auth/totp", data={"csrf_token": token, "code": pyotp.TOTP(secret).now()}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, account.id).totp_confirmed_at is not None


def send_code(client, code: str, address: str = "127.0.0.1", sign_in: bool = True):
    """Send a one-time code from `address`, after the password unless the client is already waiting for the code."""
    if sign_in:
        token = csrf_token(client, "/auth/login")
        client.post("/auth/login", data={"csrf_token": token, "email": "staff@example.org", "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": address})
    token = csrf_token(client, "/auth/totp")
    return client.post("/auth/totp", data={"csrf_token": token, "code": code}, environ_base={"REMOTE_ADDR": address})


def test_a_one_time_code_signs_in_once(client, app) -> None:
    item = building(rows=[flat("1")])
    account = staff_of(item.organisation, email="staff@example.org")
    now = time.time()  # the server's clock is at this step or the next, so both codes below are in its window
    code, next_code = pyotp.TOTP(TOTP_SECRET).at(now), pyotp.TOTP(TOTP_SECRET).at(now + 30)
    assert send_code(client, code).status_code == 302
    again = app.test_client()
    response = send_code(again, code)  # seen over a shoulder, say: the same code a second time
    assert response.status_code == 200 and "Код не подошёл" in response.get_data(as_text=True)
    assert again.get("/account/").status_code == 302
    assert send_code(app.test_client(), next_code).status_code == 302  # the next code is fine
    assert send_code(app.test_client(), code).status_code == 200  # and an earlier one is spent with it
    db.session.expire_all()
    assert db.session.get(User, account.id).totp_last_step == pyotp.TOTP(TOTP_SECRET).timecode(now) + 1


def test_wrong_one_time_codes_are_limited_per_account(client, app) -> None:
    item = building(rows=[flat("1")])
    account = staff_of(item.organisation, email="staff@example.org")
    wrong = f"{(int(pyotp.TOTP(TOTP_SECRET).now()) + 1) % 1_000_000:06d}"
    statuses = [send_code(client, wrong, "10.0.0.1", sign_in=n == 0).status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]  # the limit per address alone would allow ten a minute
    # from another address and a fresh sign-in, even the right code waits
    assert send_code(app.test_client(), pyotp.TOTP(TOTP_SECRET).now(), "10.0.0.2").status_code == 429
    kinds = [e.kind for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.user_id == account.id))]
    assert kinds.count("sign_in_failed") == 5 and "locked_out" in kinds


def test_brute_force_is_stopped_with_429_and_logged(client) -> None:
    account = user("victim@example.org")
    statuses = [post_login(client, account.email, f"wrong password {n}").status_code for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert post_login(client, account.email).status_code == 429  # even the right password waits
    kinds = [e.kind for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.subject == account.email))]
    assert kinds.count("sign_in_failed") == 5 and "locked_out" in kinds


def test_authenticated_pages_are_not_cached(client) -> None:
    login(client, user())
    assert client.get("/account/").headers["Cache-Control"] == "no-store"


def test_totp_secrets_are_not_stored_in_plain_text(client) -> None:
    item = building(rows=[flat("1")])
    staff_of(item.organisation)
    dump = " ".join(str(v) for row in db.session.execute(text("SELECT * FROM users")).all() for v in row)
    assert TOTP_SECRET not in dump
