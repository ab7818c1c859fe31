"""The results for people and other tools, as JSON (LEGAL.md §6): per question its number, name (at most 3000
characters), for / against / abstain as decimal m² and adopted yes/no; the meeting's form and kind codes. The same
numbers as the importVotingProtocolRequest (protocols.gis.request) that ГИС ЖКХ takes."""

from __future__ import annotations

from typing import Any

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

