"""The protocol as ГИС ЖКХ takes it: an `importVotingProtocolRequest` of the house-management schema (GIS.md), built
from plain facts with lxml (so every text is escaped by the serialiser). Pure: no database, no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from lxml import etree

from voting.domain.gis_nsi import NsiRef
from voting.domain.numbers import format_amount

HM = "http://dom.gosuslugi.ru/schema/integration/house-management/"
BASE = "http://dom.gosuslugi.ru/schema/integration/base/"
NSI = "http://dom.gosuslugi.ru/schema/integration/nsi-base/"
IND = "http://dom.gosuslugi.ru/schema/integration/individual-registry-base/"
ORG = "http://dom.gosuslugi.ru/schema/integration/organizations-registry-base/"
NSMAP = {"hm": HM, "base": BASE, "nsi-base": NSI, "individual-registry-base": IND,
         "organizations-registry-base": ORG}
VERSION = "11.11.0.6"  # the schema's fixed base:version of importVotingProtocolRequest (hcs-house-management-types)
REQUEST_ID = "signed-data"  # the Id the XAdES signature refers to
FORMS = {"electronic": "EVoting", "absentee": "AVoting", "in_person": "Meeting", "mixed": "MeetingAVoting"}
KINDS = {"extraordinary": "ExtraVoting", "annual": "AnnualVoting"}
NUMBER_LIMIT = 30  # ProtocolNum
TEXT_LIMIT = 3000  # QuestionName, VotingPlace, ResolutionPlace
LONG_TEXT_LIMIT = 2000  # base:LongTextType: Discipline, InfoReview


@dataclass(frozen=True)
class Person:
    """An initiator who is an owner (VoteInitiators/Ind)."""

    surname: str
    first_name: str
    patronymic: str | None
    snils: str | None  # eleven digits


@dataclass(frozen=True)
class Organisation:
    """An initiator organisation by its ГИС ЖКХ registry entry (VoteInitiators/Org): one of the two GUIDs."""

    root_guid: str | None
    version_guid: str | None


@dataclass(frozen=True)
class Attachment:
    """A file already in ГИС ЖКХ's file store (base:AttachmentType)."""

    name: str
    description: str
    guid: str
    hash: str | None = None


@dataclass(frozen=True)
class Decision:
    """One agenda item: the question, its НСИ 63 type, the tally's exact votes, the chosen way where asked."""

    number: int
    question: str
    type: NsiRef
    agree: Fraction
    against: Fraction
    abstain: Fraction
    adopted: bool
    forming_fund: NsiRef | None = None
    management_type: NsiRef | None = None


@dataclass(frozen=True)
class ProtocolFacts:
    """Everything the request says, gathered by protocols.gis.facts."""

    transport_guid: str
    fias_guid: str
    date: date
    form: str  # electronic | absentee | in_person | mixed
    kind: str  # annual | extraordinary
    opens_at: datetime  # aware, in the building's time zone
    closes_at: datetime  # aware; the voting window is [opens_at, closes_at)
    initiators: tuple[Person | Organisation, ...]
    quorum: bool
    decisions: tuple[Decision, ...]
    number: str | None = None
    protocol_guid: str | None = None  # the version in ГИС ЖКХ this one replaces
    place: str | None = None  # where the meeting in person is held
    resolution_place: str | None = None  # where written decisions are received
    discipline: str | None = None  # EVoting: how written decisions are received
    info_review: str | None = None  # EVoting: how to read the materials
    attachments: tuple[Attachment, ...] = ()
    placing: bool = False  # publish it (the protocol is final), not only keep it as a project


