"""Roles are granted and withdrawn by the operator's commands, each change in the security log; stale argon2
parameters are upgraded at sign-in; proxies may be limited to one meeting."""

from __future__ import annotations

import io
from datetime import date, timedelta

from argon2 import PasswordHasher
from sqlalchemy import select

from auth.models import Proxy, SecurityEvent, User
from tests.factories import PASSWORD, building, csrf_token, flat, login, user
from voting.cli import cli
from voting.core.extensions import db


def test_grant_and_withdraw_roles_are_logged(runner, session) -> None:
    item = building(rows=[flat("1")])
    account = user("newstaff@example.org")
    result = runner.invoke(cli, ["grant-role", account.email, "--staff", item.organisation.inn])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["grant-role", account.email, "--inspector-municipality", item.municipality.name])
    assert result.exit_code == 0
    db.session.expire_all()
    account = db.session.get(User, account.id)
    assert account.staff_roles and account.inspector_scopes and account.needs_totp
    assert runner.invoke(cli, ["withdraw-roles", account.email]).exit_code == 0
    db.session.expire_all()
    account = db.session.get(User, account.id)
    assert not account.staff_roles and not account.inspector_scopes
    details = [e.detail for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "role_changed"))]
    assert len(details) == 3 and details[-1].startswith("withdrawn")
    assert runner.invoke(cli, ["grant-role", "nobody@example.org", "--operator"]).exit_code == 2


def test_outdated_hash_parameters_are_upgraded_at_sign_in(client) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    account = user("old@example.org")
    account.password_hash = weak
    db.session.flush()
    login(client, account)
    db.session.expire_all()
    upgraded = db.session.get(User, account.id).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$") and "m=8192" not in upgraded


def test_proxy_for_one_meeting_must_name_a_meeting_of_that_building(client) -> None:
    from voting.meetings.models import Meeting, MeetingForm, MeetingKind

    item = building(rows=[flat("1")])
    meeting = Meeting(building=item, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC)
    db.session.add(meeting)
    db.session.flush()
    login(client, user())
    form = {"csrf_token": csrf_token(client, "/account/"), "proxy-address": item.address, "proxy-premises": "1",
            "proxy-egrn_record": "74:36:0102003:49-74/001/2020-1", "proxy-issued_on": "2026-01-10",
            "proxy-valid_until": (date.today() + timedelta(days=30)).isoformat()}

    def submit(meeting_id: str):
        return client.post("/account/proxies", content_type="multipart/form-data", data={
            **form, "proxy-meeting": meeting_id, "proxy-scan": (io.BytesIO(b"\x89PNG\r\n\x1a\n..."), "p.png")})

    assert submit(str(meeting.id + 1000)).status_code == 422
    assert submit(str(meeting.id)).status_code == 302
    assert db.session.scalars(select(Proxy)).one().meeting_id == meeting.id
