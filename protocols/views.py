"""Protocol pages: rendering and its progress, signing by the system operator or the officers, submission to the
inspection, downloads (PDF, ГИС ЖКХ JSON and XML), the inspector's recount and notes, and the public check of a
protocol's hash."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from auth.policy import (
    BUILDING_ADMINISTER,
    BUILDING_PERSONAL_DATA,
    MEETING_KEY_IN_PAPER,
    PROTOCOL_INSPECT,
    PROTOCOL_VIEW,
    PUBLIC,
    may,
    policy,
)
from ballots import paper
from ballots.chain import PROTOCOL_TAG
from protocols import services, signing
from protocols.gis import delivery, facts
from protocols.gis import request as request_xml
from protocols.gis import results as gis
from protocols.models import GisState, Protocol, ProtocolNote, RenderState
from voting.core import jobs
from voting.core.errors import ConflictError, InvalidInputError, VotingError
from voting.core.extensions import db, limiter
from voting.domain import gis_nsi
from voting.meetings.models import GIS_ID, Meeting, MeetingState
from voting.meetings.views import load_meeting

bp = Blueprint("protocols", __name__)

AFTER_COUNT = (MeetingState.COUNTED, MeetingState.SIGNED, MeetingState.SUBMITTED)


def load_protocol(meeting_id: int) -> Protocol | None:
    """The meeting's protocol (an unsaved one until it is first rendered); none before the count."""
    meeting = load_meeting(meeting_id)
    if meeting is None or meeting.state not in AFTER_COUNT:
        return None
    return db.session.get(Protocol, meeting_id) or Protocol(meeting=meeting, render_state=RenderState.QUEUED,
                                                            progress=0)


def _to_page(protocol: Protocol, anchor: str = "") -> ResponseReturnValue:
    return redirect(url_for(".show", meeting_id=protocol.meeting_id or protocol.meeting.id) + anchor)


@bp.get("/meetings/<id:meeting_id>/protocol")
@policy(PROTOCOL_VIEW, load_protocol)
def show(protocol: Protocol) -> ResponseReturnValue:
    return _page(protocol)


def _page(protocol: Protocol, handwritten: dict[str, Any] | None = None) -> ResponseReturnValue:
    """The protocol's page (`handwritten`: a signature on paper whose scan is kept, for the officer to sign)."""
    meeting = protocol.meeting
    signer = signing.next_for(protocol, current_user) if protocol.document else None
    return render_template(
        "protocols/show.html", protocol=protocol, meeting=meeting, signers=signing.signers(protocol),
        signer=signer, payload=signing.payload(protocol, signer) if signer else None, tag=PROTOCOL_TAG,
        paper=handwritten,
        on_paper=signing.on_paper_due(protocol) if may(current_user, MEETING_KEY_IN_PAPER, protocol) else {},
        operator=signing.operator_due(protocol) if may(current_user, BUILDING_ADMINISTER, meeting) else None,
        scans=may(current_user, BUILDING_PERSONAL_DATA, meeting),
        administer=may(current_user, BUILDING_ADMINISTER, meeting),
        inspect=may(current_user, PROTOCOL_INSPECT, protocol),
        gis=delivery.latest(meeting.id, all_of_them=True),
        gis_gaps=facts.gaps(meeting) if protocol.document else [],
        stale=protocol.document is not None and meeting.state is MeetingState.COUNTED and not protocol.signatures
        and json.loads(protocol.document)["signers"] != signing.required(meeting))


@bp.post("/meetings/<id:meeting_id>/protocol/render")
@policy(BUILDING_ADMINISTER, load_meeting)
def render(meeting: Meeting) -> ResponseReturnValue:
    try:
        services.request_render(meeting)
    except VotingError as error:
        flash(error.message, "warning")
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.post("/meetings/<id:meeting_id>/protocol/number")
@policy(BUILDING_ADMINISTER, load_protocol)
def set_number(protocol: Protocol) -> ResponseReturnValue:
    """The ГИС ЖКХ meeting identifier, which 266/пр makes the protocol's number; then the protocol is rendered again."""
    value = request.form.get("gis_id", "").strip()
    if not GIS_ID.fullmatch(value):
        raise InvalidInputError(_("Идентификатор ГИС ЖКХ: от 1 до 64 букв латиницы, цифр и дефисов."), field="gis_id")
    if protocol.signatures:
        raise ConflictError(_("Протокол уже подписывают: изменить его нельзя."))
    protocol.meeting.gis_id = value
    db.session.commit()
    try:
        services.request_render(protocol.meeting)
    except VotingError as error:
        flash(error.message, "warning")
    return _to_page(protocol)


