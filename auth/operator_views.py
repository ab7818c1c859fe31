"""The operator's screens: organisations, municipalities, inspectors' scopes and staff roles (grant / withdraw,
each change in the security log), the server key's fingerprint. The CLI's services, behind thin views."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from auth import roles
from auth.forms import EMAIL
from auth.models import InspectorScope, StaffRole, User
from auth.policy import OPERATE, policy
from registry import places
from registry.models import Municipality, Organisation, Region
from voting.core.errors import VotingError
from voting.core.extensions import db
from voting.core.server_key import server_key

bp = Blueprint("operate", __name__, url_prefix="/operate")

ORGANISATION_KINDS = (("management_company", _l("Управляющая компания")), ("hoa", _l("ТСЖ")),
                      ("housing_coop", _l("ЖСК")), ("inspection", _l("Жилищная инспекция")),
                      ("operator", _l("Оператор системы")))
ROLE_KINDS = (("staff", _l("Сотрудник организации")), ("municipality", _l("Инспектор муниципального образования")),
              ("region", _l("Инспектор всего субъекта РФ")), ("operator", _l("Оператор системы")))


class OrganisationForm(FlaskForm):
    kind = SelectField(_l("Вид"), choices=[SelectChoice(value, label) for value, label in ORGANISATION_KINDS])
    name = StringField(_l("Название"), validators=[DataRequired(_l("Укажите название.")), Length(max=300)])
    inn = StringField(_l("ИНН"), validators=[DataRequired(_l("Укажите ИНН.")), Length(max=20)])
    ogrn = StringField(_l("ОГРН"), validators=[DataRequired(_l("Укажите ОГРН.")), Length(max=20)])


class MunicipalityForm(FlaskForm):
    name = StringField(_l("Название"), validators=[DataRequired(_l("Укажите название.")), Length(max=200)])
    short_name = StringField(_l("Краткое название"), validators=[DataRequired(_l("Укажите краткое название.")),
                                                                 Length(max=100)])
    population = IntegerField(_l("Численность населения"), validators=[
        DataRequired(_l("Укажите численность населения.")), NumberRange(min=0)])


class RoleForm(FlaskForm):
    email = EmailField(_l("Почта учётной записи"), validators=EMAIL)
    role = SelectField(_l("Роль"), choices=[SelectChoice(value, label) for value, label in ROLE_KINDS])
    target = StringField(_l("Организация (ИНН) или место"), validators=[Optional(), Length(max=200)])


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _region() -> Region:
    region = db.session.scalars(select(Region).order_by(Region.id)).first()
    if region is None:
        abort(404)
    return region


def _fail(form: FlaskForm, error: VotingError, default: str) -> None:
    """The service's message next to the field it names."""
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, error.message]


@bp.get("/")
@policy(OPERATE)
def index() -> ResponseReturnValue:
    key = server_key()
    return render_template("operate/index.html", fingerprint=key.fingerprint, public_key=key.public_b64,
                           organisations=db.session.scalar(select(db.func.count(Organisation.id))),
                           municipalities=db.session.scalar(select(db.func.count(Municipality.id))),
                           operator=current_app.config["OPERATOR_NAME"])


@bp.route("/organisations", methods=["GET", "POST"])
@policy(OPERATE)
def organisations() -> ResponseReturnValue:
    form = OrganisationForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                created = places.create_organisation(_region(), form.kind.data or "", form.name.data or "",
                                                     form.inn.data or "", form.ogrn.data or "")
            except VotingError as error:
                db.session.rollback()
                _fail(form, error, "name")
            else:
                db.session.commit()
                flash(_("Организация добавлена: %(name)s.", name=created.name), "success")
                return redirect(url_for(".organisations"))
        status = 422
    items = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return render_template("operate/organisations.html", form=form, items=items,
                           kinds=dict(ORGANISATION_KINDS)), status


