"""Delivering a protocol to ГИС ЖКХ: the request is built, signed and kept (start), then a job sends it, keeps the
MessageGUID, polls getState with back-off and stores the outcome: accepted with ГИС ЖКХ's GUIDs (which, where 266/пр
makes it the number and none was entered, becomes the meeting's identifier), or refused with its error codes. Every
step is a line of the delivery log; transport failures are retried with growing pauses."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select

from protocols import services
from protocols.gis import facts, request, signature
from protocols.gis.client import Client, Outcome, TransportError
from protocols.models import GisEvent, GisExchange, GisState, Protocol
from voting.core import jobs
from voting.core.errors import ConflictError, VotingError
from voting.core.extensions import db
from voting.domain.protocol_orders import order_on
from voting.meetings.models import Meeting

JOB = "deliver_gis_protocol"


def _log(exchange: GisExchange, step: str, detail: str | None = None) -> None:
    exchange.events.append(GisEvent(step=step, detail=(detail or "")[:500] or None))
    db.session.commit()  # each line is kept as it happens: the page shows a delivery in progress


def latest(meeting_id: int, all_of_them: bool = False) -> Any:
    """The meeting's last delivery (None if never sent); with `all_of_them`, every delivery, newest first."""
    found = list(db.session.scalars(select(GisExchange).where(GisExchange.meeting_id == meeting_id)
                                    .order_by(GisExchange.id.desc())))
    return found if all_of_them else (found[0] if found else None)


def start(meeting: Meeting) -> GisExchange:
    """Build and sign the meeting's request, keep it and queue its delivery; commits."""
    if not current_app.config.get("GIS_URL") or not current_app.config.get("GIS_SENDER"):
        raise ConflictError(_("Обмен с ГИС ЖКХ не настроен: нет адреса сервиса (VECHE_GIS_URL) или идентификатора "
                              "отправителя (VECHE_GIS_SENDER)."))
    built = facts.gather(meeting)
    signed = signature.sign(request.build(built))
    exchange = GisExchange(meeting_id=meeting.id, transport_guid=built.transport_guid, state=GisState.QUEUED.value,
                           request=etree.tostring(signed, encoding="unicode"), attempts=0)
    db.session.add(exchange)
    _log(exchange, "queued")
    jobs.run(JOB, exchange_id=exchange.id)
    return exchange


def deliver(exchange_id: int, sleep: Callable[[float], None] = time.sleep) -> str:
    """The job: send (unless already acknowledged), then poll until ГИС ЖКХ has an outcome; the state it ends in."""
    exchange = db.session.get(GisExchange, exchange_id)
    if exchange is None or exchange.state in (GisState.ACCEPTED.value, GisState.REFUSED.value):
        return exchange.state if exchange else "missing"
    config = current_app.config
    client = Client(config["GIS_URL"], config["GIS_SENDER"])
    attempts, pause = config["GIS_ATTEMPTS"], config["GIS_BACKOFF_SECONDS"]
    for attempt in range(attempts):
        if attempt:
            sleep(pause * 2 ** (attempt - 1))
        try:
            if exchange.message_guid is None:
                exchange.attempts += 1
                exchange.message_guid = client.send(etree.fromstring(exchange.request.encode()))
                exchange.state = GisState.SENT.value
                _log(exchange, "sent", _("идентификатор сообщения %(g)s", g=exchange.message_guid))
            outcome = client.state(exchange.message_guid)
        except TransportError as error:
            _log(exchange, "retry", _("ГИС ЖКХ не ответил (%(e)s)", e=str(error)))
            continue
        if outcome.done:
            _finish(exchange, outcome)
            return exchange.state
        _log(exchange, "waiting", _("ГИС ЖКХ обрабатывает запрос"))
    if exchange.message_guid is None:
        exchange.state, exchange.finished_at = GisState.FAILED.value, datetime.now(UTC)
        _log(exchange, "failed", _("не доставлено после %(n)s попыток", n=attempts))
    return exchange.state


def _finish(exchange: GisExchange, outcome: Outcome) -> None:
    exchange.finished_at = datetime.now(UTC)
    if not outcome.accepted:
        exchange.state = GisState.REFUSED.value
        exchange.errors = json.dumps([list(e) for e in outcome.errors], ensure_ascii=False)
        _log(exchange, "refused", "; ".join(f"{code}: {text}" for code, text in outcome.errors))
        return
    exchange.state, exchange.result_guid, exchange.unique_number = (
        GisState.ACCEPTED.value, outcome.guid, outcome.unique_number)
    meeting = exchange.meeting
    protocol = db.session.get(Protocol, meeting.id)
    numbered = (meeting.notice_date and order_on(meeting.notice_date).number_is_gis_id and not meeting.gis_id
                and not (protocol and protocol.signatures))
    if numbered:
        meeting.gis_id = outcome.guid  # 266/пр: the protocol's number is the identifier ГИС ЖКХ assigned
    _log(exchange, "accepted", _("идентификатор протокола %(g)s", g=outcome.guid)
         + (f", № {outcome.unique_number}" if outcome.unique_number else ""))
    if numbered and protocol is not None and protocol.document:
        try:  # the printed protocol carries its number: render it again while nobody has signed it
            services.request_render(meeting)
        except VotingError as error:
            _log(exchange, "renumber", error.message)


def connect() -> None:
    jobs.register(JOB, deliver)
