"""Registering meetings held outside the platform, one by one or from a file."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from auth.models import User
from indicators.models import RegisteredMeeting
from indicators.register_file import HeldMeeting, MeetingsFileError
from registry.models import Building
from voting.core.extensions import db
from voting.core.spreadsheet import RowError, folded


def register_meeting(building: Building, held: HeldMeeting, by: User, source: str = "form",
                     protocol_pdf: bytes | None = None) -> RegisteredMeeting:
    item = RegisteredMeeting(municipality_id=building.municipality_id, building_id=building.id,
                             organisation_id=building.organisation_id, kind=held.kind, form=held.form,
                             started_on=held.started_on, ended_on=held.ended_on,
                             protocol_number=held.protocol_number, protocol_pdf=protocol_pdf, source=source,
                             registered_by_id=by.id)
    db.session.add(item)
    return item


def register_file(organisation_ids: set[int], rows: list[HeldMeeting], by: User) -> int:
    """All rows or none: each names a building of the user's organisations by cadastral number or address."""
    buildings = db.session.scalars(select(Building).where(Building.organisation_id.in_(organisation_ids))).all()
    by_key = {b.cadastral_number: b for b in buildings if b.cadastral_number}
    by_key |= {folded(b.address): b for b in buildings}
    errors, resolved = [], []
    for row in rows:
        building = by_key.get(row.building) or by_key.get(folded(row.building))
        if building is None:
            errors.append(RowError(row.row, "Дом", _("дом «%(value)s» не найден среди домов вашей организации",
                                                     value=row.building)))
        else:
            resolved.append((building, row))
    if errors:
        raise MeetingsFileError(errors)
    for building, row in resolved:
        register_meeting(building, row, by, source="import")
    db.session.flush()
    return len(resolved)
