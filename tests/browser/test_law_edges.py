"""The law's edges in a real browser, on a phone (390 px) and a desktop: the company records the notice to an owner
who administers, an owner's refusal of electronic voting, and drafts the repeat of an очное meeting without quorum;
the owner who refused finds the online ballot closed with the reason. Screenshots go to test-artifacts."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import building, flat, owner_in, staff_of
from tests.factories.ballots import open_meeting
from tests.factories.browser import ARTIFACTS, sign_in
from voting.core.extensions import db, limiter
from voting.meetings.models import AgendaItem, ElectronicOptOut, Meeting, MeetingForm, MeetingKind, MeetingState

ZONE = ZoneInfo("Asia/Yekaterinburg")


@pytest.fixture(autouse=True)
def _fresh_limits(live):
    """The live server counts key registrations per address: these sign-ins must not use up the later tests'."""
    yield
    with live[0].app_context():
        limiter.reset()


def _fits(page, name: str) -> None:
    """Nothing wider than the screen, on the phone and on a desktop; a screenshot of each."""
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def test_the_administrator_records_the_notice_opt_outs_and_drafts_a_repeat(live, browser_page) -> None:
    app, base = live
    now = datetime.now(UTC)
    with app.app_context():
        item = building("г. Челябинск, ул. Пределов, д. 5", rows=[flat("1", owner="Орлов Олег Олегович"),
                                                                   flat("2", owner="Зайцева Зоя Зиновьевна")])
        administrator = owner_in(item, "2")
        staff = staff_of(item.organisation)
        draft = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                        initiator_organisation=item.organisation, administrator=administrator,
                        paper_address="офис УК", opens_at=now + timedelta(days=11), closes_at=now + timedelta(days=19))
        counted = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.IN_PERSON,
                          state=MeetingState.COUNTED, place="двор дома", paper_address="офис УК",
                          initiator_organisation=item.organisation, notice_date=(now - timedelta(days=20)).date(),
                          opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=9) + timedelta(hours=2),
                          result=json.dumps({"quorum": False, "items": [], "total_votes": "100.00",
                                             "participating_votes": "30.00", "participation_percent": "30.00"}))
        db.session.add_all([draft, counted])
        for meeting in (draft, counted):
            db.session.add(AgendaItem(meeting=meeting, number=1, title="Избрать председателя и секретаря собрания",
                                      subject="44.2.5"))
        db.session.commit()
        draft_id, counted_id, email = draft.id, counted.id, staff.email
    page = browser_page
    sign_in(page, base, email)

    page.goto(f"{base}/meetings/{draft_id}")
    page.locator("#readiness").get_by_text("Администратор собрания — не инициатор").wait_for()
    notified = (now - timedelta(days=2)).astimezone(ZONE)  # 13 days before the opening: too late
    page.get_by_label("Когда сообщение получил администратор (местное время дома)").fill(
        notified.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#administrator-notice").get_by_role("button", name="Отметить").click()
    page.locator("#readiness").get_by_text("не позднее чем за 14 дней до начала голосования").wait_for()
    owner = page.locator("#opt-outs").get_by_label("Собственник")
    owner.select_option(label="Орлов Олег Олегович")
    page.get_by_label("Когда уведомление получил администратор (местное время дома)").fill(
        datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Записать отказ").click()
    page.get_by_text("Отказ от электронного голосования записан").wait_for()
    page.locator("#opt-outs").get_by_text("Орлов Олег Олегович — получено").wait_for()
    page.locator("#administrator-notice").scroll_into_view_if_needed()
    _fits(page, "law-edges-draft")

    page.goto(f"{base}/meetings/{counted_id}")
    page.get_by_label("Форма повторного собрания").select_option("absentee")
    _fits(page, "law-edges-repeat")
    page.get_by_role("button", name="Подготовить повторное собрание").click()
    page.get_by_text("Повторное собрание создано как черновик").wait_for()
    page.get_by_text(f"Повторное собрание после собрания № {counted_id} без кворума.").wait_for()
    assert "Избрать председателя и секретаря собрания" in page.locator("#agenda").inner_text()


def test_an_owner_who_refused_electronic_voting_sees_why_the_ballot_is_closed(live, browser_page) -> None:
    app, base = live
    with app.app_context():
        state = open_meeting(address="г. Челябинск, ул. Пределов, д. 7")
        voter = state.voters[0]
        staff = staff_of(state.building.organisation)
        db.session.add(ElectronicOptOut(meeting=state.meeting, owner_id=int(voter.owner_id),
                                        received_at=datetime.now(UTC) - timedelta(days=12), recorded_by_id=staff.id))
        state.meeting.paper_address = "офис УК, ул. Пределов, 7"
        db.session.commit()
        meeting_id, email = state.meeting.id, voter.user.email
    page = browser_page
    sign_in(page, base, email, totp=False)
    page.goto(f"{base}/meetings/{meeting_id}/vote")
    page.get_by_text("Голосование в системе закрыто.").wait_for()
    assert "письменным решением" in page.inner_text("main") and "156-ФЗ" in page.inner_text("main")
    assert page.locator("form[data-ballot]").count() == 0
    _fits(page, "law-edges-vote-refused")
