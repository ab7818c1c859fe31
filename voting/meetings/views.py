"""Meeting pages: the list of a building's meetings, drafting with the readiness check, announcing, the notice
(page and PDF with a QR code), the administrator's participation board, results, the dossier."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import overload
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from auth.policy import (
    BUILDING_ADMINISTER,
    BUILDING_PERSONAL_DATA,
    BUILDING_VIEW,
    MEETING_KEY_IN_PAPER,
    MEETING_RECEIVE,
    PROTOCOL_VIEW,
    load_building,
    may,
    on_authorised,
    policy,
)
from registry.models import Building, Owner
from voting.core import clock, jobs, uploads
from voting.core.errors import ConflictError, VotingError
from voting.core.exports import people_csv
from voting.core.extensions import db
from voting.core.links import public_url
from voting.core.pdf import render_pdf
from voting.core.qr import png_base64
from voting.core.template_helpers import local
from voting.domain.law import law
from voting.domain.numbers import format_amount
from voting.domain.protocol_orders import order_on
from voting.domain.rules import catalogue, search
from voting.domain.schedule import results_due
from voting.meetings import board, forms_pdf, lifecycle, opt_outs, plan, repeat
from voting.meetings import notice as notices
from voting.meetings.dossier import dossier_json
from voting.meetings.forms import (
    FORMS,
    AdministratorNoticeForm,
    AgendaItemForm,
    DeliveryForm,
    MaterialForm,
    MeetingPlanForm,
    OfficerForm,
    OptOutForm,
    ReasonForm,
    RepeatForm,
)
from voting.meetings.models import (
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingMaterial,
    MeetingState,
    OfficerRole,
)

bp = Blueprint("meetings", __name__)


def _advance_if_due(meeting: Meeting) -> Meeting | None:
    """The meeting, opened or closed first if its announced instant has come."""
    return lifecycle.advance_locked(meeting.id) if lifecycle.due(meeting) else meeting


@on_authorised(_advance_if_due)
def load_meeting(meeting_id: int) -> Meeting | None:
    """The meeting with its building, which the policy reads; it moves only once the request is allowed."""
    return db.session.get(Meeting, meeting_id, options=[joinedload(Meeting.building)])


def _flash_errors(form: FlaskForm) -> None:
    for name, errors in form.errors.items():
        flash(f"{getattr(form, name).label.text}: {'; '.join(str(e) for e in errors)}", "warning")


@bp.get("/buildings/<id:building_id>/meetings")
@policy(BUILDING_VIEW, load_building)
def index(building: Building) -> ResponseReturnValue:
    meetings = db.session.scalars(select(Meeting).where(Meeting.building_id == building.id)
                                  .order_by(Meeting.id.desc())).all()
    return render_template("meetings/list.html", building=building, meetings=meetings,
                           states={m.id: lifecycle.state_at(m) for m in meetings},
                           may_administer=may(current_user, BUILDING_ADMINISTER, building))


@bp.post("/buildings/<id:building_id>/meetings")
@policy(BUILDING_ADMINISTER, load_building)
def create(building: Building) -> ResponseReturnValue:
    meeting = Meeting(building=building, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      initiator_organisation=building.organisation, administrator=current_user._get_current_object(),
                      paper_address=building.organisation.name if building.organisation else None)
    db.session.add(meeting)
    db.session.commit()
    return redirect(url_for(".show", meeting_id=meeting.id))


def _local(meeting: Meeting, value: datetime | None) -> datetime | None:
    return value.astimezone(ZoneInfo(meeting.building.timezone)).replace(tzinfo=None) if value else None


@overload
def _aware(meeting: Meeting, value: datetime) -> datetime: ...
@overload
def _aware(meeting: Meeting, value: None) -> None: ...
def _aware(meeting: Meeting, value: datetime | None) -> datetime | None:
    """A form's local time in the building's zone (the inverse of `_local`)."""
    return value.replace(tzinfo=ZoneInfo(meeting.building.timezone)) if value else None


def _record(meeting: Meeting, form: FlaskForm, anchor: str, change: Callable[[], object],
            done: str) -> ResponseReturnValue:
    """Validate the form, make the change and commit once; a refused change or a bad field is flashed instead."""
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".show", meeting_id=meeting.id) + anchor)
    try:
        change()
    except VotingError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".show", meeting_id=meeting.id) + anchor)


def _subject_choices(query: str) -> list[str]:
    return [s.code for s in (search(query) if query else catalogue())]


@bp.get("/meetings/<id:meeting_id>")
@policy(BUILDING_VIEW, load_meeting)
def show(meeting: Meeting) -> ResponseReturnValue:
    administer = may(current_user, BUILDING_ADMINISTER, meeting)
    context: dict[str, object] = {"meeting": meeting, "administer": administer, "zone": meeting.building.timezone,
                                  "now": clock.now(), "facts": notices.notice_facts(meeting)}
    if administer and meeting.state is MeetingState.DRAFT:
        plan_form = MeetingPlanForm(data={
            "kind": meeting.kind.value, "form": meeting.form.value, "opens_at": _local(meeting, meeting.opens_at),
            "closes_at": _local(meeting, meeting.closes_at), "place": meeting.place,
            "paper_address": meeting.paper_address, "materials_info": meeting.materials_info,
            "administrator": meeting.administrator.email if meeting.administrator else "", "gis_id": meeting.gis_id,
            "initiator_owner": meeting.initiator_owner.name if meeting.initiator_owner else ""})
        query = request.args.get("q", "")
        item_form = AgendaItemForm()
        item_form.gis_choice.choices = plan.gis_choices(plan.local_today(meeting))
        subjects = search(query) if query else catalogue()
        item_form.subject.choices = [s.code for s in subjects]
        context |= {"plan": plan_form, "item_form": item_form, "subjects": subjects, "query": query,
                    "problems": plan.readiness_of(meeting), "gis_problems": plan.gis_readiness_of(meeting)}
    if meeting.state in (MeetingState.VOTING, MeetingState.CLOSED) and administer:
        context["participation"] = board.participation(meeting)
    if meeting.result:
        assert meeting.closes_at is not None
        context["result"] = json.loads(meeting.result)
        context["results_due"] = results_due(meeting.closes_at, meeting.building.timezone)
    if administer and meeting.state not in (MeetingState.SIGNED, MeetingState.SUBMITTED, MeetingState.CANCELLED):
        context["officer_form"] = OfficerForm()
    if meeting.state is not MeetingState.DRAFT:
        context["notice"] = notices.notice_status(meeting)
        context["delivery_form"] = DeliveryForm()
    context["material_form"] = MaterialForm()
    context["cancel_form"] = ReasonForm()
    context["may_dossier"] = may(current_user, BUILDING_PERSONAL_DATA, meeting)
    if context["may_dossier"] and meeting.state in (MeetingState.ANNOUNCED, MeetingState.VOTING):
        context["entrances"] = plan.entrances(meeting)
    context["may_paper"] = may(current_user, MEETING_KEY_IN_PAPER, meeting)
    context["may_protocol"] = may(current_user, PROTOCOL_VIEW, meeting)
    context |= _receipts(meeting, administer)
    return render_template("meetings/show.html", **context)


def _receipts(meeting: Meeting, administer: bool) -> dict[str, object]:
    """What the administrator received (the notice to them, owners' refusals of electronic voting) and the repeat of
    a meeting without quorum, for the meeting page."""
    timeline = law()["timeline"]
    context: dict[str, object] = {"periods": {
        "administrator": timeline["administrator_notice_days_before_opening"],
        "opt_out": timeline["electronic_opt_out_working_days_before_opening"]}}
    receive = may(current_user, MEETING_RECEIVE, meeting)
    electronic = meeting.form is MeetingForm.ELECTRONIC
    if receive and electronic and meeting.administrator and not plan.administrator_is_initiator(meeting):
        context["admin_notice"] = plan.administrator_ready_at(meeting)
        if meeting.state is MeetingState.DRAFT:
            context["admin_notice_form"] = AdministratorNoticeForm(
                data={"at": _local(meeting, meeting.administrator_notified_at)})
    if receive and electronic:
        context["opt_outs"], context["opt_out_deadline"] = meeting.opt_outs, opt_outs.deadline(meeting)
        if meeting.state in opt_outs.OPEN_TO_OPT_OUT:
            form = OptOutForm()
            form.owner.choices = _owner_choices(meeting)
            context["opt_out_form"] = form
    forms = repeat.forms_for_repeat(meeting)
    if forms:  # counted without quorum: everyone sees whether it is to be (or was) repeated
        context["repeated_by"], context["needs_repeat"] = repeat.repeated_by(meeting), repeat.needs_repeat(meeting)
        if administer and context["repeated_by"] is None:
            repeat_form = RepeatForm()
            repeat_form.form.choices = [c for c in FORMS if c.value in {f.value for f in forms}]
            context["repeat_form"] = repeat_form
    return context


def _owner_choices(meeting: Meeting) -> list[tuple[int, str]]:
    owners = db.session.scalars(select(Owner).where(Owner.building_id == meeting.building_id).order_by(Owner.name))
    return [(o.id, o.name) for o in owners]


@bp.post("/meetings/<id:meeting_id>/administrator-notice")
@policy(MEETING_RECEIVE, load_meeting)
def record_administrator_notice(meeting: Meeting) -> ResponseReturnValue:
    """When the initiator's notice reached the administrator: voting starts no earlier than 14 days after it."""
    form = AdministratorNoticeForm()
    return _record(meeting, form, "#administrator-notice",
                   lambda: plan.record_administrator_notice(meeting, _aware(meeting, form.at.data)), _("Сохранено."))


@bp.post("/meetings/<id:meeting_id>/opt-outs")
@policy(MEETING_RECEIVE, load_meeting)
def record_opt_out(meeting: Meeting) -> ResponseReturnValue:
    """An owner's refusal of electronic voting in this meeting, as it reached the administrator."""
    form = OptOutForm()
    form.owner.choices = _owner_choices(meeting)
    return _record(meeting, form, "#opt-outs",
                   lambda: opt_outs.record(meeting, form.owner.data, _aware(meeting, form.received_at.data),
                                           current_user.id),
                   _("Отказ от электронного голосования записан: собственник голосует письменным решением."))


@bp.post("/meetings/<id:meeting_id>/repeat")
@policy(BUILDING_ADMINISTER, load_meeting)
def draft_repeat(meeting: Meeting) -> ResponseReturnValue:
    """Draft the meeting that repeats one without quorum: the same agenda, to be noticed anew."""
    form = RepeatForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".show", meeting_id=meeting.id) + "#repeat")
    try:
        drafted = repeat.draft_repeat(meeting, MeetingForm(form.form.data))
    except VotingError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for(".show", meeting_id=meeting.id) + "#repeat")
    db.session.commit()
    flash(_("Повторное собрание создано как черновик: назначьте даты и объявите его заново."), "success")
    return redirect(url_for(".show", meeting_id=drafted.id))


