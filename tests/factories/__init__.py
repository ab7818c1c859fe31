"""Factory functions for test data: small, explicit, and going through the real services."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from collections.abc import Sequence

from flask.testing import FlaskClient
from sqlalchemy import select

from auth.models import User
from registry.kinds import OrganisationKind
from registry.models import Building, Municipality, Organisation, Region
from registry.register_file import COLUMNS, Register, parse_rows
from registry.sync import apply_register
from voting.core.extensions import db

HEADERS = [c.header for c in COLUMNS]
_serial = itertools.count(1)


def building(address: str = "г. Челябинск, ул. Тестовая, д. 1", rows: Sequence[dict[str, str]] = ()) -> Building:
    """A building in a fresh region, with its register applied from `rows` (keys as in COLUMNS)."""
    serial = next(_serial)
    region = Region(name=f"Регион № {serial}")
    municipality = Municipality(region=region, name="Челябинский городской округ", short_name="Челябинский ГО",
                                population=1_000_000)
    organisation = Organisation(kind=OrganisationKind.MANAGEMENT_COMPANY, name="ООО «УК Тест»",
                                inn=f"{serial:010d}", ogrn=f"{serial:013d}", region=region)
    item = Building(address=address, municipality=municipality, organisation=organisation,
                    timezone="Asia/Yekaterinburg", entrances=2)
    db.session.add(item)
    db.session.flush()
    if rows:
        apply_register(item, register(rows))
        db.session.flush()
    return item


def register(rows: Sequence[dict[str, str]]) -> Register:
    table = [(1, list(HEADERS))] + [(n, [row.get(c.key) for c in COLUMNS]) for n, row in enumerate(rows, start=2)]
    return parse_rows(table)


def csv_bytes(rows: Sequence[dict[str, str]], delimiter: str = ";", encoding: str = "utf-8",
              headers: Sequence[str] = HEADERS) -> bytes:
    """A register CSV with the template's headers (or `headers`), cells taken from COLUMNS keys."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(headers)
    keys = [next((c.key for c in COLUMNS if h.casefold() in (c.header.casefold(), *c.aliases)), h) for h in headers]
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return out.getvalue().encode(encoding)


def flat(number: str, owner: str | None = "Иванов Иван Иванович", **values: str) -> dict[str, str]:
    """One register row of a flat wholly owned by one person, with overrides."""
    row = {"premises": number, "premises_kind": "жилое", "area": "50,00", "entrance": "1"}
    if owner:
        row |= {"owner": owner, "ownership": "индивидуальная",
                "egrn_record": f"74:36:0102003:{sum(map(ord, number))}-74/001/2020-1"}
    return row | values


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match[1]


# --- accounts ------------------------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def user(email: str | None = None, password: str = PASSWORD, confirmed: bool = True, **attrs: object) -> User:
    from datetime import UTC, datetime

    account = User(email=email or f"user{next(_serial)}@example.org", password_hash=_hash(password),
                   email_confirmed_at=datetime.now(UTC) if confirmed else None,
                   **{"full_name": "Тестов Тест Тестович", **attrs})
    db.session.add(account)
    db.session.flush()
    return account


@functools.cache
def _hash(password: str) -> str:
    from auth.passwords import hash_password

    return hash_password(password)


def staff_of(organisation: Organisation, **attrs: object) -> User:
    from datetime import UTC, datetime

    from auth.models import StaffRole

    account = user(totp_secret=TOTP_SECRET, totp_confirmed_at=datetime.now(UTC), **attrs)
    db.session.add(StaffRole(user=account, organisation=organisation))
    db.session.flush()
    return account


def inspector_of(municipality: Municipality | None = None, region: Region | None = None) -> User:
    from datetime import UTC, datetime

    from auth.models import InspectorScope

    account = user(totp_secret=TOTP_SECRET, totp_confirmed_at=datetime.now(UTC))
    db.session.add(InspectorScope(user=account, municipality=municipality, region=region))
    db.session.flush()
    return account


def owner_in(item: Building, number: str | None = None) -> User:
    """An account linked to an ownership of the building (the first, or of premises `number`)."""
    from auth.models import LinkMethod, OwnershipLink
    from registry.models import Ownership, Premises

    statement = select(Ownership).join(Premises).where(Premises.building_id == item.id).order_by(Ownership.id)
    if number is not None:
        statement = statement.where(Premises.number == number)
    ownership = db.session.scalars(statement).first()
    account = user()
    db.session.add(OwnershipLink(user=account, ownership=ownership, method=LinkMethod.DEMO))
    db.session.flush()
    return account


def login(client: FlaskClient, account: User, password: str = PASSWORD) -> None:
    """Sign in through the real pages, with the one-time code where the account needs one."""
    import pyotp

    token = csrf_token(client, "/auth/login")
    response = client.post("/auth/login", data={"csrf_token": token, "email": account.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/auth/totp"):
        token = csrf_token(client, "/auth/totp")
        response = client.post("/auth/totp", data={"csrf_token": token, "code": pyotp.TOTP(TOTP_SECRET).now()})
        assert response.status_code == 302, response.get_data(as_text=True)


def post_login(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/auth/login")
    return client.post("/auth/login", data={"csrf_token": token, "email": email, "password": password})


def sign_in_directly(client, account) -> None:
    """A live server-side session for the account, without the (slow, rate-limited) sign-in pages."""
    import secrets

    from auth.models import UserSession

    sid = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=sid, user_id=account.id))
    db.session.flush()
    with client.session_transaction() as state:
        state.update({"sid": sid, "_user_id": str(account.id), "_fresh": True})