@bp.get("/meetings/<id:meeting_id>/protocol/progress")
@policy(PROTOCOL_VIEW, load_protocol)
def progress(protocol: Protocol) -> ResponseReturnValue:
    return {"state": protocol.render_state.value, "progress": protocol.progress, "error": protocol.error}


@bp.post("/meetings/<id:meeting_id>/protocol/sign")
@limiter.limit("30/minute")
@policy(PROTOCOL_VIEW, load_protocol)
def sign(protocol: Protocol) -> ResponseReturnValue:
    return _signed(protocol, lambda: signing.sign(
        protocol, current_user, request.form.get("key_id", ""), request.form.get("signature", "")),
        _("Протокол подписан вами."))


@bp.post("/meetings/<id:meeting_id>/protocol/operator")
@limiter.limit("30/minute")
@policy(BUILDING_ADMINISTER, load_protocol)
def sign_as_operator(protocol: Protocol) -> ResponseReturnValue:
    """The administrator hands the final protocol of an electronic meeting over: the system operator signs it."""
    return _signed(protocol, lambda: signing.sign_as_operator(protocol, current_user),
                   _("Протокол подписан оператором системы."))


@bp.post("/meetings/<id:meeting_id>/protocol/paper")
@limiter.limit("30/minute")
@policy(MEETING_KEY_IN_PAPER, load_protocol)
def paper_scan(protocol: Protocol) -> ResponseReturnValue:
    """A handwritten signature, step one: keep the scan of the signed page, then show what the officer signs."""
    place = request.form.get("signer", -1, type=int)
    signer = signing.on_paper_due(protocol).get(place)
    try:
        if signer is None:
            raise InvalidInputError(_("Подписант: выберите того, чья очередь подписывать."), field="signer")
        upload = request.files.get("scan")
        scan = paper.keep_scan(protocol.meeting, current_user, upload.read() if upload else b"")
    except VotingError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return _to_page(protocol, "#signatures")
    db.session.commit()  # the scan is kept; the signature is recorded once the officer has signed it
    return _page(protocol, {"place": place, "signer": signer, "scan": scan.sha256, "payload": signing.payload(
        protocol, signer, signing.on_paper(current_user, scan.sha256))})


@bp.post("/meetings/<id:meeting_id>/protocol/paper/sign")
@limiter.limit("30/minute")
@policy(MEETING_KEY_IN_PAPER, load_protocol)
def paper_sign(protocol: Protocol) -> ResponseReturnValue:
    """A handwritten signature, step two: the officer's signature over it; recorded as the signer's."""
    form = request.form
    return _signed(protocol, lambda: signing.sign_on_paper(
        protocol, current_user, form.get("signer", -1, type=int), form.get("paper_scan", ""), form.get("key_id", ""),
        form.get("signature", "")), _("Подпись с бумаги внесена."))


def _signed(protocol: Protocol, record: Callable[[], object], done: str) -> ResponseReturnValue:
    try:
        record()
    except VotingError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(done if protocol.meeting.state is MeetingState.COUNTED
              else _("Все подписи собраны: протокол подписан и внесён в журнал."), "success")
    return _to_page(protocol, "#signatures")


@bp.post("/meetings/<id:meeting_id>/protocol/submit")
@policy(BUILDING_ADMINISTER, load_protocol)
def submit(protocol: Protocol) -> ResponseReturnValue:
    try:
        services.submit(protocol, current_user)
    except VotingError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(_("Протокол направлен в жилищную инспекцию."), "success")
    return _to_page(protocol)


def _ready(protocol: Protocol) -> Protocol:
    if protocol.pdf is None or protocol.document is None:
        raise VotingError(_("Протокол ещё не сформирован."))
    return protocol


