"""Indicator pages: the dashboard for inspectors and the operator, a public summary, exports, the JSON API, and
the company's registration of meetings held elsewhere."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auth.policy import (
    BUILDING_ADMINISTER,
    INDICATORS,
    PUBLIC,
    STAFF,
    load_building,
    may,
    policy,
    staff_organisations,
)
from indicators import exports, feed, services
from indicators.compute import (
    FIRST_YEAR,
    LAST_YEAR,
    Indicator,
    PeriodError,
    beyond_years,
    drill_down,
    indicator,
    monthly,
    parse_period,
)
from indicators.forms import HeldMeetingForm, MeetingsFileForm
from indicators.models import RegisteredMeeting
from indicators.register_file import HeldMeeting, MeetingsFileError, read_meetings
from registry.models import Building, Municipality, Organisation, Region
from voting.core import uploads
from voting.core.errors import InvalidInputError, NotFoundError, VotingError
from voting.core.extensions import db
from voting.core.replica import from_replica
from voting.core.server_key import server_key
from voting.core.spreadsheet import SpreadsheetError
from voting.meetings.models import MeetingForm, MeetingKind

bp = Blueprint("indicators", __name__)
SORTS = {"share": lambda r: (r.share.exact is None, -(r.share.exact or 0), r.name),
         "total": lambda r: (-r.total, r.name), "name": lambda r: r.name}


def _within_years(start: date, end: date) -> tuple[date, date]:
    """The period, or a 422 naming `from` or `to` when that day lies outside FIRST_YEAR…LAST_YEAR."""
    field = beyond_years(start, end)
    if field is not None:
        raise InvalidInputError(_("%(field)s: укажите дату с %(first)s-01-01 по %(last)s-12-31.", field=field,
                                  first=FIRST_YEAR, last=LAST_YEAR), field=field)
    return start, end


def _period() -> tuple[date, date]:
    """The pages' `from`…`to`: this year so far when absent or unreadable; a day out of the years is refused."""
    today = datetime.now(UTC).date()
    start = request.args.get("from") or f"{today.year}-01-01"
    end = request.args.get("to") or today.isoformat()
    try:
        period = parse_period(f"{start}:{end}")
    except PeriodError:
        return date(today.year, 1, 1), today
    return _within_years(*period)


def _region() -> Region | None:
    return db.session.scalars(select(Region).order_by(Region.id)).first()


def _monthly(start: date, end: date, **filters: object) -> list[tuple[str, int, int]]:
    """(month, online, total) for each month of the period, for the trend chart."""
    return [(f"{first:%m.%Y}", online, total)
            for first, online, total in monthly(start, end, **filters)]  # type: ignore[arg-type]


@bp.get("/indicators/")
@policy(INDICATORS)
@from_replica
def dashboard() -> ResponseReturnValue:
    region = _region()
    if region is None:
        return render_template("indicators/dashboard.html", data=None)
    start, end = _period()
    organisation_id = request.args.get("organisation", type=int)
    form = request.args.get("form") or None
    filters = {"organisation_id": organisation_id, "form": MeetingForm(form) if form in set(MeetingForm) else None}
    data = indicator(region, start, end, **filters)  # type: ignore[arg-type]
    sort = request.args.get("sort", "share")
    rows = sorted(data.rows, key=SORTS.get(sort, SORTS["share"]), reverse=request.args.get("dir") == "asc")
    organisations = db.session.scalars(select(Organisation).where(Organisation.region_id == region.id)
                                       .order_by(Organisation.name)).all()
    drillable = {m.id for m in db.session.scalars(select(Municipality).where(Municipality.region_id == region.id))
                 if may(current_user, INDICATORS, m)}
    return render_template("indicators/dashboard.html", data=data, rows=rows, sort=sort, forms=list(MeetingForm),
                           organisations=organisations, organisation_id=organisation_id, form=form,
                           trend=_monthly(start, end, **filters), drillable=drillable)


def load_municipality(municipality_id: int) -> Municipality | None:
    return db.session.get(Municipality, municipality_id)


@bp.get("/indicators/municipalities/<id:municipality_id>")
@policy(INDICATORS, load_municipality)
@from_replica
def municipality(place: Municipality) -> ResponseReturnValue:
    start, end = _period()
    by_organisation, by_building = drill_down(place, start, end)
    return render_template("indicators/municipality.html", place=place, start=start, end=end,
                           by_organisation=by_organisation, by_building=by_building)


