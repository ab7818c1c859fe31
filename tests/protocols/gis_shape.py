"""The published schema's facts about importVotingProtocolRequest (hcs-house-management-types.xsd 11.11.0.6 and the
base schemas, GIS.md), written down as checks: every element in its order, with its namespace, count and type. The
tests and the stand-in ГИС ЖКХ judge requests by it (the schema files are not in the project)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

HM = "http://dom.gosuslugi.ru/schema/integration/house-management/"
BASE = "http://dom.gosuslugi.ru/schema/integration/base/"
NSI = "http://dom.gosuslugi.ru/schema/integration/nsi-base/"
IND = "http://dom.gosuslugi.ru/schema/integration/individual-registry-base/"
ORG = "http://dom.gosuslugi.ru/schema/integration/organizations-registry-base/"
DS = "http://www.w3.org/2000/09/xmldsig#"
VERSION = "11.11.0.6"

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)\Z")
DECIMAL = re.compile(r"\d+\.\d{2}\Z")  # xs:decimal; veche writes m² to two places
NSI_CODE = re.compile(r"(A?\d{1,4}\.?)+\Z")

Check = Callable[[Any, str], list[str]]


def text(pattern: re.Pattern[str] | None = None, min_length: int = 0, max_length: int | None = None,
         values: tuple[str, ...] = ()) -> Check:
    def check(node: Any, where: str) -> list[str]:
        value = node.text or ""
        if len(node):
            return [f"{where}: has child elements, a simple value was expected"]
        if pattern is not None and not pattern.match(value):
            return [f"{where}: {value!r} does not match {pattern.pattern}"]
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            return [f"{where}: length {len(value)} outside [{min_length}, {max_length}]"]
        if values and value not in values:
            return [f"{where}: {value!r} is not one of {values}"]
        return []
    return check


TRUE = text(values=("true",))


def sequence(*items: tuple[str, str, int, int | None, Check]) -> Check:
    """Children in this order: (namespace, name, min, max, check of each)."""
    def check(node: Any, where: str) -> list[str]:
        children, problems, position = list(node), [], 0
        if node.text and node.text.strip():
            problems.append(f"{where}: text inside a complex element")
        for ns, name, low, high, inner in items:
            count = 0
            while position < len(children) and children[position].tag == f"{{{ns}}}{name}":
                problems += inner(children[position], f"{where}/{name}[{count}]")
                position, count = position + 1, count + 1
            if count < low or (high is not None and count > high):
                problems.append(f"{where}/{name}: {count} present, [{low}, {high}] expected here")
        for extra in children[position:]:
            problems.append(f"{where}: unexpected {extra.tag} here")
        return problems
    return check


def one_of(node: Any, where: str, options: dict[str, tuple[str, Check]]) -> list[str]:
    tag = node.tag.split("}")[1]
    if tag not in options or node.tag != f"{{{options[tag][0]}}}{tag}":
        return [f"{where}: {node.tag} is not one of {sorted(options)}"]
    return options[tag][1](node, where)


NSI_REF = sequence((NSI, "Code", 1, 1, text(NSI_CODE, 1, 20)), (NSI, "GUID", 1, 1, text(GUID)),
                   (NSI, "Name", 0, 1, text(None, 0, 1200)))
ATTACHMENT = sequence((BASE, "Name", 1, 1, text(None, 1, 1024)), (BASE, "Description", 1, 1, text(None, 1, 500)),
                      (BASE, "Attachment", 1, 1, sequence((BASE, "AttachmentGUID", 1, 1, text(GUID)))),
                      (BASE, "AttachmentHASH", 0, 1, text(None, 1)))
PLACE = text(None, 1, 3000)
LONG = text(None, 1, 2000)
FORMS = {
    "AVoting": (HM, sequence((HM, "AVotingStartDate", 0, 1, text(DATE)), (HM, "AVotingDate", 1, 1, text(DATE)),
                             (HM, "ResolutionPlace", 1, 1, PLACE), (HM, "Attachments", 1, None, ATTACHMENT))),
    "Meeting": (HM, sequence((HM, "VotingPlace", 1, 1, PLACE), (HM, "MeetingDate", 1, 1, text(DATETIME)),
                             (HM, "Attachments", 1, None, ATTACHMENT))),
    "EVoting": (HM, sequence((HM, "EVotingDateBegin", 1, 1, text(DATETIME)),
                             (HM, "EVotingDateEnd", 1, 1, text(DATETIME)), (HM, "Discipline", 1, 1, LONG),
                             (HM, "InfoReview", 1, 1, LONG), (HM, "Attachments", 0, None, ATTACHMENT))),
    "MeetingAVoting": (HM, sequence(
        (HM, "MeetingDate", 1, 1, text(DATETIME)), (HM, "VotingPlace", 1, 1, PLACE),
        (HM, "AVotingStartDate", 0, 1, text(DATE)), (HM, "AVotingDate", 1, 1, text(DATE)),
        (HM, "ResolutionPlace", 1, 1, PLACE), (HM, "Attachments", 1, None, ATTACHMENT))),
}
KINDS = {"ExtraVoting": (HM, TRUE), "AnnualVoting": (HM, TRUE)}
NAME = text(None, 1, 256)
IND_TYPE = sequence((IND, "Surname", 1, 1, NAME), (IND, "FirstName", 1, 1, NAME), (IND, "Patronymic", 0, 1, NAME),
                    (HM, "Sex", 0, 1, text(values=("M", "F"))), (HM, "DateOfBirth", 0, 1, text(DATE)),
                    (IND, "SNILS", 0, 1, text(re.compile(r"\d{11}\Z"))))
ORG_TYPE: dict[str, tuple[str, Check]] = {"orgVersionGUID": (ORG, text(GUID)), "orgRootEntityGUID": (ORG, text(GUID))}
INITIATOR: dict[str, tuple[str, Check]] = {
    "Ind": (HM, IND_TYPE),
    "Org": (HM, lambda node, where: [f"{where}: one child expected"] if len(node) != 1
            else one_of(node[0], f"{where}/{node[0].tag}", ORG_TYPE)),
}
DECISION = sequence(
    (HM, "QuestionNumber", 0, 1, text(re.compile(r"[1-9]\d{0,3}\Z"))), (HM, "QuestionName", 1, 1, PLACE),
    (HM, "DecisionsType", 1, 1, NSI_REF), (HM, "Agree", 0, 1, text(DECIMAL)), (HM, "Against", 0, 1, text(DECIMAL)),
    (HM, "Abstent", 0, 1, text(DECIMAL)), (HM, "FormingFund", 0, 1, NSI_REF), (HM, "ManagementType", 0, 1, NSI_REF),
    (HM, "votingResume", 1, 1, text(values=("M", "N"))))


def _single(options: dict[str, tuple[str, Check]]) -> Check:
    def check(node: Any, where: str) -> list[str]:
        return [f"{where}: one child expected"] if len(node) != 1 else one_of(node[0], f"{where}/{node[0].tag}",
                                                                               options)
    return check


def protocol(node: Any, where: str) -> list[str]:
    """ProtocolType in order: FIASHouseGuid, ProtocolNum?, ProtocolDate, form (choice), kind (choice),
    VoteInitiators+, MeetingEligibility, DecisionList+, Modification?, then the extension's Placing?."""
    children, problems = list(node), []
    head = sequence((HM, "FIASHouseGuid", 1, 1, text(GUID)), (HM, "ProtocolNum", 0, 1, text(None, 0, 30)),
                    (HM, "ProtocolDate", 1, 1, text(DATE)))
    split = next((i for i, c in enumerate(children) if c.tag.split("}")[1] in FORMS), None)
    if split is None or split + 1 >= len(children):
        return [f"{where}: no form element (AVoting | Meeting | EVoting | MeetingAVoting)"]
    wrapper = etree.Element(node.tag)
    wrapper.extend(_copy(children[:split]))
    problems += head(wrapper, where)
    problems += one_of(children[split], f"{where}/{children[split].tag.split('}')[1]}", FORMS)
    problems += one_of(children[split + 1], f"{where}/kind", KINDS)
    rest = etree.Element(node.tag)
    rest.extend(_copy(children[split + 2:]))
    problems += sequence((HM, "VoteInitiators", 1, None, _single(INITIATOR)),
                         (HM, "MeetingEligibility", 1, 1, text(values=("C", "N"))),
                         (HM, "DecisionList", 1, None, DECISION), (HM, "Modification", 0, 1, LONG),
                         (HM, "Placing", 0, 1, TRUE))(rest, where)
    return problems


def _copy(nodes: list[Any]) -> list[Any]:
    return [copy.deepcopy(n) for n in nodes]


def check_request(root: Any) -> list[str]:
    """Every way the request departs from the schema's importVotingProtocolRequest (empty: it conforms)."""
    where = "importVotingProtocolRequest"
    if root.tag != f"{{{HM}}}importVotingProtocolRequest":
        return [f"root is {root.tag}"]
    problems = []
    if root.get(f"{{{BASE}}}version") != VERSION:
        problems.append(f"{where}/@base:version: {root.get(f'{{{BASE}}}version')!r}, fixed {VERSION!r} expected")
    problems += sequence((DS, "Signature", 0, 1, lambda n, w: []), (BASE, "TransportGUID", 1, 1, text(GUID)),
                         (HM, "ProtocolGUID", 0, 1, text(GUID)), (HM, "Protocol", 1, 1, protocol))(root, where)
    return problems
