"""Meetings driven through the administrator's pages: a draft in a building with verified owners, its plan and
agenda, announced and opened; decisions written straight into the meeting's table."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import building, csrf_token, flat, login, owner_in, staff_of
from voting.core.extensions import db
from voting.meetings import lifecycle
from voting.meetings.models import Meeting, MeetingDecision

ZONE = ZoneInfo("Asia/Yekaterinburg")
ROWS = [flat("1", area="60,00", owner="Иванов Иван Иванович"), flat("2", area="30,00", entrance="2",
                                                                    owner="Петров Пётр Петрович"),
        flat("3", area="10,00", entrance="2", owner="Сидоров Семён Семёнович")]


def post(client, url: str, data: dict | None = None, page: str | None = None):
    token = csrf_token(client, page or url.rsplit("/", 1)[0])
    return client.post(url, data={"csrf_token": token, **(data or {})})


def drafted(client) -> tuple[Meeting, object]:
    """A building with two verified owners, its staff signed in, and a new draft meeting."""
    item = building(rows=ROWS)
    owner_in(item, "1"), owner_in(item, "2")
    login(client, staff_of(item.organisation))
    response = post(client, f"/buildings/{item.id}/meetings", page=f"/buildings/{item.id}/meetings")
    meeting = db.session.get(Meeting, int(response.headers["Location"].rsplit("/", 1)[1]))
    return meeting, item


def schedule(client, meeting: Meeting, opens: datetime, days: int = 8) -> None:
    closes = opens + timedelta(days=days)
    response = post(client, f"/meetings/{meeting.id}/plan", {
        "kind": "extraordinary", "form": "electronic", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"), "paper_address": "г. Челябинск, ул. Труда, 1, офис УК",
        "materials_info": "на сайте и в офисе УК", "administrator": meeting.administrator.email},
        page=f"/meetings/{meeting.id}")
    assert response.status_code == 302


def add_question(client, meeting: Meeting, title: str, subject: str) -> None:
    post(client, f"/meetings/{meeting.id}/items", {"title": title, "subject": subject, "proposal": "Да"},
         page=f"/meetings/{meeting.id}")


def open_through_pages(client, mailbox) -> Meeting:
    meeting, _item = drafted(client)
    schedule(client, meeting, datetime.now(ZONE).replace(tzinfo=None) + timedelta(days=12))
    add_question(client, meeting, "Избрать председателя и секретаря собрания", "44.2.5")
    add_question(client, meeting, "Провести капитальный ремонт крыши", "44.2.1")
    post(client, f"/meetings/{meeting.id}/announce", page=f"/meetings/{meeting.id}")
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    lifecycle.advance(meeting, meeting.opens_at)
    db.session.flush()
    return meeting


def decide(meeting: Meeting, number: str, answers: dict, at: datetime, source: str = "online") -> None:
    owner_ref = next(o["id"] for p in json.loads(meeting.snapshot)["register"] if p["premises"] == number
                     for o in p["owners"])
    db.session.add(MeetingDecision(meeting_id=meeting.id, owner_ref=owner_ref, premises=number, received_at=at,
                                   source=source, answers=json.dumps(answers)))
    db.session.flush()
