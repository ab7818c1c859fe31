"""The company drafts a meeting in a real browser: picks subjects from the catalogue, fixes the schedule error
the readiness check reports, and announces the meeting."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.factories import building, flat, owner_in, staff_of
from tests.factories.browser import ARTIFACTS, sign_in
from voting.core.extensions import db
from voting.meetings.models import Meeting, MeetingState


def test_company_drafts_fixes_the_schedule_and_announces(live, browser_page, mailbox) -> None:
    app, base = live
    with app.app_context():
        item = building("г. Челябинск, ул. Собраний, д. 3", rows=[flat("1", owner="Орлов Олег Олегович"),
                                                                  flat("2", owner="Зайцева Зоя Зиновьевна")])
        owner_email = owner_in(item, "1").email
        staff = staff_of(item.organisation)
        db.session.commit()
        building_id, email = item.id, staff.email
    page = browser_page
    local_now = datetime.now(ZoneInfo("Asia/Yekaterinburg")).replace(second=0, microsecond=0)

    sign_in(page, base, email)

    page.goto(f"{base}/buildings/{building_id}/meetings")
    page.get_by_role("button", name="Новое собрание").click()
    page.get_by_label("Начало голосования (местное время дома)").fill(
        (local_now + timedelta(days=3)).strftime("%Y-%m-%dT09:00"))
    page.get_by_label("Окончание голосования (местное время дома)").fill(
        (local_now + timedelta(days=12)).strftime("%Y-%m-%dT20:00"))
    page.get_by_label("Куда сдавать письменные решения").fill("офис УК, ул. Собраний, 3")
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Сохранено.").wait_for()

    page.get_by_label("Найти вид вопроса").fill("председатель")
    page.get_by_role("button", name="Найти").last.click()
    page.get_by_label("Иные вопросы", exact=False).check()
    page.get_by_label("Вопрос повестки (один вопрос)").fill("Избрать председателя и секретаря собрания")
    page.get_by_role("button", name="Добавить в повестку").click()

    page.get_by_label("Найти вид вопроса").fill("капитальный ремонт кредит")
    page.get_by_role("button", name="Найти").last.click()
    page.get_by_label("Заём или кредит на капитальный ремонт", exact=False).check()
    page.get_by_label("Вопрос повестки (один вопрос)").fill("Взять кредит на ремонт крыши")
    page.get_by_role("button", name="Добавить в повестку").click()

    readiness = page.locator("#readiness")
    readiness.get_by_text("не позднее чем за 10 дней").wait_for()
    assert not page.get_by_role("button", name="Объявить собрание").is_visible()
    page.screenshot(path=os.path.join(ARTIFACTS, "meeting-readiness-problem.png"), full_page=True)

    page.get_by_label("Начало голосования (местное время дома)").fill(
        (local_now + timedelta(days=11)).strftime("%Y-%m-%dT09:00"))
    page.get_by_label("Окончание голосования (местное время дома)").fill(
        (local_now + timedelta(days=20)).strftime("%Y-%m-%dT20:00"))
    page.get_by_role("button", name="Сохранить").click()
    page.get_by_text("Всё готово").wait_for()
    page.get_by_role("button", name="Объявить собрание").click()
    page.get_by_text("Собрание объявлено").wait_for()
    page.screenshot(path=os.path.join(ARTIFACTS, "meeting-announced.png"), full_page=True)

    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.building_id == building_id))
        assert meeting.state is MeetingState.ANNOUNCED
        assert [(i.subject, i.title) for i in meeting.agenda] == [
            ("44.2.5", "Избрать председателя и секретаря собрания"), ("44.2.1.2", "Взять кредит на ремонт крыши")]
    notices = [m for m in mailbox.messages if "сообщение о проведении" in m["Subject"]]
    assert [m["To"] for m in notices] == [owner_email]  # the one verified owner
