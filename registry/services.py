"""Register services: building summaries and listings, and register files kept between preview and confirmation.

Services flush, never commit: the caller (a view or a command) commits once, so a failure saves nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import selectinload

from registry.kinds import PremisesKind
from registry.models import Building, Municipality, Owner, Premises, RegisterUpload
from registry.sync import RegisterDiff
from voting.core.extensions import db
from voting.domain.weights import total_votes


@dataclass(frozen=True)
class Tally:
    """A count of premises and their area."""

    count: int = 0
    area: Decimal = Decimal("0.00")

    def plus(self, area: Decimal) -> Tally:
        return Tally(self.count + 1, self.area + area)


@dataclass(frozen=True)
class BuildingSummary:
    """What a building's register adds up to: votes in total, by kind of premises and by entrance."""

    premises: int
    owners: int
    total_votes: Decimal
    by_kind: dict[PremisesKind, Tally]
    by_entrance: dict[str, Tally]


def summarise(building: Building) -> BuildingSummary:
    """Totals of one building, from its premises (all premises that can be owned carry votes)."""
    rows = db.session.execute(select(Premises.kind, Premises.area, Premises.entrance)
                              .where(Premises.building_id == building.id)).all()
    by_kind: dict[PremisesKind, Tally] = defaultdict(Tally)
    by_entrance: dict[str, Tally] = defaultdict(Tally)
    for kind, area, entrance in rows:
        by_kind[kind] = by_kind[kind].plus(area)
        by_entrance[entrance or "—"] = by_entrance[entrance or "—"].plus(area)
    owners = db.session.scalar(select(func.count(Owner.id)).where(Owner.building_id == building.id)) or 0
    return BuildingSummary(
        premises=len(rows), owners=owners, total_votes=total_votes(area for _kind, area, _entrance in rows),
        by_kind={k: by_kind[k] for k in PremisesKind if k in by_kind},
        by_entrance=dict(sorted(by_entrance.items(), key=lambda item: natural_key(item[0]))),
    )


def natural_key(text: str) -> tuple[int, str]:
    """Sort "2" before "10" and numbers before names."""
    return (int(text), "") if text.isdigit() else (10**9, text)


def list_buildings(query: str = "", among: Select[Any] | None = None
                   ) -> list[tuple[Building, int, Decimal]]:
    """Buildings matching a search (address, cadastral number, municipality) with premises count and votes;
    `among` limits them to a selection (the buildings a user may see)."""
    statement = (among if among is not None else select(Building)).join(Building.municipality).order_by(
        Building.address)
    if query := query.strip():  # autoescape: a "%" or "_" typed is that character, not a wildcard
        statement = statement.where(or_(Building.address.icontains(query, autoescape=True),
                                        Building.cadastral_number.icontains(query, autoescape=True),
                                        Municipality.name.icontains(query, autoescape=True)))
    buildings = db.session.scalars(statement.options(selectinload(Building.municipality))).all()
    areas: dict[int, list[Decimal]] = defaultdict(list)
    if buildings:
        rows = db.session.execute(select(Premises.building_id, Premises.area)
                                  .where(Premises.building_id.in_([b.id for b in buildings])))
        for building_id, area in rows:
            areas[building_id].append(area)
    return [(b, len(areas[b.id]), total_votes(areas[b.id])) for b in buildings]


# --- uploads kept between preview and confirmation --------------------------------------------------------

UPLOAD_LIFETIME = timedelta(days=1)


def stage_upload(building: Building, filename: str, content: bytes) -> RegisterUpload:
    """Keep a checked file until it is confirmed; stale unconfirmed uploads are dropped on the way."""
    now = datetime.now(UTC)
    db.session.execute(delete(RegisterUpload).where(RegisterUpload.applied_at.is_(None),
                                                    RegisterUpload.uploaded_at < now - UPLOAD_LIFETIME))
    upload = RegisterUpload(building=building, filename=filename[:255], content=content,
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_at=now)
    db.session.add(upload)
    db.session.flush()
    return upload


def mark_applied(upload: RegisterUpload, diff: RegisterDiff) -> None:
    """Record that the upload was applied; its content is no longer kept, its hash and summary are."""
    upload.applied_at = datetime.now(UTC)
    upload.content = None
    upload.summary = diff.summary()[:200]


def set_gis_identifiers(building: Building, fias_guid: str | None, root_guid: str | None,
                        version_guid: str | None) -> None:
    """Keep the house's ФИАС GUID and its managing organisation's ГИС ЖКХ registry GUIDs (lower case)."""
    building.fias_guid = fias_guid.lower() if fias_guid else None
    if building.organisation is not None:
        building.organisation.gis_root_guid = root_guid.lower() if root_guid else None
        building.organisation.gis_version_guid = version_guid.lower() if version_guid else None
    db.session.flush()
