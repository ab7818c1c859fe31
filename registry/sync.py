"""Making a building's register equal to a checked file: the difference first, then exactly that change.

Set-based: current rows are read as plain values and changes are written as bulk INSERT/UPDATE/DELETE, so a
10,000-premise register applies in seconds. Nothing here commits: the caller commits once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update

from registry.identifiers import mask_name
from registry.kinds import OwnerKind
from registry.models import Building, Owner, Ownership, Premises
from registry.register_file import OwnerRecord, OwnershipRecord, Register
from voting.core.extensions import db
from voting.domain.numbers import format_share

OwnerKey = tuple[str, str, str]
OwnershipKey = tuple[str, OwnerKey]  # (premises number, owner key)
PREMISES_FIELDS = ("kind", "area", "entrance", "cadastral_number")
OWNERSHIP_FIELDS = ("kind", "share", "egrn_record", "registered_on")
OWNER_FIELDS = ("kind", "name", "snils", "inn", "ogrn")
_CHUNK = 500  # ids per IN (…) list: well under SQLite's bound-parameter limit


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
    building_changed: list[Change] = field(default_factory=list)  # the house's identifiers (ФИАС)

    @property
    def empty(self) -> bool:
        return not any((self.premises_added, self.premises_changed, self.premises_removed,
                        self.ownerships_added, self.ownerships_changed, self.ownerships_removed,
                        self.building_changed))

    def summary(self) -> str:
        return _("помещения: добавлено %(pa)s, изменено %(pc)s, удалено %(pr)s; права: добавлено %(oa)s, "
                 "изменено %(oc)s, удалено %(od)s",
                 pa=len(self.premises_added), pc=len({c.what for c in self.premises_changed}),
                 pr=len(self.premises_removed), oa=len(self.ownerships_added),
                 oc=len({c.what for c in self.ownerships_changed}), od=len(self.ownerships_removed))


class RegisterChangedError(RuntimeError):
    """The register changed between the preview and the confirmation."""


@dataclass(frozen=True)
class _Stored:
    """A stored row: its id and the values compared with the file."""

    id: int
    values: tuple[Any, ...]


@dataclass
class _Current:
    """The building's register as stored, in plain values."""

    premises: dict[str, _Stored]
    owners: dict[OwnerKey, tuple[int, OwnerRecord]]
    ownerships: dict[OwnershipKey, _Stored]
    fias_guid: str | None = None

    def fingerprint(self) -> str:
        owners = {key: record for key, (_id, record) in self.owners.items()}
        lines = sorted(repr((number, row.values)) for number, row in self.premises.items())
        lines += sorted(repr((key, row.values, owners[key[1]])) for key, row in self.ownerships.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _load(building: Building) -> _Current:
    premises = {number: _Stored(id_, tuple(values)) for id_, number, *values in db.session.execute(
        select(Premises.id, Premises.number, *(getattr(Premises, f) for f in PREMISES_FIELDS))
        .where(Premises.building_id == building.id))}
    owners_by_id = {id_: OwnerRecord(*values) for id_, *values in db.session.execute(
        select(Owner.id, *(getattr(Owner, f) for f in OWNER_FIELDS)).where(Owner.building_id == building.id))}
    ownerships = {(number, owners_by_id[owner_id].key): _Stored(id_, tuple(values))
                  for id_, number, owner_id, *values in db.session.execute(
                      select(Ownership.id, Premises.number, Ownership.owner_id,
                             *(getattr(Ownership, f) for f in OWNERSHIP_FIELDS))
                      .join(Premises).where(Premises.building_id == building.id))}
    return _Current(premises, {r.key: (id_, r) for id_, r in owners_by_id.items()}, ownerships, building.fias_guid)


def _wanted(current: _Current, register: Register) -> dict[OwnershipKey, OwnershipRecord]:
    """The file's ownerships keyed like the stored ones: a СНИЛС or ИНН added to (or dropped from) a known
    name in the building is the same owner, as long as that name points to exactly one owner."""
    by_name: dict[tuple[str, str], list[OwnerKey]] = defaultdict(list)
    for key in current.owners:
        by_name[key[:2]].append(key)
    in_file = {record.owner.key for record in register.ownerships}
    wanted = {}
    for record in register.ownerships:
        key = record.owner.key
        if key not in current.owners:
            namesakes = by_name.get(key[:2], [])
            if len(namesakes) == 1 and namesakes[0] not in in_file and not (namesakes[0][2] and key[2]):
                key = namesakes[0]
        wanted[(record.premises, key)] = record
    return wanted


def _ownership_values(record: OwnershipRecord) -> tuple[Any, ...]:
    return (record.kind, record.share, record.egrn_record, record.registered_on)


def _owner_values(record: OwnerRecord) -> tuple[Any, ...]:
    return (record.kind, record.name, record.snils, record.inn, record.ogrn)


def _display(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        return format_share(value)
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value.value if hasattr(value, "value") else value)


def _label(number: str, owner: OwnerRecord) -> str:
    return f"{number}: {mask_name(owner.name) if owner.kind is OwnerKind.PERSON else owner.name}"


def _changes(what: str, names: Sequence[str], old: Sequence[Any], new: Sequence[Any]) -> Iterator[Change]:
    for name, before, after in zip(names, old, new, strict=True):
        if before != after:
            if name == "snils":  # personal data: say that it changed, not what it is
                yield Change(what, name, "***" if before else "—", "***" if after else "—")
            else:
                yield Change(what, name, _display(before), _display(after))


def diff_register(building: Building, register: Register) -> RegisterDiff:
    """The difference between the building's register and a checked register file."""
    current = _load(building)
    return _diff(current, register, _wanted(current, register))


def _diff(current: _Current, register: Register, wanted: dict[OwnershipKey, OwnershipRecord]) -> RegisterDiff:
    diff = RegisterDiff(base=current.fingerprint())
    if register.fias_guid and register.fias_guid != (current.fias_guid or "").lower():
        diff.building_changed.append(Change(_("дом"), "fias_guid", current.fias_guid or "", register.fias_guid))
    for number, premises in register.premises.items():
        stored = current.premises.get(number)
        if stored is None:
            diff.premises_added.append(number)
        else:
            new = tuple(getattr(premises, f) for f in PREMISES_FIELDS)
            diff.premises_changed.extend(_changes(number, PREMISES_FIELDS, stored.values, new))
    diff.premises_removed.extend(n for n in current.premises if n not in register.premises)
    for key, record in wanted.items():
        label = _label(record.premises, record.owner)
        stored = current.ownerships.get(key)
        if stored is None:
            diff.ownerships_added.append(f"{label} ({format_share(record.share)})")
            continue
        diff.ownerships_changed.extend(_changes(label, OWNERSHIP_FIELDS, stored.values, _ownership_values(record)))
        old_owner = current.owners[key[1]][1]
        fields = ("owner_kind", "name", "snils", "inn", "ogrn")
        diff.ownerships_changed.extend(
            _changes(label, fields, _owner_values(old_owner), _owner_values(record.owner)))
    diff.ownerships_removed.extend(_label(number, current.owners[key][1])
                                   for number, key in current.ownerships if (number, key) not in wanted)
    return diff


def apply_register(building: Building, register: Register, expected_base: str | None = None) -> RegisterDiff:
    """Make the building's register equal to the file; refuses if it changed since the previewed `expected_base`."""
    current = _load(building)
    wanted = _wanted(current, register)
    diff = _diff(current, register, wanted)
    if expected_base is not None and diff.base != expected_base:
        raise RegisterChangedError(_("Реестр дома изменился после просмотра изменений: проверьте их ещё раз."))
    if diff.empty:
        return diff
    if diff.building_changed:
        db.session.execute(update(Building).where(Building.id == building.id).values(fias_guid=register.fias_guid))

    _delete(Ownership, [row.id for key, row in current.ownerships.items() if key not in wanted])
    premises_ids = {number: row.id for number, row in current.premises.items()}
    premises_ids |= _insert(Premises, [
        {"building_id": building.id, "number": p.number, **{f: getattr(p, f) for f in PREMISES_FIELDS}}
        for p in register.premises.values() if p.number not in current.premises], key="number")
    _update(Premises, [
        {"id": current.premises[p.number].id, **{f: getattr(p, f) for f in PREMISES_FIELDS}}
        for p in register.premises.values()
        if p.number in current.premises
        and current.premises[p.number].values != tuple(getattr(p, f) for f in PREMISES_FIELDS)])

    owners = {key[1]: record.owner for key, record in wanted.items()}
    owner_ids = {key: id_ for key, (id_, _record) in current.owners.items()}
    new_owners = [(key, record) for key, record in owners.items() if key not in current.owners]
    inserted = _insert(Owner, [{"building_id": building.id, **dict(zip(OWNER_FIELDS, _owner_values(r), strict=True))}
                               for _key, r in new_owners])
    owner_ids |= {key: inserted[index] for index, (key, _r) in enumerate(new_owners)}
    _update(Owner, [{"id": owner_ids[key], **dict(zip(OWNER_FIELDS, _owner_values(record), strict=True))}
                    for key, record in owners.items()
                    if key in current.owners and _owner_values(current.owners[key][1]) != _owner_values(record)])

    _insert(Ownership, [{"premises_id": premises_ids[r.premises], "owner_id": owner_ids[key[1]],
                         **dict(zip(OWNERSHIP_FIELDS, _ownership_values(r), strict=True))}
                        for key, r in wanted.items() if key not in current.ownerships])
    _update(Ownership, [{"id": current.ownerships[key].id,
                         **dict(zip(OWNERSHIP_FIELDS, _ownership_values(r), strict=True))}
                        for key, r in wanted.items()
                        if key in current.ownerships and current.ownerships[key].values != _ownership_values(r)])
    _delete(Premises, [row.id for number, row in current.premises.items() if number not in register.premises])
    db.session.execute(delete(Owner).where(Owner.building_id == building.id,
                                           Owner.id.not_in(select(Ownership.owner_id))))
    db.session.expire(building)  # the bulk statements bypassed the objects already in the session
    return diff


def _insert(model: type, rows: list[dict[str, Any]], key: str | None = None) -> dict[Any, int]:
    """Insert rows in bulk; the new ids by `key` column, or by position when no key is given."""
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    columns = [table.c.id] if key is None else [table.c[key], table.c.id]
    # Core, not ORM, bulk insert: the ORM splits rows with different NULL columns into separate batches
    result = db.session.execute(insert(table).returning(*columns, sort_by_parameter_order=True), rows).all()
    return dict(enumerate(r[0] for r in result)) if key is None else {r[0]: r[1] for r in result}


def _update(model: type, rows: list[dict[str, Any]]) -> None:
    """Update rows in bulk by primary key."""
    if rows:
        db.session.execute(update(model), rows)


def _delete(model: type, ids: Iterable[int]) -> None:
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        db.session.execute(delete(model).where(model.id.in_(ids[start:start + _CHUNK])))  # type: ignore[attr-defined]
