"""The one place that answers "may this user do that to this object".

Every route declares its policy with `@policy(action, load)`; a test walks the URL map and fails on a route
without one. An object outside the user's scope answers 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, null, or_, select, union_all

from auth.models import Decision, GuestGrant, OwnershipLink, Proxy, User
from registry.models import Building, Municipality, Ownership, Premises
from voting.core.errors import wants_json
from voting.core.extensions import db, login_manager

PUBLIC = "public"
SIGNED_IN = "signed_in"  # any signed-in account, on its own things
View = TypeVar("View", bound=Callable[..., Any])
Load = TypeVar("Load", bound=Callable[..., Any])

# actions on a building (the object is a Building)
BUILDING_VIEW = "building.view"                  # its page, register totals, owners masked
BUILDING_OWNERS = "building.owners"              # who owns what in the register, names masked (LEGAL.md §9: not
                                                 # to the other owners, who see premises, areas and their own holdings)
BUILDING_PERSONAL_DATA = "building.personal_data"  # owners' identification data unmasked (logged)
BUILDING_ADMINISTER = "building.administer"      # register import, codes, claims, links, proxies
# whole-system actions (no object)
BUILDINGS_LIST = "buildings.list"
STAFF = "staff"                                  # a management company's staff, on their organisations' things
OPERATE = "operate"                              # organisations, inspectors, municipalities, keys, audit
INDICATORS = "indicators"                        # the regional indicator; a Municipality's drill-down: in scope
# actions on a meeting (anything with `.building` and `.officers`)
MEETING_KEY_IN_PAPER = "meeting.key_in_paper"    # enter paper decisions: the administrators and the counting commission
MEETING_RECEIVE = "meeting.receive"              # record what reached the administrator (ст. 47.1): the notice to them,
                                                 # owners' refusals of electronic voting: staff and the administrator
# actions on a protocol (anything with `.building`, `.officers` and `.signer_user_ids`)
PROTOCOL_VIEW = "protocol.view"                  # read, download, sign: those who see personal data, officers, signers
PROTOCOL_INSPECT = "protocol.inspect"            # recount and notes: inspectors in scope
INSPECTION = "inspection"                        # the inspector's list of protocols
# the operator's machines, not a person: /metrics with the bearer token VECHE_METRICS_TOKEN or, without one, from
# this machine's loopback and not through a proxy (nginx refuses /metrics from outside in any case)
MONITORING = "monitoring"


def staff_organisations(user: User) -> set[int]:
    return {role.organisation_id for role in user.staff_roles}


def _owned(user_id: Any) -> Select[Any]:
    """Buildings where the user (an id or a bound parameter) holds a proven ownership."""
    return (select(Premises.building_id).join(Ownership, Ownership.premises_id == Premises.id)
            .join(OwnershipLink, OwnershipLink.ownership_id == Ownership.id)
            .where(OwnershipLink.user_id == user_id, OwnershipLink.ended_at.is_(None)))


def _as_guest(user_id: Any) -> Select[Any]:
    owners = select(GuestGrant.owner_user_id).where(GuestGrant.guest_user_id == user_id,
                                                    GuestGrant.ended_at.is_(None))
    return (select(Premises.building_id).join(Ownership, Ownership.premises_id == Premises.id)
            .join(OwnershipLink, OwnershipLink.ownership_id == Ownership.id)
            .where(OwnershipLink.user_id.in_(owners), OwnershipLink.ended_at.is_(None)))


def _represented(user_id: Any, today: Any) -> Select[Any]:
    return (select(Premises.building_id).join(Ownership, Ownership.premises_id == Premises.id)
            .join(Proxy, Proxy.ownership_id == Ownership.id)
            .where(Proxy.representative_id == user_id, Proxy.status == Decision.APPROVED,
                   Proxy.issued_on <= today, Proxy.valid_until >= today))


def _stake(user_id: Any, today: Any) -> ColumnElement[bool]:
    """A building where the user owns, is an owner's guest, or represents an owner under a proxy in force."""
    return or_(Building.id.in_(_owned(user_id)), Building.id.in_(_as_guest(user_id)),
               Building.id.in_(_represented(user_id, today)))


