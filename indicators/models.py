"""Meetings held outside the platform, registered by management companies so that they count in the indicator;
and the log of the indicator feed's deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models import Building, Municipality, Organisation
from voting.core.extensions import BaseModel
from voting.core.types import UTCDateTime, value_enum
from voting.meetings.models import MeetingForm, MeetingKind


def _now() -> datetime:
    return datetime.now(UTC)


class RegisteredMeeting(BaseModel):
    """A meeting held elsewhere (paper, or another system): it counts in the denominator of the online share."""

    __tablename__ = "registered_meetings"
    __table_args__ = (CheckConstraint("ended_on >= started_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(value_enum(MeetingKind, "registered_meeting_kind"))
    form: Mapped[MeetingForm] = mapped_column(value_enum(MeetingForm, "registered_meeting_form"))
    started_on: Mapped[date]
    ended_on: Mapped[date] = mapped_column(index=True)
    protocol_number: Mapped[str | None] = mapped_column(String(64))
    protocol_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(20), default="form")  # form, import, published
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    municipality: Mapped[Municipality] = relationship()
    building: Mapped[Building | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class FeedDelivery(BaseModel):
    """One attempt to push the signed indicator to the configured address."""

    __tablename__ = "feed_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    url: Mapped[str] = mapped_column(String(500))
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))


class PublishedResidents(BaseModel):
    """Residents with a verified property account counted outside the platform (the region's published figures,
    e.g. Госуслуги.Дом users of 31 May 2026): they count in the second indicator from their date on."""

    __tablename__ = "published_residents"
    __table_args__ = (UniqueConstraint("municipality_id", "as_of"), CheckConstraint("count >= 0", name="count"))

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    as_of: Mapped[date]
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="published")

    municipality: Mapped[Municipality] = relationship()
