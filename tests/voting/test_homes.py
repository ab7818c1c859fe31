"""Each role's home after sign-in: the owner's meetings with «Голосовать», the company's desk of deadlines from the
domain's schedule, the inspector's overdue protocols, the operator's screens for organisations and roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from auth.models import SecurityEvent, StaffRole, User
from registry.models import Municipality, Organisation
from tests.factories import TOTP_SECRET, building, csrf_token, flat, inspector_of, login, owner_in, staff_of, user
from tests.factories.ballots import open_meeting
from voting import homes
from voting.core.extensions import db
from voting.domain.schedule import notice_deadline, protocol_due, results_due
from voting.meetings.models import Meeting, MeetingDecision, MeetingForm, MeetingKind, MeetingState


def test_an_owner_without_property_is_told_what_to_do(client, session) -> None:
    login(client, user("new@example.org"))
    page = client.get("/").get_data(as_text=True)
    assert "Подтвердите собственность, чтобы голосовать" in page and "/account/property" in page
    assert 'action="/account/code"' in page  # the code from the letter is entered right on the home page
    forms = client.get("/account/property").get_data(as_text=True)
    assert "Код из письма" in forms and "Я голосую по доверенности" in forms


def test_an_owner_sees_the_open_meeting_with_time_left_and_one_button_to_vote(client, session) -> None:
    state = open_meeting(days_left=3)
    voter = state.voters[0]
    login(client, voter.user)
    page = client.get("/").get_data(as_text=True)
    assert state.building.address in page and "осталось 2 дн." in page
    assert f'href="/meetings/{state.meeting.id}/vote">Голосовать</a>' in page
    db.session.add(MeetingDecision(meeting_id=state.meeting.id, owner_ref=voter.owner_id, premises="1",
                                   received_at=datetime.now(UTC), source="online", answers="{}",
                                   user_id=voter.user.id, log_index=1))
    db.session.flush()
    page = client.get("/").get_data(as_text=True)
    assert f'href="/meetings/{state.meeting.id}/vote">Изменить голос</a>' in page and "Ваш голос принят" in page


def test_another_buildings_meeting_is_not_on_an_owners_home(client, session) -> None:
    state = open_meeting()
    other = owner_in(building("г. Миасс, ул. Другая, д. 9", rows=[flat("1")]))
    login(client, other)
    page = client.get("/").get_data(as_text=True)
    assert state.building.address not in page and "Сейчас собраний в ваших домах нет." in page


def _meeting(item, state: MeetingState, opens: datetime, closes: datetime, **values) -> Meeting:
    meeting = Meeting(building=item, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC, state=state,
                      opens_at=opens, closes_at=closes, **values)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_next_deadline_follows_the_domains_schedule(session) -> None:
    item = building(rows=[flat("1")])
    zone = item.timezone
    opens, closes = datetime(2026, 12, 20, 4, tzinfo=UTC), datetime(2026, 12, 30, 15, tzinfo=UTC)
    today = date(2026, 12, 4)
    assert homes.next_deadline(_meeting(item, MeetingState.DRAFT, opens, closes), today) == (
        "notice", notice_deadline(opens, zone))
    assert homes.next_deadline(_meeting(item, MeetingState.ANNOUNCED, opens, closes), today) == (
        "opening", date(2026, 12, 20))
    voting = _meeting(item, MeetingState.VOTING, opens, closes)
    assert homes.next_deadline(voting, today) == ("close", date(2026, 12, 30))
    assert homes.next_deadline(_meeting(item, MeetingState.COUNTED, opens, closes), today) == (
        "protocol", protocol_due(closes, zone))
    assert homes.next_deadline(_meeting(item, MeetingState.SIGNED, opens, closes), today) == (
        "results", results_due(closes, zone))
    sent = _meeting(item, MeetingState.SIGNED, opens, closes, results_sent_at=closes + timedelta(days=1))
    assert homes.next_deadline(sent, today) is None
    assert homes.next_deadline(_meeting(item, MeetingState.SUBMITTED, opens, closes), today) is None


@pytest.mark.parametrize(("today", "overdue", "due_today"), [
    (date(2026, 10, 19), False, True),   # the tenth day after the close: due today
    (date(2026, 10, 20), True, False),   # the day after: overdue
    (date(2026, 10, 18), False, False),
])
def test_the_desk_shows_what_is_due_today_and_overdue(client, session, today, overdue, due_today) -> None:
    item = building(rows=[flat("1")])
    counted = _meeting(item, MeetingState.COUNTED, datetime(2026, 9, 30, 4, tzinfo=UTC),
                       datetime(2026, 10, 9, 15, tzinfo=UTC))
    clerk = staff_of(item.organisation)
    desk = homes.desk(clerk, lambda zone: today)
    (line,) = [d for d in desk.deadlines if d.meeting.id == counted.id]
    assert line.what == "protocol" and line.due == date(2026, 10, 19)
    assert (line.overdue, line.due_today) == (overdue, due_today)
    assert desk.by_state == {MeetingState.COUNTED: 1}
    assert not homes.desk(staff_of(building("г. Миасс, ул. Иная, д. 2").organisation), lambda z: today).deadlines


def test_the_clerks_home_is_the_desk_in_russian(client, session) -> None:
    item = building(rows=[flat("1")])
    closes = datetime.now(UTC) - timedelta(days=30)
    _meeting(item, MeetingState.COUNTED, closes - timedelta(days=9), closes)
    login(client, staff_of(item.organisation))
    page = client.get("/").get_data(as_text=True)
    assert "Рабочий стол управляющей организации" in page and "Срочно: сегодня и просрочено" in page
    assert "оформить протокол" in page and "просрочено" in page
    assert "Подтвердите собственность" not in page  # a clerk is not asked to prove property


def test_the_inspector_sees_overdue_protocols_in_scope_only(client, session) -> None:
    item = building(rows=[flat("1")])
    closes = datetime.now(UTC) - timedelta(days=30)
    late = _meeting(item, MeetingState.CLOSED, closes - timedelta(days=9), closes)
    inspector = inspector_of(municipality=item.municipality)
    found = homes.inspector_home(select(Meeting.building_id).where(Meeting.id == late.id))
    assert [d.meeting.id for d in found.overdue] == [late.id] and not found.due
    elsewhere = Municipality(region=item.municipality.region, name="Миасский ГО", short_name="Миасс", population=1)
    db.session.add(elsewhere)
    db.session.flush()
    other = inspector_of(municipality=elsewhere)
    login(client, inspector)
    page = client.get("/").get_data(as_text=True)
    assert "Протоколы в вашей зоне" in page and f"Собрание № {late.id}" in page
    assert "срок оформления протокола" in page and "Показатель региона с 01.01." in page
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, other)
    assert f"Собрание № {late.id}<" not in client.get("/").get_data(as_text=True)


def operator_account() -> User:
    return user(is_operator=True, totp_secret=TOTP_SECRET, totp_confirmed_at=datetime.now(UTC))


def test_the_operator_adds_an_organisation_and_a_wrong_inn_is_named(client, session) -> None:
    item = building(rows=[flat("1")])
    login(client, operator_account())
    token = csrf_token(client, "/operate/organisations")
    bad = client.post("/operate/organisations", data={"csrf_token": token, "kind": "hoa", "name": "ТСЖ «Липа»",
                                                      "inn": "7701234568", "ogrn": "1027700132195"})
    assert bad.status_code == 422 and "ИНН не проходит проверку" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.name == "ТСЖ «Липа»")) is None
    good = client.post("/operate/organisations", data={"csrf_token": token, "kind": "hoa", "name": "ТСЖ «Липа»",
                                                       "inn": "7707083893", "ogrn": "1027700132195"})
    assert good.status_code == 302
    made = db.session.scalar(select(Organisation).where(Organisation.name == "ТСЖ «Липа»"))
    assert made is not None and made.region_id == item.municipality.region_id
    page = client.get("/operate/organisations").get_data(as_text=True)
    assert "ТСЖ «Липа»" in page and "ТСЖ ·" in page


def test_the_operator_adds_a_municipality(client, session) -> None:
    building(rows=[flat("1")])
    login(client, operator_account())
    token = csrf_token(client, "/operate/municipalities")
    bad = client.post("/operate/municipalities", data={"csrf_token": token, "name": "Златоустовский ГО",
                                                       "short_name": "Златоуст", "population": "-1"})
    assert bad.status_code == 422
    good = client.post("/operate/municipalities", data={"csrf_token": token, "name": "Златоустовский ГО",
                                                        "short_name": "Златоуст", "population": "158000"})
    assert good.status_code == 302
    assert db.session.scalar(select(Municipality.population).where(Municipality.name == "Златоустовский ГО")) == 158000


def test_the_operator_grants_and_withdraws_a_staff_role_logged(client, session) -> None:
    item = building(rows=[flat("1")])
    newcomer = user("clerk@example.org")
    operator = operator_account()
    login(client, operator)
    token = csrf_token(client, "/operate/roles")
    unknown = client.post("/operate/roles", data={"csrf_token": token, "email": "nobody@example.org", "role": "staff",
                                                  "target": item.organisation.inn})
    assert unknown.status_code == 422 and "Учётной записи с почтой nobody@example.org нет." in unknown.get_data(
        as_text=True)
    granted = client.post("/operate/roles", data={"csrf_token": token, "email": newcomer.email, "role": "staff",
                                                  "target": item.organisation.inn})
    assert granted.status_code == 302
    role = db.session.scalar(select(StaffRole).where(StaffRole.user_id == newcomer.id))
    assert role is not None and role.organisation_id == item.organisation_id
    page = client.get("/operate/roles").get_data(as_text=True)
    assert "clerk@example.org" in page and item.organisation.name in page
    assert client.post(f"/operate/roles/staff/{role.id}/withdraw", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, newcomer.id).staff_roles
    details = db.session.scalars(select(SecurityEvent.detail).where(SecurityEvent.kind == "role_changed",
                                                                    SecurityEvent.subject == newcomer.email)).all()
    assert len(details) == 2 and details[1].startswith("withdrawn")
    actors = db.session.scalars(select(SecurityEvent.user_id).where(SecurityEvent.kind == "role_changed",
                                                                    SecurityEvent.subject == newcomer.email)).all()
    assert actors == [operator.id, operator.id]  # the log names the operator who granted and withdrew
    log = client.get("/manage/security-log").get_data(as_text=True)
    assert "роли изменены" in log and "role_changed<" not in log


def test_an_operator_cannot_withdraw_their_own_role(client, session) -> None:
    operator = operator_account()
    login(client, operator)
    token = csrf_token(client, "/operate/roles")
    client.post(f"/operate/roles/operators/{operator.id}/withdraw", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, operator.id).is_operator


def test_the_start_page_links_to_the_public_indicator_and_the_protocol_check(client, session) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'href="/indicators/public"' in page and 'href="/verify"' in page
    digest = "AB" * 32
    assert client.get(f"/verify?sha256=%20{digest}").headers["Location"].endswith(f"/verify/{digest.lower()}")


def test_the_ballot_names_each_subject_and_its_proposal_and_asks_about_a_partial_ballot(client, session) -> None:
    state = open_meeting()
    state.meeting.agenda[0].proposal = "Избрать председателем Иванова И. И."
    db.session.flush()
    login(client, state.voters[0].user)
    page = client.get(f"/meetings/{state.meeting.id}/vote").get_data(as_text=True)
    assert "44.2.5 — Иные вопросы" in page and "44.2.4 — Выбор способа управления" in page
    assert "Предложено: Избрать председателем Иванова И. И." in page
    assert 'data-text="Вы не ответили на вопросы ITEMS — отправить так?"' in page
    show = client.get(f"/meetings/{state.meeting.id}").get_data(as_text=True)
    assert "44.2.5 — Иные вопросы" in show
