"""The application factory: configuration → extensions → blueprints → errors → commands."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, has_request_context, session
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from voting.core import observability, routing, template_helpers
from voting.core.config import from_environment
from voting.core.errors import register_error_handlers
from voting.core.extensions import babel, csrf, db, limiter, login_manager, migrate
from voting.core.resources import resource_dir
from voting.core.server_key import load_key
from voting.core.types import PersonalDataCipher

CSP = ("default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
       "img-src 'self' data:")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build a configured app; `test_config` overrides the environment."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(resource_dir("templates")),
                static_folder=str(resource_dir("static")))
    app.config.from_mapping(from_environment(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    routing.register(app)

    app.extensions["veche.cipher"] = PersonalDataCipher(app.config["DATA_KEYS"])
    app.extensions["veche.server_key"] = load_key(app.config.get("SERVER_KEY"), app.config.get("SERVER_KEY_FILE"),
                                                  app.config["SECRET_KEY"], app.config["ENV_NAME"] == "production")
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    babel.init_app(app, locale_selector=_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    import ballots.models  # noqa: F401 - every table is known to the metadata (migrations, checks)
    import indicators.models  # noqa: F401
    import protocols.models  # noqa: F401
    import voting.meetings.models  # noqa: F401
    from auth.account_views import bp as account_bp
    from auth.manage_views import bp as manage_bp
    from auth.operator_views import bp as operate_bp
    from auth.sessions import load_user
    from auth.views import bp as auth_bp
    from ballots import api as ballots_api
    from ballots import hooks
    from ballots.views import bp as ballots_bp
    from indicators import jobs as indicator_jobs
    from indicators import openapi as indicators_openapi
    from indicators.views import bp as indicators_bp
    from protocols import hooks as protocol_hooks
    from protocols.inspection import bp as inspection_bp
    from protocols.views import bp as protocols_bp
    from registry.views import bp as registry_bp
    from voting.meetings import jobs as meeting_jobs
    from voting.meetings.views import bp as meetings_bp
    from voting.operations import bp as operations_bp
    from voting.views import bp as voting_bp

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Войдите, чтобы открыть эту страницу.")
    for blueprint in (voting_bp, registry_bp, auth_bp, account_bp, manage_bp, meetings_bp, indicators_bp,
                      ballots_bp, ballots_api.bp, protocols_bp, inspection_bp, operate_bp, operations_bp):
        app.register_blueprint(blueprint)
    app.extensions["veche.openapi"] = [ballots_api.describe, indicators_openapi.describe]
    for connect in (meeting_jobs.connect, indicator_jobs.connect, hooks.connect, protocol_hooks.connect):
        connect()
    register_error_handlers(app)
    observability.init_app(app)
    app.after_request(_security_headers)
    template_helpers.register(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined] # the public formats' field order
    if hops := app.config["PROXY_HOPS"]:
        # the client's address and scheme from the proxies in front; not the host (links: VECHE_BASE_URL)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def _locale() -> str:
    """Russian by default; English when the user switched to it."""
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in ("ru", "en") else "ru"


def _security_headers(response: Response) -> Response:
    """Headers every response carries, errors included; nothing personal is kept in caches."""
    if "sid" in session:  # signed in (the session's record, not the user, is read: it may be expired by a commit)
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
