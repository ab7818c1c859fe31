"""An inspector slices the region's indicator in one screen: sort by share and by total, filter by organisation
and period."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import select

from auth.demo import seed_users
from auth.models import InspectorScope
from indicators.demo import seed_history
from registry.demo import REGION, seed_register
from registry.models import Region
from tests.factories import PASSWORD, TOTP_SECRET, user
from tests.factories.browser import ARTIFACTS, sign_in
from voting.core.extensions import db


def test_inspector_sorts_and_filters_the_dashboard(live, browser_page) -> None:
    app, base = live
    with app.app_context():
        seed_register()
        seed_users(REGION, PASSWORD)
        region = db.session.scalar(select(Region).where(Region.name == REGION))
        seed_history(region)
        inspector = user(totp_secret=TOTP_SECRET, totp_confirmed_at=datetime.now(UTC))
        db.session.add(InspectorScope(user=inspector, region=region))
        db.session.commit()
        email = inspector.email
    page = browser_page
    sign_in(page, base, email)

    page.goto(f"{base}/indicators/?from=2026-01-01&to=2026-05-31")
    page.get_by_text("Регион: 1856 из 3011 онлайн — 61.64 %").wait_for()
    rows = page.locator("#municipalities tbody tr")
    assert rows.count() == 43
    assert rows.first.locator("td").nth(2).inner_text() == "100.00"  # sorted by share, highest first
    page.get_by_role("link", name="Всего").click()
    assert rows.first.locator("th").inner_text() == "Челябинский городской округ"
    assert rows.nth(1).locator("th").inner_text() == "Магнитогорский городской округ"
    page.screenshot(path=os.path.join(ARTIFACTS, "indicator-dashboard.png"), full_page=True)

    page.get_by_label("Организация").select_option(label="ООО «Управляющая компания „Южный Урал“»")
    page.get_by_role("button", name="Показать").click()
    page.get_by_text("Регион: 0 из 0 онлайн").wait_for()  # the company held none of the published meetings
    page.get_by_label("С", exact=True).fill("2026-01-01")
    page.get_by_label("По", exact=True).fill("2026-12-31")
    page.get_by_role("button", name="Показать").click()
    assert page.locator("#municipalities tbody tr").count() == 43
