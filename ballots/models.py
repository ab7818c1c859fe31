"""The meeting's append-only log: its head (locked for every append), entries, signed checkpoints and paper scans."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voting.core.extensions import BaseModel
from voting.core.types import EncryptedFile, UTCDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class LogHead(BaseModel):
    """One row per meeting: every append locks it, so entries of one meeting are written strictly one by one."""

    __tablename__ = "ballot_log_heads"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[str] = mapped_column(Text, default="[]")  # RFC 6962 subtree roots: JSON [[size, hex], ...]
    manifest_hash: Mapped[str] = mapped_column(String(64))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # a `close` entry is in: no more ballots
    counted: Mapped[bool] = mapped_column(Boolean, default=False)  # a `tally` entry is in: no more paper either


class LogEntry(BaseModel):
    """One entry; never updated or deleted (no code path does, and on PostgreSQL a trigger refuses it)."""

    __tablename__ = "ballot_log_entries"
    __table_args__ = (UniqueConstraint("meeting_id", "index"), UniqueConstraint("ballot_hash"),
                      UniqueConstraint("meeting_id", "owner_ref", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    prev: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)  # RFC 8785 JSON, exactly the bytes that were hashed (after the tag)
    payload_hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)  # base64; the server's Ed25519 or the signer's raw ECDSA r‖s
    key_id: Mapped[str] = mapped_column(String(64))
    server_time: Mapped[str] = mapped_column(String(40))  # RFC 3339, exactly as hashed
    entry_hash: Mapped[str] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(String(64))  # the Merkle tree head once this entry is in (size index + 1)
    # ballots and paper decisions only: what the unique constraints and the seq/prev chain need
    ballot_hash: Mapped[str | None] = mapped_column(String(64))
    owner_ref: Mapped[str | None] = mapped_column(String(40))
    seq: Mapped[int | None] = mapped_column(Integer)
    bound_key: Mapped[str | None] = mapped_column(String(64))  # key_registered / key_revoked: the key they are about


class Checkpoint(BaseModel):
    """A signed tree head: at opening, periodically while voting, at close and after the tally."""

    __tablename__ = "ballot_checkpoints"
    __table_args__ = (UniqueConstraint("meeting_id", "size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(Text)


class PaperScan(BaseModel):
    """The scanned page of a paper decision; a `paper_decision` entry names it by its SHA-256."""

    __tablename__ = "paper_scans"
    __table_args__ = (UniqueConstraint("meeting_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(EncryptedFile())  # names, СНИЛС, signatures: encrypted at rest
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
