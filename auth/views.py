"""Sign-in pages: register, confirm, sign in (with a one-time code for staff), sign out, reset and change password."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from auth import accounts
from auth.forms import ChangePasswordForm, EmailForm, LoginForm, NewPasswordForm, RegisterForm, TotpForm
from auth.models import User
from auth.passwords import check_password
from auth.policy import PUBLIC, SIGNED_IN, policy
from auth.security_log import log_event
from auth.sessions import end_all_sessions, end_session, start_session
from voting.core.errors import InvalidInputError
from voting.core.extensions import db, limiter
from voting.core.links import safe_path
from voting.core.qr import svg_base64

bp = Blueprint("auth", __name__, url_prefix="/auth")
PENDING_SECONDS = 300


def _account_key() -> str:
    """Rate-limit key for one account, whatever address the attempts come from."""
    return "account:" + accounts.normalise_email(request.form.get("email", ""))


def _account_address_key() -> str:
    """Rate-limit key for one account tried from one address: an attacker's address is slowed, the owner's not."""
    return f"{_account_key()}|{request.remote_addr or ''}"


def _failed(response: Response) -> bool:
    """Only a refused password counts towards the account's limits: the owner's own sign-ins never do."""
    return response.status_code == 401


def _pending_key() -> str:
    """Rate-limit key for the account waiting for its one-time code, whatever address the attempts come from."""
    pending = session.get("pending")
    return f"pending:{pending[0]}" if pending else "pending:" + (request.remote_addr or "")


def _safe_next(target: str | None) -> str:
    return safe_path(target, url_for("voting.index"))  # each role's home


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
# OWASP ASVS V6 (2.2.1): failures per account and address slow the address that guesses; the ceiling per account
# (whatever the address) backs off in steps (a minute, an hour, a day) and is high enough that one attacker's
# address cannot reach it before its own pair limit stops it
@limiter.limit("5 per minute;20 per hour", key_func=_account_address_key, methods=["POST"], deduct_when=_failed,
               on_breach=lambda limit: _locked_out())
@limiter.limit("10 per minute;50 per hour;200 per day", key_func=_account_key, methods=["POST"],
               deduct_when=_failed, on_breach=lambda limit: _locked_out())
@policy(PUBLIC)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            db.session.commit()  # the failure is logged even though nobody signs in
            flash(_("Неверная почта или пароль, или адрес ещё не подтверждён."), "warning")
            return render_template("auth/login.html", form=form), 401
        if user.needs_totp:
            session["pending"] = [user.id, time.time(), _safe_next(request.args.get("next"))]
            db.session.commit()
            return redirect(url_for("auth.totp"))
        return _signed_in(user, request.args.get("next"))
    return render_template("auth/login.html", form=form)


def _locked_out() -> None:
    log_event("locked_out", None, accounts.normalise_email(request.form.get("email", "")), "too many attempts")
    db.session.commit()


def _codes_locked_out() -> None:
    pending = session.get("pending")
    user = db.session.get(User, pending[0]) if pending else None
    log_event("locked_out", user, user.email if user else None, "too many one-time codes")
    db.session.commit()


def _signed_in(user: User, target: str | None) -> ResponseReturnValue:
    start_session(user)
    log_event("sign_in", user, user.email)
    db.session.commit()
    return redirect(_safe_next(target))


@bp.route("/totp", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", key_func=_pending_key, methods=["POST"],
               on_breach=lambda limit: _codes_locked_out())
@policy(PUBLIC)
def totp() -> ResponseReturnValue:
    pending = session.get("pending")
    if not pending or time.time() - pending[1] > PENDING_SECONDS:
        session.pop("pending", None)
        return redirect(url_for("auth.login"))
    user = db.session.get(User, pending[0])
    if user is None:
        abort(404)
    enrolling = user.totp_confirmed_at is None
    if enrolling and "totp_secret" not in session:
        session["totp_secret"] = pyotp.random_base32()
    secret: str = session["totp_secret"] if enrolling else (user.totp_secret or "")
    form = TotpForm()
    if form.validate_on_submit():
        if secret and accounts.check_totp(user, secret, form.code.data or ""):
            if enrolling:
                user.totp_secret, user.totp_confirmed_at = secret, datetime.now(UTC)
                log_event("totp_enrolled", user, user.email)
            return _signed_in(user, pending[2])
        log_event("sign_in_failed", user, user.email, "wrong one-time code")
        db.session.commit()
        flash(_("Код не подошёл. Проверьте время на телефоне и введите новый код."), "warning")
    qr = svg_base64(accounts.totp_uri(user, secret)) if enrolling else None
    return render_template("auth/totp.html", form=form, enrolling=enrolling, secret=secret if enrolling else None,
                           qr=qr)


@bp.post("/logout")
@policy(SIGNED_IN)
def logout() -> ResponseReturnValue:
    log_event("sign_out", current_user, current_user.email)
    end_session()
    db.session.commit()
    flash(_("Вы вышли из системы."), "success")
    return redirect(url_for("voting.index"))


@bp.post("/logout-everywhere")
@policy(SIGNED_IN)
def logout_everywhere() -> ResponseReturnValue:
    user = current_user._get_current_object()
    end_all_sessions(user)
    log_event("sign_out_everywhere", user, user.email)
    end_session()
    db.session.commit()
    flash(_("Вы вышли на всех устройствах."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@policy(PUBLIC)
def register() -> ResponseReturnValue:
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.register(form.email.data or "", form.full_name.data or "", form.password.data or "")
        except InvalidInputError as error:
            form.password.errors = [error.message]
            return render_template("auth/register.html", form=form), 422
        db.session.commit()
        return render_template("auth/check_mail.html", email=form.email.data)
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/confirm/<token>")
@policy(PUBLIC)
def confirm(token: str) -> ResponseReturnValue:
    user = accounts.confirm(token)
    if user is None:
        flash(_("Ссылка устарела или уже использована. Войдите или запросите новую."), "warning")
        return redirect(url_for("auth.login"))
    db.session.commit()
    flash(_("Адрес подтверждён. Теперь войдите."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
# per account and address, so that a stranger asking for the owner's address does not use up the owner's requests
@limiter.limit("3 per hour", key_func=_account_address_key, methods=["POST"])
@limiter.limit("10 per hour", key_func=_account_key, methods=["POST"])
@policy(PUBLIC)
def reset_request() -> ResponseReturnValue:
    form = EmailForm()
    if form.validate_on_submit():
        accounts.request_reset(form.email.data or "")
        db.session.commit()
        return render_template("auth/check_mail.html", email=form.email.data)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@policy(PUBLIC)
def reset(token: str) -> ResponseReturnValue:
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset(token, form.password.data or "")
        except InvalidInputError as error:
            form.password.errors = [error.message]
            return render_template("auth/reset.html", form=form), 422
        if user is None:
            flash(_("Ссылка устарела или уже использована. Запросите новую."), "warning")
            return redirect(url_for("auth.reset_request"))
        db.session.commit()
        flash(_("Пароль изменён. Войдите с новым паролем."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@policy(SIGNED_IN)
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        ok, _new_hash = check_password(user.password_hash, form.current.data or "")
        if not ok:
            form.current.errors = [_("Текущий пароль неверен.")]
        else:
            try:
                accounts.set_password(user, form.password.data or "")
            except InvalidInputError as error:
                form.password.errors = [error.message]
            else:
                start_session(user)  # every other session has ended; this one continues under a new id
                db.session.commit()
                flash(_("Пароль изменён; на других устройствах нужно войти заново."), "success")
                return redirect(url_for("account.overview"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200