@bp.get("/meetings/<id:meeting_id>/protocol.pdf")
@policy(PROTOCOL_VIEW, load_protocol)
def pdf(protocol: Protocol) -> ResponseReturnValue:
    return Response(_ready(protocol).pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=protocol-{protocol.meeting_id}.pdf"})


@bp.get("/meetings/<id:meeting_id>/protocol/gis.<any(json, xml):kind>")
@policy(PROTOCOL_VIEW, load_protocol)
def gis_export(protocol: Protocol, kind: str) -> ResponseReturnValue:
    """The results as JSON (for people and tools), or the importVotingProtocolRequest ГИС ЖКХ takes (422 naming
    what is missing)."""
    if kind == "xml":
        body = request_xml.to_bytes(request_xml.build(facts.gather(protocol.meeting)))
        name = f"gis-protocol-{protocol.meeting_id}.xml"
    else:
        body = json.dumps(gis.export(json.loads(_ready(protocol).document or "{}")), ensure_ascii=False,
                          indent=2).encode()
        name = f"gis-results-{protocol.meeting_id}.json"
    return Response(body, mimetype=f"application/{kind}",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.post("/meetings/<id:meeting_id>/protocol/gis/file")
@policy(BUILDING_ADMINISTER, load_protocol)
def gis_file(protocol: Protocol) -> ResponseReturnValue:
    """The protocol's file in ГИС ЖКХ's file store (its AttachmentGUID), which the paper forms attach."""
    value = request.form.get("attachment_guid", "").strip()
    if not gis_nsi.is_guid(value):
        raise InvalidInputError(_("Идентификатор файла в ГИС ЖКХ: GUID вида 8-4-4-4-12 шестнадцатеричных цифр."),
                                field="attachment_guid")
    if protocol.meeting_id is None:
        raise ConflictError(_("Протокол ещё не сформирован."))
    protocol.gis_attachment_guid = value.lower()
    db.session.commit()
    return _to_page(protocol, "#gis")


@bp.post("/meetings/<id:meeting_id>/protocol/gis/send")
@limiter.limit("10/minute")
@policy(BUILDING_ADMINISTER, load_protocol)
def gis_send(protocol: Protocol) -> ResponseReturnValue:
    """Send the protocol to ГИС ЖКХ (or ask again for the answer to the one sent); the job commits its own log."""
    last = delivery.latest(protocol.meeting.id)
    try:
        if last is not None and last.state == GisState.SENT.value:
            jobs.run(delivery.JOB, exchange_id=last.id)
        else:
            delivery.start(protocol.meeting)
    except VotingError as error:
        db.session.rollback()
        flash(error.message, "warning")
    return _to_page(protocol, "#gis")


@bp.post("/meetings/<id:meeting_id>/protocol/recount")
@limiter.limit("20/minute")
@policy(PROTOCOL_INSPECT, load_protocol)
def recount(protocol: Protocol) -> ResponseReturnValue:
    report, rows = services.recount(_ready(protocol))
    return render_template("protocols/recount.html", protocol=protocol, meeting=protocol.meeting, report=report,
                           rows=rows)


@bp.post("/meetings/<id:meeting_id>/protocol/notes")
@policy(PROTOCOL_INSPECT, load_protocol)
def add_note(protocol: Protocol) -> ResponseReturnValue:
    text = " ".join(request.form.get("text", "").split())
    if not text or len(text) > 2000:
        raise InvalidInputError(_("Заметка: от 1 до 2000 знаков."), field="text")
    db.session.add(ProtocolNote(protocol=_ready(protocol), author_id=current_user.id, text=text))
    db.session.commit()
    return _to_page(protocol, "#notes")


@bp.get("/verify")
@policy(PUBLIC)
def check() -> ResponseReturnValue:
    """The protocol check's entry: the SHA-256 printed under the protocol's QR code, typed or pasted."""
    digest = "".join(request.args.get("sha256", "").split()).lower()
    if digest:
        return redirect(url_for(".public_verify", sha256=digest))
    return render_template("protocols/check.html")


@bp.get("/verify/<sha256>")
@limiter.limit("60/minute")
@policy(PUBLIC)
def public_verify(sha256: str) -> ResponseReturnValue:
    """Anyone holding a protocol (or its QR code) sees that it is genuine: no personal data here."""
    digest = sha256.lower()
    protocol = db.session.scalar(select(Protocol).where(
        or_(Protocol.evidence_sha256 == digest, Protocol.sha256 == digest))) if len(digest) == 64 else None
    document = json.loads(protocol.document) if protocol and protocol.document else None
    return render_template("protocols/verify.html", protocol=protocol, doc=document, sha256=digest), (
        200 if protocol else 404)
