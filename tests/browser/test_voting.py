"""An owner registers a key, votes, sees and receives the receipt, re-votes: on a phone, in a real browser, the
ballot signed by WebCrypto and checked by the server; only the last ballot counts."""

from __future__ import annotations

import os
import re
import time
from email.message import EmailMessage
from fractions import Fraction
from typing import Any

from flask import Flask
from sqlalchemy import select

from auth.models import DeviceKey
from ballots.models import LogEntry
from tests.conftest import Mailbox
from tests.factories.ballots import ROWS, open_meeting
from tests.factories.browser import ARTIFACTS, sign_in
from voting.core.extensions import db
from voting.domain.tally import tally
from voting.meetings import dossier
from voting.meetings.models import Meeting

TRACKER = re.compile(r"Код бюллетеня: ([0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4})")


def open_meeting_without_keys(app: Flask) -> tuple[int, int, str]:
    """As tests.ballots.helpers.open_meeting, committed in the live app's database, but with one owner (flat 1,
    60 m² of 100) holding no key yet: the browser makes and registers it. Returns meeting id, user id, e-mail."""
    with app.app_context():
        state = open_meeting(rows=ROWS, keys=False, address="г. Челябинск, ул. Бюллетеней, д. 5")
        db.session.commit()
        voter = state.voters[0]
        return state.meeting.id, voter.user.id, voter.user.email


def mails_to(mailbox: Mailbox, address: str, subject_part: str, count: int) -> list[EmailMessage]:
    """The messages to `address` whose subject has `subject_part`, once there are `count` of them."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in mailbox.to(address) if subject_part in m["Subject"]]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def fits_a_phone(page: Any) -> None:
    """Nothing wider than the 390 px viewport, and every answer a tap target at least 44 px high."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for box in page.locator("label.choice").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)"):
        assert box >= 44


def choose(page: Any, answers: dict[str, str]) -> None:
    """Tick one labelled radio button per question (the fieldset's legend names the group)."""
    for question, label in answers.items():
        radio = page.get_by_role("group", name=question).get_by_label(label, exact=True)
        radio.check()
        assert radio.is_checked()


def cast(page: Any, answers: dict[str, str], review: list[str]) -> tuple[str, int]:
    """Choose, check the review in plain words, sign and send; return the receipt's tracker and log index."""
    choose(page, answers)
    page.get_by_role("button", name="Проверить выбор").click()
    summary = page.locator(".review [data-summary] li")
    summary.first.wait_for()
    assert summary.all_inner_texts() == review
    page.get_by_role("button", name="Подписать и отправить").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/receipts/[0-9a-f]{64}$"))
    page.get_by_role("heading", name="Ваш голос принят").wait_for()
    match = TRACKER.fullmatch(page.locator("#tracker").inner_text().strip())
    assert match, page.locator("#tracker").inner_text()
    index = int(page.locator("dl.receipt dt:text-is('Номер записи в журнале') + dd").text_content() or "")  # folded
    return match[1], index


def test_owner_registers_a_key_votes_gets_the_receipt_and_revotes(live, browser_page, mailbox) -> None:
    app, base = live
    meeting_id, user_id, email = open_meeting_without_keys(app)
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.monotonic()

    sign_in(page, base, email, totp=False, next=f"/meetings/{meeting_id}/vote")  # as from the notice's link
    assert page.url == f"{base}/meetings/{meeting_id}/vote"
    page.get_by_text("Ключ этого устройства:").wait_for()
    with app.app_context():
        keys = db.session.scalars(select(DeviceKey).where(DeviceKey.user_id == user_id)).all()
    assert len(keys) == 1 and keys[0].revoked_at is None
    assert page.locator("#key-status").inner_text() == f"Ключ этого устройства: {keys[0].key_id[:16]}"
    assert mails_to(mailbox, email, "новый ключ подписи", 1)

    choose(page, {"1. Избрать председателя": "За"})  # a partial ballot is asked about before anything is signed
    page.get_by_role("button", name="Проверить выбор").click()
    page.get_by_text("Вы не ответили на вопросы 2 — отправить так?").wait_for()
    page.get_by_role("button", name="Изменить").click()
    first = {"1. Избрать председателя": "За", "2. Утвердить план": "Против"}
    choose(page, first)
    page.get_by_role("group", name="2. Утвердить план").get_by_label("Против", exact=True).press("Enter")
    page.get_by_text("Проверьте: вы голосуете так").wait_for()  # Enter submits the form: to the review, unsigned
    fits_a_phone(page)
    page.screenshot(path=os.path.join(ARTIFACTS, "voting-page.png"), full_page=True)
    page.get_by_role("button", name="Изменить").click()
    assert page.get_by_role("button", name="Подписать и отправить").is_hidden()
    page.get_by_role("button", name="Проверить выбор").click()
    choose(page, {"1. Избрать председателя": "Воздержался"})  # a change after the review takes the review away
    assert page.get_by_role("button", name="Подписать и отправить").is_hidden()

    tracker, index = cast(page, first, ["Избрать председателя: ЗА", "Утвердить план: ПРОТИВ"])
    choices = page.locator("main ul li")
    assert choices.all_inner_texts() == ["1. Избрать председателя — за", "2. Утвердить план — против"]
    fits_a_phone(page)
    page.screenshot(path=os.path.join(ARTIFACTS, "voting-receipt.png"), full_page=True)

    receipts = mails_to(mailbox, email, f"бюллетень принят, код {tracker}", 1)
    assert len(receipts) == 1
    body = receipts[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Код бюллетеня: {tracker}" in body
    assert "1. Избрать председателя: ЗА\n2. Утвердить план: ПРОТИВ" in body
    assert "Помещения: 1." in body

    page.get_by_role("link", name="Изменить голос").click()
    page.get_by_text(f"Ваш бюллетень уже принят (код {tracker})").wait_for()
    page.get_by_text("Ключ этого устройства:").wait_for()
    second_tracker, second_index = cast(page, {"1. Избрать председателя": "Против", "2. Утвердить план": "Воздержался"},
                                        ["Избрать председателя: ПРОТИВ", "Утвердить план: ВОЗДЕРЖАЛСЯ"])
    assert second_tracker != tracker and second_index > index
    assert page.locator("main ul li").all_inner_texts() == [
        "1. Избрать председателя — против", "2. Утвердить план — воздержался"]
    again = mails_to(mailbox, email, f"бюллетень принят, код {second_tracker}", 1)
    assert "1. Избрать председателя: ПРОТИВ\n2. Утвердить план: ВОЗДЕРЖАЛСЯ" in (
        again[0].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    elapsed = time.monotonic() - started

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting is not None
        ballots = db.session.scalars(select(LogEntry).where(LogEntry.meeting_id == meeting_id,
                                                            LogEntry.type == "ballot").order_by(LogEntry.index))
        assert [(b.index, b.seq, b.key_id) for b in ballots] == [(index, 1, keys[0].key_id),
                                                                 (second_index, 2, keys[0].key_id)]
        result = tally(dossier.dossier_of(meeting))
    assert [(c.decision.premises, c.decision.answers) for c in result.counted] == [
        ("1", {"1": "against", "2": "abstain"})]
    items = {item.id: item for item in result.items}
    assert (items["1"].votes_for, items["1"].against, items["1"].abstain) == (0, Fraction(60), 0)
    assert (items["2"].votes_for, items["2"].against, items["2"].abstain) == (0, 0, Fraction(60))
    assert result.participating == Fraction(60) and result.total == Fraction(100)
    assert not errors, errors
    assert elapsed < 60
