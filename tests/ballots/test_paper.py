"""Paper decisions through the pages: the officer keys in a page with its scan, signs what the server laid out,
and it is counted as paper; a bad scan or a signature over something else is refused and nothing is recorded."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ballots.models import LogEntry, PaperScan
from tests.factories import csrf_token, login, staff_of
from tests.factories.ballots import Open, add_key, open_meeting
from voting.core.extensions import db
from voting.domain.tally import tally
from voting.meetings import dossier


def key_in(client, state: Open, key_id: str, holder: str, scan: bytes, **marks: list[str]):
    meeting_id = state.meeting.id
    token = csrf_token(client, f"/meetings/{meeting_id}/paper")
    received = (state.meeting.opens_at + timedelta(minutes=10)).astimezone(ZoneInfo(state.building.timezone))
    data = {"csrf_token": token, "key_id": key_id, "holder": holder,
            "received_at": received.replace(tzinfo=None).isoformat(timespec="seconds"),
            "scan": (io.BytesIO(scan), "scan.pdf")}
    data |= {f"item-{item}": values for item, values in marks.items()}
    return client.post(f"/meetings/{meeting_id}/paper", data=data, content_type="multipart/form-data")


def test_an_officer_keys_in_and_signs_a_paper_decision(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    owner = state.voters[2]
    page = key_in(client, state, signer.key_id, f"{owner.owner_id}|3", b"%PDF-1.7 scan", **{
        "1": ["for"], "2": ["for", "against"]})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    payload = json.loads(html.unescape(re.search(r'name="payload" value="([^"]+)"', text)[1]))
    assert payload["answers"] == {"1": "for", "2": ["for", "against"]} and payload["type"] == "paper_decision"
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")
    # a signature that is not the officer's key over exactly this decision is refused
    changed = payload | {"answers": {"1": "against"}}
    refused = client.post(f"/meetings/{state.meeting.id}/paper/sign", data={
        "csrf_token": token, "payload": json.dumps(changed), "signature": signer.sign("OSS-PAPER-v1", payload)})
    assert refused.status_code == 422 and "Подпись не сходится" in refused.get_data(as_text=True)
    signed = client.post(f"/meetings/{state.meeting.id}/paper/sign", data={
        "csrf_token": token, "payload": json.dumps(payload), "signature": signer.sign("OSS-PAPER-v1", payload)})
    assert signed.status_code == 302 and "recorded=" in signed.headers["Location"]
    entry = db.session.scalar(select(LogEntry).where(LogEntry.meeting_id == state.meeting.id,
                                                     LogEntry.type == "paper_decision"))
    assert entry is not None and json.loads(entry.payload) == payload
    result = tally(dossier.dossier_of(state.meeting))
    assert [(c.decision.source, c.decision.premises) for c in result.counted] == [("paper", "3")]
    assert result.items[1].void == 10  # several marks on item 2: void for that item only
    scan = client.get(f"/meetings/{state.meeting.id}/paper/scans/{payload['scan_sha256']}")
    assert scan.status_code == 200 and scan.headers["Content-Disposition"].startswith("attachment")


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    page = key_in(client, state, signer.key_id, f"{state.voters[0].owner_id}|1", b"MZ\x90 not a scan",
                  **{"1": ["for"]})
    assert page.status_code == 422 and "PDF, JPEG или PNG" in page.get_data(as_text=True)
    assert db.session.scalar(select(LogEntry.id).where(LogEntry.meeting_id == state.meeting.id,
                                                       LogEntry.type == "paper_decision")) is None


def test_owners_cannot_key_in_paper(client, session) -> None:
    state = open_meeting()
    login(client, state.voters[0].user)
    assert client.get(f"/meetings/{state.meeting.id}/paper").status_code == 404


def entries(state: Open) -> int:
    return len(db.session.scalars(select(LogEntry.id).where(LogEntry.meeting_id == state.meeting.id,
                                                            LogEntry.type == "paper_decision")).all())


def test_a_broken_signature_or_payload_is_refused_naming_the_field(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    page = key_in(client, state, signer.key_id, f"{state.voters[0].owner_id}|1", b"%PDF-1.7 scan", **{"1": ["for"]})
    payload = json.loads(html.unescape(re.search(r'name="payload" value="([^"]+)"', page.get_data(as_text=True))[1]))
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")

    def sign(body: object, signature: str | None = None) -> tuple[int, str | None]:
        response = client.post(f"/meetings/{state.meeting.id}/paper/sign", headers={"Accept": "application/json"},
                               data={"csrf_token": token, "payload": json.dumps(body),
                                     "signature": signature or signer.sign("OSS-PAPER-v1", body)})
        return response.status_code, (response.json or {}).get("field")

    assert sign(payload, "not base64!") == (422, "signature")
    assert sign(payload, "////") == (422, "signature")  # base64, but not 64 bytes
    assert sign([payload]) == (422, "payload")
    assert sign("decision") == (422, "payload")
    for key in ("key_id", "owner_id", "premises", "answers", "received_at", "meeting_id"):
        assert sign({k: v for k, v in payload.items() if k != key}) == (422, f"payload.{key}"), key
    for key, value in (("premises", "1"), ("premises", []), ("answers", ["for"]), ("owner_id", ["x"]),
                       ("meeting_id", True), ("key_id", 7), ("received_at", "вчера"), ("check_of", "1"),
                       ("representative", "Петров")):
        assert sign(payload | {key: value}) == (422, f"payload.{key}"), (key, value)
    assert sign(payload | {"premises": [1]}) == (422, "payload.premises.0")
    assert sign(payload | {"extra": 1}) == (422, "payload.extra")  # signed but never checked: refused
    assert sign(payload | {"representative": {"name": 7}}) == (422, "payload.representative.name")
    assert sign(payload | {"representative": {"name": "Петров П. П.", "proxy_valid_until": "31.12.2026"}}) == (
        422, "payload.representative.proxy_valid_until")
    assert sign(payload | {"received_at": "0001-01-01T00:00:00+05:00"}) == (422, "payload.received_at")
    nested = client.post(f"/meetings/{state.meeting.id}/paper/sign", headers={"Accept": "application/json"},
                         data={"csrf_token": token, "payload": "[" * 100_000, "signature": "AAAA"})
    assert nested.status_code == 422 and nested.json["field"] == "payload"
    assert entries(state) == 0
    assert sign(payload) == (302, None)
    assert entries(state) == 1


def test_a_bad_date_on_the_paper_form_is_refused_naming_the_field(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    meeting_id = state.meeting.id
    for field, value, message in (("proxy_valid_until", "31.12.2026", "Доверенность действует по: укажите дату"),
                                  ("proxy_valid_until", "2026-02-30", "Доверенность действует по: укажите дату"),
                                  ("received_at", "0001-01-01T00:00:00", "Дата получения вне допустимого диапазона")):
        data = {"csrf_token": csrf_token(client, f"/meetings/{meeting_id}/paper"), "key_id": signer.key_id,
                "holder": f"{state.voters[0].owner_id}|1", "item-1": ["for"], "representative": "Петров П. П.",
                "received_at": "2026-03-01T10:00:00", "scan": (io.BytesIO(b"%PDF-1.7 scan"), "scan.pdf")}
        response = client.post(f"/meetings/{meeting_id}/paper", data=data | {field: value},
                               content_type="multipart/form-data")
        assert response.status_code == 422 and message in response.get_data(as_text=True), (field, value)
    assert entries(state) == 0  # and the scan was not kept either
    assert db.session.scalar(select(PaperScan.id).where(PaperScan.meeting_id == meeting_id)) is None


def test_the_entry_page_defaults_to_now_in_the_buildings_time_and_finds_owners(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    add_key(officer)
    login(client, officer)
    page = client.get(f"/meetings/{state.meeting.id}/paper").get_data(as_text=True)
    from datetime import UTC, datetime

    today = datetime.now(UTC).astimezone(ZoneInfo(state.building.timezone)).strftime("%Y-%m-%d")
    assert re.search(rf'name="received_at" type="datetime-local" value="{today}T\d\d:\d\d"', page)
    assert page.count("<option value=\"") == 4  # «— выберите —» and the three owners
    found = client.get(f"/meetings/{state.meeting.id}/paper?q=петров").get_data(as_text=True)
    assert "Петров Пётр Петрович" in found and "Иванов Иван Иванович" not in found


def test_missing_owner_and_a_future_date_are_named_next_to_their_fields(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    page = key_in(client, state, signer.key_id, "", b"%PDF-1.7 scan", **{"1": ["for"]})
    assert page.status_code == 422
    assert re.search(r'id="holder-error">Выберите собственника и помещение.<', page.get_data(as_text=True))
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")
    future = (state.meeting.closes_at - timedelta(hours=1)).astimezone(ZoneInfo(state.building.timezone))
    response = client.post(f"/meetings/{state.meeting.id}/paper", content_type="multipart/form-data", data={
        "csrf_token": token, "key_id": signer.key_id, "holder": f"{state.voters[0].owner_id}|1",
        "received_at": future.replace(tzinfo=None).isoformat(timespec="minutes"), "item-1": ["for"],
        "scan": (io.BytesIO(b"%PDF-1.7 scan"), "scan.pdf")})
    assert response.status_code == 422
    assert 'id="received_at-error">Дата получения ещё не наступила' in response.get_data(as_text=True)


def _review(client, state: Open, key_id: str, holder: str) -> str:
    page = key_in(client, state, key_id, holder, b"%PDF-1.7 scan", **{"1": ["for"], "2": ["against"]})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _sign(client, state: Open, signer, text: str):
    payload = json.loads(html.unescape(re.search(r'name="payload" value="([^"]+)"', text)[1]))
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")
    return client.post(f"/meetings/{state.meeting.id}/paper/sign", data={
        "csrf_token": token, "payload": json.dumps(payload), "signature": signer.sign("OSS-PAPER-v1", payload)})


def test_the_review_names_the_owner_in_russian_and_says_the_participation_grows(client, session) -> None:
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    text = _review(client, state, signer.key_id, f"{state.voters[1].owner_id}|2")
    assert "Собственник: Петров Пётр Петрович, помещение 2." in text
    assert "1. Избрать председателя — <strong>за</strong>" in text and "— <strong>против</strong>" in text
    assert "участие вырастет с 0,00 до 30,00 м²" in text
    signed = _sign(client, state, signer, text)
    after = client.get(signed.headers["Location"]).get_data(as_text=True)
    assert "Участие сейчас: 30,00 из 100,00 м²." in after
    board = client.get(f"/meetings/{state.meeting.id}").get_data(as_text=True)
    assert "Проголосовали: 30,00 из 100,00 м²" in board  # the board counts the paper decision at once


def test_a_decision_that_changes_nothing_is_said_so_before_signing(client, session) -> None:
    """The board's participation stayed put after «Решение внесено» when the paper arrived for an owner already
    counted, or was dated before the opening: the clerk now reads why before signing."""
    state = open_meeting()
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    login(client, officer)
    first = _review(client, state, signer.key_id, f"{state.voters[1].owner_id}|2")
    assert _sign(client, state, signer, first).status_code == 302
    again = _review(client, state, signer.key_id, f"{state.voters[1].owner_id}|2")
    assert "уже учтено более раннее решение: это решение заменит его, участие не изменится (30,00 м²)" in again
    token = csrf_token(client, f"/meetings/{state.meeting.id}/paper")
    early = (state.meeting.opens_at - timedelta(minutes=30)).astimezone(ZoneInfo(state.building.timezone))
    page = client.post(f"/meetings/{state.meeting.id}/paper", content_type="multipart/form-data", data={
        "csrf_token": token, "key_id": signer.key_id, "holder": f"{state.voters[2].owner_id}|3",
        "received_at": early.replace(tzinfo=None).isoformat(timespec="minutes"), "item-1": ["for"],
        "scan": (io.BytesIO(b"%PDF-1.7 scan two"), "scan.pdf")}).get_data(as_text=True)
    assert "будет внесено в журнал, но не учтено: оно получено до начала голосования" in page
