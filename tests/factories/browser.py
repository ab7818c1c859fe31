"""Browser tests' helpers: signing in through the pages (with a one-time code never used before), and where
screenshots go."""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlencode

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")

_spent: dict[str, int] = {}  # each one-time code signs in once: the last time step used, by address


def fresh_code(email: str) -> str:
    """A code the server has not accepted for this account yet (the next step's, or else wait for one)."""
    import pyotp

    from tests.factories import TOTP_SECRET

    totp = pyotp.TOTP(TOTP_SECRET)
    step = max(totp.timecode(time.time()), _spent.get(email, -1) + 1)
    while step > totp.timecode(time.time()) + 1:  # the server takes a code one step ahead, not two
        time.sleep(1)
    _spent[email] = step
    return totp.generate_otp(step)


def sign_in(page: Any, base: str, email: str, totp: bool = True, next: str | None = None) -> None:
    """Sign in through the pages, with the one-time code of the test factories' staff accounts. Owners, with
    `totp=False`, have none: they land signed in on their account page, or on `next` (a path on the site)."""
    from tests.factories import PASSWORD

    page.goto(f"{base}/auth/login" + (f"?{urlencode({'next': next})}" if next else ""))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    if totp:
        page.get_by_label("Код из приложения").fill(fresh_code(email))
        page.get_by_role("button", name="Подтвердить").click()
    else:
        page.get_by_role("button", name="Выйти", exact=True).wait_for()