# built once: asked on every request of an owner
_HAS_STAKE = select(Building.id).where(Building.id == bindparam("building_id"),
                                       _stake(bindparam("user_id"), bindparam("today")))


def stake_buildings(user: User) -> Select[Any]:
    """The buildings where the user owns, is an owner's guest, or represents an owner today: an owner's home."""
    return select(Building).where(_stake(user.id, datetime.now(UTC).date()))


def visible_buildings(user: User) -> Select[Any]:
    """The buildings a user may see, as a query to filter lists with."""
    statement = select(Building)
    if user.is_operator:
        return statement
    conditions: list[ColumnElement[bool]] = [_stake(user.id, datetime.now(UTC).date())]
    organisations = staff_organisations(user)
    if organisations:
        conditions.append(Building.organisation_id.in_(organisations))
    for scope in user.inspector_scopes:
        if scope.municipality_id:
            conditions.append(Building.municipality_id == scope.municipality_id)
        if scope.region_id:
            conditions.append(Building.municipality_id.in_(
                select(Municipality.id).where(Municipality.region_id == scope.region_id)))
    return statement.where(or_(*conditions))


def _inspects(user: User, building: Building) -> bool:
    return _inspects_municipality(user, building.municipality)


def _inspects_municipality(user: User, municipality: Municipality) -> bool:
    return any(scope.municipality_id == municipality.id or scope.region_id == municipality.region_id
               for scope in user.inspector_scopes)


def _administers(user: User, building: Building) -> bool:
    return building.organisation_id is not None and building.organisation_id in staff_organisations(user)


def _monitoring_request() -> bool:
    """The request carries the monitoring token, or (none configured) comes straight from this machine."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.remote_addr in ("127.0.0.1", "::1") and "X-Forwarded-For" not in request.headers


def may(user: Any, action: str, obj: object = None) -> bool:
    """Whether `user` may do `action` (to `obj`)."""
    if action == PUBLIC:
        return True
    if action == MONITORING:
        return _monitoring_request()
    if not getattr(user, "is_authenticated", False):
        return False
    if action in (SIGNED_IN, BUILDINGS_LIST):
        return True
    if action == OPERATE:
        return bool(user.is_operator)
    if action == STAFF:
        return bool(staff_organisations(user))
    if action == INDICATORS:
        if isinstance(obj, Municipality):  # one municipality's drill-down: only within the inspector's scopes
            return bool(user.is_operator or _inspects_municipality(user, obj))
        return bool(user.is_operator or user.inspector_scopes)
    if action == INSPECTION:
        return bool(user.inspector_scopes)
    if action == MEETING_KEY_IN_PAPER:
        return may(user, BUILDING_ADMINISTER, obj) or any(
            officer.user_id == user.id and officer.role == "counter" for officer in getattr(obj, "officers", ()))
    if action == MEETING_RECEIVE:
        return may(user, BUILDING_ADMINISTER, obj) or getattr(obj, "administrator_id", None) == user.id
    if action == PROTOCOL_VIEW:
        return (may(user, BUILDING_PERSONAL_DATA, obj) or user.id in getattr(obj, "signer_user_ids", ())
                or any(officer.user_id == user.id for officer in getattr(obj, "officers", ())))
    if action == PROTOCOL_INSPECT:
        building = getattr(obj, "building", None)
        return isinstance(building, Building) and _inspects(user, building)
    if not isinstance(obj, Building) and isinstance(getattr(obj, "building", None), Building):
        obj = getattr(obj, "building")  # noqa: B009 - a meeting (or anything of one building) is judged by it
    if isinstance(obj, Building):
        if action == BUILDING_ADMINISTER:
            return _administers(user, obj)
        if action == BUILDING_PERSONAL_DATA:
            return _administers(user, obj) or _inspects(user, obj)
        if action == BUILDING_OWNERS:
            return user.is_operator or _administers(user, obj) or _inspects(user, obj)
        if action == BUILDING_VIEW:
            return (user.is_operator or _administers(user, obj) or _inspects(user, obj)
                    or db.session.scalar(_HAS_STAKE, {"building_id": obj.id, "user_id": user.id,
                                                      "today": datetime.now(UTC).date()}) is not None)
    return False


_AUTHORISED: dict[Callable[..., Any], Callable[[Any], Any]] = {}


def on_authorised(then: Callable[[Any], Any]) -> Callable[[Load], Load]:
    """Mark a loader whose object passes through `then` (None: a 404) only after the policy allowed the request."""

    def mark(load: Load) -> Load:
        _AUTHORISED[load] = then
        return load

    return mark


def policy(action: str, load: Callable[..., Any] | None = None) -> Callable[[View], View]:
    """Declare and enforce a route's policy; with `load`, the view receives the authorised object first."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(**kwargs: Any) -> Any:
            if action not in (PUBLIC, MONITORING) and not current_user.is_authenticated:
                if wants_json():  # an API client gets a 401 problem, not a redirect to the sign-in page
                    abort(401)
                return login_manager.unauthorized()
            if load is None:
                if not may(current_user, action):
                    abort(403)
                return view(**kwargs)
            wanted = load.__code__.co_varnames[:load.__code__.co_argcount]
            obj = load(**{k: v for k, v in kwargs.items() if k in wanted})
            if obj is None or not may(current_user, action, obj):
                abort(404)
            if load in _AUTHORISED and (obj := _AUTHORISED[load](obj)) is None:
                abort(404)
            g.policy_object = obj
            return view(obj, **{k: v for k, v in kwargs.items() if k not in wanted})

        guarded.policy = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


