"""The register file: its columns and the checks that turn a spreadsheet's rows (voting.core.spreadsheet) into
records; every bad row is reported, nothing is half-read.

Pure of Flask apart from message translation and of the database: the same code serves the web page,
the `veche import-register` command, the demo and the benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _

from registry.identifiers import (
    digits,
    format_snils,
    is_cadastral_number,
    is_egrn_record,
    is_inn,
    is_ogrn,
    is_snils,
)
from registry.kinds import OwnerKind, OwnershipKind, PremisesKind
from voting.core.exports import formula_like
from voting.core.spreadsheet import (
    Cell,
    Formula,
    RowError,
    RowsError,
    SpreadsheetError,
    calendar_date,
    folded,
    read_table,
)
from voting.domain.numbers import NumberError, format_fraction, parse_area, parse_decimal, parse_share
from voting.domain.weights import Holding, held_share


@dataclass(frozen=True)
class Column:
    """A column of the register file: its key, the header written in the template, other accepted headers."""

    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("premises", "Помещение", ("номер помещения", "premises"), True,
           "номер квартиры, нежилого помещения или машино-места"),
    Column("premises_kind", "Вид помещения", ("premises_kind",), True,
           "жилое, нежилое или машино-место"),
    Column("area", "Площадь, м²", ("площадь", "площадь, м2", "площадь м2", "area"), True,
           "площадь по ЕГРН, не больше двух знаков после запятой"),
    Column("entrance", "Подъезд", ("entrance",), False, "номер подъезда"),
    Column("premises_cadastral", "Кадастровый номер помещения", ("кадастровый номер", "premises_cadastral"),
           False, "например 74:36:0102003:456"),
    Column("owner", "Собственник", ("owner", "фио собственника"), True,
           "ФИО или наименование; пусто, если собственник неизвестен"),
    Column("owner_kind", "Тип собственника", ("owner_kind",), False,
           "физлицо, юрлицо или публичное образование (по умолчанию физлицо)"),
    Column("ownership", "Вид собственности", ("ownership",), True,
           "индивидуальная, долевая, совместная или публичная"),
    Column("share", "Доля", ("share",), False,
           "доля в праве: 1/2, 1/3 …; для индивидуальной и совместной можно не заполнять"),
    Column("egrn_record", "Номер записи ЕГРН", ("запись егрн", "номер записи", "egrn_record"), True,
           "номер регистрационной записи, например 74:36:0102003:456-74/001/2020-1"),
    Column("registered_on", "Дата регистрации", ("registered_on",), False, "ДД.ММ.ГГГГ"),
    Column("snils", "СНИЛС", ("snils",), False, "для граждан; хранится зашифрованным"),
    Column("inn", "ИНН", ("inn",), False, "для организаций"),
    Column("ogrn", "ОГРН", ("ogrn",), False, "для организаций"),
    Column("fias_guid", "ФИАС дома", ("фиас", "гар", "идентификатор фиас", "fias_guid"), False,
           "идентификатор дома в ФИАС (ГАР) для ГИС ЖКХ, GUID вида 8-4-4-4-12; достаточно указать в одной строке"),
)
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")

_PREMISES_KINDS = {
    "жилое": PremisesKind.RESIDENTIAL, "квартира": PremisesKind.RESIDENTIAL, "residential": PremisesKind.RESIDENTIAL,
    "нежилое": PremisesKind.NON_RESIDENTIAL, "non_residential": PremisesKind.NON_RESIDENTIAL,
    "машино-место": PremisesKind.PARKING, "машиноместо": PremisesKind.PARKING, "parking": PremisesKind.PARKING,
}
_OWNER_KINDS = {
    "физлицо": OwnerKind.PERSON, "физическое лицо": OwnerKind.PERSON, "гражданин": OwnerKind.PERSON,
    "person": OwnerKind.PERSON,
    "юрлицо": OwnerKind.ORGANISATION, "юридическое лицо": OwnerKind.ORGANISATION,
    "организация": OwnerKind.ORGANISATION, "organisation": OwnerKind.ORGANISATION,
    "публичное образование": OwnerKind.PUBLIC_BODY, "публично-правовое образование": OwnerKind.PUBLIC_BODY,
    "public_body": OwnerKind.PUBLIC_BODY,
}
_OWNERSHIP_KINDS = {
    "индивидуальная": OwnershipKind.INDIVIDUAL, "единоличная": OwnershipKind.INDIVIDUAL,
    "individual": OwnershipKind.INDIVIDUAL,
    "долевая": OwnershipKind.SHARED, "общая долевая": OwnershipKind.SHARED, "shared": OwnershipKind.SHARED,
    "совместная": OwnershipKind.JOINT, "общая совместная": OwnershipKind.JOINT, "joint": OwnershipKind.JOINT,
    "публичная": OwnershipKind.PUBLIC, "муниципальная": OwnershipKind.PUBLIC,
    "государственная": OwnershipKind.PUBLIC, "public": OwnershipKind.PUBLIC,
}


@dataclass(frozen=True)
class OwnerRecord:
    kind: OwnerKind
    name: str
    snils: str | None = None
    inn: str | None = None
    ogrn: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Who this owner is within one building: the same name is the same owner unless СНИЛС/ИНН differ."""
        return (self.kind.value, normalise_name(self.name), digits(self.snils or "") or (self.inn or ""))


