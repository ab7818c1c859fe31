"""The demo's protocol reads as a lawyer writes it: each item's proposal under ПРЕДЛОЖЕНО and in РЕШИЛИ, one full
stop after initials, and dated by a count the day after the close (within the ten days the law gives)."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from protocols.models import Protocol
from tests.protocols.test_pdf import text_of
from voting.cli import cli
from voting.core.extensions import db
from voting.domain.schedule import protocol_due
from voting.meetings.demo import AGENDA
from voting.meetings.models import Meeting, MeetingState


def test_the_demo_protocol_carries_proposals_and_is_dated_within_ten_days(runner, session) -> None:
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    meeting = db.session.scalar(select(Meeting).where(Meeting.state == MeetingState.COUNTED))
    assert meeting is not None and meeting.closes_at and meeting.counted_at
    zone = ZoneInfo(meeting.building.timezone)
    counted_on = meeting.counted_at.astimezone(zone).date()
    assert counted_on == meeting.closes_at.astimezone(zone).date() + timedelta(days=1)
    assert counted_on <= protocol_due(meeting.closes_at, meeting.building.timezone)
    protocol = db.session.get(Protocol, meeting.id)
    assert protocol is not None and protocol.pdf
    text = " ".join(text_of(protocol.pdf).split())
    assert f"к протоколу № demo-closed от {counted_on:%d.%m.%Y}" in text
    for _title, _code, proposal in AGENDA:
        assert f"ПРЕДЛОЖЕНО: {' '.join(proposal.split())}." in text
    assert "Принять." not in text
    assert not re.search(r"[А-ЯЁ]\.\.", text), "a double full stop after initials"
    assert "РЕШИЛИ (ПОСТАНОВИЛИ): Избрать председателем общего собрания Иванова И. И." in text