def _sub(parent: etree._Element, ns: str, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        node.text = text
    return node


def amount(votes: Fraction) -> str:
    """An exact tally as ГИС ЖКХ's xs:decimal: m² to two places, rounded half-up as the protocol prints it."""
    return format_amount(votes)


def last_day(closes_at: datetime) -> date:
    """The last day decisions are received: the window ends just before `closes_at`."""
    return (closes_at - timedelta(microseconds=1)).date()


def build(facts: ProtocolFacts) -> etree._Element:
    """The importVotingProtocolRequest element (unsigned)."""
    root = etree.Element(f"{{{HM}}}importVotingProtocolRequest", nsmap=NSMAP)
    root.set("Id", REQUEST_ID)
    root.set(f"{{{BASE}}}version", VERSION)
    _sub(root, BASE, "TransportGUID", facts.transport_guid)
    if facts.protocol_guid:
        _sub(root, HM, "ProtocolGUID", facts.protocol_guid)
    protocol = _sub(root, HM, "Protocol")
    _sub(protocol, HM, "FIASHouseGuid", facts.fias_guid)
    if facts.number:
        _sub(protocol, HM, "ProtocolNum", facts.number[:NUMBER_LIMIT])
    _sub(protocol, HM, "ProtocolDate", facts.date.isoformat())
    _form(protocol, facts)
    _sub(protocol, HM, KINDS[facts.kind], "true")
    for initiator in facts.initiators:
        _initiator(_sub(protocol, HM, "VoteInitiators"), initiator)
    _sub(protocol, HM, "MeetingEligibility", "C" if facts.quorum else "N")
    for decision in facts.decisions:
        _decision(_sub(protocol, HM, "DecisionList"), decision)
    if facts.placing:
        _sub(protocol, HM, "Placing", "true")
    return root


def _form(protocol: etree._Element, facts: ProtocolFacts) -> None:
    """The form's branch, its children in the schema's order."""
    branch = _sub(protocol, HM, FORMS[facts.form])
    if facts.form == "electronic":
        _sub(branch, HM, "EVotingDateBegin", facts.opens_at.isoformat())
        _sub(branch, HM, "EVotingDateEnd", facts.closes_at.isoformat())
        _sub(branch, HM, "Discipline", (facts.discipline or "")[:LONG_TEXT_LIMIT])
        _sub(branch, HM, "InfoReview", (facts.info_review or "")[:LONG_TEXT_LIMIT])
    elif facts.form == "in_person":
        _sub(branch, HM, "VotingPlace", (facts.place or "")[:TEXT_LIMIT])
        _sub(branch, HM, "MeetingDate", facts.opens_at.isoformat())
    else:
        if facts.form == "mixed":
            _sub(branch, HM, "MeetingDate", facts.opens_at.isoformat())
            _sub(branch, HM, "VotingPlace", (facts.place or "")[:TEXT_LIMIT])
        _sub(branch, HM, "AVotingStartDate", facts.opens_at.date().isoformat())
        _sub(branch, HM, "AVotingDate", last_day(facts.closes_at).isoformat())
        _sub(branch, HM, "ResolutionPlace", (facts.resolution_place or "")[:TEXT_LIMIT])
    for attachment in facts.attachments:
        node = _sub(branch, HM, "Attachments")
        _sub(node, BASE, "Name", attachment.name[:1024])
        _sub(node, BASE, "Description", attachment.description[:500])
        _sub(_sub(node, BASE, "Attachment"), BASE, "AttachmentGUID", attachment.guid)
        if attachment.hash:
            _sub(node, BASE, "AttachmentHASH", attachment.hash)


def _initiator(node: etree._Element, initiator: Person | Organisation) -> None:
    if isinstance(initiator, Person):
        ind = _sub(node, HM, "Ind")
        _sub(ind, IND, "Surname", initiator.surname)
        _sub(ind, IND, "FirstName", initiator.first_name)
        if initiator.patronymic:
            _sub(ind, IND, "Patronymic", initiator.patronymic)
        if initiator.snils:
            _sub(ind, IND, "SNILS", initiator.snils)
        return
    org = _sub(node, HM, "Org")
    if initiator.version_guid:
        _sub(org, ORG, "orgVersionGUID", initiator.version_guid)
    else:
        _sub(org, ORG, "orgRootEntityGUID", initiator.root_guid)


def _nsi(parent: etree._Element, name: str, ref: NsiRef) -> None:
    node = _sub(parent, HM, name)
    _sub(node, NSI, "Code", ref.code)
    _sub(node, NSI, "GUID", ref.guid)
    _sub(node, NSI, "Name", ref.name[:1200])


def _decision(node: etree._Element, decision: Decision) -> None:
    _sub(node, HM, "QuestionNumber", str(decision.number))
    _sub(node, HM, "QuestionName", decision.question[:TEXT_LIMIT])
    _nsi(node, "DecisionsType", decision.type)
    _sub(node, HM, "Agree", amount(decision.agree))
    _sub(node, HM, "Against", amount(decision.against))
    _sub(node, HM, "Abstent", amount(decision.abstain))
    if decision.forming_fund:
        _nsi(node, "FormingFund", decision.forming_fund)
    if decision.management_type:
        _nsi(node, "ManagementType", decision.management_type)
    _sub(node, HM, "votingResume", "M" if decision.adopted else "N")


def to_bytes(element: etree._Element) -> bytes:
    """The request as a UTF-8 XML document."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
