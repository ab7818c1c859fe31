"""Reading a spreadsheet (CSV or XLSX) into numbered rows of cells, and the errors that name a row: the generic half
of every file people upload (the register, meetings held elsewhere). Pure of the database; messages translated."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class RowError:
    """One refused cell or row: the spreadsheet row number, the column header and the reason."""

    row: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = (_("строка %(row)s, столбец %(column)s", row=self.row, column=self.column) if self.column
                 else _("строка %(row)s", row=self.row))
        return f"{where}: {self.reason}"


class SpreadsheetError(ValueError):
    """The file cannot be read as a table at all (type, size, encoding, damage)."""


class RowsError(ValueError):
    """The file was read, but rows were refused; `errors` lists every one of them."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} error(s) in the file's rows")
        self.errors = errors


def folded(text: str) -> str:
    """Text as people compare it: runs of white space as one space, case ignored."""
    return " ".join(text.split()).casefold()


def calendar_date(text: str, patterns: tuple[str, ...] = ("%d.%m.%Y", "%Y-%m-%d")) -> date | None:
    """A date written in one of the patterns (ДД.ММ.ГГГГ first), or None."""
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no instant
        except ValueError:
            continue
    return None


Cell = Any  # str for CSV; str, int, float, datetime, bool or None for XLSX; Formula for formula cells


@dataclass(frozen=True)
class Formula:
    """A formula cell: refused, the register takes values only."""

    text: str


def read_table(filename: str, data: bytes, max_bytes: int) -> Iterator[tuple[int, list[Cell]]]:
    """Rows of the file as (spreadsheet row number, cells), empty rows skipped; raises SpreadsheetError."""
    if len(data) > max_bytes:
        raise SpreadsheetError(_("Файл больше допустимого размера (%(limit)s МБ).",
                                  limit=round(max_bytes / 1024 / 1024)))
    if not data.strip():
        raise SpreadsheetError(_("Файл пуст."))
    if data.startswith(_OLE_MAGIC):
        raise SpreadsheetError(_("Формат XLS (Excel 97–2003) не поддерживается: сохраните файл как XLSX или CSV."))
    if data.startswith(_ZIP_MAGIC):
        return _xlsx_rows(data)
    if filename.lower().endswith((".xlsx", ".xls", ".xlsm", ".ods", ".pdf", ".doc", ".docx")) or b"\x00" in data:
        raise SpreadsheetError(_("Неверный тип файла: нужен реестр в формате CSV или XLSX."))
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(_("Не удалось прочитать текст: нужна кодировка UTF-8 или Windows-1251.")) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return ((number, [Formula(c) if c.startswith("=") else c for c in cells])
            for number, cells in enumerate(reader, start=1) if any(c.strip() for c in cells))


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook  # imported here: CSV-only callers need not pay for it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpreadsheetError(_("Файл XLSX повреждён или это не таблица Excel.")) from exc
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                values = [Formula(str(c.value)) if c.data_type == "f" else c.value for c in cells]
                if any(v is not None and str(v).strip() for v in values):
                    yield number, values
        finally:
            workbook.close()

    return rows()