@bp.post("/meetings/<id:meeting_id>/plan")
@policy(BUILDING_ADMINISTER, load_meeting)
def update_plan(meeting: Meeting) -> ResponseReturnValue:
    form = MeetingPlanForm()
    if not form.validate_on_submit():
        _flash_errors(form)
        return redirect(url_for(".show", meeting_id=meeting.id) + "#plan")
    try:
        warnings = plan.update(meeting, form.change())
    except VotingError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        for warning in warnings:
            flash(warning, "warning")
        flash(_("Сохранено."), "success")
    return redirect(url_for(".show", meeting_id=meeting.id) + "#plan")


@bp.post("/meetings/<id:meeting_id>/items")
@policy(BUILDING_ADMINISTER, load_meeting)
def add_item(meeting: Meeting) -> ResponseReturnValue:
    form = AgendaItemForm()
    form.subject.choices = _subject_choices("")
    form.gis_choice.choices = plan.gis_choices(plan.local_today(meeting))
    if form.validate_on_submit():
        plan.add_item(meeting, form.title.data or "", form.subject.data or "", form.proposal.data,
                      form.entrance.data, form.gis_choice.data)
        db.session.commit()
        flash(_("Вопрос добавлен в повестку."), "success")
    else:
        _flash_errors(form)
    return redirect(url_for(".show", meeting_id=meeting.id) + "#agenda")


