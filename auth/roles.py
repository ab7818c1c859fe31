"""Granting and withdrawing staff, inspector and operator roles (the operator's work), each change logged."""

from __future__ import annotations

from flask_babel import gettext as _
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
        raise NotFoundError(_("Учётной записи с почтой %(email)s нет.", email=email), field="email")
    return user


def grant(email: str, *, staff_inn: str | None = None, municipality: str | None = None,
          region: str | None = None, operator: bool = False, by: User | None = None) -> str:
    """Give one role; returns what was done, for the log and the command's output. `by`: the operator on the
    operator's screens (the log names who did it); the command logs the account itself, as before."""
    user = _account(email)
    if staff_inn:
        organisation = db.session.scalar(select(Organisation).where(Organisation.inn == staff_inn))
        if organisation is None:
            raise NotFoundError(_("Организации с ИНН %(inn)s нет.", inn=staff_inn), field="target")
        if not db.session.scalar(select(StaffRole).where(StaffRole.user_id == user.id,
                                                         StaffRole.organisation_id == organisation.id)):
            db.session.add(StaffRole(user=user, organisation=organisation))
        what = f"staff of {organisation.name}"
    elif municipality:
        place = db.session.scalar(select(Municipality).where(Municipality.name == municipality))
        if place is None:
            raise NotFoundError(_("Муниципального образования «%(name)s» нет.", name=municipality), field="target")
        db.session.add(InspectorScope(user=user, municipality=place))
        what = f"inspector of {place.name}"
    elif region:
        area = db.session.scalar(select(Region).where(Region.name == region))
        if area is None:
            raise NotFoundError(_("Субъекта РФ «%(name)s» нет.", name=region), field="target")
        db.session.add(InspectorScope(user=user, region=area))
        what = f"inspector of {area.name}"
    elif operator:
        user.is_operator = True
        what = "operator"
    else:
        raise InvalidInputError(_("Выберите роль."), field="role")
    log_event("role_changed", by or user, user.email, f"granted: {what}")
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


def withdraw_staff(role: StaffRole, by: User) -> None:
    """Take one organisation's staff role from an account (logged)."""
    log_event("role_changed", by, role.user.email, f"withdrawn: staff of {role.organisation.name}")
    db.session.delete(role)


def withdraw_scope(scope: InspectorScope, by: User) -> None:
    """Take one inspector's scope (a municipality or a region) from an account (logged)."""
    place = scope.municipality.name if scope.municipality else scope.region.name if scope.region else "?"
    log_event("role_changed", by, scope.user.email, f"withdrawn: inspector of {place}")
    db.session.delete(scope)


def withdraw_operator(user: User, by: User) -> None:
    """Take the operator's role from an account (logged); an operator cannot take their own."""
    if user.id == by.id:
        raise InvalidInputError(_("Свою роль оператора снять нельзя: попросите другого оператора."), field="email")
    user.is_operator = False
    log_event("role_changed", by, user.email, "withdrawn: operator")
