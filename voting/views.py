"""Pages of the application shell: the start page and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf

from auth.forms import CodeForm
from auth.policy import PUBLIC, policy, staff_organisations, visible_buildings
from registry.models import Building
from voting import homes
from voting.core import clock
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


@bp.get("/api/v1/openapi.json")
@policy(PUBLIC)
def openapi() -> ResponseReturnValue:
    return spec(current_app.extensions["veche.openapi"]).to_dict()
