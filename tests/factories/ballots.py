"""An open electronic meeting with verified owners holding device keys, ballots signed as the browser signs them and
sent through the API, paper decisions keyed in, and a counted meeting with its evidence bundle."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from auth.models import DeviceKey, User
from ballots import evidence, paper
from ballots.models import LogEntry, LogHead
from ballots.signing import DeviceSigner
from registry.models import Building
from tests.factories import building, csrf_token, flat, login, owner_in, staff_of
from voting.core.extensions import db
from voting.meetings import lifecycle
from voting.meetings.models import AgendaItem, Meeting, MeetingForm, MeetingKind, MeetingState

ROWS = [flat("1", area="60,00", owner="Иванов Иван Иванович"),
        flat("2", area="30,00", entrance="2", owner="Петров Пётр Петрович"),
        flat("3", area="10,00", entrance="2", owner="Сидоров Семён Семёнович")]


@dataclass
class Voter:
    user: User
    signer: DeviceSigner
    owner_id: str
    premises: list[str]
    ballots: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Open:
    meeting: Meeting
    building: Building
    voters: list[Voter]

    @property
    def manifest_hash(self) -> str:
        head = db.session.get(LogHead, self.meeting.id)
        assert head is not None
        return head.manifest_hash


def add_key(account: User, signer: DeviceSigner | None = None) -> DeviceSigner:
    signer = signer or DeviceSigner()
    db.session.add(DeviceKey(key_id=signer.key_id, user=account, public_key=signer.spki, label="test"))
    db.session.flush()
    return signer


def open_meeting(rows: list[dict[str, str]] | None = None, days_left: float = 5, keys: bool = True,
                 address: str = "г. Челябинск, ул. Тестовая, д. 1", noticed: date | None = None,
                 agenda: tuple[tuple[str, str], ...] = (("Избрать председателя", "44.2.5"),
                                                        ("Утвердить план", "44.2.4")),
                 form: MeetingForm = MeetingForm.ELECTRONIC) -> Open:
    """A building, one verified owner per premises (with a device key unless `keys` is false), and a meeting (electronic
    unless `form` says otherwise) opened an hour ago (noticed eleven days ago, unless `noticed` says when)."""
    item = building(address, rows=rows or ROWS)
    numbers = [r["premises"] for r in (rows or ROWS)]
    accounts = [owner_in(item, n) for n in numbers]
    now = datetime.now(UTC)
    meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=form, state=MeetingState.ANNOUNCED,
                      opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=days_left),
                      notice_date=noticed or (now - timedelta(days=11)).date())
    db.session.add(meeting)
    for number, (title, code) in enumerate(agenda, 1):
        db.session.add(AgendaItem(meeting=meeting, number=number, title=title, subject=code))
    db.session.flush()
    assert lifecycle.advance(meeting)
    db.session.flush()
    voters = [Voter(account, add_key(account) if keys else DeviceSigner(), str(account.links[0].ownership.owner_id),
                    [number]) for account, number in zip(accounts, numbers, strict=True)]
    return Open(meeting, item, voters)


def ballot(state: Open, voter: Voter, answers: dict[str, str], seq: int | None = None, prev: str | None = "auto",
           **changes: Any) -> dict[str, Any]:
    """A signed submission continuing the voter's chain (or with the seq/prev given)."""
    from ballots.canonical import digest

    last = voter.ballots[-1]["payload"] if voter.ballots else None
    payload = {"type": "ballot", "v": 1, "meeting_id": state.meeting.id, "manifest_hash": state.manifest_hash,
               "owner_id": voter.owner_id, "premises": voter.premises, "answers": answers,
               "seq": seq if seq is not None else len(voter.ballots) + 1,
               "prev": (digest("OSS-BALLOT-v1", last) if last else None) if prev == "auto" else prev,
               "key_id": voter.signer.key_id, "client_time": datetime.now(UTC).isoformat()} | changes
    return {"payload": payload, "signature": voter.signer.sign("OSS-BALLOT-v1", payload)}


PDF = b"%PDF-1.7\n% a scanned paper decision\n"


def key_in_paper(state: Open, officer: Any, signer: DeviceSigner, owner_id: str, premises: str,
                 answers: dict[str, Any], **extra: Any) -> int:
    scan = paper.keep_scan(state.meeting, officer, PDF + premises.encode())
    body = paper.payload(state.meeting, signer.key_id, owner_id, premises, datetime.now(UTC), answers, scan.sha256,
                         None, None, **extra)
    return paper.record(state.meeting, officer, body, signer.sign("OSS-PAPER-v1", body)).index


def submit(client, state: Open, body: dict, voter: Voter | None = None):
    token = csrf_token(client, f"/meetings/{state.meeting.id}")
    response = client.post(f"/api/v1/meetings/{state.meeting.id}/ballots", data=json.dumps(body),  # \u-escapes
                           content_type="application/json", headers={"X-CSRFToken": token})
    if voter is not None and response.status_code in (200, 201):
        voter.ballots.append(body)
    return response


def entries(state: Open, kind: str = "ballot") -> int:
    return db.session.scalar(select(func.count()).select_from(LogEntry).where(
        LogEntry.meeting_id == state.meeting.id, LogEntry.type == kind)) or 0


def counted_meeting(client, **options: Any) -> tuple[Open, dict[str, Any]]:
    """Three owners: one votes and re-votes online, one online, one on paper (keyed in twice); closed, counted."""
    state = open_meeting(**options)
    first, second, third = state.voters
    for voter, choices in ((first, [{"1": "for", "2": "for"}, {"1": "against", "2": "for"}]),
                           (second, [{"1": "for", "2": "abstain"}])):
        login(client, voter.user)
        for answers in choices:
            assert submit(client, state, ballot(state, voter, answers), voter).status_code == 201
        client.get("/auth/logout")
    officer = staff_of(state.building.organisation)
    signer = add_key(officer)
    index = key_in_paper(state, officer, signer, third.owner_id, "3", {"1": ["for", "against"], "2": "for"})
    key_in_paper(state, officer, signer, third.owner_id, "3", {"1": "for", "2": "for"}, check_of=index)
    assert len(paper.mismatches(state.meeting.id)) == 1  # the second keying disagrees: flagged, not counted
    assert lifecycle.advance(state.meeting, at=state.meeting.closes_at)
    lifecycle.count(state.meeting)
    db.session.flush()
    return state, evidence.bundle(state.meeting)
