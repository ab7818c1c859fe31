"""Protocols: rendering (a background job for large meetings), submission to the inspection, and the inspector's
recount of a protocol against its own evidence."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from auth.models import User
from ballots import evidence
from ballots.models import Checkpoint
from ballots.verify import PDF_EVIDENCE_KEY, MalformedError, Report, verify_file
from protocols import document, render, signing, typeset
from protocols.models import Protocol, RenderState
from voting.core import jobs
from voting.core.errors import ConflictError
from voting.core.extensions import db
from voting.core.links import public_url
from voting.core.qr import png_base64
from voting.core.server_key import server_key
from voting.meetings.models import Meeting, MeetingState


def request_render(meeting: Meeting) -> Protocol:
    """Queue (or, without Redis, run) the rendering of a counted meeting's protocol; commits."""
    if meeting.state is not MeetingState.COUNTED:
        raise ConflictError(_("Протокол формируется после подсчёта голосов и до его подписания."))
    signing.require_officers(meeting)
    protocol = db.session.get(Protocol, meeting.id) or Protocol(meeting_id=meeting.id)
    if protocol.signatures:
        raise ConflictError(_("Протокол уже подписывают: изменить его нельзя."))
    protocol.render_state, protocol.progress, protocol.error = RenderState.QUEUED, 0, None
    db.session.add(protocol)
    db.session.commit()
    jobs.run("render_protocol", meeting_id=meeting.id)
    return protocol


def stored_or_render(meeting: Meeting) -> Protocol:
    """The meeting's rendered protocol, rendering it now if there is none yet."""
    protocol = db.session.get(Protocol, meeting.id)
    if protocol is not None and protocol.render_state is RenderState.READY:
        return protocol
    if meeting.state is not MeetingState.COUNTED:
        raise ConflictError(_("Протокол формируется после подсчёта голосов."))
    return render_now(meeting.id)


def _progress(protocol: Protocol) -> render.Progress:
    def report(done: int, total: int) -> None:
        protocol.progress = 10 + 90 * done // total
        db.session.commit()

    return report


def render_now(meeting_id: int) -> Protocol:
    """The job: build the document, render the PDF with the evidence inside, keep both; commits."""
    protocol = db.session.get(Protocol, meeting_id) or Protocol(meeting_id=meeting_id)
    db.session.add(protocol)
    protocol.render_state, protocol.progress = RenderState.RENDERING, 5
    db.session.commit()
    try:
        meeting = protocol.meeting
        pdf, data = make_pdf(meeting, _progress(protocol))
    except Exception as error:  # the page shows what failed; the job's log has the traceback
        db.session.rollback()
        protocol.render_state, protocol.error = RenderState.FAILED, str(error)[:500]
        db.session.commit()
        raise
    protocol.pdf, protocol.pages = pdf, data["pages"]
    protocol.sha256 = hashlib.sha256(pdf).hexdigest()
    protocol.evidence_sha256, protocol.final_root = data["evidence"]["sha256"], data["evidence"]["root"]
    protocol.number, protocol.number_provisional = data["number"], data["number_provisional"]
    protocol.order_code = data["order"]["code"]
    protocol.document = json.dumps(data, ensure_ascii=False)
    protocol.render_state, protocol.progress, protocol.error = RenderState.READY, 100, None
    protocol.rendered_at = datetime.now(UTC)
    db.session.commit()
    return protocol


def prepare(meeting: Meeting) -> tuple[dict[str, Any], bytes, list[typeset.Part]]:
    """What a protocol is rendered from: the document (with its signers and evidence facts), the evidence bundle's
    bytes and every part (HTML, or a long list's chunk)."""
    signing.require_officers(meeting)
    counted = document.tallied(meeting)
    data = document.build(meeting, counted)
    data["signers"] = signing.required(meeting, counted)
    bundle = evidence.dumps(evidence.bundle(meeting))
    digest = hashlib.sha256(bundle).hexdigest()
    final = db.session.scalar(select(Checkpoint.root).where(Checkpoint.meeting_id == meeting.id)
                              .order_by(Checkpoint.size.desc()).limit(1))
    url = public_url("protocols.public_verify", sha256=digest)
    data["evidence"] = {"sha256": digest, "root": final or "", "fingerprint": server_key().fingerprint, "url": url}
    return data, bundle, render.parts(data, data["evidence"], data["signers"], png_base64(url, box_size=6, border=1))


def make_pdf(meeting: Meeting, progress: render.Progress | None = None,
             workers: int | None = None) -> tuple[bytes, dict[str, Any]]:
    """The protocol's PDF and the document it prints."""
    data, bundle, parts = prepare(meeting)
    metadata = {"/Title": f"Протокол № {data['number']} от {data['date']}", "/Subject": data["address"],
                "/Creator": "veche", PDF_EVIDENCE_KEY: data["evidence"]["sha256"]}
    pdf, pages = render.pdf(parts, bundle, f"oss-evidence-{meeting.id}.json", metadata,
                            workers=render.workers_for(data) if workers is None else workers, progress=progress)
    data["pages"] = pages
    return pdf, data


def submit(protocol: Protocol, user: User) -> None:
    """Record that the signed protocol went to the housing inspection."""
    if protocol.meeting.state is not MeetingState.SIGNED:
        raise ConflictError(_("В инспекцию направляется подписанный протокол."))
    protocol.meeting.move(MeetingState.SUBMITTED)
    protocol.submitted_at, protocol.submitted_by_id = datetime.now(UTC), user.id


def recount(protocol: Protocol) -> tuple[Report, list[dict[str, Any]]]:
    """Verify the PDF's own evidence and re-tally it; every number of the protocol next to the recount's."""
    if protocol.pdf is None or protocol.document is None:
        raise ConflictError(_("Протокол ещё не сформирован."))
    try:
        report = verify_file(protocol.pdf)
    except MalformedError as error:
        report = Report(entries=0)
        report.add("pdf", str(error))
    printed = json.loads(protocol.document)["result"]
    mine = report.result or {}
    rows = [_row(_("Всего голосов"), printed.get("total_votes"), mine.get("total_votes")),
            _row(_("Приняли участие"), printed.get("participating_votes"), mine.get("participating_votes")),
            _row(_("Кворум"), _yes(printed.get("quorum")), _yes(mine.get("quorum")))]
    recounted = {item["id"]: item for item in mine.get("items", [])}
    labels = {"for": _("за"), "against": _("против"), "abstain": _("воздержались")}
    for item in printed["items"]:
        again = recounted.get(item["id"], {})
        for key, label in labels.items():
            rows.append(_row(_("Вопрос %(n)s: %(what)s", n=item["id"], what=label), item[key], again.get(key)))
        rows.append(_row(_("Вопрос %(n)s: решение", n=item["id"]), _adopted(item.get("adopted")),
                         _adopted(again.get("adopted"))))
    return report, rows


def _row(label: str, printed: Any, recounted: Any) -> dict[str, Any]:
    return {"label": label, "protocol": printed, "recount": recounted, "same": printed == recounted}


def _yes(value: Any) -> str | None:
    return None if value is None else _("есть") if value else _("нет")


def _adopted(value: Any) -> str | None:
    return None if value is None else _("принято") if value else _("не принято")


def outcome(result_json: str) -> str:
    """A counted meeting's outcome for the inspector's filter: no_quorum, all, some or none adopted."""
    result = json.loads(result_json)
    adopted = [item["adopted"] for item in result["items"]]
    if not result["quorum"]:
        return "no_quorum"
    return "all" if all(adopted) else "some" if any(adopted) else "none"
