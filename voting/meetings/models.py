"""Meetings: lifecycle, agenda, officers, materials, notices, the frozen register and the decisions received."""

from __future__ import annotations

import enum
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import User
from registry.models import Building, Organisation, Owner
from voting.core.errors import ConflictError
from voting.core.extensions import BaseModel
from voting.core.types import UTCDateTime, value_enum

GIS_ID = re.compile(r"[A-Za-z0-9-]{1,64}\Z")  # the meeting's identifier in ГИС ЖКХ (the protocol's number, 266/пр)


def _now() -> datetime:
    return datetime.now(UTC)


class MeetingKind(enum.StrEnum):
    ANNUAL = "annual"
    EXTRAORDINARY = "extraordinary"


class MeetingForm(enum.StrEnum):
    IN_PERSON = "in_person"
    ABSENTEE = "absentee"
    MIXED = "mixed"
    ELECTRONIC = "electronic"


class MeetingState(enum.StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    VOTING = "voting"
    CLOSED = "closed"
    COUNTED = "counted"
    SIGNED = "signed"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


TRANSITIONS: dict[MeetingState, frozenset[MeetingState]] = {
    MeetingState.DRAFT: frozenset({MeetingState.ANNOUNCED, MeetingState.CANCELLED}),
    MeetingState.ANNOUNCED: frozenset({MeetingState.VOTING, MeetingState.CANCELLED}),
    MeetingState.VOTING: frozenset({MeetingState.CLOSED, MeetingState.CANCELLED}),
    MeetingState.CLOSED: frozenset({MeetingState.COUNTED}),
    MeetingState.COUNTED: frozenset({MeetingState.SIGNED}),
    MeetingState.SIGNED: frozenset({MeetingState.SUBMITTED}),
    MeetingState.SUBMITTED: frozenset(),
    MeetingState.CANCELLED: frozenset(),
}


class TransitionError(ConflictError):
    """A move the lifecycle does not allow, with the reason."""


class OfficerRole(enum.StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    COUNTER = "counter"


class Meeting(BaseModel):
    __tablename__ = "meetings"
    # the inspector's list, newest first, a page at a time (bench/region.py: 50,000 meetings)
    __table_args__ = (Index("ix_meetings_closes_at_id", "closes_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(value_enum(MeetingKind, "meeting_kind"))
    form: Mapped[MeetingForm] = mapped_column(value_enum(MeetingForm, "meeting_form"))
    state: Mapped[MeetingState] = mapped_column(value_enum(MeetingState, "meeting_state"), default=MeetingState.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    initiator_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    initiator_owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id"))
    administrator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    place: Mapped[str | None] = mapped_column(String(300))
    paper_address: Mapped[str | None] = mapped_column(String(300))
    materials_info: Mapped[str | None] = mapped_column(String(1000))
    gis_id: Mapped[str | None] = mapped_column(String(64))
    notice_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # mailed to the owners (ЖК РФ ст. 46 ч. 3)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # when the initiator's notice reached the administrator, if someone else administers (ЖК РФ ст. 47.1 ч. 3–5)
    administrator_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))  # the очное meeting without quorum
    # the frozen register (canonical JSON: a long text in a big building) and oss-result/1 at counting: read when
    # asked for, not with every load of the meeting (each ballot loads it)
    snapshot: Mapped[str | None] = mapped_column(Text, deferred=True)
    snapshot_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(Text, deferred=True)

    building: Mapped[Building] = relationship()
    initiator_organisation: Mapped[Organisation | None] = relationship()
    initiator_owner: Mapped[Owner | None] = relationship()
    administrator: Mapped[User | None] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.number",
                                                    cascade="all, delete-orphan")
    officers: Mapped[list[MeetingOfficer]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                          order_by="MeetingOfficer.id")
    materials: Mapped[list[MeetingMaterial]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                            order_by="MeetingMaterial.id")
    notices: Mapped[list[NoticeDelivery]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                         order_by="NoticeDelivery.id")
    opt_outs: Mapped[list[ElectronicOptOut]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                            order_by="ElectronicOptOut.received_at")
    repeat_of: Mapped[Meeting | None] = relationship(remote_side="Meeting.id")

    def move(self, target: MeetingState) -> None:
        """Change state, refusing any move the lifecycle does not allow."""
        if target not in TRANSITIONS[self.state]:
            raise TransitionError(f"a meeting cannot go from {self.state.value} to {target.value}")
        self.state = target

    def announce(self, today: date, problems: list[Any]) -> None:
        if problems:
            raise TransitionError(f"the meeting is not ready to be announced ({len(problems)} problem(s))")
        self.move(MeetingState.ANNOUNCED)
        self.notice_date, self.announced_at = today, _now()

    def open(self, now: datetime, snapshot: str, snapshot_hash: str) -> None:
        if self.opens_at is None or now < self.opens_at:
            raise TransitionError("voting opens at the announced instant, not before")
        self.move(MeetingState.VOTING)
        self.snapshot, self.snapshot_hash = snapshot, snapshot_hash

    def close(self, now: datetime) -> None:
        if self.closes_at is None or now < self.closes_at:
            raise TransitionError("voting closes at the announced instant, not before")
        self.move(MeetingState.CLOSED)

    def count(self, result: dict[str, Any]) -> None:
        self.move(MeetingState.COUNTED)
        self.result, self.counted_at = json.dumps(result, ensure_ascii=False, sort_keys=True), _now()

    def cancel(self, reason: str) -> None:
        if not reason.strip():
            raise TransitionError("a cancellation needs a reason")
        self.move(MeetingState.CANCELLED)
        self.cancelled_at, self.cancel_reason = _now(), reason.strip()

    def record_delivery(self, channel: str, at: datetime, detail: str | None) -> NoticeDelivery:
        """Note how and when the notice reached the owners; a draft has no notice yet."""
        if self.state is MeetingState.DRAFT:
            raise TransitionError("a draft has no notice to deliver")
        delivery = NoticeDelivery(channel=channel, at=at, detail=detail)
        self.notices.append(delivery)
        return delivery


class AgendaItem(BaseModel):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(3000))
    proposal: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(20))
    entrance: Mapped[str | None] = mapped_column(String(10))
    gis_choice: Mapped[str | None] = mapped_column(String(40))  # the way chosen, where ГИС ЖКХ asks (gis_nsi.NEEDS)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class MeetingOfficer(BaseModel):
    """The chair, the secretary and the counting commission the meeting elects."""

    __tablename__ = "meeting_officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    role: Mapped[OfficerRole] = mapped_column(value_enum(OfficerRole, "officer_role"))
    name: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="officers")


