"""Single-use, expiring links for e-mail confirmation and password reset.

Each token is signed and carries a fingerprint of the state it changes (the confirmation flag, the password
hash), so it stops working once used, without a table of spent tokens.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from auth.models import User
from voting.core.extensions import db

LIFETIME = {"confirm": 3 * 24 * 3600, "reset": 3600}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"veche-{purpose}")


def _fingerprint(user: User, purpose: str) -> str:
    state = user.password_hash if purpose == "reset" else f"{user.email}|{user.email_confirmed_at}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps([user.id, _fingerprint(user, purpose)])


def user_from_token(token: str, purpose: str) -> User | None:
    """The user the token was made for, if it is genuine, unexpired and not yet used."""
    try:
        user_id, fingerprint = _serializer(purpose).loads(token, max_age=LIFETIME[purpose])
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or fingerprint != _fingerprint(user, purpose):
        return None
    return user
