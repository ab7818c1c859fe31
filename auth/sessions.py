"""Server-side sessions: the cookie names a session row, so a copied cookie dies with sign-out, with a password
change, with "sign out everywhere", and after the idle and absolute timeouts."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from flask import request, session
from flask_login import login_user, logout_user
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from auth.models import User, UserSession
from voting.core.extensions import db

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
_TOUCH_EVERY = timedelta(minutes=1)


def start_session(user: User) -> None:
    """Sign the user in with a brand-new session id: nothing from before sign-in carries over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    sid = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=sid, user_id=user.id, ip=request.remote_addr,
                               user_agent=(request.user_agent.string or "")[:300]))
    session["sid"] = sid
    login_user(user)


def end_session() -> None:
    sid = session.get("sid")
    if sid:
        db.session.execute(update(UserSession).where(UserSession.id == sid).values(ended_at=datetime.now(UTC)))
    logout_user()
    session.clear()


def end_all_sessions(user: User) -> None:
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=datetime.now(UTC)))


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only while the cookie's session is alive."""
    sid = session.get("sid")
    # one round trip: the session, its user and the user's roles and scopes (every policy check reads them)
    record = db.session.get(UserSession, sid, options=[
        joinedload(UserSession.user).joinedload(User.staff_roles),
        joinedload(UserSession.user).joinedload(User.inspector_scopes)]) if sid else None
    now = datetime.now(UTC)
    if (record is None or record.ended_at is not None or str(record.user_id) != user_id
            or now - record.last_seen_at > IDLE or now - record.created_at > ABSOLUTE):
        return None
    if now - record.last_seen_at > _TOUCH_EVERY:
        record.last_seen_at = now
        db.session.commit()
    user = record.user
    return user if user.is_active else None
