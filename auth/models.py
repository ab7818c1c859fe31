"""Accounts and what they may reach: sessions, staff and inspector scopes, ownership links and how they were
proven, guest access, proxies, device keys, and the append-only security log."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models import Building, Municipality, Organisation, Ownership, Region
from voting.core.extensions import BaseModel
from voting.core.types import Encrypted, EncryptedFile, UTCDateTime, value_enum


def now() -> datetime:
    return datetime.now(UTC)


class User(UserMixin, BaseModel):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    full_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(Encrypted())
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # the time step of the last accepted code
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    code_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    display: Mapped[str | None] = mapped_column(String(40))  # voting.core.display: size, contrast, spacing

    staff_roles: Mapped[list[StaffRole]] = relationship(back_populates="user")
    inspector_scopes: Mapped[list[InspectorScope]] = relationship(back_populates="user")
    links: Mapped[list[OwnershipLink]] = relationship(back_populates="user", foreign_keys="OwnershipLink.user_id")

    @property
    def is_active(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def needs_totp(self) -> bool:
        """Staff, inspectors and the operator sign in with a one-time code as well."""
        return self.is_operator or bool(self.staff_roles) or bool(self.inspector_scopes)


class UserSession(BaseModel):
    """A signed-in browser; the cookie names it, so signing out or changing the password ends it for good."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class StaffRole(BaseModel):
    """A member of an organisation's staff: sees and administers the organisation's buildings only."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    user: Mapped[User] = relationship(back_populates="staff_roles")
    organisation: Mapped[Organisation] = relationship()


class InspectorScope(BaseModel):
    """A housing inspector's read-only reach: a whole region or one municipality."""

    __tablename__ = "inspector_scopes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))

    user: Mapped[User] = relationship(back_populates="inspector_scopes")
    region: Mapped[Region | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


class LinkMethod(enum.StrEnum):
    CODE = "code"
    CLAIM = "claim"
    DEMO = "demo"


class OwnershipLink(BaseModel):
    """A user proven to hold an ownership of the register."""

    __tablename__ = "ownership_links"
    __table_args__ = (Index("ix_ownership_links_active", "user_id", "ownership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ownership_id: Mapped[int] = mapped_column(ForeignKey("ownerships.id", ondelete="CASCADE"), index=True)
    method: Mapped[LinkMethod] = mapped_column(value_enum(LinkMethod, "link_method"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    end_reason: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(back_populates="links", foreign_keys=[user_id])
    ownership: Mapped[Ownership] = relationship()


class OwnershipCode(BaseModel):
    """A single-use code printed on a letter to the owner; only its hash is kept."""

    __tablename__ = "ownership_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    ownership_id: Mapped[int] = mapped_column(ForeignKey("ownerships.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ownership: Mapped[Ownership] = relationship()


class Decision(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OwnershipClaim(BaseModel):
    """An owner's claim to a premises by its ЕГРН record, for the company to approve or reject."""

    __tablename__ = "ownership_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    premises_number: Mapped[str] = mapped_column(String(20))
    egrn_record: Mapped[str] = mapped_column(String(60))
    status: Mapped[Decision] = mapped_column(value_enum(Decision, "claim_status"), default=Decision.PENDING)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ownership_id: Mapped[int | None] = mapped_column(ForeignKey("ownerships.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    building: Mapped[Building] = relationship()


class GuestGrant(BaseModel):
    """Read-only access an owner gives another account (a relative helping them, say)."""

    __tablename__ = "guest_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    guest_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner_user: Mapped[User] = relationship(foreign_keys=[owner_user_id])
    guest_user: Mapped[User] = relationship(foreign_keys=[guest_user_id])


class Proxy(BaseModel):
    """A power of attorney (доверенность, art. 48 p.2) a representative uploaded for an ownership."""

    __tablename__ = "proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ownership_id: Mapped[int] = mapped_column(ForeignKey("ownerships.id", ondelete="CASCADE"), index=True)
    scan: Mapped[bytes] = mapped_column(EncryptedFile())  # passport data: encrypted at rest
    scan_sha256: Mapped[str] = mapped_column(String(64))
    scan_type: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    status: Mapped[Decision] = mapped_column(value_enum(Decision, "proxy_status"), default=Decision.PENDING)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    representative: Mapped[User] = relationship(foreign_keys=[representative_id])
    ownership: Mapped[Ownership] = relationship()

    def active_on(self, day: date) -> bool:
        """Accepted and not expired on that (local) day: an expired proxy stops working by itself."""
        return self.status is Decision.APPROVED and self.issued_on <= day <= self.valid_until


class DeviceKey(BaseModel):
    """A signing key made in a browser (WebCrypto ECDSA P-256, non-extractable); the server keeps the public half."""

    __tablename__ = "device_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    public_key: Mapped[str] = mapped_column(Text)  # SubjectPublicKeyInfo, base64
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SecurityEvent(BaseModel):
    """One line of the append-only security log."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    subject: Mapped[str | None] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(1000))
    request_id: Mapped[str | None] = mapped_column(String(64))  # the request's id in the JSON logs
