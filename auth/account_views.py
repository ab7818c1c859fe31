"""The owner's account: proven ownerships, codes and claims, guests, proxies, device keys."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auth import keys, ownership
from auth.forms import ClaimForm, CodeForm, GuestForm, ProxyForm
from auth.models import DeviceKey, GuestGrant, OwnershipClaim, OwnershipLink, Proxy, User
from auth.policy import SIGNED_IN, policy
from registry.models import Building
from voting.core import limits, uploads
from voting.core.errors import InvalidInputError
from voting.core.extensions import db, limiter

bp = Blueprint("account", __name__, url_prefix="/account")


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _page(status: int = 200, template: str = "account/property.html", **forms: object) -> ResponseReturnValue:
    """The forms page (code, claim, guest, proxy) — or the overview — with the lists both show."""
    user = _me()
    context = {"code_form": CodeForm(), "claim_form": ClaimForm(prefix="claim"), "guest_form": GuestForm(),
               "proxy_form": ProxyForm(prefix="proxy"), **forms}
    return render_template(
        template, user=user, links=ownership.active_links(user),
        claims=db.session.scalars(select(OwnershipClaim).where(OwnershipClaim.user_id == user.id)
                                  .order_by(OwnershipClaim.id.desc())).all(),
        grants=db.session.scalars(select(GuestGrant).where(GuestGrant.owner_user_id == user.id,
                                                           GuestGrant.ended_at.is_(None))).all(),
        proxies=db.session.scalars(select(Proxy).where(Proxy.representative_id == user.id)
                                   .order_by(Proxy.id.desc())).all(),
        addresses=db.session.scalars(select(Building.address).order_by(Building.address)).all(),
        **context), status


@bp.get("/")
@policy(SIGNED_IN)
def overview() -> ResponseReturnValue:
    return _page(template="account/overview.html")


@bp.get("/property")
@policy(SIGNED_IN)
def property_forms() -> ResponseReturnValue:
    return _page()


@bp.post("/code")
@limiter.limit("10 per minute", key_func=limits.account_key)
@limiter.limit("200 per minute")
@policy(SIGNED_IN)
def enter_code() -> ResponseReturnValue:
    form = CodeForm()
    if form.validate_on_submit():
        try:
            link = ownership.redeem_code(_me(), form.code.data or "")
        except InvalidInputError as error:
            db.session.commit()  # the failed attempt counts towards the lock
            form.code.errors = [error.message]
            return _page(422, code_form=form)
        db.session.commit()
        premises = link.ownership.premises
        flash(_("Собственность подтверждена: %(address)s, помещение %(premises)s.",
                address=premises.building.address, premises=premises.number), "success")
        return redirect(url_for("registry.building", building_id=premises.building_id))
    return _page(422, code_form=form)


@bp.post("/claim")
@limiter.limit("10 per hour", key_func=limits.account_key)
@limiter.limit("300 per hour")
@policy(SIGNED_IN)
def claim() -> ResponseReturnValue:
    form = ClaimForm(prefix="claim")
    if form.validate_on_submit():
        try:
            ownership.claim(_me(), form.address.data or "", form.premises.data or "", form.egrn_record.data or "")
        except InvalidInputError as error:
            getattr(form, error.field or "address").errors = [error.message]
            return _page(422, claim_form=form)
        db.session.commit()
        flash(_("Заявка отправлена управляющей компании; ответ придёт на почту."), "success")
        return redirect(url_for(".overview"))
    return _page(422, claim_form=form)


def _my_link(link_id: int) -> OwnershipLink | None:
    link = db.session.get(OwnershipLink, link_id)
    return link if link and link.user_id == current_user.id and link.ended_at is None else None


@bp.post("/links/<id:link_id>/drop")
@policy(SIGNED_IN)
def drop_link(link_id: int) -> ResponseReturnValue:
    link = _my_link(link_id)
    if link is None:
        abort(404)
    ownership.end_link(link, _me(), None)
    db.session.commit()
    flash(_("Связь с помещением удалена."), "success")
    return redirect(url_for(".overview"))


@bp.post("/guests")
@policy(SIGNED_IN)
def grant_guest() -> ResponseReturnValue:
    form = GuestForm()
    if form.validate_on_submit():
        ownership.grant_guest(_me(), form.email.data or "")
        db.session.commit()
        flash(_("Если с этой почтой есть учётная запись, просмотр для неё открыт; если нет, попросите человека "
                "зарегистрироваться и откройте просмотр снова."), "success")
        return redirect(url_for(".overview"))
    return _page(422, guest_form=form)


@bp.post("/guests/<id:grant_id>/end")
@policy(SIGNED_IN)
def end_guest(grant_id: int) -> ResponseReturnValue:
    grant = db.session.get(GuestGrant, grant_id)
    if grant is None or grant.owner_user_id != current_user.id:
        abort(404)
    grant.ended_at = grant.ended_at or datetime.now(UTC)
    db.session.commit()
    return redirect(url_for(".overview"))


@bp.post("/proxies")
@limiter.limit("20 per hour", key_func=limits.account_key)
@limiter.limit("300 per hour")
@policy(SIGNED_IN)
def submit_proxy() -> ResponseReturnValue:
    form = ProxyForm(prefix="proxy")
    if form.validate_on_submit():
        try:
            ownership.submit_proxy(_me(), form.address.data or "", form.premises.data or "",
                                   form.egrn_record.data or "", form.issued_on.data, form.valid_until.data,
                                   form.scan.data.read(uploads.SCAN_MAX_BYTES + 1), form.meeting.data)
        except InvalidInputError as error:
            getattr(form, error.field or "scan").errors = [error.message]
            return _page(422, proxy_form=form)
        db.session.commit()
        flash(_("Доверенность отправлена управляющей компании на проверку."), "success")
        return redirect(url_for(".overview"))
    return _page(422, proxy_form=form)


# --- device keys --------------------------------------------------------------------------------------------


@bp.get("/keys")
@policy(SIGNED_IN)
def device_keys() -> ResponseReturnValue:
    items = db.session.scalars(select(DeviceKey).where(DeviceKey.user_id == current_user.id)
                               .order_by(DeviceKey.id.desc())).all()
    return render_template("account/keys.html", keys=items)


@bp.post("/keys/nonce")
@policy(SIGNED_IN)
def key_nonce() -> ResponseReturnValue:
    return jsonify(nonce=keys.new_nonce(), tag=keys.TAG.decode())


@bp.post("/keys")
@limiter.limit(limits.KEYS_PER_ACCOUNT, key_func=limits.account_key)
@limiter.limit(limits.KEYS_PER_ADDRESS)
@policy(SIGNED_IN)
def register_key() -> ResponseReturnValue:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or set(payload) - {"public_key", "signature", "label"}:
        raise InvalidInputError(_("Ожидался JSON с полями public_key, signature, label."))
    device_key = keys.register_key(_me(), str(payload.get("public_key", "")), str(payload.get("signature", "")),
                                   str(payload.get("label", "")))
    db.session.commit()
    return jsonify(key_id=device_key.key_id), 201


@bp.post("/keys/<id:key_pk>/revoke")
@policy(SIGNED_IN)
def revoke_key(key_pk: int) -> ResponseReturnValue:
    device_key = db.session.get(DeviceKey, key_pk)
    if device_key is None or device_key.user_id != current_user.id:
        abort(404)
    keys.revoke_key(device_key, _me())
    db.session.commit()
    flash(_("Ключ отозван."), "success")
    return redirect(url_for(".device_keys"))