@bp.post("/meetings/<id:meeting_id>/items/<id:number>/delete")
@policy(BUILDING_ADMINISTER, load_meeting)
def remove_item(meeting: Meeting, number: int) -> ResponseReturnValue:
    plan.remove_item(meeting, number)
    db.session.commit()
    return redirect(url_for(".show", meeting_id=meeting.id) + "#agenda")


@bp.post("/meetings/<id:meeting_id>/officers")
@policy(BUILDING_ADMINISTER, load_meeting)
def add_officer(meeting: Meeting) -> ResponseReturnValue:
    form = OfficerForm()
    if form.validate_on_submit():
        try:
            plan.add_officer(meeting, OfficerRole(form.role.data), form.name.data or "", form.email.data or "")
        except VotingError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
    else:
        _flash_errors(form)
    return redirect(url_for(".show", meeting_id=meeting.id) + "#officers")


@bp.post("/meetings/<id:meeting_id>/officers/<id:officer_id>/delete")
@policy(BUILDING_ADMINISTER, load_meeting)
def remove_officer(meeting: Meeting, officer_id: int) -> ResponseReturnValue:
    plan.remove_officer(meeting, officer_id)
    db.session.commit()
    return redirect(url_for(".show", meeting_id=meeting.id) + "#officers")


@bp.post("/meetings/<id:meeting_id>/announce")
@policy(BUILDING_ADMINISTER, load_meeting)
def announce(meeting: Meeting) -> ResponseReturnValue:
    try:
        sent = lifecycle.announce(meeting)
    except VotingError as error:
        flash(_("Собрание пока нельзя объявить: исправьте отмеченное ниже.") + f" ({error.message})", "warning")
        return redirect(url_for(".show", meeting_id=meeting.id))
    db.session.commit()
    flash(_("Собрание объявлено; сообщение отправлено %(n)s собственникам. Распечатайте сообщение для подъездов.",
            n=sent), "success")
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.post("/meetings/<id:meeting_id>/cancel")
@policy(BUILDING_ADMINISTER, load_meeting)
def cancel(meeting: Meeting) -> ResponseReturnValue:
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            meeting.cancel(form.reason.data or "")
        except VotingError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("Собрание отменено."), "success")
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.post("/meetings/<id:meeting_id>/count")
@policy(BUILDING_ADMINISTER, load_meeting)
def count(meeting: Meeting) -> ResponseReturnValue:
    try:
        lifecycle.count(meeting)
    except VotingError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        # after the commit: a worker must find the meeting counted
        jobs.run_after_commit("mail_results", meeting_id=meeting.id)
        flash(_("Голоса подсчитаны; итоги отправлены собственникам."), "success")
    return redirect(url_for(".show", meeting_id=meeting.id) + "#results")