@dataclass(frozen=True)
class PremisesRecord:
    number: str
    kind: PremisesKind
    area: Decimal
    entrance: str | None
    cadastral_number: str | None
    row: int = field(compare=False)


@dataclass(frozen=True)
class OwnershipRecord:
    premises: str
    owner: OwnerRecord
    kind: OwnershipKind
    share: Fraction
    egrn_record: str
    registered_on: date | None
    row: int = field(compare=False)


@dataclass(frozen=True)
class Register:
    """A checked register: premises by number and the ownerships on them, in file order."""

    premises: dict[str, PremisesRecord]
    ownerships: list[OwnershipRecord]
    fias_guid: str | None = None  # the house's ФИАС (ГАР) GUID, when the file gives it


def normalise_name(name: str) -> str:
    return folded(name.replace("ё", "е").replace("Ё", "Е"))


def _normalise_header(text: str) -> str:
    return folded(text.replace("*", " "))


_HEADERS = {_normalise_header(name): column for column in COLUMNS
            for name in (column.header, column.key, *column.aliases)}


# --- checking the rows ----------------------------------------------------------------------------------


def read_register(filename: str, data: bytes, max_bytes: int) -> Register:
    """Read and check a register file; raises SpreadsheetError or RowsError with every bad row."""
    return parse_rows(read_table(filename, data, max_bytes))


def parse_rows(rows: Iterable[tuple[int, list[Cell]]]) -> Register:
    """Check table rows (the first is the header) and build the register, or list every error."""
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise SpreadsheetError(_("Файл пуст."))
    header_row, header_cells = header
    positions, errors = _match_header(header_row, header_cells)
    if errors:
        raise RowsError(errors)
    checker = _Checker(positions)
    for number, cells in iterator:
        checker.add_row(number, cells)
    return checker.finish(header_row)


def _match_header(row: int, cells: list[Cell]) -> tuple[dict[str, tuple[int, str]], list[RowError]]:
    positions: dict[str, tuple[int, str]] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        title = str(cell.text if isinstance(cell, Formula) else cell).strip()
        column = _HEADERS.get(_normalise_header(title))
        if column is None:
            errors.append(RowError(row, title, _("неизвестный столбец")))
        elif column.key in positions:
            errors.append(RowError(row, title, _("столбец повторяется")))
        else:
            positions[column.key] = (index, title)
    for column in COLUMNS:
        if column.required and column.key not in positions:
            errors.append(RowError(row, column.header, _("нет обязательного столбца")))
    return positions, errors


