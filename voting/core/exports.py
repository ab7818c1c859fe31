"""The one writer of spreadsheets (CSV, XLSX): every text cell that a spreadsheet would read as a formula is
neutralised (OWASP "CSV injection"). People's CSV is what Excel in a Russian locale opens as it is: UTF-8 with a
byte-order mark, `;` between cells; machine CSV (the formats of FORMATS.md) keeps `,` and no mark. Both end lines
with CRLF (RFC 4180), so that a CR inside a cell is quoted and stays in it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

# a cell whose text starts with one of these (after any spaces) is a formula to Excel, LibreOffice or Sheets
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """The cell as safe to open: formula-like text gets a leading apostrophe (shown as text); numbers stay numbers."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def _rows(rows: Iterable[Sequence[Any]]) -> Iterable[list[Any]]:
    return ([neutralise(cell) for cell in row] for row in rows)


def people_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV for people: Russian headers (the caller's), `;`, CRLF, UTF-8 with a byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(_rows([header, *rows]))
    return ("\ufeff" + out.getvalue()).encode()


def machine_csv(rows: Iterable[Sequence[Any]]) -> str:
    """A CSV of a public format: its field names as headers, `,`, CRLF, no byte-order mark."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(_rows(rows))
    return out.getvalue()


def append_row(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl sheet (write-only or not) with every text cell stored as text, never a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl takes a leading "=" for a formula: this one is text
        cells.append(cell)
    sheet.append(cells)


def xlsx(title: str, rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet XLSX workbook of `rows`."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for row in rows:
        append_row(sheet, row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
