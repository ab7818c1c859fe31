"""Pages of the application shell: the start page, the language switch and the version for the visually
impaired."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import AnyOf

from auth.forms import CodeForm
from auth.policy import PUBLIC, policy, staff_organisations, visible_buildings
from registry.models import Building
from voting import homes
from voting.core import clock
from voting.core.display import SIZES, Display, parse
from voting.core.extensions import db
from voting.core.links import safe_path
from voting.core.openapi import spec

bp = Blueprint("voting", __name__)


class LanguageForm(FlaskForm):
    """Switches the interface language; `next` brings the user back to the page they were on."""

    lang = StringField(validators=[AnyOf(["ru", "en"])])
    next = HiddenField()


@bp.get("/")
@policy(PUBLIC)
def index() -> str:
    """The start page; signed in, each role's home: the owner's meetings, the company's desk, the inspector's
    protocols, the operator's screens (one account may hold several roles: each has its section)."""
    if not current_user.is_authenticated:
        return render_template("voting/index.html")
    user = current_user._get_current_object()
    context: dict[str, object] = {"owner": homes.owner_home(user, clock.now()), "now": clock.now(),
                                  "code_form": CodeForm()}
    if staff_organisations(user):
        context["desk"] = homes.desk(user)
    if user.inspector_scopes:
        context["inspection"] = homes.inspector_home(visible_buildings(user).with_only_columns(Building.id))
    return render_template("voting/home.html", **context)


@bp.post("/language")
@policy(PUBLIC)
def language() -> Response:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    return redirect(safe_path(form.next.data, url_for("voting.index")))


class DisplayForm(FlaskForm):
    """The version for the visually impaired: text size, high contrast, wider spacing."""

    size = RadioField(choices=[str(size) for size in SIZES], default="100")
    contrast = BooleanField()
    spacing = BooleanField()
    next = HiddenField()


def current_display() -> Display:
    """The reader's view: the account's, or the anonymous visitor's session's."""
    if not has_request_context():  # a mail or a PDF rendered by a job or the CLI
        return Display()
    if current_user.is_authenticated:
        return parse(current_user.display)
    return parse(session.get("display"))


@bp.post("/display")
@policy(PUBLIC)
def display() -> Response:
    form = DisplayForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = Display(int(form.size.data or 100), bool(form.contrast.data), bool(form.spacing.data)).dump()
    if current_user.is_authenticated:
        current_user.display = chosen
        db.session.commit()
    else:
        session["display"] = chosen
    return redirect(safe_path(form.next.data, url_for("voting.index")))


@bp.app_context_processor
def display_settings() -> dict[str, object]:
    return {"display": current_display()}


@bp.get("/favicon.ico")
@policy(PUBLIC)
def favicon() -> Response:
    """Browsers ask for /favicon.ico by itself (a PDF or JSON open in a tab has no <link rel="icon">)."""
    icon = Path(current_app.static_folder or "static", "favicon.ico").read_bytes()  # 4 KB, sent whole
    return Response(icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/api/v1/openapi.json")
@policy(PUBLIC)
def openapi() -> ResponseReturnValue:
    return spec(current_app.extensions["veche.openapi"]).to_dict()
