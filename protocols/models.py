"""A meeting's protocol: the rendered PDF (immutable once anyone has signed), the signatures of its officers, the
submission to the inspection, and the inspectors' notes."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import User
from registry.models import Building
from voting.core.extensions import BaseModel
from voting.core.types import UTCDateTime, value_enum
from voting.meetings.models import Meeting, MeetingOfficer


def _now() -> datetime:
    return datetime.now(UTC)


class RenderState(enum.StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class Protocol(BaseModel):
    """One per meeting; re-rendered only while nobody has signed it."""

    __tablename__ = "protocols"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    render_state: Mapped[RenderState] = mapped_column(value_enum(RenderState, "protocol_render_state"),
                                                      default=RenderState.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent, shown while rendering
    error: Mapped[str | None] = mapped_column(String(500))
    number: Mapped[str | None] = mapped_column(String(64))
    number_provisional: Mapped[bool] = mapped_column(default=False)
    order_code: Mapped[str | None] = mapped_column(String(20))
    document: Mapped[str | None] = mapped_column(Text)  # the protocol's plain data as JSON: what was printed
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    final_root: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None] = mapped_column(Integer)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the protocol's file in ГИС ЖКХ's file store (AttachmentGUID), which the paper forms must attach
    gis_attachment_guid: Mapped[str | None] = mapped_column(String(36))

    meeting: Mapped[Meeting] = relationship()
    signatures: Mapped[list[ProtocolSignature]] = relationship(
        back_populates="protocol", order_by="ProtocolSignature.id", cascade="all, delete-orphan")
    notes: Mapped[list[ProtocolNote]] = relationship(back_populates="protocol", order_by="ProtocolNote.id",
                                                     cascade="all, delete-orphan")

    @property
    def building(self) -> Building:
        """The building, so that the policy judges a protocol as it judges its meeting."""
        return self.meeting.building

    @property
    def officers(self) -> list[MeetingOfficer]:
        return self.meeting.officers

    @property
    def signer_user_ids(self) -> set[int]:
        """The accounts that may sign the protocol as printed."""
        signers = json.loads(self.document).get("signers", []) if self.document else []
        return {user for signer in signers for user in signer["user_ids"]}


class ProtocolSignature(BaseModel):
    """A signer's device-key signature over the protocol's SHA-256 (tag OSS-PROTOCOL-v1), their handwritten one on the
    printed protocol (keyed in with the scan of the signed page and signed by the officer who keyed it in), or the
    system operator's server-key signature."""

    __tablename__ = "protocol_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("protocols.meeting_id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # operator, chair, secretary, counter, initiator, owner
    name: Mapped[str] = mapped_column(String(300))
    # the signer, the officer keying in paper, or the administrator handing the protocol to the operator
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key_id: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # what was signed, canonical JSON
    signature: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    protocol: Mapped[Protocol] = relationship(back_populates="signatures")
    user: Mapped[User] = relationship()

    @property
    def paper_scan(self) -> str | None:
        """For a handwritten signature keyed in: the SHA-256 of the signed page's scan, as the officer signed it."""
        return json.loads(self.payload).get("paper_scan")  # type: ignore[no-any-return]

    @property
    def qualified(self) -> dict[str, str] | None:
        """For the system operator's signature: the operator's qualified signature (УКЭП) it carries, if any."""
        return json.loads(self.payload).get("qualified")  # type: ignore[no-any-return]


class ProtocolNote(BaseModel):
    """An inspector's note on a protocol."""

    __tablename__ = "protocol_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("protocols.meeting_id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(String(2000))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)

    protocol: Mapped[Protocol] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class GisState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # ГИС ЖКХ acknowledged it (MessageGUID) and is processing it
    ACCEPTED = "accepted"
    REFUSED = "refused"
    FAILED = "failed"  # not delivered: every attempt failed in transport


class GisExchange(BaseModel):
    """One delivery of a protocol to ГИС ЖКХ (importVotingProtocol): what was sent, its MessageGUID, the outcome."""

    __tablename__ = "gis_exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=GisState.QUEUED.value)
    transport_guid: Mapped[str] = mapped_column(String(36))
    message_guid: Mapped[str | None] = mapped_column(String(36))  # ГИС ЖКХ's id of the message, to poll getState
    request: Mapped[str] = mapped_column(Text)  # the signed importVotingProtocolRequest, as sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result_guid: Mapped[str | None] = mapped_column(String(36))  # the protocol's GUID in ГИС ЖКХ, once accepted
    unique_number: Mapped[str | None] = mapped_column(String(64))
    errors: Mapped[str | None] = mapped_column(Text)  # JSON [[code, description], ...] of a refusal
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship()
    events: Mapped[list[GisEvent]] = relationship(back_populates="exchange", order_by="GisEvent.id",
                                                  cascade="all, delete-orphan")

    @property
    def error_list(self) -> list[list[str]]:
        return json.loads(self.errors) if self.errors else []


class GisEvent(BaseModel):
    """A line of the delivery log: each send, poll, retry and outcome."""

    __tablename__ = "gis_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("gis_exchanges.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    step: Mapped[str] = mapped_column(String(20))  # sent, waiting, retry, accepted, refused, failed
    detail: Mapped[str | None] = mapped_column(String(500))

    exchange: Mapped[GisExchange] = relationship(back_populates="events")
