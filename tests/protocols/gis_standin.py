"""A stand-in ГИС ЖКХ on 127.0.0.1: the asynchronous house-management service as its WSDL describes it (SOAP 1.1,
actions urn:importVotingProtocol and urn:getState, RequestHeader / AckRequest / getStateResult). It checks each
request (the header, the XAdES signature by the sender's certificate, the body against the schema's facts in
gis_shape), acknowledges with a MessageGUID, answers getState "processing" first, then accepted or refused; it can
also fail in transport a given number of times."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from lxml import etree
from signxml.xades import XAdESVerifier

from tests.protocols.gis_shape import BASE, GUID, HM, check_request

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass
class Message:
    transport_guid: str
    problems: list[str]
    polls: int = 0
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class StandIn:
    cert: bytes
    url: str = ""
    processing_polls: int = 1  # getState answers "being processed" this many times first
    fail_next: int = 0  # answer this many requests with HTTP 503 (transport failure)
    refuse: tuple[str, str] | None = None  # every import is refused with this error
    messages: dict[str, Message] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)  # the actions, in order

    def app(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        action = environ.get("HTTP_SOAPACTION", "").strip('"')
        self.received.append(action)
        if self.fail_next:
            self.fail_next -= 1
            start("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"busy"]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        envelope = etree.fromstring(body)
        header = envelope.find(f"{{{SOAP}}}Header/{{{BASE}}}RequestHeader")
        payload = envelope.find(f"{{{SOAP}}}Body")[0]
        if header is None or not GUID.match(header.findtext(f"{{{BASE}}}orgPPAGUID") or ""):
            return self._fault(start, "AUT011005", "Нет заголовка запроса или идентификатора отправителя")
        if action == "urn:importVotingProtocol":
            return self._import(start, payload)
        if action == "urn:getState":
            return self._state(start, payload.findtext(f"{{{BASE}}}MessageGUID") or "")
        return self._fault(start, "INT000001", f"Неизвестное действие {action}")

    def _import(self, start: Any, payload: Any) -> list[bytes]:
        problems = check_request(payload)
        try:
            XAdESVerifier().verify(etree.tostring(payload), x509_cert=self.cert.decode(), expect_references=3)
        except Exception as error:  # a bad or missing signature is a refusal, as ГИС ЖКХ's
            problems.append(f"signature: {error}")
        message_guid = str(uuid.uuid4())
        self.messages[message_guid] = Message(payload.findtext(f"{{{BASE}}}TransportGUID") or "", problems)
        ack = etree.Element(f"{{{BASE}}}AckRequest")
        inner = etree.SubElement(ack, f"{{{BASE}}}Ack")
        etree.SubElement(inner, f"{{{BASE}}}MessageGUID").text = message_guid
        etree.SubElement(inner, f"{{{BASE}}}RequesterMessageGUID").text = str(uuid.uuid4())
        return self._answer(start, ack)

    def _state(self, start: Any, message_guid: str) -> list[bytes]:
        message = self.messages.get(message_guid)
        if message is None:
            return self._fault(start, "INT002000", "Сообщение не найдено")
        message.polls += 1
        result = etree.Element(f"{{{HM}}}getStateResult")
        done = message.polls > self.processing_polls
        etree.SubElement(result, f"{{{BASE}}}RequestState").text = "3" if done else "2"
        etree.SubElement(result, f"{{{BASE}}}MessageGUID").text = message_guid
        if done:
            common = etree.SubElement(etree.SubElement(result, f"{{{HM}}}ImportResult"), f"{{{HM}}}CommonResult")
            refusal = self.refuse or (("SRV006000", "; ".join(message.problems)[:900]) if message.problems else None)
            if refusal is None:
                etree.SubElement(common, f"{{{BASE}}}GUID").text = message.guid
            etree.SubElement(common, f"{{{BASE}}}TransportGUID").text = message.transport_guid
            if refusal is None:
                etree.SubElement(common, f"{{{BASE}}}UniqueNumber").text = "74-" + message.guid[:8]
                etree.SubElement(common, f"{{{BASE}}}UpdateDate").text = datetime.now(UTC).isoformat()
            else:
                error = etree.SubElement(common, f"{{{BASE}}}Error")
                etree.SubElement(error, f"{{{BASE}}}ErrorCode").text = refusal[0]
                etree.SubElement(error, f"{{{BASE}}}Description").text = refusal[1]
        return self._answer(start, result)

    def _answer(self, start: Any, body: Any) -> list[bytes]:
        envelope = etree.Element(f"{{{SOAP}}}Envelope")
        header = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP}}}Header"), f"{{{BASE}}}ResultHeader")
        etree.SubElement(header, f"{{{BASE}}}Date").text = datetime.now(UTC).isoformat()
        etree.SubElement(header, f"{{{BASE}}}MessageGUID").text = str(uuid.uuid4())
        etree.SubElement(envelope, f"{{{SOAP}}}Body").append(body)
        start("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")]

    def _fault(self, start: Any, code: str, text: str) -> list[bytes]:
        envelope = etree.Element(f"{{{SOAP}}}Envelope")
        fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
        etree.SubElement(fault, "faultcode").text = "soap:Server"
        etree.SubElement(fault, "faultstring").text = f"{code}: {text}"
        start("500 Internal Server Error", [("Content-Type", "text/xml; charset=utf-8")])
        return [etree.tostring(envelope)]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(stand_in: StandIn) -> Iterator[StandIn]:
    """Run the stand-in on a free port of 127.0.0.1 while the caller uses it."""
    server = make_server("127.0.0.1", 0, stand_in.app, handler_class=_Quiet)
    stand_in.url = f"http://127.0.0.1:{server.server_port}/ext-bus-home-management-service/services/HomeManagementAsync"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