class _Checker:
    """Accumulates rows, records every error, and cross-checks premises and shares at the end."""

    def __init__(self, positions: dict[str, tuple[int, str]]) -> None:
        self.positions = positions
        self.errors: list[RowError] = []
        self.premises: dict[str, PremisesRecord] = {}
        self.ownerships: list[OwnershipRecord] = []
        self._owner_rows: dict[tuple[str, tuple[str, str, str]], int] = {}
        self._records: dict[tuple[str, str], OwnershipRecord] = {}
        self._fias: tuple[str, int] | None = None  # the house's ФИАС GUID and the row that first gave it

    def header(self, key: str) -> str:
        return self.positions[key][1] if key in self.positions else next(c.header for c in COLUMNS if c.key == key)

    def cell(self, cells: list[Cell], key: str) -> Cell:
        if key not in self.positions:
            return None
        index = self.positions[key][0]
        return cells[index] if index < len(cells) else None

    def fail(self, row: int, key: str | None, reason: str) -> None:
        self.errors.append(RowError(row, self.header(key) if key else None, reason))

    def text(self, row: int, cells: list[Cell], key: str, max_length: int = 300) -> str | None:
        """A cell as stripped text (None when empty); dates and formulas are refused."""
        value = self.cell(cells, key)
        if isinstance(value, Formula):
            self.fail(row, key, _("формула вместо значения (%(formula)s): вставьте значения", formula=value.text))
            return None
        if value is None:
            return None
        if isinstance(value, datetime) and key != "registered_on":
            self.fail(row, key, _("Excel превратил значение в дату: задайте столбцу текстовый формат"))
            return None
        if isinstance(value, float):
            text = repr(value)
            text = text[:-2] if text.endswith(".0") else text
        else:
            text = str(value).strip()
        # after stripping: " =1+1" is as much a formula in the next spreadsheet (numbers are checked as numbers)
        if key not in ("area", "share") and formula_like(text):
            self.fail(row, key, _("значение «%(value)s» начинается со знака «%(sign)s»: в таблице оно станет "
                                  "формулой; уберите знак", value=text[:40], sign=text[:1]))
            return None
        if len(text) > max_length:
            self.fail(row, key, _("слишком длинное значение (больше %(n)s знаков)", n=max_length))
            return None
        return text or None

    def add_row(self, row: int, cells: list[Cell]) -> None:
        errors_before = len(self.errors)
        values = {c.key: self.text(row, cells, c.key) for c in COLUMNS}
        if len(self.errors) > errors_before:
            return
        self._house(row, values["fias_guid"])
        premises = self._premises(row, values)
        if values["owner"] is None:
            filled = [k for k in ("owner_kind", "ownership", "share", "egrn_record", "snils", "inn", "ogrn")
                      if values[k] is not None]
            if filled:
                self.fail(row, "owner", _("не указан собственник, хотя заполнены сведения о праве"))
            return
        ownership = self._ownership(row, values)
        if premises is None or ownership is None:
            return
        self._add_ownership(ownership)

    def _house(self, row: int, fias: str | None) -> None:
        """The house's ФИАС GUID: a GUID, the same wherever the file repeats it."""
        if fias is None:
            return
        if not GUID.fullmatch(fias):
            self.fail(row, "fias_guid", _("идентификатор ФИАС «%(value)s» — не GUID (нужно 8-4-4-4-12 "
                                          "шестнадцатеричных цифр)", value=fias))
        elif self._fias is None:
            self._fias = (fias.lower(), row)
        elif self._fias[0] != fias.lower():
            self.fail(row, "fias_guid", _("другой идентификатор ФИАС, чем в строке %(other)s: у дома он один",
                                          other=self._fias[1]))

    def _premises(self, row: int, values: dict[str, str | None]) -> PremisesRecord | None:
        number = values["premises"]
        if number is None:
            self.fail(row, "premises", _("не указан номер помещения"))
        elif len(number) > 20:
            self.fail(row, "premises", _("номер помещения длиннее 20 знаков"))
            number = None
        kind = self._choice(row, "premises_kind", values["premises_kind"], _PREMISES_KINDS, required=True)
        area = self._area(row, values["area"])
        entrance = values["entrance"]
        if entrance is not None and len(entrance) > 10:
            self.fail(row, "entrance", _("номер подъезда длиннее 10 знаков"))
        cadastral = values["premises_cadastral"]
        if cadastral is not None and not is_cadastral_number(cadastral):
            self.fail(row, "premises_cadastral", _("неверный кадастровый номер «%(value)s»", value=cadastral))
        if number is None or kind is None or area is None:
            return None
        record = PremisesRecord(number, kind, area, entrance, cadastral, row)
        known = self.premises.setdefault(number, record)
        if known != record:
            for key, old, new in (("premises_kind", known.kind, kind), ("area", known.area, area),
                                  ("entrance", known.entrance, entrance),
                                  ("premises_cadastral", known.cadastral_number, cadastral)):
                if old != new:
                    self.fail(row, key, _("помещение %(number)s описано иначе в строке %(other)s",
                                          number=number, other=known.row))
            return None
        return known

    def _area(self, row: int, text: str | None) -> Decimal | None:
        if text is None:
            self.fail(row, "area", _("не указана площадь"))
            return None
        try:
            return parse_area(text)
        except NumberError:
            pass
        try:
            value = parse_decimal(text)
        except NumberError:
            self.fail(row, "area", _("площадь «%(value)s» — не число", value=text))
            return None
        if value < 0:
            self.fail(row, "area", _("отрицательная площадь «%(value)s»", value=text))
        elif value == 0:
            self.fail(row, "area", _("нулевая площадь"))
        else:
            self.fail(row, "area", _("площадь «%(value)s»: больше двух знаков после запятой", value=text))
        return None

    def _choice(self, row: int, key: str, text: str | None, options: dict[str, Any], required: bool) -> Any:
        if text is None:
            if required:
                self.fail(row, key, _("значение не указано"))
            return None
        value = options.get(" ".join(text.split()).casefold())
        if value is None:
            allowed = ", ".join(sorted({k for k in options if not k.isascii()}))
            self.fail(row, key, _("неизвестное значение «%(value)s»; допустимо: %(allowed)s",
                                  value=text, allowed=allowed))
        return value

    def _ownership(self, row: int, values: dict[str, str | None]) -> OwnershipRecord | None:
        before = len(self.errors)
        kind = self._choice(row, "ownership", values["ownership"], _OWNERSHIP_KINDS, required=True)
        default_owner = OwnerKind.PUBLIC_BODY if kind is OwnershipKind.PUBLIC else OwnerKind.PERSON
        owner_kind = self._choice(row, "owner_kind", values["owner_kind"], _OWNER_KINDS, required=False)
        owner_kind = owner_kind or default_owner
        share = self._share(row, kind, values["share"])
        egrn = values["egrn_record"]
        if egrn is None:
            self.fail(row, "egrn_record", _("не указан номер записи ЕГРН"))
        elif not is_egrn_record(egrn):
            self.fail(row, "egrn_record", _("неверный номер записи ЕГРН «%(value)s»", value=egrn))
        registered_on = self._date(row, values["registered_on"])
        snils, inn, ogrn = values["snils"], values["inn"], values["ogrn"]
        if snils is not None:
            if owner_kind is not OwnerKind.PERSON:
                self.fail(row, "snils", _("СНИЛС указывается только для граждан"))
            elif not is_snils(snils):
                self.fail(row, "snils", _("неверный СНИЛС (контрольное число не сходится)"))
            else:
                snils = format_snils(snils)
        if inn is not None and not is_inn(inn):
            self.fail(row, "inn", _("неверный ИНН «%(value)s»", value=inn))
        if ogrn is not None and not is_ogrn(ogrn):
            self.fail(row, "ogrn", _("неверный ОГРН «%(value)s»", value=ogrn))
        if len(self.errors) > before or kind is None or share is None or egrn is None:
            return None
        owner = OwnerRecord(owner_kind, " ".join((values["owner"] or "").split()), snils, inn, ogrn)
        return OwnershipRecord(values["premises"] or "", owner, kind, share, egrn, registered_on, row)

    def _share(self, row: int, kind: OwnershipKind | None, text: str | None) -> Fraction | None:
        if text is None:
            if kind is OwnershipKind.SHARED:
                self.fail(row, "share", _("для долевой собственности нужна доля"))
                return None
            return Fraction(1)
        try:
            share = parse_share(text)
        except NumberError:
            self.fail(row, "share", _("доля «%(value)s» должна быть дробью больше 0 и не больше 1, например 1/2",
                                      value=text))
            return None
        if kind is OwnershipKind.INDIVIDUAL and share != 1:
            self.fail(row, "share", _("при индивидуальной собственности доля равна 1, а указано «%(value)s»",
                                      value=text))
            return None
        return share

    def _date(self, row: int, text: str | None) -> date | None:
        if text is None:
            return None
        day = calendar_date(text, ("%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"))
        if day is None:
            self.fail(row, "registered_on", _("дата «%(value)s» не в формате ДД.ММ.ГГГГ", value=text))
        return day

    def _add_ownership(self, record: OwnershipRecord) -> None:
        owner_at = (record.premises, record.owner.key)
        if owner_at in self._owner_rows:
            self.fail(record.row, "owner", _("собственник «%(name)s» уже указан в строке %(other)s для этого "
                                             "помещения", name=record.owner.name, other=self._owner_rows[owner_at]))
            return
        same_record = self._records.get((record.premises, record.egrn_record))
        if same_record is not None and not (
            same_record.kind is OwnershipKind.JOINT and record.kind is OwnershipKind.JOINT
            and same_record.share == record.share
        ):
            self.fail(record.row, "egrn_record", _(
                "запись ЕГРН уже указана в строке %(other)s; одна запись на нескольких собственников бывает "
                "только при совместной собственности с одинаковой долей", other=same_record.row))
            return
        self._owner_rows[owner_at] = record.row
        self._records.setdefault((record.premises, record.egrn_record), record)
        self.ownerships.append(record)

    def finish(self, header_row: int) -> Register:
        if not self.premises and not self.errors:
            self.errors.append(RowError(header_row, None, _("в файле нет ни одной строки с помещением")))
        by_premises: dict[str, list[OwnershipRecord]] = {}
        for record in self.ownerships:
            by_premises.setdefault(record.premises, []).append(record)
        for number, records in by_premises.items():
            total = held_share(Holding(str(r.owner.key), r.kind.value, r.share, r.egrn_record)  # type: ignore[arg-type]
                                for r in records)
            if total > 1:
                self.fail(records[-1].row, "share", _("доли помещения %(number)s в сумме %(total)s — больше 1",
                                                      number=number, total=format_fraction(total)))
        if self.errors:
            self.errors.sort(key=lambda e: e.row)
            raise RowsError(self.errors)
        return Register(self.premises, self.ownerships, self._fias[0] if self._fias else None)
