"""Register pages: buildings, a building's premises and owners, and the register import with its preview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from auth.ownership import active_links
from auth.policy import (
    BUILDING_ADMINISTER,
    BUILDING_OWNERS,
    BUILDING_PERSONAL_DATA,
    BUILDING_VIEW,
    BUILDINGS_LIST,
    PUBLIC,
    load_building,
    may,
    policy,
    visible_buildings,
)
from auth.security_log import log_event
from registry import services, sync
from registry.forms import ConfirmImportForm, GisIdentifiersForm, RegisterUploadForm
from registry.models import Building, Owner, Ownership, Premises, RegisterUpload
from registry.register_file import COLUMNS, Register, read_register
from registry.template_file import template_csv, template_xlsx
from voting.core.errors import InvalidInputError
from voting.core.extensions import db
from voting.core.spreadsheet import RowsError, SpreadsheetError

bp = Blueprint("registry", __name__, url_prefix="/buildings")
PAGE_SIZE = 100


@bp.get("/")
@policy(BUILDINGS_LIST)
def buildings() -> str:
    query = request.args.get("q", "")
    rows = services.list_buildings(query, visible_buildings(current_user))
    return render_template("registry/buildings.html", rows=rows, query=query)


@bp.get("/<id:building_id>")
@policy(BUILDING_VIEW, load_building)
def building(item: Building) -> str:
    unmasked = request.args.get("unmask") == "1" and may(current_user, BUILDING_PERSONAL_DATA, item)
    if unmasked:
        log_event("personal_data_viewed", current_user, item.address, "register page")
        db.session.commit()
    sees_owners = may(current_user, BUILDING_OWNERS, item)
    query = request.args.get("q", "").strip()
    statement = select(Premises).where(Premises.building_id == item.id)
    if query and sees_owners:
        matching_owner = (select(Ownership.premises_id).join(Owner)
                          .where(Owner.building_id == item.id, Owner.name.icontains(query, autoescape=True)))
        statement = statement.where(or_(Premises.number == query, Premises.id.in_(matching_owner)))
    elif query:  # an owner finds premises by number only: a search by name would tell who owns what
        statement = statement.where(Premises.number == query)
    count = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-count // PAGE_SIZE))
    # a page past the end (or beyond what the database's offset can hold) shows the last one, as below 1 the first
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    premises = db.session.scalars(
        statement.order_by(func.length(Premises.number), Premises.number).offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE).options(selectinload(Premises.ownerships).selectinload(Ownership.owner))).all()
    mine = [link.ownership for link in active_links(current_user) if link.ownership.premises.building_id == item.id]
    return render_template("registry/building.html", building=item, summary=services.summarise(item),
                           premises=premises, query=query, page=page, pages=pages, count=count,
                           unmasked=unmasked, sees_owners=sees_owners, mine=mine,
                           may_unmask=may(current_user, BUILDING_PERSONAL_DATA, item),
                           may_administer=may(current_user, BUILDING_ADMINISTER, item),
                           gis_form=_gis_form(item))


def _gis_form(item: Building, form: GisIdentifiersForm | None = None) -> GisIdentifiersForm:
    organisation = item.organisation
    return form or GisIdentifiersForm(data={
        "fias_guid": item.fias_guid, "org_root_guid": organisation.gis_root_guid if organisation else None,
        "org_version_guid": organisation.gis_version_guid if organisation else None})


@bp.post("/<id:building_id>/gis")
@policy(BUILDING_ADMINISTER, load_building)
def gis_identifiers(item: Building) -> ResponseReturnValue:
    """The ГИС ЖКХ identifiers of the house and its managing organisation."""
    form = GisIdentifiersForm()
    if not form.validate_on_submit():
        field = next(iter(form.errors), "fias_guid")
        raise InvalidInputError(f"{getattr(form, field).label.text}: {form.errors[field][0]}", field=field)
    services.set_gis_identifiers(item, form.fias_guid.data, form.org_root_guid.data, form.org_version_guid.data)
    db.session.commit()
    flash(_("Идентификаторы ГИС ЖКХ сохранены."), "success")
    return redirect(url_for(".building", building_id=item.id) + "#gis")


@bp.route("/<id:building_id>/register", methods=["GET", "POST"])
@policy(BUILDING_ADMINISTER, load_building)
def import_register(item: Building) -> ResponseReturnValue:
    form = RegisterUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        limit = current_app.config["REGISTER_MAX_BYTES"]
        data = form.file.data.read(limit + 1)
        filename = form.file.data.filename or "register"
        try:
            read_register(filename, data, limit)
        except SpreadsheetError as error:
            problems = [str(error)]
        except RowsError as error:
            problems = [str(e) for e in error.errors]
        else:
            upload = services.stage_upload(item, filename, data)
            db.session.commit()
            return redirect(url_for(".preview_import", building_id=item.id, upload_id=upload.id))
    status = 422 if problems or form.errors else 200
    return render_template("registry/import.html", building=item, form=form, problems=problems,
                           columns=COLUMNS), status


def _staged(item: Building, upload_id: int) -> tuple[RegisterUpload, Register]:
    upload = db.session.get(RegisterUpload, upload_id)
    if upload is None or upload.building_id != item.id or upload.content is None:
        abort(404)
    return upload, read_register(upload.filename, upload.content, current_app.config["REGISTER_MAX_BYTES"])


@bp.get("/<id:building_id>/register/<id:upload_id>")
@policy(BUILDING_ADMINISTER, load_building)
def preview_import(item: Building, upload_id: int) -> str:
    upload, register = _staged(item, upload_id)
    diff = sync.diff_register(item, register)
    return render_template("registry/preview.html", building=item, upload=upload, diff=diff,
                           form=ConfirmImportForm(base=diff.base))


@bp.post("/<id:building_id>/register/<id:upload_id>/apply")
@policy(BUILDING_ADMINISTER, load_building)
def apply_import(item: Building, upload_id: int) -> Response:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    upload, register = _staged(item, upload_id)
    try:
        diff = sync.apply_register(item, register, expected_base=form.base.data)
    except sync.RegisterChangedError as error:
        flash(str(error), "warning")
        return redirect(url_for(".preview_import", building_id=item.id, upload_id=upload.id))
    services.mark_applied(upload, diff)
    db.session.commit()
    flash(_("Реестр обновлён: %(summary)s.", summary=diff.summary()), "success")
    return redirect(url_for(".building", building_id=item.id))


@bp.get("/register-template.<any(csv, xlsx):extension>")
@policy(PUBLIC)
def register_template(extension: str) -> Response:
    body, mimetype = ((template_csv(), "text/csv") if extension == "csv" else
                      (template_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=veche-register-template.{extension}"})