@bp.get("/meetings/<id:meeting_id>/notice")
@policy(BUILDING_VIEW, load_meeting)
def notice(meeting: Meeting) -> ResponseReturnValue:
    return render_template("meetings/notice.html", meeting=meeting, facts=notices.notice_facts(meeting))


@bp.get("/meetings/<id:meeting_id>/decisions.pdf")
@policy(BUILDING_PERSONAL_DATA, load_meeting)
def decision_forms(meeting: Meeting) -> ResponseReturnValue:
    """Paper decision forms (LEGAL.md §7) for every owner, to hand out or post: who, what, the agenda, the boxes."""
    if meeting.state not in (MeetingState.ANNOUNCED, MeetingState.VOTING):
        raise ConflictError(_("Бланки решений печатаются после объявления собрания и до окончания голосования."))
    assert meeting.notice_date is not None and meeting.opens_at is not None and meeting.closes_at is not None
    zone = meeting.building.timezone
    sheet = forms_pdf.Sheet(
        kind=meeting.kind.value, form=meeting.form.value, address=meeting.building.address,
        opens=local(meeting.opens_at, zone), closes=local(meeting.closes_at, zone),
        paper_address=meeting.paper_address or "", snils=bool(order_on(meeting.notice_date).decision_snils),
        agenda=[(item.number, item.title, item.proposal) for item in meeting.agenda])
    data = forms_pdf.pdf(sheet, notices.decision_forms(meeting, request.args.get("entrance") or None,
                                                       opted_out=request.args.get("opted_out") == "1"))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=decisions-{meeting.id}.pdf"})


