"""Register services: building summaries, the difference a register file would make, and applying it.

Services flush, never commit: the caller (a view or a command) commits once, so a failure saves nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from registry.identifiers import mask_name
from registry.kinds import OwnerKind, PremisesKind
from registry.models import Building, Municipality, Owner, Ownership, Premises, RegisterUpload
from registry.register_file import OwnerRecord, OwnershipRecord, PremisesRecord, Register
from voting.domain.numbers import format_share
from voting.domain.weights import total_votes
from voting.extensions import db


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
        by_entrance=dict(sorted(by_entrance.items(), key=lambda item: _natural(item[0]))),
    )


def _natural(text: str) -> tuple[int, str]:
    """Sort "2" before "10" and numbers before names."""
    return (int(text), "") if text.isdigit() else (10**9, text)


def list_buildings(query: str = "") -> list[tuple[Building, int, Decimal]]:
    """Buildings matching a search (address, cadastral number, municipality) with premises count and votes."""
    statement = select(Building).join(Building.municipality).order_by(Building.address)
    if query.strip():
        pattern = f"%{query.strip()}%"
        statement = statement.where(or_(Building.address.ilike(pattern), Building.cadastral_number.ilike(pattern),
                                        Municipality.name.ilike(pattern)))
    buildings = db.session.scalars(statement.options(selectinload(Building.municipality))).all()
    areas: dict[int, list[Decimal]] = defaultdict(list)
    if buildings:
        rows = db.session.execute(select(Premises.building_id, Premises.area)
                                  .where(Premises.building_id.in_([b.id for b in buildings])))
        for building_id, area in rows:
            areas[building_id].append(area)
    return [(b, len(areas[b.id]), total_votes(areas[b.id])) for b in buildings]


# --- the difference a register file makes ----------------------------------------------------------------

PremisesKey = str
OwnerKey = tuple[str, str, str]
OwnershipKey = tuple[str, OwnerKey]
_PREMISES_FIELDS = ("kind", "area", "entrance", "cadastral_number")
_OWNERSHIP_FIELDS = ("kind", "share", "egrn_record", "registered_on", "name", "owner_kind", "snils", "inn", "ogrn")


@dataclass(frozen=True)
class Change:
    """One changed field of a premises or an ownership."""

    what: str
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RegisterDiff:
    """What applying a register file adds, changes and removes; `base` fingerprints the register it was made on."""

    base: str
    premises_added: list[str] = field(default_factory=list)
    premises_changed: list[Change] = field(default_factory=list)
    premises_removed: list[str] = field(default_factory=list)
    ownerships_added: list[str] = field(default_factory=list)
    ownerships_changed: list[Change] = field(default_factory=list)
    ownerships_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any((self.premises_added, self.premises_changed, self.premises_removed,
                        self.ownerships_added, self.ownerships_changed, self.ownerships_removed))

    def summary(self) -> str:
        return _("помещения: добавлено %(pa)s, изменено %(pc)s, удалено %(pr)s; права: добавлено %(oa)s, "
                 "изменено %(oc)s, удалено %(od)s",
                 pa=len(self.premises_added), pc=len({c.what for c in self.premises_changed}),
                 pr=len(self.premises_removed), oa=len(self.ownerships_added),
                 oc=len({c.what for c in self.ownerships_changed}), od=len(self.ownerships_removed))


def _display(value: object) -> str:
    if value is None:
        return "—"
    if hasattr(value, "numerator") and not isinstance(value, int | Decimal):
        return format_share(value)  # type: ignore[arg-type]
    if hasattr(value, "isoformat"):
        return value.strftime("%d.%m.%Y")  # type: ignore[attr-defined]
    return str(value)


def _premises_state(record: PremisesRecord | Premises) -> tuple[object, ...]:
    return (record.kind, record.area, record.entrance, record.cadastral_number)


def _ownership_state(kind: object, share: object, egrn: str, registered_on: object, owner: OwnerRecord
                     ) -> tuple[object, ...]:
    return (kind, share, egrn, registered_on, owner.name, owner.kind, owner.snils, owner.inn, owner.ogrn)


def _owner_record(owner: Owner) -> OwnerRecord:
    return OwnerRecord(owner.kind, owner.name, owner.snils, owner.inn, owner.ogrn)


def _label(number: str, owner: OwnerRecord) -> str:
    name = mask_name(owner.name) if owner.kind is OwnerKind.PERSON else owner.name
    return f"{number}: {name}"


@dataclass
class _Current:
    premises: dict[PremisesKey, Premises]
    ownerships: dict[OwnershipKey, Ownership]
    owners: dict[OwnerKey, Owner]

    def fingerprint(self) -> str:
        lines = sorted(repr((k, _premises_state(p))) for k, p in self.premises.items())
        lines += sorted(repr((k, _ownership_state(o.kind, o.share, o.egrn_record, o.registered_on,
                                                  _owner_record(o.owner)))) for k, o in self.ownerships.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _load(building: Building) -> _Current:
    premises = db.session.scalars(
        select(Premises).where(Premises.building_id == building.id)
        .options(selectinload(Premises.ownerships).selectinload(Ownership.owner))).all()
    owners = db.session.scalars(select(Owner).where(Owner.building_id == building.id)).all()
    ownerships = {(p.number, _owner_record(o.owner).key): o for p in premises for o in p.ownerships}
    return _Current({p.number: p for p in premises}, ownerships, {_owner_record(o).key: o for o in owners})


def _wanted(current: _Current, register: Register) -> dict[OwnershipKey, OwnershipRecord]:
    """The file's ownerships keyed like the database's: a СНИЛС or ИНН added to (or dropped from) a known
    name in the building is the same owner, as long as that name points to exactly one owner."""
    by_name: dict[tuple[str, str], list[OwnerKey]] = defaultdict(list)
    for key in current.owners:
        by_name[key[:2]].append(key)
    wanted = {}
    for record in register.ownerships:
        key = record.owner.key
        if key not in current.owners:
            namesakes = by_name.get(key[:2], [])
            if len(namesakes) == 1 and not (namesakes[0][2] and key[2]):
                key = namesakes[0]
        wanted[(record.premises, key)] = record
    return wanted


def diff_register(building: Building, register: Register) -> RegisterDiff:
    """The difference between the building's register and a checked register file."""
    return _diff(_load(building), register)


