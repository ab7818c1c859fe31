"""The register template offered for download: the columns of `COLUMNS` and a few example rows."""

from __future__ import annotations

import io

from registry.register_file import COLUMNS
from voting.core.exports import append_row, people_csv

EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {"premises": "1", "premises_kind": "жилое", "area": "54,30", "entrance": "1",
     "premises_cadastral": "74:36:0102003:101", "owner": "Иванов Иван Иванович", "ownership": "долевая",
     "share": "1/2", "egrn_record": "74:36:0102003:101-74/001/2020-1", "registered_on": "14.02.2020",
     "snils": "112-233-445 95"},
    {"premises": "1", "premises_kind": "жилое", "area": "54,30", "entrance": "1",
     "premises_cadastral": "74:36:0102003:101", "owner": "Иванова Мария Петровна", "ownership": "долевая",
     "share": "1/2", "egrn_record": "74:36:0102003:101-74/001/2020-2", "registered_on": "14.02.2020"},
    {"premises": "2", "premises_kind": "жилое", "area": "61,00", "entrance": "1",
     "owner": "Петров Пётр Петрович", "ownership": "совместная", "egrn_record": "74-74-01/123/2008-456"},
    {"premises": "2", "premises_kind": "жилое", "area": "61,00", "entrance": "1",
     "owner": "Петрова Анна Сергеевна", "ownership": "совместная", "egrn_record": "74-74-01/123/2008-456"},
    {"premises": "3", "premises_kind": "жилое", "area": "33,40", "entrance": "2",
     "owner": "Муниципальное образование «Челябинский городской округ»", "owner_kind": "публичное образование",
     "ownership": "публичная", "egrn_record": "74:36:0102003:103-74/001/2015-7"},
    {"premises": "Н1", "premises_kind": "нежилое", "area": "120,50", "entrance": "1",
     "owner": "ООО «Аптека»", "owner_kind": "юрлицо", "ownership": "индивидуальная",
     "egrn_record": "74:36:0102003:104-74/001/2019-3", "inn": "7707083893", "ogrn": "1027700132195"},
    {"premises": "М1", "premises_kind": "машино-место", "area": "13,25", "owner": "Сидоров Семён Семёнович",
     "ownership": "индивидуальная", "egrn_record": "74:36:0102003:105-74/001/2021-1"},
    {"premises": "4", "premises_kind": "жилое", "area": "47,80", "entrance": "2"},
)


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a byte-order mark and `;`, as Excel in Russian opens it."""
    return people_csv([c.header for c in COLUMNS], ([row.get(c.key, "") for c in COLUMNS] for row in EXAMPLE_ROWS))


def template_xlsx() -> bytes:
    """The template as XLSX, every column formatted as text so that "1/2" does not become a date."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Реестр"
    append_row(sheet, [c.header for c in COLUMNS])
    for row in EXAMPLE_ROWS:
        append_row(sheet, [row.get(c.key) or None for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=column.required)
        header.comment = Comment(column.description + (" (обязательный)" if column.required else ""), "veche")
        letter = header.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) + 4)
        sheet.column_dimensions[letter].number_format = "@"
        for cell in sheet[letter][1:]:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