class MeetingMaterial(BaseModel):
    __tablename__ = "meeting_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    meeting: Mapped[Meeting] = relationship(back_populates="materials")


class NoticeDelivery(BaseModel):
    """How and when the notice reached the owners (e-mail, stairwell posting, ГИС ЖКХ, letters)."""

    __tablename__ = "notice_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    detail: Mapped[str | None] = mapped_column(String(500))

    meeting: Mapped[Meeting] = relationship(back_populates="notices")


class ElectronicOptOut(BaseModel):
    """An owner's notice to the administrator that they will not vote electronically in this meeting (156-ФЗ): they
    vote by a written decision."""

    __tablename__ = "electronic_opt_outs"
    __table_args__ = (UniqueConstraint("meeting_id", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the notice reached the administrator
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    meeting: Mapped[Meeting] = relationship(back_populates="opt_outs")
    owner: Mapped[Owner] = relationship()


class MeetingDecision(BaseModel):
    """A decision received (online, paper or in person): the tally's input, in the dossier's terms."""

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    owner_ref: Mapped[str] = mapped_column(String(40))  # the owner's id in the frozen register
    premises: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(20))
    answers: Mapped[str] = mapped_column(Text)  # JSON: item id -> choice or list of choices
    representative: Mapped[str | None] = mapped_column(String(300))
    proxy_valid_until: Mapped[date | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    log_index: Mapped[int | None] = mapped_column(Integer)  # the log entry it came from (ballots, paper decisions)


class ReminderSent(BaseModel):
    """A reminder already mailed, so that no owner gets the same one twice."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    slot: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
