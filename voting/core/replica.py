"""Read-only pages from a streaming replica (VECHE_DATABASE_REPLICA_URL): a view marked `@from_replica` sends its
SELECTs there; writes, and every page not marked (anything that must see its own writes), use the primary."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from flask_sqlalchemy.session import Session
from sqlalchemy import Select

REPLICA = "replica"  # the bind key of SQLALCHEMY_BINDS
View = TypeVar("View", bound=Callable[..., Any])


def from_replica(view: View) -> View:
    """Serve this read-only view's queries from the replica when one is configured (below `@policy`: the
    authorisation reads the primary, which has the session just written)."""

    @wraps(view)
    def on_replica(*args: Any, **kwargs: Any) -> Any:
        g.veche_replica = True
        try:
            return view(*args, **kwargs)
        finally:
            g.veche_replica = False

    on_replica.reads_replica = True  # type: ignore[attr-defined]
    return on_replica  # type: ignore[return-value]


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending a marked view's SELECTs to the replica engine."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if (bind is None and isinstance(clause, Select) and has_request_context() and g.get("veche_replica")
                and REPLICA in current_app.config.get("SQLALCHEMY_BINDS", {})):
            return self._db.engines[REPLICA]
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
