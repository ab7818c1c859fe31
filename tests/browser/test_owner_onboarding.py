"""A new owner, with only the company's letter in hand: register, confirm by the mailed link, enter the code,
see the building, and get a signing key on this phone."""

from __future__ import annotations

import os
import re
import time

from sqlalchemy import select

from auth.models import DeviceKey, User
from auth.ownership import issue_codes
from tests.factories import building, flat, staff_of
from tests.factories.browser import ARTIFACTS
from voting.core.extensions import db


def test_register_confirm_enter_code_see_building(live, browser_page, mailbox) -> None:
    app, base = live
    with app.app_context():
        item = building("г. Челябинск, ул. Браузерная, д. 7", rows=[flat("1", owner="Новикова Нина Николаевна"),
                                                                    flat("2", owner="Другой Дмитрий Дмитриевич")])
        code = issue_codes(item, staff_of(item.organisation))[0][1]
        db.session.commit()
        building_id = item.id
    page = browser_page
    started = time.monotonic()

    page.goto(f"{base}/auth/register")
    page.get_by_label("Электронная почта").fill("nina@example.org")
    page.get_by_label("Фамилия, имя, отчество").fill("Новикова Нина Николаевна")
    page.get_by_label("Пароль (не короче 8 символов)").fill("весна пришла рано")
    page.get_by_label("Пароль ещё раз").fill("весна пришла рано")
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.get_by_text("Проверьте почту").first.wait_for()

    link = re.search(r"(http://127\.0\.0\.1:\d+/auth/confirm/\S+)",
                     mailbox.to("nina@example.org")[-1].get_body(("plain",)).get_content())[1]
    page.goto(link)
    page.get_by_text("Адрес подтверждён").wait_for()
    page.get_by_label("Электронная почта").fill("nina@example.org")
    page.get_by_label("Пароль").fill("весна пришла рано")
    page.get_by_role("button", name="Войти").click()

    page.get_by_label("Код из письма управляющей компании").fill(code)
    page.get_by_role("button", name="Подтвердить собственность").click()
    page.get_by_text("Собственность подтверждена").wait_for()
    assert page.url.endswith(f"/buildings/{building_id}")
    assert page.get_by_role("heading", name="г. Челябинск, ул. Браузерная, д. 7").is_visible()
    elapsed = time.monotonic() - started
    page.screenshot(path=os.path.join(ARTIFACTS, "owner-onboarding-building.png"), full_page=True)

    page.goto(f"{base}/account/keys")
    page.get_by_text("Ключ этого устройства:").wait_for()
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "nina@example.org"))
        keys = db.session.scalars(select(DeviceKey).where(DeviceKey.user_id == owner.id)).all()
    assert len(keys) == 1 and keys[0].revoked_at is None
    assert "новый ключ" in mailbox.to("nina@example.org")[-1]["Subject"]
    page.reload()
    page.get_by_text(f"Ключ этого устройства: {keys[0].key_id[:16]}").wait_for()  # kept in IndexedDB
    assert elapsed < 120