@bp.get("/meetings/<id:meeting_id>/notice.pdf")
@policy(BUILDING_VIEW, load_meeting)
def notice_pdf(meeting: Meeting) -> ResponseReturnValue:
    url = public_url(".show", meeting_id=meeting.id)
    html = render_template("pdf/notice.html", meeting=meeting, facts=notices.notice_facts(meeting), url=url,
                           qr=png_base64(url))
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=notice-{meeting.id}.pdf"})


@bp.post("/meetings/<id:meeting_id>/notice/deliveries")
@policy(BUILDING_ADMINISTER, load_meeting)
def record_delivery(meeting: Meeting) -> ResponseReturnValue:
    """Record how and when the notice reached the owners: ГИС ЖКХ, the stairwells, letters, by hand."""
    form = DeliveryForm()
    return _record(meeting, form, "#notice", lambda: notices.record_delivery(
        meeting, form.channel.data, _aware(meeting, form.at.data), form.detail.data), _("Сохранено."))


@bp.post("/meetings/<id:meeting_id>/materials")
@policy(BUILDING_ADMINISTER, load_meeting)
def upload_material(meeting: Meeting) -> ResponseReturnValue:
    form = MaterialForm()
    if form.validate_on_submit():
        try:
            data, mime = uploads.receive(form.file.data, uploads.MATERIAL, uploads.MATERIAL_MAX_BYTES, "file")
        except VotingError as error:
            flash(error.message, "warning")
        else:
            db.session.add(MeetingMaterial(meeting=meeting, filename=(form.file.data.filename or "file")[:255],
                                           mime=mime, content=data, sha256=hashlib.sha256(data).hexdigest()))
            db.session.commit()
            flash(_("Материал добавлен."), "success")
    return redirect(url_for(".show", meeting_id=meeting.id) + "#materials")


@bp.get("/meetings/<id:meeting_id>/materials/<id:material_id>")
@policy(BUILDING_VIEW, load_meeting)
def material(meeting: Meeting, material_id: int) -> ResponseReturnValue:
    item = db.session.get(MeetingMaterial, material_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return uploads.send_stored(item.content, item.mime, item.filename)


@bp.get("/meetings/<id:meeting_id>/dossier.json")
@policy(BUILDING_PERSONAL_DATA, load_meeting)
def dossier(meeting: Meeting) -> ResponseReturnValue:
    body = json.dumps(dossier_json(meeting), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=oss-dossier-{meeting.id}.json"})


@bp.get("/meetings/<id:meeting_id>/non-voters.csv")
@policy(BUILDING_ADMINISTER, load_meeting)
def non_voters(meeting: Meeting) -> ResponseReturnValue:
    body = people_csv([_("Помещение"), _("Собственник"), _("Голосов, м²")],
                      ([premises, name, format_amount(votes).replace(".", ",")]
                       for premises, name, votes in board.participation(meeting).missing))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=non-voters-{meeting.id}.csv"})
