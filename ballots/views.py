"""Ballot pages: voting (signed in the browser), the receipt, "recorded: you voted …" after the close, paper
decisions keyed in and signed by an officer, scans, and the evidence bundle download."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from auth.models import DeviceKey
from auth.policy import BUILDING_PERSONAL_DATA, BUILDING_VIEW, MEETING_KEY_IN_PAPER, policy
from ballots import casting, evidence, paper
from ballots.api import ballot_chains
from ballots.models import LogEntry, LogHead, PaperScan
from voting.core import clock, uploads
from voting.core.errors import InvalidInputError, NotFoundError
from voting.core.extensions import db
from voting.meetings import board
from voting.meetings.models import Meeting, MeetingDecision, MeetingForm, MeetingState
from voting.meetings.views import load_meeting

bp = Blueprint("ballots", __name__)


@bp.get("/meetings/<id:meeting_id>/vote")
@policy(BUILDING_VIEW, load_meeting)
def vote(meeting: Meeting) -> ResponseReturnValue:
    head = db.session.get(LogHead, meeting.id)
    manifest = casting.manifest_of(meeting.id) if head else None
    return render_template("ballots/vote.html", meeting=meeting, manifest=manifest, head=head,
                           chains=ballot_chains(meeting, manifest), recorded=_recorded(meeting),
                           proposals={str(item.number): item.proposal for item in meeting.agenda},
                           open_now=meeting.form is MeetingForm.ELECTRONIC and meeting.state is MeetingState.VOTING
                           and head is not None and not head.closed)


def _recorded(meeting: Meeting) -> dict[str, list[MeetingDecision]]:
    """The decisions counted for the user's own casting, by owner: what "recorded: you voted …" shows."""
    rows = db.session.scalars(select(MeetingDecision).where(MeetingDecision.meeting_id == meeting.id,
                                                            MeetingDecision.user_id == current_user.id)
                              .order_by(MeetingDecision.received_at))
    latest: dict[tuple[str, str], MeetingDecision] = {}
    for row in rows:
        if row.source == "online":
            latest[(row.owner_ref, row.premises)] = row
    grouped: dict[str, list[MeetingDecision]] = {}
    for (owner, _premises), row in sorted(latest.items()):
        grouped.setdefault(owner, []).append(row)
    return grouped


@bp.get("/meetings/<id:meeting_id>/receipts/<ballot_hash>")
@policy(BUILDING_VIEW, load_meeting)
def receipt(meeting: Meeting, ballot_hash: str) -> ResponseReturnValue:
    entry = _ballot_entry(meeting, ballot_hash)
    mine = db.session.scalar(select(MeetingDecision.id).where(
        MeetingDecision.meeting_id == meeting.id, MeetingDecision.log_index == entry.index,
        MeetingDecision.user_id == current_user.id).limit(1)) is not None
    payload = json.loads(entry.payload)
    zone = ZoneInfo(meeting.building.timezone)
    return render_template("ballots/receipt.html", meeting=meeting, receipt=casting.receipt(entry),
                           answers=payload["answers"] if mine else None, payload=payload, mine=mine,
                           received=datetime.fromisoformat(entry.server_time).astimezone(zone),
                           agenda={i["id"]: i["title"] for i in casting.manifest_of(meeting.id)["agenda"]})