def _diff(current: _Current, register: Register) -> RegisterDiff:
    diff = RegisterDiff(base=current.fingerprint())
    for number, record in register.premises.items():
        existing = current.premises.get(number)
        if existing is None:
            diff.premises_added.append(number)
            continue
        for name, old, new in zip(_PREMISES_FIELDS, _premises_state(existing), _premises_state(record), strict=True):
            if old != new:
                diff.premises_changed.append(Change(number, name, _display(old), _display(new)))
    diff.premises_removed.extend(n for n in current.premises if n not in register.premises)
    wanted = _wanted(current, register)
    for key, ownership_record in wanted.items():
        existing_ownership = current.ownerships.get(key)
        if existing_ownership is None:
            label = _label(ownership_record.premises, ownership_record.owner)
            diff.ownerships_added.append(f"{label} ({format_share(ownership_record.share)})")
            continue
        old_state = _ownership_state(existing_ownership.kind, existing_ownership.share, existing_ownership.egrn_record,
                                     existing_ownership.registered_on, _owner_record(existing_ownership.owner))
        new_state = _ownership_state(ownership_record.kind, ownership_record.share, ownership_record.egrn_record,
                                     ownership_record.registered_on, ownership_record.owner)
        for name, old, new in zip(_OWNERSHIP_FIELDS, old_state, new_state, strict=True):
            if old != new:
                masked = name == "snils"
                diff.ownerships_changed.append(Change(
                    _label(ownership_record.premises, ownership_record.owner), name,
                    "***" if masked and old else _display(old), "***" if masked and new else _display(new)))
    diff.ownerships_removed.extend(_label(number, _owner_record(o.owner))
                                   for (number, key), o in current.ownerships.items() if (number, key) not in wanted)
    return diff


class RegisterChangedError(RuntimeError):
    """The register changed between the preview and the confirmation."""


def apply_register(building: Building, register: Register, expected_base: str | None = None) -> RegisterDiff:
    """Make the building's register equal to the file; refuses if it changed since the previewed `expected_base`."""
    current = _load(building)
    diff = _diff(current, register)
    if expected_base is not None and diff.base != expected_base:
        raise RegisterChangedError(_("Реестр дома изменился после просмотра изменений: проверьте их ещё раз."))
    if diff.empty:
        return diff
    premises = dict(current.premises)
    for number, premises_record in register.premises.items():
        item = premises.get(number)
        if item is None:
            item = premises[number] = Premises(building=building, number=number)
            db.session.add(item)
        _assign(item, **{name: getattr(premises_record, name) for name in _PREMISES_FIELDS})
    owners = dict(current.owners)
    wanted = _wanted(current, register)
    for key, ownership in current.ownerships.items():
        if key not in wanted:
            db.session.delete(ownership)
    for key, record in wanted.items():
        owner = _owner(building, owners, key[1], record.owner)
        existing = current.ownerships.get(key)
        if existing is None:
            existing = Ownership(premises=premises[record.premises], owner=owner)
            db.session.add(existing)
        _assign(existing, kind=record.kind, share=record.share, egrn_record=record.egrn_record,
                registered_on=record.registered_on)
    for number, item in current.premises.items():
        if number not in register.premises:
            db.session.delete(item)
    db.session.flush()
    used = select(Ownership.owner_id)
    db.session.execute(delete(Owner).where(Owner.building_id == building.id, Owner.id.not_in(used))
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return diff


def _assign(target: object, **values: object) -> None:
    """Set only what differs, so that an unchanged row is not rewritten."""
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)


def _owner(building: Building, owners: dict[OwnerKey, Owner], key: OwnerKey, record: OwnerRecord) -> Owner:
    owner = owners.get(key)
    if owner is None:
        owner = owners[key] = Owner(building=building, kind=record.kind, name=record.name)
        db.session.add(owner)
    _assign(owner, kind=record.kind, name=record.name, snils=record.snils, inn=record.inn, ogrn=record.ogrn)
    return owner


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
