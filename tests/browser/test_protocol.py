"""A written meeting's protocol from count to inspection in a real browser: the company renders it, the chair and the
secretary sign it with their devices' keys, the company (the initiator, there being no counting commission) signs and
submits it, and an inspector finds it, runs the recount and downloads the PDF — three clicks from the list."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ballots.verify import verify_file
from protocols.models import Protocol
from tests.factories import inspector_of, staff_of
from tests.factories.ballots import add_key, key_in_paper, open_meeting
from tests.factories.browser import ARTIFACTS, sign_in
from voting.core.extensions import db
from voting.meetings import lifecycle, plan
from voting.meetings.models import Meeting, MeetingForm, MeetingState, OfficerRole


def sign_out(page: Any, base: str) -> None:
    page.get_by_role("button", name="Выйти", exact=True).click()
    page.wait_for_url(re.compile(re.escape(base) + r"/(auth/login)?$"))


def sign_protocol(page: Any, base: str, email: str, meeting_id: int, totp: bool) -> None:
    sign_in(page, base, email, totp=totp, next=f"/meetings/{meeting_id}/protocol")
    page.goto(f"{base}/meetings/{meeting_id}/protocol")
    page.get_by_role("button", name="Подписать протокол").click()
    page.locator(".flash-success").wait_for()
    sign_out(page, base)


def test_officers_sign_the_company_submits_the_inspector_recounts(live, browser_page) -> None:
    app, base = live
    page = browser_page
    with app.app_context():
        state = open_meeting(address="г. Челябинск, ул. Протокольная, д. 7", form=MeetingForm.ABSENTEE)
        officer = staff_of(state.building.organisation)
        officer_key = add_key(officer)
        for voter, answers in zip(state.voters, ({"1": "for", "2": "for"}, {"1": "for", "2": "against"}), strict=False):
            key_in_paper(state, officer, officer_key, voter.owner_id, voter.premises[0], answers)
        meeting = state.meeting
        assert lifecycle.advance(meeting, at=meeting.closes_at)
        lifecycle.count(meeting)
        meeting.initiator_organisation = state.building.organisation
        chair, secretary = state.voters[0].user, state.voters[1].user
        plan.add_officer(meeting, OfficerRole.CHAIR, "Иванов Иван Иванович", chair.email)
        plan.add_officer(meeting, OfficerRole.SECRETARY, "Петров Пётр Петрович", secretary.email)
        staff, inspector = staff_of(state.building.organisation), inspector_of(municipality=state.building.municipality)
        db.session.commit()
        meeting_id, emails = meeting.id, (chair.email, secretary.email, staff.email, inspector.email)
    chair_email, secretary_email, staff_email, inspector_email = emails

    sign_in(page, base, staff_email)
    page.goto(f"{base}/meetings/{meeting_id}")
    page.get_by_role("link", name="Протокол", exact=True).click()
    page.get_by_role("button", name="Сформировать протокол").click()
    page.get_by_role("link", name=re.compile(r"Скачать протокол \(PDF, \d+ стр\.\)")).wait_for()
    assert page.get_by_role("button", name="Подписать протокол").count() == 0  # the chair signs first
    sign_out(page, base)

    sign_protocol(page, base, chair_email, meeting_id, totp=False)
    sign_protocol(page, base, secretary_email, meeting_id, totp=False)
    sign_in(page, base, staff_email, next=f"/meetings/{meeting_id}/protocol")
    page.goto(f"{base}/meetings/{meeting_id}/protocol")
    page.get_by_role("button", name="Подписать протокол").click()
    page.get_by_text("Все подписи собраны").wait_for()
    page.get_by_role("button", name="Направить в жилищную инспекцию").click()
    page.get_by_text("Протокол направлен в жилищную инспекцию.").wait_for()
    sign_out(page, base)

    sign_in(page, base, inspector_email)
    page.goto(f"{base}/inspection/")
    with app.app_context():
        number = db.session.scalar(select(Protocol.number).where(Protocol.meeting_id == meeting_id))
    page.get_by_role("link", name=f"№ {number}").click()                      # 1
    page.get_by_role("button", name="Проверить и пересчитать").click()        # 2
    page.get_by_text("совпал с протоколом до последней цифры").wait_for()
    assert page.locator("tr.differs").count() == 0
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "protocol-recount.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать протокол (PDF)").click()      # 3
    pdf = Path(download.value.path()).read_bytes()
    assert verify_file(pdf).valid
    with app.app_context():
        stored = db.session.get(Protocol, meeting_id)
        assert stored is not None and stored.pdf == pdf and stored.submitted_at is not None
        assert db.session.get(Meeting, meeting_id).state is MeetingState.SUBMITTED  # type: ignore[union-attr]