@bp.get("/meetings/<id:meeting_id>/receipts/<ballot_hash>.json")
@policy(BUILDING_VIEW, load_meeting)
def receipt_download(meeting: Meeting, ballot_hash: str) -> ResponseReturnValue:
    """The signed receipt as JSON, for `veche verify BUNDLE --receipt RECEIPT.json` (docs/evidence.md)."""
    body = json.dumps(casting.receipt(_ballot_entry(meeting, ballot_hash)), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="receipt-{ballot_hash[:12]}.json"'})


def _ballot_entry(meeting: Meeting, ballot_hash: str) -> LogEntry:
    entry = casting.entry_by_hash(ballot_hash)
    if entry is None or entry.meeting_id != meeting.id or entry.type != casting.BALLOT:
        raise NotFoundError(_("Бюллетень не найден."))
    return entry


# --- paper decisions ------------------------------------------------------------------------------------------

@bp.route("/meetings/<id:meeting_id>/paper", methods=["GET", "POST"])
@policy(MEETING_KEY_IN_PAPER, load_meeting)
def paper_entry(meeting: Meeting) -> ResponseReturnValue:
    manifest = casting.manifest_of(meeting.id)
    zone = ZoneInfo(meeting.building.timezone)
    context: dict[str, object] = {"meeting": meeting, "manifest": manifest, "keys": _keys(),
                                  "mismatches": paper.mismatches(meeting.id), "query": request.args.get("q", ""),
                                  "default_received": _default_received(meeting, zone)}
    if request.args.get("recorded"):
        context["participation"] = board.participation(meeting)
    if request.method == "POST":
        form = request.form
        try:
            owner_id, _sep, premises = form.get("holder", "").partition("|")
            if not owner_id:
                raise InvalidInputError(_("Выберите собственника и помещение."), field="holder")
            try:
                received_at = datetime.fromisoformat(form.get("received_at", "")).replace(tzinfo=zone)
            except ValueError:
                raise InvalidInputError(_("Дата получения: укажите дату и время."), field="received_at") from None
            until = form.get("proxy_valid_until") or None
            try:
                proxy_valid_until = datetime.fromisoformat(until).date() if until else None
            except ValueError:
                raise InvalidInputError(_("Доверенность действует по: укажите дату."),
                                        field="proxy_valid_until") from None
            answers: dict[str, str | list[str]] = {}
            for item in manifest["agenda"]:
                marks = form.getlist(f"item-{item['id']}")
                if marks:
                    answers[item["id"]] = marks[0] if len(marks) == 1 else marks
            key_id = form.get("key_id", "")
            casting.active_key(current_user, key_id)
            scan_file = request.files.get("scan")
            scan = paper.keep_scan(meeting, current_user, scan_file.read() if scan_file else b"")
            check_of = form.get("check_of") or None
            signed = paper.payload(meeting, key_id, owner_id, premises, received_at, answers, scan.sha256,
                                   form.get("representative") or None, proxy_valid_until,
                                   int(check_of) if check_of and check_of.isdigit() else None)
            db.session.commit()  # the scan is kept; the decision enters the log once it is signed
        except InvalidInputError as error:
            db.session.rollback()
            return render_template("ballots/paper.html", error=error, form=form, **context), 422
        if "check_of" not in signed:
            context["standing"] = paper.standing(meeting, owner_id, premises, received_at, answers,
                                                 form.get("representative") or None, proxy_valid_until)
        return render_template("ballots/paper.html", signed=signed, form=form, owner=_owner_name(
            manifest, owner_id, premises), received_local=received_at.strftime("%d.%m.%Y %H:%M"), **context)
    return render_template("ballots/paper.html", form=request.form, **context)


def _default_received(meeting: Meeting, zone: ZoneInfo) -> str:
    """Today, now, in the building's time (the close's last minute once voting has ended): the usual answer."""
    now = clock.now()
    if meeting.closes_at and now >= meeting.closes_at:
        now = meeting.closes_at - timedelta(minutes=1)
    return now.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _owner_name(manifest: dict[str, object], owner_id: str, premises: str) -> str:
    for row in manifest["register"]:  # type: ignore[attr-defined]
        if row["premises"] == premises:
            for owner in row["owners"]:
                if owner["id"] == owner_id:
                    return str(owner["name"])
    return owner_id


def _keys() -> list[DeviceKey]:
    return list(db.session.scalars(select(DeviceKey).where(DeviceKey.user_id == current_user.id,
                                                           DeviceKey.revoked_at.is_(None))))


@bp.post("/meetings/<id:meeting_id>/paper/sign")
@policy(MEETING_KEY_IN_PAPER, load_meeting)
def paper_sign(meeting: Meeting) -> ResponseReturnValue:
    try:
        body = json.loads(request.form.get("payload", ""))
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise InvalidInputError(_("Решение не читается."), field="payload") from None
    entry = paper.record(meeting, current_user, body, request.form.get("signature", ""))
    db.session.commit()
    return redirect(url_for(".paper_entry", meeting_id=meeting.id, recorded=entry.index))


@bp.get("/meetings/<id:meeting_id>/paper/scans/<sha256>")
@policy(BUILDING_PERSONAL_DATA, load_meeting)
def scan(meeting: Meeting, sha256: str) -> ResponseReturnValue:
    item = db.session.scalar(select(PaperScan).where(PaperScan.meeting_id == meeting.id, PaperScan.sha256 == sha256))
    if item is None:
        raise NotFoundError(_("Скан не найден."))
    return uploads.send_stored(item.content, item.mime, f"paper-{sha256[:12]}")


@bp.get("/meetings/<id:meeting_id>/evidence.json")
@policy(BUILDING_PERSONAL_DATA, load_meeting)
def evidence_download(meeting: Meeting) -> ResponseReturnValue:
    return Response(evidence.dumps(evidence.bundle(meeting)), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="evidence-{meeting.id}.json"'})

