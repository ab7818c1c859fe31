"""Pages of the application shell: the start page and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from auth.policy import PUBLIC, policy
from voting.forms import LanguageForm
from voting.links import safe_path
from voting.openapi import spec

bp = Blueprint("voting", __name__)


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
