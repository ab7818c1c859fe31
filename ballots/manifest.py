"""The manifest a meeting's log starts with (FORMATS.md §5): everything a ballot is cast against, signed at opening.

It is an `oss-dossier/1` without decisions (so a verifier reads it with the same strict parser as a recount), plus
the meeting id, each item's rule and legal reference as in force on the notice date, and the total votes."""

from __future__ import annotations

from typing import Any

from voting.domain import dossier as dossiers
from voting.domain.rules import quorum_reference, subject
from voting.meetings.dossier import dossier_of
from voting.meetings.models import Meeting

TYPE = "manifest"


def build(meeting: Meeting) -> dict[str, Any]:
    """The manifest of a meeting whose register has just been frozen."""
    dossier = dossier_of(meeting)
    document = dossiers.to_json(dossier)
    notice_date = dossier.meeting.notice_date
    agenda = []
    for item in document["agenda"]:
        edition = subject(item["subject"]).edition_on(notice_date)
        agenda.append(item | {"rule": edition.rule.value, "reference": edition.reference,
                              "edition_from": edition.effective_from.isoformat()})
    return {
        "type": TYPE, "v": 1, "meeting_id": meeting.id,
        "building": document["building"] | {"id": meeting.building_id},
        "meeting": document["meeting"],
        "register": document["register"],
        "register_hash": meeting.snapshot_hash,
        "total_votes": f"{sum(p.area for p in dossier.register):.2f}",
        "agenda": agenda,
        "law": {"quorum": quorum_reference(notice_date)},
    }
