"""Demo accounts of FORMATS.md §4: operator, inspector, management company staff and nine verified owners."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pyotp
from sqlalchemy import func, select

from auth.models import InspectorScope, LinkMethod, OwnershipLink, StaffRole, User
from auth.passwords import check_password, hash_password
from registry.kinds import OrganisationKind, OwnershipKind
from registry.models import Building, Organisation, Ownership, Premises, Region
from voting.core.extensions import db

DOMAIN = "demo.veche"
OWNERS = 9


def demo_totp_secret(email: str) -> str:
    """A fixed one-time-code secret for a demo account, so that `veche demo-code` can show the current code."""
    return base64.b32encode(hashlib.sha256(f"veche-demo-totp\n{email}".encode()).digest()[:20]).decode()


def demo_code(email: str) -> str | None:
    return pyotp.TOTP(demo_totp_secret(email)).now() if email.endswith("@" + DOMAIN) else None


def _user(email: str, name: str, password: str, totp: bool = False) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=name, password_hash=hash_password(password),
                    email_confirmed_at=datetime(2026, 1, 1, tzinfo=UTC))
        db.session.add(user)
    elif not check_password(user.password_hash, password)[0]:
        user.password_hash = hash_password(password)
    if totp and user.totp_confirmed_at is None:
        user.totp_secret, user.totp_confirmed_at = demo_totp_secret(email), datetime(2026, 1, 1, tzinfo=UTC)
    return user


def seed_users(region_name: str, password: str) -> list[str]:
    """Create or refresh the demo accounts and their scopes; return lines saying what was made."""
    region = db.session.scalar(select(Region).where(Region.name == region_name))
    assert region is not None, "the demo register comes first"
    company = db.session.scalar(select(Organisation).where(Organisation.region_id == region.id,
                                                            Organisation.kind == OrganisationKind.MANAGEMENT_COMPANY))
    operator = _user(f"operator@{DOMAIN}", "Оператор Системы", password, totp=True)
    operator.is_operator = True
    inspector = _user(f"inspector@{DOMAIN}", "Инспекторова Инна Игоревна", password, totp=True)
    staff = _user(f"uk@{DOMAIN}", "Управляющая Ульяна Юрьевна", password, totp=True)
    db.session.flush()
    if not db.session.scalar(select(InspectorScope).where(InspectorScope.user_id == inspector.id)):
        db.session.add(InspectorScope(user=inspector, region=region))
    if company and not db.session.scalar(select(StaffRole).where(StaffRole.user_id == staff.id)):
        db.session.add(StaffRole(user=staff, organisation=company))
    lines = [f"user: {u.email} ({role})" for u, role in ((operator, "operator"), (inspector, "inspector, region"),
                                                         (staff, "management company staff"))]
    building = db.session.scalar(select(Building).join(Organisation).where(Organisation.region_id == region.id)
                                 .order_by(Building.id))
    assert building is not None, "the demo register has buildings"
    ownerships = db.session.scalars(
        select(Ownership).join(Premises).where(Premises.building_id == building.id)
        .where(Ownership.kind != OwnershipKind.PUBLIC)
        .order_by(func.length(Premises.number), Premises.number, Ownership.id).limit(OWNERS)).all()
    for number, ownership in enumerate(ownerships, start=1):
        owner = _user(f"owner{number}@{DOMAIN}", ownership.owner.name, password)
        db.session.flush()
        if not db.session.scalar(select(OwnershipLink).where(OwnershipLink.user_id == owner.id,
                                                             OwnershipLink.ownership_id == ownership.id)):
            db.session.add(OwnershipLink(user=owner, ownership=ownership, method=LinkMethod.DEMO,
                                         created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        lines.append(f"user: {owner.email} (owner of premises {ownership.premises.number}, {building.address})")
    db.session.flush()
    return lines
