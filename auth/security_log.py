"""The append-only security log: sign-ins, failures, lock-outs, scope changes, ownership decisions, keys,
unmasked personal data. Rows are only ever added (no code path updates or deletes them)."""

from __future__ import annotations

from flask import g, has_request_context, request

from auth.models import SecurityEvent, User
from voting.core.extensions import db

KINDS = ("sign_in", "sign_in_failed", "sign_out", "sign_out_everywhere", "locked_out", "password_changed",
         "password_reset", "registered", "email_confirmed", "totp_enrolled", "role_changed", "link_created",
         "link_ended", "claim_decided", "codes_issued", "code_failed", "proxy_decided", "key_registered",
         "key_revoked", "personal_data_viewed", "guest_granted")



def log_event(kind: str, user: User | None = None, subject: str | None = None, detail: str | None = None) -> None:
    """Add one event; the caller's commit saves it with the change it describes."""
    assert kind in KINDS, kind
    ip = request.remote_addr if has_request_context() else None
    db.session.add(SecurityEvent(kind=kind, user_id=user.id if user else None,
                                 subject=subject[:254] if subject else None, ip=ip,
                                 detail=detail[:1000] if detail else None,
                                 request_id=g.get("request_id") if has_request_context() else None))
