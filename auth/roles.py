"""Granting and withdrawing staff, inspector and operator roles (the operator's work), each change logged."""

from __future__ import annotations

from sqlalchemy import select

from auth.accounts import find_user
from auth.models import InspectorScope, StaffRole, User
from auth.security_log import log_event
from registry.models import Municipality, Organisation, Region
from voting.core.errors import InvalidInputError, NotFoundError
from voting.core.extensions import db


def _account(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFoundError(f"no account {email!r}")
    return user


def grant(email: str, *, staff_inn: str | None = None, municipality: str | None = None,
          region: str | None = None, operator: bool = False) -> str:
    """Give one role; returns what was done, for the log and the command's output."""
    user = _account(email)
    if staff_inn:
        organisation = db.session.scalar(select(Organisation).where(Organisation.inn == staff_inn))
        if organisation is None:
            raise NotFoundError(f"no organisation with ИНН {staff_inn}")
        if not db.session.scalar(select(StaffRole).where(StaffRole.user_id == user.id,
                                                         StaffRole.organisation_id == organisation.id)):
            db.session.add(StaffRole(user=user, organisation=organisation))
        what = f"staff of {organisation.name}"
    elif municipality:
        place = db.session.scalar(select(Municipality).where(Municipality.name == municipality))
        if place is None:
            raise NotFoundError(f"no municipality {municipality!r}")
        db.session.add(InspectorScope(user=user, municipality=place))
        what = f"inspector of {place.name}"
    elif region:
        area = db.session.scalar(select(Region).where(Region.name == region))
        if area is None:
            raise NotFoundError(f"no region {region!r}")
        db.session.add(InspectorScope(user=user, region=area))
        what = f"inspector of {area.name}"
    elif operator:
        user.is_operator = True
        what = "operator"
    else:
        raise InvalidInputError("name one role")
    log_event("role_changed", user, user.email, f"granted: {what}")
    return what


def withdraw_all(email: str) -> None:
    """Take every staff, inspector and operator role from an account (it stays an owner where it is one)."""
    user = _account(email)
    for role in list(user.staff_roles):
        db.session.delete(role)
    for scope in list(user.inspector_scopes):
        db.session.delete(scope)
    user.is_operator = False
    log_event("role_changed", user, user.email, "withdrawn: all staff, inspector and operator roles")