@bp.get("/indicators/public")
@policy(PUBLIC)
@from_replica
def public() -> ResponseReturnValue:
    region = _region()
    start, end = _period()
    data = indicator(region, start, end) if region else None
    return render_template("indicators/public.html", data=data, rows=sorted(data.rows, key=SORTS["name"]) if data
                           else [])


def _export(data: Indicator, extension: str) -> Response:
    name = f"indicator-{data.start}-{data.end}.{extension}"
    if extension == "csv":
        return Response(exports.to_csv(data), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    if extension == "xlsx":
        return Response(exports.to_xlsx(data),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    return Response(json.dumps(exports.to_json(data), ensure_ascii=False, indent=2), mimetype="application/json")


@bp.get("/indicators/export.<any(csv, xlsx, json):extension>")
@policy(INDICATORS)
@from_replica
def export(extension: str) -> ResponseReturnValue:
    region = _region()
    if region is None:
        return Response(status=404)
    start, end = _period()
    return _export(indicator(region, start, end), extension)


def _api_indicator() -> dict[str, object]:
    """oss-indicator/1 for the `from`…`to` query parameters; a bad period or no region is the client's error."""
    try:
        start, end = _within_years(*parse_period(f"{request.args.get('from', '')}:{request.args.get('to', '')}"))
    except PeriodError as error:
        raise InvalidInputError(str(error), field="from") from None
    region = _region()
    if region is None:
        raise NotFoundError("no region is set up")
    return exports.to_json(indicator(region, start, end))


@bp.get("/api/v1/indicators/online-share")
@policy(PUBLIC)
@from_replica
def api_online_share() -> ResponseReturnValue:
    """The indicator as oss-indicator/1 for `from`…`to` (query parameters, YYYY-MM-DD, both included)."""
    return _api_indicator()


@bp.get("/api/v1/indicators/feed")
@policy(PUBLIC)
@from_replica
def api_feed() -> ResponseReturnValue:
    """The indicator for `from`…`to`, signed with the server key (see indicators.feed)."""
    return feed.signed(_api_indicator(), server_key())


# --- meetings held elsewhere ----------------------------------------------------------------------------------


@bp.get("/buildings/<id:building_id>/meetings-elsewhere")
@policy(BUILDING_ADMINISTER, load_building)
def elsewhere(building: Building) -> ResponseReturnValue:
    return _elsewhere_page(building, HeldMeetingForm())


@bp.post("/buildings/<id:building_id>/meetings-elsewhere")
@policy(BUILDING_ADMINISTER, load_building)
def register_elsewhere(building: Building) -> ResponseReturnValue:
    form = HeldMeetingForm()
    if not form.validate_on_submit():
        return _elsewhere_page(building, form), 422
    upload, pdf = form.protocol.data, None
    try:
        if upload and upload.filename:
            pdf, _mime = uploads.receive(upload, uploads.PROTOCOL, uploads.PROTOCOL_MAX_BYTES, "protocol")
    except VotingError as error:
        form.protocol.errors = [error.message]
        return _elsewhere_page(building, form), 422
    held = HeldMeeting(0, building.address, MeetingKind(form.kind.data), MeetingForm(form.form.data),
                       form.started_on.data, form.ended_on.data, form.protocol_number.data or None)
    services.register_meeting(building, held, current_user._get_current_object(), protocol_pdf=pdf)
    db.session.commit()
    flash(_("Собрание зарегистрировано."), "success")
    return redirect(url_for(".elsewhere", building_id=building.id))


def _elsewhere_page(building: Building, form: HeldMeetingForm) -> str:
    items = db.session.scalars(select(RegisteredMeeting).where(RegisteredMeeting.building_id == building.id)
                               .order_by(RegisteredMeeting.ended_on.desc())).all()
    return render_template("indicators/elsewhere.html", building=building, items=items, form=form)


@bp.route("/manage/meetings-elsewhere", methods=["GET", "POST"])
@policy(STAFF)
def import_elsewhere() -> ResponseReturnValue:
    form = MeetingsFileForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_meetings(upload.filename or "", upload.read(uploads.TABLE_MAX_BYTES + 1),
                                 uploads.TABLE_MAX_BYTES)
            count = services.register_file(staff_organisations(current_user), rows,
                                           current_user._get_current_object())
        except SpreadsheetError as error:
            problems = [str(error)]
        except MeetingsFileError as error:
            problems = [str(e) for e in error.errors]
        else:
            db.session.commit()
            flash(_("Зарегистрировано собраний: %(n)s.", n=count), "success")
            return redirect(url_for(".import_elsewhere"))
    return render_template("indicators/import.html", form=form, problems=problems), 422 if problems else 200
