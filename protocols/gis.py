"""The results in the structure ГИС ЖКХ takes (LEGAL.md §6): per question its number, name (at most 3000
characters), for / against / abstain as decimal m² and adopted yes/no; the meeting's form and kind codes."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

KINDS = {"annual": "annual", "extraordinary": "extra"}
NAME_LIMIT = 3000


def export(document: dict[str, Any]) -> dict[str, Any]:
    """The ГИС ЖКХ results of a protocol document, as JSON values."""
    return {
        "format": "gis-gkh-oss-results/1",
        "meeting_id": None if document["number_provisional"] else document["number"],
        "protocol_number": document["number"], "protocol_date": document["date"],
        "address": document["address"],
        "form": document["gis_form"], "kind": KINDS[document["kind_code"]],
        "total_votes": document["total_votes"], "participating_votes": document["participating_votes"],
        "quorum": document["quorum"],
        "questions": [{"number": item["number"], "name": item["title"][:NAME_LIMIT],
                       "for": item["counts"]["for"]["votes"], "against": item["counts"]["against"]["votes"],
                       "abstain": item["counts"]["abstain"]["votes"], "adopted": item["adopted"]}
                      for item in document["items"]],
    }


def to_xml(results: dict[str, Any]) -> bytes:
    """The same results as XML (escaped by ElementTree)."""
    root = ElementTree.Element("MeetingResults", {"format": results["format"]})
    for key in ("meeting_id", "protocol_number", "protocol_date", "address", "form", "kind", "total_votes",
                "participating_votes"):
        if results[key] is not None:
            ElementTree.SubElement(root, _camel(key)).text = str(results[key])
    ElementTree.SubElement(root, "Quorum").text = "true" if results["quorum"] else "false"
    questions = ElementTree.SubElement(root, "Questions")
    for question in results["questions"]:
        node = ElementTree.SubElement(questions, "Question", {"number": str(question["number"])})
        ElementTree.SubElement(node, "Name").text = question["name"]
        for key in ("for", "against", "abstain"):
            ElementTree.SubElement(node, key.capitalize()).text = question[key]
        ElementTree.SubElement(node, "Adopted").text = "true" if question["adopted"] else "false"
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _camel(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_")).replace("Id", "ID")
