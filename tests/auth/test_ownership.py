"""Proving ownership: letters with single-use codes, claims by ЕГРН record, guests, proxies, revocation."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import select

from auth.models import Decision, GuestGrant, OwnershipCode, OwnershipLink, Proxy, SecurityEvent
from auth.ownership import issue_codes
from tests.factories import building, csrf_token, flat, login, owner_in, staff_of, user
from voting.core.extensions import db

ROWS = [flat("1", owner="Иванов Иван Иванович"), flat("2", owner="Петров Пётр Петрович")]


def letters(client, item) -> list[str]:
    """Print the letters as the company does and read the codes back from the PDF."""
    token = csrf_token(client, f"/manage/buildings/{item.id}/codes")
    response = client.post(f"/manage/buildings/{item.id}/codes", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) == 2 and "Иванов Иван Иванович" in pages[0] and "помещение 1" in pages[0]
    return [re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page)[0] for page in pages]


def enter(client, code: str):
    token = csrf_token(client, "/account/")
    return client.post("/account/code", data={"csrf_token": token, "code": code})


def test_letter_code_links_the_ownership_once(client, app) -> None:
    item = building(rows=ROWS)
    login(client, staff_of(item.organisation))
    codes = letters(client, item)
    stored = db.session.scalars(select(OwnershipCode)).all()
    assert len(stored) == 2 and all(c.code_hash != codes[0].replace("-", "") for c in stored)  # hashed only

    owner = app.test_client()
    account = user()
    login(owner, account)
    assert enter(owner, codes[0].lower()).status_code == 302  # case and dashes do not matter
    link = db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == account.id)).one()
    assert link.ownership.premises.number == "1"
    assert owner.get(f"/buildings/{item.id}").status_code == 200

    other = app.test_client()
    login(other, user())
    response = enter(other, codes[0])
    assert response.status_code == 422 and "Код не подошёл" in response.get_data(as_text=True)  # single use


def test_new_letters_revoke_the_unused_codes_of_earlier_ones(client, app) -> None:
    item = building(rows=ROWS)
    login(client, staff_of(item.organisation))
    assert "перестанут действовать" in client.get(f"/manage/buildings/{item.id}/codes").get_data(as_text=True)
    first = letters(client, item)
    owner = app.test_client()
    account = user()
    login(owner, account)
    assert enter(owner, first[1]).status_code == 302  # flat 2 redeemed before the letters are printed again
    second = letters(client, item)  # flat 1's letter was lost, say

    thief = app.test_client()
    login(thief, user())
    response = enter(thief, first[0])
    assert response.status_code == 422 and "новое письмо" in response.get_data(as_text=True)
    assert enter(owner, second[0]).status_code == 302
    links = db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == account.id)).all()
    assert sorted(link.ownership.premises.number for link in links) == ["1", "2"]  # the used code's link stays
    records = db.session.scalars(select(OwnershipCode)).all()
    assert len(records) == 4 and sum(record.used_at is not None for record in records) == 2  # history is kept


def test_expired_codes_do_not_work(client) -> None:
    item = building(rows=ROWS)
    issued = issue_codes(item, staff_of(item.organisation))
    for record in db.session.scalars(select(OwnershipCode)):
        record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.flush()
    login(client, user())
    assert enter(client, issued[0][1]).status_code == 422


def test_five_wrong_codes_lock_code_entry(client) -> None:
    item = building(rows=ROWS)
    issued = issue_codes(item, staff_of(item.organisation))
    account = user()
    login(client, account)
    for n in range(5):
        assert enter(client, f"WRONG-CODE-{n:04d}").status_code == 422
    response = enter(client, issued[0][1])  # even the right code waits now
    assert response.status_code == 422 and "Слишком много неверных кодов" in response.get_data(as_text=True)
    assert not db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == account.id)).all()
    assert db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "locked_out")).all()


def test_claim_approved_and_rejected_with_mail_to_both_sides(client, app, mailbox) -> None:
    item = building(rows=ROWS)
    staff = staff_of(item.organisation)
    owner = app.test_client()
    account = user("claimer@example.org")
    login(owner, account)

    def claim(record: str):
        token = csrf_token(owner, "/account/")
        return owner.post("/account/claim", data={"csrf_token": token, "claim-address": item.address.upper(),
                                                  "claim-premises": "2", "claim-egrn_record": record})

    record = "74:36:0102003:50-74/001/2020-1"  # the factory's record for premises "2"
    assert claim(record).status_code == 302 and claim("74-74-01/123/2008-999").status_code == 302
    assert mailbox.to(staff.email)
    login(client, staff)
    page = client.get("/manage/claims").get_data(as_text=True)
    claims = re.findall(r'action="/manage/claims/(\d+)"', page)
    assert len(claims) == 2
    token = csrf_token(client, "/manage/claims")
    bad, good = sorted(claims, key=int, reverse=True)
    assert client.post(f"/manage/claims/{bad}", data={"csrf_token": token, "decision": "reject",
                                                      "reason": "нет такой записи"}).status_code == 302
    client.post(f"/manage/claims/{good}", data={"csrf_token": token, "decision": "approve", "reason": ""})
    link = db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == account.id)).one()
    assert link.ownership.premises.number == "2"
    subjects = [m.get_body(("plain",)).get_content() for m in mailbox.to("claimer@example.org")]
    assert any("отклонена: нет такой записи" in s for s in subjects) and any("подтверждена" in s for s in subjects)
    assert mailbox.to(staff.email)[-1]["Subject"] == "Вече: решение по заявке записано"


def test_owner_drops_and_company_revokes_links(client, app) -> None:
    item = building(rows=ROWS)
    account = owner_in(item, "1")
    owner = app.test_client()
    login(owner, account)
    link = db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == account.id)).one()
    login(client, staff_of(item.organisation))
    token = csrf_token(client, f"/manage/buildings/{item.id}/links")
    client.post(f"/manage/links/{link.id}/end", data={"csrf_token": token, "reason": "продал квартиру"})
    db.session.expire_all()
    assert db.session.get(OwnershipLink, link.id).end_reason == "продал квартиру"
    assert owner.get(f"/buildings/{item.id}").status_code == 404


def test_guest_sees_the_owners_building_read_only(client, app) -> None:
    item = building(rows=ROWS)
    account = owner_in(item, "1")
    guest = user("guest@example.org")
    login(client, account)
    token = csrf_token(client, "/account/")
    assert client.post("/account/guests", data={"csrf_token": token, "email": "guest@example.org"}).status_code == 302
    visitor = app.test_client()
    login(visitor, guest)
    assert visitor.get(f"/buildings/{item.id}").status_code == 200
    assert visitor.get(f"/buildings/{item.id}/register").status_code == 404


def test_opening_viewing_does_not_reveal_whether_an_account_exists(client) -> None:
    login(client, owner_in(building(rows=ROWS), "1"))
    user("guest@example.org")
    answers = []
    for email in ("guest@example.org", "nobody@example.org"):
        response = client.post("/account/guests", data={"csrf_token": csrf_token(client, "/account/"), "email": email})
        with client.session_transaction() as state:
            answers.append((response.status_code, response.headers.get("Location"), state.pop("_flashes", None)))
    assert answers[0] == answers[1]
    assert db.session.scalars(select(GuestGrant)).one().guest_user.email == "guest@example.org"


def test_proxy_upload_accepted_and_expiring_by_itself(client, app) -> None:
    item = building(rows=ROWS)
    representative = user("rep@example.org")
    rep = app.test_client()
    login(rep, representative)
    token = csrf_token(rep, "/account/")
    form = {"csrf_token": token, "proxy-address": item.address, "proxy-premises": "1",
            "proxy-egrn_record": "74:36:0102003:49-74/001/2020-1", "proxy-issued_on": "2026-01-10",
            "proxy-valid_until": (date.today() + timedelta(days=30)).isoformat()}
    bad = rep.post("/account/proxies", data={**form, "proxy-scan": (io.BytesIO(b"<html>not a scan"), "scan.pdf")},
                   content_type="multipart/form-data")
    assert bad.status_code == 422 and "PDF, JPEG или PNG" in bad.get_data(as_text=True)
    ok = rep.post("/account/proxies", data={**form, "proxy-scan": (io.BytesIO(b"%PDF-1.7\n..."), "scan.pdf")},
                  content_type="multipart/form-data")
    assert ok.status_code == 302
    assert rep.get(f"/buildings/{item.id}").status_code == 404  # not before the company accepts it

    login(client, staff_of(item.organisation))
    proxy = db.session.scalars(select(Proxy)).one()
    scan = client.get(f"/manage/proxies/{proxy.id}/scan")
    assert scan.mimetype == "application/octet-stream" and "attachment" in scan.headers["Content-Disposition"]
    token = csrf_token(client, "/manage/claims")
    client.post(f"/manage/proxies/{proxy.id}", data={"csrf_token": token, "decision": "approve", "reason": ""})
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).status is Decision.APPROVED
    assert rep.get(f"/buildings/{item.id}").status_code == 200
    proxy = db.session.get(Proxy, proxy.id)
    proxy.valid_until = date.today() - timedelta(days=1)
    db.session.flush()
    assert rep.get(f"/buildings/{item.id}").status_code == 404  # expired: stops working by itself
    assert not proxy.active_on(date.today()) and proxy.active_on(date.today() - timedelta(days=1))