@bp.route("/municipalities", methods=["GET", "POST"])
@policy(OPERATE)
def municipalities() -> ResponseReturnValue:
    form = MunicipalityForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                created = places.create_municipality(_region(), form.name.data or "", form.short_name.data or "",
                                                     form.population.data)
            except VotingError as error:
                db.session.rollback()
                _fail(form, error, "name")
            else:
                db.session.commit()
                flash(_("Муниципальное образование добавлено: %(name)s.", name=created.name), "success")
                return redirect(url_for(".municipalities"))
        status = 422
    items = db.session.scalars(select(Municipality).order_by(Municipality.name)).all()
    return render_template("operate/municipalities.html", form=form, items=items), status


def _roles_page(form: RoleForm, status: int = 200) -> ResponseReturnValue:
    staff = db.session.scalars(select(StaffRole).options(selectinload(StaffRole.user),
                                                         selectinload(StaffRole.organisation))).all()
    scopes = db.session.scalars(select(InspectorScope).options(selectinload(InspectorScope.user))).all()
    operators = db.session.scalars(select(User).where(User.is_operator.is_(True)).order_by(User.email)).all()
    return render_template(
        "operate/roles.html", form=form, operators=operators,
        staff=sorted(staff, key=lambda r: (r.organisation.name, r.user.email)),
        scopes=sorted(scopes, key=lambda s: s.user.email),
        organisations=db.session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        municipalities=db.session.scalars(select(Municipality).order_by(Municipality.name)).all(),
        regions=db.session.scalars(select(Region).order_by(Region.name)).all()), status


@bp.get("/roles")
@policy(OPERATE)
def roles_page() -> ResponseReturnValue:
    return _roles_page(RoleForm())


@bp.post("/roles")
@policy(OPERATE)
def grant_role() -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        return _roles_page(form, 422)
    target = (form.target.data or "").strip()
    role = form.role.data
    if role != "operator" and not target:
        form.target.errors = [_("Укажите ИНН организации или название места.")]
        return _roles_page(form, 422)
    try:
        roles.grant(form.email.data or "", staff_inn=target if role == "staff" else None,
                           municipality=target if role == "municipality" else None,
                           region=target if role == "region" else None, operator=role == "operator", by=_me())
    except VotingError as error:
        db.session.rollback()
        _fail(form, error, "email")
        return _roles_page(form, 422)
    db.session.commit()
    flash(_("Роль выдана: %(email)s (%(what)s).", email=form.email.data, what=dict(ROLE_KINDS)[role]), "success")
    return redirect(url_for(".roles_page"))


@bp.post("/roles/staff/<id:role_id>/withdraw")
@policy(OPERATE)
def withdraw_staff(role_id: int) -> ResponseReturnValue:
    role = db.session.get(StaffRole, role_id) or abort(404)
    email = role.user.email
    roles.withdraw_staff(role, _me())
    db.session.commit()
    flash(_("Роль снята: %(email)s.", email=email), "success")
    return redirect(url_for(".roles_page"))


@bp.post("/roles/scopes/<id:scope_id>/withdraw")
@policy(OPERATE)
def withdraw_scope(scope_id: int) -> ResponseReturnValue:
    scope = db.session.get(InspectorScope, scope_id) or abort(404)
    email = scope.user.email
    roles.withdraw_scope(scope, _me())
    db.session.commit()
    flash(_("Роль снята: %(email)s.", email=email), "success")
    return redirect(url_for(".roles_page"))


@bp.post("/roles/operators/<id:user_id>/withdraw")
@policy(OPERATE)
def withdraw_operator(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id)
    if user is None or not user.is_operator:
        abort(404)
    try:
        roles.withdraw_operator(user, _me())
    except VotingError as error:
        flash(error.message, "warning")
        return redirect(url_for(".roles_page"))
    db.session.commit()
    flash(_("Роль снята: %(email)s.", email=user.email), "success")
    return redirect(url_for(".roles_page"))
