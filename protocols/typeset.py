"""What ReportLab typesets: the protocol's long annexes (the register, the participants, the owners' decisions), and
the page numbers stamped over the merged protocol.

WeasyPrint lays out a table row in about 5 ms (a cascade, line boxes and borders for every cell); ReportLab takes a
fraction of a millisecond, and a meeting of 2,000 premises has some 5,600 such rows. The pages look like the rest
of the protocol (static/css/protocol.css): the same page (protocols.geometry), Liberation Serif, the running line
«Приложение № N к протоколу № … от …», tables ruled at 0.5 pt. Text is only ever drawn as text: cell strings are
not parsed, and what goes into a paragraph is escaped first (ReportLab's paragraph markup could otherwise load an
image)."""

from __future__ import annotations

import io
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, TableStyle

from protocols import geometry
from voting.core.pdf import render_pdf, serif_fonts

KEYS = ("register", "participants", "decisions")
Part = str | dict[str, Any]  # HTML for WeasyPrint, or a chunk of a long list (made by `part`)
A4 = geometry.size()
LEFT, RIGHT, TOP, BOTTOM = geometry.margins()
WIDTH = A4[0] - LEFT - RIGHT
SIZE = 8.5  # pt, as `.small` in the protocol's CSS
PAD = 1.2 * mm
GREY = colors.HexColor("#eeeeee")


_fonts = serif_fonts  # the faces ReportLab draws with, registered once a process (voting.core.pdf)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=SIZE, leading=SIZE * 1.2),
        "title": ParagraphStyle("title", fontName=regular, fontSize=10, leading=13, alignment=TA_RIGHT,
                                spaceAfter=4 * mm),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, alignment=TA_CENTER, spaceAfter=2 * mm),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=11, leading=14, spaceBefore=4 * mm, spaceAfter=1 * mm),
        "text": ParagraphStyle("text", fontName=regular, fontSize=11, leading=14, spaceBefore=1.5 * mm),
        "ballot": ParagraphStyle("ballot", fontName=regular, fontSize=9, leading=10.8),
        "ballot-bold": ParagraphStyle("ballot-bold", fontName=bold, fontSize=9, leading=10.8),
    }


def render(part: Part) -> bytes:
    """One part's PDF (in a worker process): HTML through WeasyPrint, a long list's chunk through ReportLab."""
    return render_pdf(part) if isinstance(part, str) else pdf(part)


def part(document: dict[str, Any], annex: dict[str, Any], rows: list[Any], first: bool, last: bool) -> dict[str, Any]:
    """What one chunk of a long annex is typeset from: plain values only (it is sent to a worker process)."""
    return {"annex": annex, "rows": rows, "first": first, "last": last,
            "head": {key: document[key] for key in ("number", "date", "address", "total_votes")},
            "rejected": document["rejected"] if last and annex["key"] in ("participants", "decisions") else [],
            "opt_outs": document.get("opt_outs", []) if last and annex["key"] == "participants" else []}


def pdf(spec: dict[str, Any]) -> bytes:
    """Typeset one chunk of a long annex to PDF bytes."""
    annex, head = spec["annex"], spec["head"]
    styles = _styles()
    running = f"Приложение № {annex['number']} к протоколу № {head['number']} от {head['date']}"
    story: list[Flowable] = []
    if spec["first"]:
        lines = (f"Приложение № {annex['number']}", f"к протоколу № {head['number']} от {head['date']}",
                 "общего собрания собственников помещений", f"в доме по адресу: {head['address']}")
        story += [Paragraph("<br/>".join(map(escape, lines)), styles["title"]),
                  Paragraph(escape(annex["title"]), styles["h2"])]
    story += LAYOUTS[annex["key"]](spec, styles)
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
                                 bottomMargin=BOTTOM, title=running, invariant=True)

    def on_page(canvas: Canvas, _document: Any) -> None:
        canvas.setFont(_fonts()[0], 8)
        canvas.drawRightString(A4[0] - RIGHT, A4[1] - TOP + 4 * mm, running)

    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


