"""Pages of the application shell: the start page and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf

from auth.policy import PUBLIC, policy
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
    return render_template("voting/index.html")


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
