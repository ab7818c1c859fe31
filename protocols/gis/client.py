"""The SOAP client of ГИС ЖКХ's asynchronous house-management service (zeep, on service.wsdl): send a signed
importVotingProtocolRequest (answered with an ack carrying the MessageGUID), then poll getState for its outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import zeep
from lxml import etree
from zeep.transports import Transport

SERVICE = "{http://dom.gosuslugi.ru/schema/integration/house-management-service-async/}HouseManagementBindingAsync"
HEADER = "{http://dom.gosuslugi.ru/schema/integration/base/}RequestHeader"
ACTIONS = {"importVotingProtocol": "urn:importVotingProtocol", "getState": "urn:getState"}
PROCESSING = (1, 2)  # RequestState: 1 received, 2 being processed, 3 processed


class TransportError(Exception):
    """ГИС ЖКХ did not answer usably (network, HTTP status, a SOAP fault): worth trying again later."""


@dataclass(frozen=True)
class Outcome:
    """What getState said: still processing, or done (accepted with the GUIDs, or refused with its errors)."""

    done: bool
    accepted: bool = False
    guid: str | None = None
    unique_number: str | None = None
    errors: tuple[tuple[str, str], ...] = ()


class Client:
    """One ГИС ЖКХ endpoint, as the sender identified by its orgPPAGUID."""

    def __init__(self, address: str, sender: str, timeout: float = 30) -> None:
        wsdl = str(resources.files("protocols.gis").joinpath("service.wsdl"))
        self.zeep = zeep.Client(wsdl, transport=Transport(timeout=timeout, operation_timeout=timeout))
        self.service = self.zeep.create_service(SERVICE, address)
        self.address, self.sender = address, sender

    def _header(self) -> Any:
        return self.zeep.get_element(HEADER)(Date=datetime.now(UTC), MessageGUID=str(uuid.uuid4()),
                                             orgPPAGUID=self.sender)

    def _call(self, operation: str, envelope: etree._Element) -> Any:
        try:
            response = self.zeep.transport.post_xml(self.address, envelope, {
                "SOAPAction": f'"{ACTIONS[operation]}"', "Content-Type": "text/xml; charset=utf-8"})
        except Exception as error:  # requests' connection errors and timeouts
            raise TransportError(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 500 and b"Fault" not in response.content:
            raise TransportError(f"HTTP {response.status_code}")
        binding = self.service._binding
        try:
            return binding.process_reply(self.zeep, binding.get(operation), response)
        except zeep.exceptions.Error as error:
            raise TransportError(f"{type(error).__name__}: {error}") from None

    def send(self, signed: etree._Element) -> str:
        """Send the signed request; the MessageGUID ГИС ЖКХ acknowledged it with."""
        envelope = self.zeep.create_message(self.service, "importVotingProtocol", _soapheaders=[self._header()])
        body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
        assert body is not None
        body.replace(body[0], signed)
        answer = self._call("importVotingProtocol", envelope)
        return str(_body(answer).Ack.MessageGUID)

    def state(self, message_guid: str) -> Outcome:
        """Poll getState once."""
        envelope = self.zeep.create_message(self.service, "getState", MessageGUID=message_guid,
                                            _soapheaders=[self._header()])
        result = _body(self._call("getState", envelope))
        if int(result.RequestState) in PROCESSING:
            return Outcome(done=False)
        if result.ErrorMessage is not None:
            return Outcome(done=True, errors=((result.ErrorMessage.ErrorCode, result.ErrorMessage.Description),))
        errors: list[tuple[str, str]] = []
        for imported in result.ImportResult or []:
            if imported.ErrorMessage is not None:
                errors.append((imported.ErrorMessage.ErrorCode, imported.ErrorMessage.Description))
            for common in imported.CommonResult or []:
                errors += [(e.ErrorCode, e.Description) for e in common.Error or []]
                if not common.Error and common.GUID:
                    return Outcome(done=True, accepted=True, guid=str(common.GUID),
                                   unique_number=common.UniqueNumber)
        return Outcome(done=True, errors=tuple(errors) or (("", "ответ без результата"),))


def _body(answer: Any) -> Any:
    """The body of a reply whose output also has a header (zeep answers both)."""
    return answer.body if hasattr(answer, "body") and hasattr(answer, "header") else answer
