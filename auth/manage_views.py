"""The management company's side of proof: letters with codes, claims, links, proxies; the operator's log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auth import ownership
from auth.forms import ReasonForm
from auth.models import Decision, OwnershipClaim, OwnershipLink, Proxy, SecurityEvent, User
from auth.policy import BUILDING_ADMINISTER, OPERATE, SIGNED_IN, load_building, may, policy, staff_organisations
from auth.security_log import KINDS
from registry.models import Building, Ownership, Premises
from voting.core import uploads
from voting.core.errors import InvalidInputError
from voting.core.extensions import db
from voting.core.links import public_url
from voting.core.pdf import render_pdf

bp = Blueprint("manage", __name__, url_prefix="/manage")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/buildings/<id:building_id>/codes", methods=["GET", "POST"])
@policy(BUILDING_ADMINISTER, load_building)
def codes(building: Building) -> ResponseReturnValue:
    form = ReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        issued = ownership.issue_codes(building, _me())
        html = render_template("pdf/ownership_letters.html", building=building, letters=issued,
                               expires=datetime.now(UTC) + ownership.CODE_LIFETIME,
                               account_url=public_url("account.overview"))
        pdf = render_pdf(html)
        db.session.commit()
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f"attachment; filename=veche-letters-building-{building.id}.pdf"})
    return render_template("manage/codes.html", building=building, form=form)


def _claim(claim_id: int) -> OwnershipClaim | None:
    item = db.session.get(OwnershipClaim, claim_id)
    return item if item and may(current_user, BUILDING_ADMINISTER, item.building) else None


@bp.get("/claims")
@policy(SIGNED_IN)
def claims() -> ResponseReturnValue:
    organisations = staff_organisations(_me())
    if not organisations:
        abort(403)
    items = db.session.scalars(
        select(OwnershipClaim).join(Building).where(Building.organisation_id.in_(organisations))
        .order_by(OwnershipClaim.status != Decision.PENDING, OwnershipClaim.id.desc())
        .options(selectinload(OwnershipClaim.user), selectinload(OwnershipClaim.building))).all()
    proxies = db.session.scalars(
        select(Proxy).join(Ownership).join(Premises).join(Building).where(Building.organisation_id.in_(organisations))
        .order_by(Proxy.status != Decision.PENDING, Proxy.id.desc())).all()
    return render_template("manage/claims.html", claims=items, proxies=proxies, form=ReasonForm())


@bp.post("/claims/<id:claim_id>")
@policy(SIGNED_IN)
def decide_claim(claim_id: int) -> ResponseReturnValue:
    item = _claim(claim_id)
    form = ReasonForm()
    if item is None:
        abort(404)
    if form.validate_on_submit():
        try:
            ownership.decide_claim(item, request.form.get("decision") == "approve", form.reason.data or "", _me())
        except InvalidInputError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("Решение по заявке записано."), "success")
    return redirect(url_for(".claims"))


def _proxy(proxy_id: int) -> Proxy | None:
    item = db.session.get(Proxy, proxy_id)
    return item if item and may(current_user, BUILDING_ADMINISTER, item.ownership.premises.building) else None


@bp.post("/proxies/<id:proxy_id>")
@policy(SIGNED_IN)
def decide_proxy(proxy_id: int) -> ResponseReturnValue:
    item = _proxy(proxy_id)
    if item is None:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            ownership.decide_proxy(item, request.form.get("decision") == "approve", form.reason.data or "", _me())
        except InvalidInputError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("Решение по доверенности записано."), "success")
    return redirect(url_for(".claims"))


@bp.get("/proxies/<id:proxy_id>/scan")
@policy(SIGNED_IN)
def proxy_scan(proxy_id: int) -> ResponseReturnValue:
    item = _proxy(proxy_id)
    if item is None:
        abort(404)
    return uploads.send_stored(item.scan, item.scan_type, f"proxy-{item.id}")


@bp.get("/buildings/<id:building_id>/links")
@policy(BUILDING_ADMINISTER, load_building)
def links(building: Building) -> ResponseReturnValue:
    items = db.session.scalars(
        select(OwnershipLink).join(Ownership).join(Premises).where(Premises.building_id == building.id,
                                                                  OwnershipLink.ended_at.is_(None))
        .options(selectinload(OwnershipLink.user), selectinload(OwnershipLink.ownership).selectinload(
            Ownership.premises), selectinload(OwnershipLink.ownership).selectinload(Ownership.owner))).all()
    return render_template("manage/links.html", building=building, links=items, form=ReasonForm())


@bp.post("/links/<id:link_id>/end")
@policy(SIGNED_IN)
def end_link(link_id: int) -> ResponseReturnValue:
    link = db.session.get(OwnershipLink, link_id)
    if link is None or not may(current_user, BUILDING_ADMINISTER, link.ownership.premises.building):
        abort(404)
    form = ReasonForm()
    building_id = link.ownership.premises.building_id
    if form.validate_on_submit():
        if not (form.reason.data or "").strip():
            flash(_("Укажите причину отзыва."), "warning")
        else:
            ownership.end_link(link, _me(), form.reason.data)
            db.session.commit()
            flash(_("Связь отозвана."), "success")
    return redirect(url_for(".links", building_id=building_id))


@bp.get("/security-log")
@policy(OPERATE)
def security_log() -> ResponseReturnValue:
    statement = select(SecurityEvent).order_by(SecurityEvent.id.desc())
    kind = request.args.get("kind", "")
    who = request.args.get("who", "").strip().lower()
    days = request.args.get("days", 7, type=int) or 7
    if kind in KINDS:
        statement = statement.where(SecurityEvent.kind == kind)
    if who:
        statement = statement.where(SecurityEvent.subject.icontains(who, autoescape=True))
    statement = statement.where(SecurityEvent.at >= datetime.now(UTC) - timedelta(days=max(1, min(days, 3650))))
    events = db.session.scalars(statement.limit(500)).all()
    return render_template("manage/security_log.html", events=events, kinds=KINDS, kind=kind, who=who, days=days,
                           zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
