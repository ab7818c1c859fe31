"""Account services: registration, confirmation, sign-in checks, password changes and resets, one-time codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
from flask_babel import gettext as _
from pyotp.utils import strings_equal
from sqlalchemy import func, or_, select, update

from auth.mail import send_mail
from auth.models import User
from auth.passwords import check_password, dummy_hash, hash_password, password_problem
from auth.security_log import log_event
from auth.sessions import end_all_sessions
from auth.tokens import make_token, user_from_token
from voting.core.errors import InvalidInputError
from voting.core.extensions import db
from voting.core.links import public_url


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def register(email: str, full_name: str, password: str) -> User | None:
    """Create an unconfirmed account and mail the confirmation link; None when the address is taken
    (the page says the same either way, so that registration does not reveal who has an account)."""
    problem = password_problem(password)
    if problem:
        raise InvalidInputError(problem, field="password")
    password_hash = hash_password(password)  # before the look-up: a known address must not answer sooner
    existing = find_user(email)
    if existing is not None:
        send_mail(existing.email, _("Вече: попытка повторной регистрации"),
                  _("Кто-то пытался зарегистрироваться с вашим адресом. Если это были вы, войдите или "
                    "восстановите пароль: %(url)s", url=public_url("auth.reset_request")))
        return None
    user = User(email=normalise_email(email), full_name=" ".join(full_name.split()),
                password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    log_event("registered", user, user.email)
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    link = public_url("auth.confirm", token=make_token(user, "confirm"))
    send_mail(user.email, _("Вече: подтвердите адрес почты"),
              _("Здравствуйте!\n\nЧтобы подтвердить адрес и войти в систему общих собраний, откройте ссылку:\n"
                "%(link)s\n\nСсылка действует трое суток и срабатывает один раз.", link=link))


def confirm(token: str) -> User | None:
    user = user_from_token(token, "confirm")
    if user is None or user.email_confirmed_at is not None:
        return None
    user.email_confirmed_at = datetime.now(UTC)
    log_event("email_confirmed", user, user.email)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The confirmed user with this password, or None; the timing is the same for unknown addresses."""
    user = find_user(email)
    if user is None:
        check_password(dummy_hash(), password)
        log_event("sign_in_failed", None, normalise_email(email), "unknown account")
        return None
    ok, new_hash = check_password(user.password_hash, password)
    if not ok or not user.is_active:
        log_event("sign_in_failed", user, user.email, "wrong password" if not ok else "e-mail not confirmed")
        return None
    if new_hash:
        user.password_hash = new_hash
    return user


def set_password(user: User, password: str, kind: str = "password_changed") -> None:
    """Change the password and end every session of the account."""
    problem = password_problem(password)
    if problem:
        raise InvalidInputError(problem, field="password")
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    log_event(kind, user, user.email)


def request_reset(email: str) -> None:
    user = find_user(email)
    if user is None:
        return
    link = public_url("auth.reset", token=make_token(user, "reset"))
    send_mail(user.email, _("Вече: восстановление пароля"),
              _("Чтобы задать новый пароль, откройте ссылку (действует час и срабатывает один раз):\n%(link)s\n\n"
                "Если вы не просили восстановить пароль, ничего не делайте.", link=link))


def reset(token: str, password: str) -> User | None:
    user = user_from_token(token, "reset")
    if user is None:
        return None
    set_password(user, password, "password_reset")
    if user.email_confirmed_at is None:  # the reset link proves the address too
        user.email_confirmed_at = datetime.now(UTC)
    return user


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Вече")


def check_totp(user: User, secret: str, code: str) -> bool:
    """Whether the code is right for a time step later than the user's last accepted one; that step is then spent."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(datetime.now(UTC))
    code = code.strip()
    # a step either side of now, for phones whose clocks drift
    return any(strings_equal(code, totp.generate_otp(step)) and _spend_totp_step(user, step)
               for step in range(current - 1, current + 2))


def _spend_totp_step(user: User, step: int) -> bool:
    """Record the step as used unless it or a later one already was."""
    # a conditional UPDATE, so that two requests racing with the same code cannot both pass
    spent = db.session.scalar(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).returning(User.id))
    return spent is not None
