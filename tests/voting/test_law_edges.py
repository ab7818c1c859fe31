"""The law's remaining edges on the meeting pages: the notice to an administrator who is not the initiator (ст. 47.1
ч. 3–5), owners' refusals of electronic voting (156-ФЗ) and what they change, and the repeated meeting (ст. 47 ч. 1)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from registry.models import Owner
from tests.factories import csrf_token, login, owner_in, staff_of
from tests.factories.ballots import ballot, open_meeting, submit
from tests.factories.meetings import ZONE, add_question, drafted, post, schedule
from voting.core.extensions import db
from voting.meetings import repeat
from voting.meetings.models import (
    AgendaItem,
    ElectronicOptOut,
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingState,
)


def follow(client, url: str, data: dict[str, str], page: str) -> str:
    token = csrf_token(client, page)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True).get_data(as_text=True)


def test_voting_opens_no_earlier_than_14_days_after_the_notice_reached_another_administrator(client) -> None:
    meeting, item = drafted(client)
    page = f"/meetings/{meeting.id}"
    administrator = owner_in(item, "2")  # an owner administers; the managing organisation initiates
    meeting.administrator = administrator
    db.session.flush()
    opens = datetime.now(ZONE).replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=11)
    schedule(client, meeting, opens)
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    shown = client.get(page).get_data(as_text=True)
    assert "Администратор собрания — не инициатор" in shown and "ЖК РФ ст. 47.1 ч. 3–5" in shown
    assert "Всё готово" not in shown

    url = f"/meetings/{meeting.id}/administrator-notice"
    late = opens - timedelta(days=14) + timedelta(minutes=1)  # one minute less than 14 days
    assert client.post(url, data={"at": late.strftime("%Y-%m-%dT%H:%M")}).status_code == 400  # no CSRF token
    assert meeting.administrator_notified_at is None
    shown = follow(client, url, {"at": late.strftime("%Y-%m-%dT%H:%M")}, page)
    assert "Сообщение администратору нужно передать не позднее чем за 14 дней до начала голосования" in shown
    assert f"начать можно не раньше {(late + timedelta(days=14)):%d.%m.%Y %H:%M}" in shown
    post(client, f"/meetings/{meeting.id}/announce", page=page)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state is MeetingState.DRAFT

    exactly = opens - timedelta(days=14)
    shown = follow(client, url, {"at": exactly.strftime("%Y-%m-%dT%H:%M")}, page)
    assert "Всё готово" in shown and f"голосование может начаться не раньше {opens:%d.%m.%Y %H:%M}" in shown
    future = datetime.now(ZONE).replace(tzinfo=None) + timedelta(days=1)
    assert "не может быть в будущем" in follow(client, url, {"at": future.strftime("%Y-%m-%dT%H:%M")}, page)
    post(client, f"/meetings/{meeting.id}/announce", page=page)
    db.session.expire_all()
    announced = db.session.get(Meeting, meeting.id)
    assert announced.state is MeetingState.ANNOUNCED
    assert announced.administrator_notified_at == exactly.replace(tzinfo=ZONE)


def test_no_notice_is_asked_when_the_administrator_is_the_initiator(client) -> None:
    meeting, _item = drafted(client)  # the organisation's staff member administers and initiates
    schedule(client, meeting, datetime.now(ZONE).replace(tzinfo=None) + timedelta(days=11))
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    shown = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Всё готово" in shown and "Сообщение администратору собрания" not in shown


def test_an_owners_refusal_of_electronic_voting_is_recorded_five_working_days_ahead(client) -> None:
    meeting, item = drafted(client)
    page = f"/meetings/{meeting.id}"
    opens = datetime.now(ZONE).replace(tzinfo=None, second=0, microsecond=0) + timedelta(days=25)
    schedule(client, meeting, opens)
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    post(client, f"/meetings/{meeting.id}/announce", page=page)
    owner = db.session.scalar(select(Owner).where(Owner.building_id == item.id, Owner.name == "Петров Пётр Петрович"))
    url = f"/meetings/{meeting.id}/opt-outs"
    now = datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M")
    shown = follow(client, url, {"owner": str(owner.id), "received_at": now}, page)
    assert "Отказ от электронного голосования записан" in shown
    assert "Петров Пётр Петрович — получено" in shown and "Для этого собрания — не позднее" in shown
    assert "уже записан" in follow(client, url, {"owner": str(owner.id), "received_at": now}, page)
    assert [o.owner_id for o in db.session.scalars(select(ElectronicOptOut).where(
        ElectronicOptOut.meeting_id == meeting.id))] == [owner.id]

    # four days before opening is too late, and the refusal says which rule and which day was the last
    soon = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                   state=MeetingState.ANNOUNCED, opens_at=datetime.now(UTC) + timedelta(days=4),
                   closes_at=datetime.now(UTC) + timedelta(days=12), notice_date=datetime.now(ZONE).date())
    db.session.add(soon)
    db.session.flush()
    shown = follow(client, f"/meetings/{soon.id}/opt-outs", {"owner": str(owner.id), "received_at": now},
                   f"/meetings/{soon.id}")
    assert "не позднее чем за 5 рабочих дней до начала голосования" in shown and "156-ФЗ" in shown
    assert soon.opt_outs == []


def test_an_owner_who_refused_gets_a_paper_form_and_a_closed_online_ballot_saying_why(client) -> None:
    state = open_meeting()
    voter = state.voters[1]
    staff = staff_of(state.building.organisation)
    db.session.add(ElectronicOptOut(meeting=state.meeting, owner_id=int(voter.owner_id),
                                    received_at=datetime.now(UTC) - timedelta(days=10), recorded_by_id=staff.id))
    db.session.flush()
    login(client, voter.user)
    shown = client.get(f"/meetings/{state.meeting.id}/vote").get_data(as_text=True)
    assert "Голосование в системе закрыто" in shown and "ЖК РФ ст. 47.1" in shown and "письменным решением" in shown
    assert f'data-owner-id="{voter.owner_id}"' not in shown
    refused = submit(client, state, ballot(state, voter, {"1": "for"}), voter)
    assert refused.status_code == 409 and refused.json["reason"] == "opted_out", refused.json
    assert "156-ФЗ" in refused.json["detail"] and refused.json["field"] == "payload.owner_id"
    client.get("/auth/logout")
    login(client, state.voters[0].user)
    assert submit(client, state, ballot(state, state.voters[0], {"1": "for"})).status_code == 201  # others vote
    client.get("/auth/logout")
    login(client, staff)
    response = client.get(f"/meetings/{state.meeting.id}/decisions.pdf?opted_out=1")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Петров Пётр Петрович" in text and "Иванов Иван Иванович" not in text


def _counted_without_quorum(item, form: MeetingForm, kind: MeetingKind) -> Meeting:
    meeting = Meeting(building=item, kind=kind, form=form, state=MeetingState.COUNTED, place="двор дома",
                      notice_date=datetime.now(ZONE).date() - timedelta(days=20),
                      initiator_organisation=item.organisation,
                      opens_at=datetime.now(UTC) - timedelta(days=9), closes_at=datetime.now(UTC) - timedelta(days=8),
                      paper_address="офис УК", result=json.dumps({"quorum": False, "items": []}))
    db.session.add(meeting)
    for number, (title, code) in enumerate((("Избрать председателя", "44.2.5"), ("Капремонт крыши", "44.2.1")), 1):
        db.session.add(AgendaItem(meeting=meeting, number=number, title=title, subject=code))
    db.session.flush()
    return meeting


def test_an_in_person_meeting_without_quorum_is_repeated_by_absentee_voting_with_the_same_agenda(client) -> None:
    _draft, item = drafted(client)
    meeting = _counted_without_quorum(item, MeetingForm.IN_PERSON, MeetingKind.EXTRAORDINARY)
    page = f"/meetings/{meeting.id}"
    shown = client.get(page).get_data(as_text=True)
    assert "Подготовить повторное собрание" in shown and "ЖК РФ ст. 47 ч. 1" in shown
    assert "нужно провести повторно" not in shown  # extraordinary: may be repeated, is not required to be
    refused = follow(client, f"{page}/repeat", {"form": "in_person"}, page)
    assert "заочным голосованием (ЖК РФ ст. 47 ч. 1)" in refused
    token = csrf_token(client, page)
    response = client.post(f"{page}/repeat", data={"csrf_token": token, "form": "absentee"})
    repeated = db.session.get(Meeting, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (repeated.state, repeated.form, repeated.kind, repeated.repeat_of_id) == (
        MeetingState.DRAFT, MeetingForm.ABSENTEE, MeetingKind.EXTRAORDINARY, meeting.id)
    assert [(i.number, i.title, i.subject) for i in repeated.agenda] == [
        (1, "Избрать председателя", "44.2.5"), (2, "Капремонт крыши", "44.2.1")]
    assert repeated.opens_at is None and repeated.notice_date is None  # noticed anew
    assert "Повторное собрание после собрания" in client.get(f"/meetings/{repeated.id}").get_data(as_text=True)
    assert "Повторное собрание уже создано" in follow(client, f"{page}/repeat", {"form": "electronic"}, page)


def test_an_annual_meeting_without_quorum_is_marked_as_needing_its_repeat(client) -> None:
    _draft, item = drafted(client)
    meeting = _counted_without_quorum(item, MeetingForm.ELECTRONIC, MeetingKind.ANNUAL)
    assert repeat.needs_repeat(meeting)
    assert "его нужно провести повторно" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    repeated = repeat.draft_repeat(meeting, MeetingForm.ELECTRONIC)
    assert not repeat.needs_repeat(meeting) and repeat.repeated_by(meeting) is repeated
    with_quorum = _counted_without_quorum(item, MeetingForm.IN_PERSON, MeetingKind.ANNUAL)
    with_quorum.result = json.dumps({"quorum": True, "items": []})
    assert repeat.forms_for_repeat(with_quorum) == () and not repeat.needs_repeat(with_quorum)
