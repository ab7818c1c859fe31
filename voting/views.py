"""Pages of the application shell: the start page and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from auth.policy import PUBLIC, policy
from voting.forms import LanguageForm

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
    target = form.next.data or ""
    parts = urlsplit(target)
    # only paths on this site: an absolute or scheme-relative URL would make this an open redirect
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for("voting.index")
    return redirect(target)