def page_numbers(total: int) -> bytes:
    """`total` blank A4 pages, each carrying only its running footer «Страница N из M», to stamp over the parts."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    for number in range(1, total + 1):
        canvas.setFont(_fonts()[0], 9)
        canvas.drawCentredString(LEFT + WIDTH / 2, BOTTOM / 2 - 1 * mm, f"Страница {number} из {total}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _table(header: list[str], rows: list[list[str]], shares: tuple[float, ...], numeric: tuple[int, ...] = ()) -> Any:
    """A ruled table with a repeated grey header; a cell wraps (as a paragraph) only when its text is too wide."""
    regular, bold = _fonts()
    widths = [WIDTH * share for share in shares]
    room = [width - 2 * PAD for width in widths]
    style = _styles()["cell"]

    def cell(text: str, column: int) -> Any:
        if pdfmetrics.stringWidth(text, regular, SIZE) <= room[column]:
            return text  # drawn as is: a string cell is never parsed as markup
        return Paragraph(escape(text), style)

    head_style = ParagraphStyle("head", parent=style, fontName=bold)
    data = [[Paragraph(escape(text), head_style) for text in header],
            *([cell(str(text), column) for column, text in enumerate(row)] for row in rows)]
    table = LongTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, SIZE, SIZE * 1.2),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 0.6 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.9 * mm),
        *(("ALIGN", (column, 1), (column, -1), "RIGHT") for column in numeric),
    ]))
    return table


def _register(spec: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story = [_table(["Пом.", "Собственник", "Документ о праве (запись ЕГРН)", "Площадь, м²", "Доля", "Голосов"],
                    spec["rows"], (0.09, 0.33, 0.30, 0.10, 0.08, 0.10), numeric=(3, 4, 5))]
    if spec["last"]:
        story.append(Paragraph(f"Всего голосов: {escape(spec['head']['total_votes'])}.", styles["text"]))
    return story


def _participants(spec: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    rows = spec["rows"]
    identified = bool(rows) and len(rows[0]) > 4
    header = ["Пом.", "Собственник", "Голосов", "Как голосовал", *(["Идентификация"] if identified else [])]
    shares = (0.08, 0.34, 0.11, 0.28, 0.19) if identified else (0.08, 0.46, 0.11, 0.35)
    story: list[Flowable] = [_table(header, rows, shares, numeric=(2,))]
    if spec.get("opt_outs"):
        story += [Paragraph("Собственники, отказавшиеся от голосования с использованием системы (ЖК РФ ст. 47.1, "
                            "Федеральный закон № 156-ФЗ): голосуют письменными решениями", styles["h3"]),
                  _table(["Пом.", "Собственник", "Уведомление получено администратором"], spec["opt_outs"],
                         (0.12, 0.52, 0.36))]
    return story + _rejected(spec, styles)


def _rejected(spec: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The decisions not counted, who cast them (the representative too) and why, after the last chunk."""
    if not spec["rejected"]:
        return []
    return [Paragraph("Решения, не учтённые при подсчёте", styles["h3"]),
            _table(["Пом.", "Собственник (представитель)", "Получено", "Причина"], spec["rejected"],
                   (0.08, 0.36, 0.14, 0.42))]


def _decisions(spec: dict[str, Any], styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Each decision as its ballot (who, with what weight; every answer; where it came from): two rows kept
    together, the first in bold."""
    regular, bold = _fonts()
    rows: list[list[Any]] = []
    for d in spec["rows"]:
        who = f"{d['owner']}, помещение № {d['premises']}, голосов: {d['votes']}"
        who += f", {d['snils']}" if d.get("snils") else ""
        who += f"; представитель: {d['representative']}" if d.get("representative") else ""
        answers = "; ".join(f"{number}) {choice}" for number, choice in d["answers"])
        origin = f"Получено {d['received']} {d['source']}; {d['reference']}"
        rows += [[_fitted(who, bold, styles["ballot-bold"])],
                 [_fitted(f"{answers}\n{origin}", regular, styles["ballot"])]]
    table = LongTable(rows or [[""]], colWidths=[WIDTH])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, 9, 10.8),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        *(command for start in range(0, len(rows), 2) for command in (
            ("FONT", (0, start), (0, start), bold, 9, 10.8), ("TOPPADDING", (0, start), (0, start), 1 * mm),
            ("BOTTOMPADDING", (0, start + 1), (0, start + 1), 1.5 * mm),
            ("LINEBELOW", (0, start + 1), (0, start + 1), 0.5, colors.black),
            ("NOSPLIT", (0, start), (0, start + 1))))]))
    return [table, *_rejected(spec, styles)]


def _fitted(text: str, font: str, style: ParagraphStyle) -> Any:
    """The text as a plain string cell when every line fits the column, else as a wrapping paragraph."""
    if all(pdfmetrics.stringWidth(line, font, style.fontSize) <= WIDTH - 4 * mm for line in text.split("\n")):
        return text
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


LAYOUTS = {"register": _register, "participants": _participants, "decisions": _decisions}
