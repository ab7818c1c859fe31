"""Meeting tables. The lifecycle, agenda and rules arrive with the meetings issue; this is the list they extend."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models import Building
from voting.extensions import BaseModel
from voting.types import UTCDateTime, value_enum


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


class Meeting(BaseModel):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(value_enum(MeetingKind, "meeting_kind"))
    form: Mapped[MeetingForm] = mapped_column(value_enum(MeetingForm, "meeting_form"))
    state: Mapped[MeetingState] = mapped_column(value_enum(MeetingState, "meeting_state"), default=MeetingState.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    building: Mapped[Building] = relationship()
