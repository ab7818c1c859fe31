"""Meetings held elsewhere, imported from CSV or XLSX: every bad row named, nothing saved unless all are right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

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
from voting.meetings.models import MeetingForm, MeetingKind

COLUMNS = {"здание": "building", "дом": "building", "building": "building", "вид": "kind", "kind": "kind",
           "форма": "form", "form": "form", "начало": "started_on", "started_on": "started_on",
           "окончание": "ended_on", "ended_on": "ended_on", "номер протокола": "protocol_number",
           "protocol_number": "protocol_number"}
HEADERS = {"building": "Дом", "kind": "Вид", "form": "Форма", "started_on": "Начало", "ended_on": "Окончание",
           "protocol_number": "Номер протокола"}
KINDS = {"годовое": MeetingKind.ANNUAL, "annual": MeetingKind.ANNUAL, "внеочередное": MeetingKind.EXTRAORDINARY,
         "extraordinary": MeetingKind.EXTRAORDINARY}
FORMS = {"очное": MeetingForm.IN_PERSON, "in_person": MeetingForm.IN_PERSON, "заочное": MeetingForm.ABSENTEE,
         "absentee": MeetingForm.ABSENTEE, "очно-заочное": MeetingForm.MIXED, "mixed": MeetingForm.MIXED,
         "электронное": MeetingForm.ELECTRONIC, "electronic": MeetingForm.ELECTRONIC,
         "заочное с использованием системы": MeetingForm.ELECTRONIC}


class MeetingsFileError(RowsError):
    """The meetings file was read, but rows were refused; `errors` lists every one of them."""


@dataclass(frozen=True)
class HeldMeeting:
    row: int
    building: str  # cadastral number or address, as written
    kind: MeetingKind
    form: MeetingForm
    started_on: date
    ended_on: date
    protocol_number: str | None


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    return str(cell).strip()


def read_meetings(filename: str, data: bytes, max_bytes: int) -> list[HeldMeeting]:
    """Check every row; raises SpreadsheetError (unreadable) or MeetingsFileError (rows refused)."""
    rows = iter(read_table(filename, data, max_bytes))
    header = next(rows, None)
    if header is None:
        raise SpreadsheetError(_("Файл пуст."))
    header_row, cells = header
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(cells):
        key = COLUMNS.get(folded(_text(cell)))
        if key:
            positions[key] = index
    for key in ("building", "kind", "form", "started_on", "ended_on"):
        if key not in positions:
            errors.append(RowError(header_row, HEADERS[key], _("нет обязательного столбца")))
    if errors:
        raise MeetingsFileError(errors)
    found: list[HeldMeeting] = []
    for number, values in rows:
        def value(key: str, values: list[Cell] = values, number: int = number) -> str:
            index = positions.get(key)
            cell = values[index] if index is not None and index < len(values) else None
            if isinstance(cell, Formula):
                errors.append(RowError(number, HEADERS[key], _("формула вместо значения")))
                return ""
            text = _text(cell)
            if formula_like(text):
                errors.append(RowError(number, HEADERS[key], _("значение начинается со знака «%(sign)s»: в таблице "
                                                               "оно станет формулой; уберите знак", sign=text[:1])))
                return ""
            return text

        building, kind, form = value("building"), value("kind").casefold(), value("form").casefold()
        started, ended = calendar_date(value("started_on")), calendar_date(value("ended_on"))
        before = len(errors)
        if not building:
            errors.append(RowError(number, HEADERS["building"], _("не указан дом")))
        if kind not in KINDS:
            errors.append(RowError(number, HEADERS["kind"], _("неизвестный вид «%(value)s»", value=kind)))
        if form not in FORMS:
            errors.append(RowError(number, HEADERS["form"], _("неизвестная форма «%(value)s»", value=form)))
        if started is None:
            errors.append(RowError(number, HEADERS["started_on"], _("дата не в формате ДД.ММ.ГГГГ")))
        if ended is None:
            errors.append(RowError(number, HEADERS["ended_on"], _("дата не в формате ДД.ММ.ГГГГ")))
        elif started is not None and ended < started:
            errors.append(RowError(number, HEADERS["ended_on"], _("окончание раньше начала")))
        if len(errors) == before and started is not None and ended is not None:
            found.append(HeldMeeting(number, building, KINDS[kind], FORMS[form], started, ended,
                                     value("protocol_number") or None))
    if not found and not errors:
        errors.append(RowError(header_row, None, _("в файле нет ни одного собрания")))
    if errors:
        raise MeetingsFileError(errors)
    return found