# built once, asked with every ballot: (owner id, premises number, the proxy's id or None) the user may vote for
_RIGHTS: CompoundSelect = union_all(
    select(Ownership.owner_id, Premises.number, null().label("proxy_id"))
    .join(Premises, Ownership.premises_id == Premises.id)
    .join(OwnershipLink, OwnershipLink.ownership_id == Ownership.id)
    .where(OwnershipLink.user_id == bindparam("user_id"), OwnershipLink.ended_at.is_(None),
           Premises.building_id == bindparam("building_id")),
    select(Ownership.owner_id, Premises.number, Proxy.id)
    .join(Premises, Ownership.premises_id == Premises.id)
    .join(Proxy, Proxy.ownership_id == Ownership.id)
    .where(Proxy.representative_id == bindparam("user_id"), Premises.building_id == bindparam("building_id"),
           or_(Proxy.meeting_id.is_(None), Proxy.meeting_id == bindparam("meeting_id"))))


def voting_rights(user: User, building: Building, day: date, meeting_id: int) -> dict[tuple[str, str], Proxy | None]:
    """Whom the user may vote for in a building, as (owner id, premises number): their own proven ownerships (None)
    and those they represent under a proxy in force on `day` (the building's local date) for that meeting."""
    rows: list[Any] = list(db.session.execute(  # one round trip: most voters hold no proxy
        _RIGHTS, {"user_id": user.id, "building_id": building.id, "meeting_id": meeting_id}))
    proxy_ids = [proxy_id for _o, _n, proxy_id in rows if proxy_id is not None]
    proxies = {p.id: p for p in db.session.scalars(select(Proxy).where(Proxy.id.in_(proxy_ids)))} if proxy_ids else {}
    rights: dict[tuple[str, str], Proxy | None] = {}
    for owner_id, number, proxy_id in sorted(rows, key=lambda row: row[2] is None):
        if proxy_id is None:
            rights[(str(owner_id), number)] = None  # one's own ownership wins over a proxy for it
        elif proxies[proxy_id].active_on(day):
            rights[(str(owner_id), number)] = proxies[proxy_id]
    return rights


def load_building(building_id: int) -> Building | None:
    return db.session.get(Building, building_id)
