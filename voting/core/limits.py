"""Rate-limit keys and the limits that must never stop a lawful voter: counted per account, with a generous
ceiling per address (an УК office, a family or a МФЦ votes from behind one address)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

# per account; per address, many accounts together
BALLOTS_PER_ACCOUNT = "120 per minute"
BALLOTS_PER_ADDRESS = "2000 per minute"
KEYS_PER_ACCOUNT = "20 per hour"
KEYS_PER_ADDRESS = "500 per hour"


def account_key() -> str:
    """The signed-in account (or, before sign-in, the address). Kept for the request: the limit headers ask again
    after the commit, which would otherwise reload the user."""
    if "limit_key" not in g:
        g.limit_key = (f"user:{current_user.get_id()}" if current_user.is_authenticated
                       else f"address:{request.remote_addr or ''}")
    return str(g.limit_key)
