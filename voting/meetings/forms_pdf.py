"""The printable paper decision forms (LEGAL.md §7), one page per owner, typeset by ReportLab.

WeasyPrint took about 70 ms a form (a cascade and line boxes for every cell): 8–11 s for a building of 160 forms.
The form is the same page with the owner's lines changed, so ReportLab draws it in a few milliseconds. It looks as
the rest of the printed documents: A4, Liberation Serif, tables ruled at 0.5 pt. Text is only ever drawn as text:
what goes into a paragraph is escaped first (ReportLab's paragraph markup could otherwise load an image)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Frame,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from voting.core.pdf import serif_fonts

LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 15 * mm, 15 * mm, 15 * mm
WIDTH = A4[0] - LEFT - RIGHT
KINDS = {"annual": "годового", "extraordinary": "внеочередного"}
FORMS = {"electronic": "заочное голосование с использованием системы", "absentee": "заочное голосование",
         "mixed": "очно-заочное", "in_person": "очное"}


@dataclass(frozen=True)
class Sheet:
    """What every form of a meeting shares: the meeting's lines and its agenda (number, title, proposal)."""

    kind: str
    form: str
    address: str
    opens: str
    closes: str
    paper_address: str
    agenda: Sequence[tuple[int, str, str | None]]
    snils: bool


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = serif_fonts()
    return {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=18, alignment=TA_CENTER, spaceAfter=1 * mm),
        "center": ParagraphStyle("center", fontName=regular, fontSize=11, leading=13.5, alignment=TA_CENTER),
        "text": ParagraphStyle("text", fontName=regular, fontSize=11, leading=13.5, spaceBefore=2 * mm),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=10.5, leading=12.6),
        "small": ParagraphStyle("small", fontName=regular, fontSize=9, leading=10.8),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=9.6, alignment=TA_CENTER),
    }


def _ruled(data: list[list[Any]], widths: list[float], header: bool = False) -> Table:
    regular, _bold = serif_fonts()
    table = Table(data, colWidths=widths)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), regular, 10.5, 12.6),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
        *((("VALIGN", (0, 0), (-1, 0), "MIDDLE"),) if header else ()),
    ]))
    return table


class _Slot(Spacer):
    """Room left in the shared page for the owner's lines; remembers where the frame put it."""

    y: float = 0.0

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self.y = y


def _shared(sheet: Sheet, styles: dict[str, ParagraphStyle], slot: Spacer) -> list[Any]:
    """What every form of the meeting prints: the heading, room for the owner, the agenda, the signature lines."""
    p = escape
    agenda_rows: list[list[Any]] = [[Paragraph(text, styles["head"]) for text in (
        "№", "Вопрос и предлагаемое решение", "ЗА", "ПРОТИВ", "ВОЗДЕРЖАЛСЯ")]]
    for number, title, proposal in sheet.agenda:
        text = p(title) + (f'<br/><font size="9">Предложено: {p(proposal)}</font>' if proposal else "")
        agenda_rows.append([str(number), Paragraph(text, styles["cell"]), "", "", ""])
    boxes = [15 * mm, 18 * mm, 28 * mm]  # wide enough for «ЗА», «ПРОТИВ», «ВОЗДЕРЖАЛСЯ» on one line
    return [
        Paragraph("РЕШЕНИЕ собственника помещения", styles["h1"]),
        Paragraph(f"по вопросам повестки дня {p(KINDS[sheet.kind])} общего собрания собственников помещений "
                  f"в многоквартирном доме по адресу: {p(sheet.address)}; форма проведения: {p(FORMS[sheet.form])}",
                  styles["center"]),
        Paragraph(f"Голосование: с {p(sheet.opens)} по {p(sheet.closes)} (время дома). Заполненное решение "
                  f"передаётся до окончания голосования по адресу: {p(sheet.paper_address or '—')}. Решение, "
                  "полученное позже, не учитывается.", styles["text"]),
        Spacer(0, 2 * mm), slot, Spacer(0, 1 * mm),
        Paragraph("Отметьте по каждому вопросу один вариант. Вопрос, по которому отмечено больше одного "
                  "варианта, не учитывается.", styles["small"]),
        Spacer(0, 1.5 * mm),
        _ruled(agenda_rows, [9 * mm, WIDTH - 9 * mm - sum(boxes), *boxes], header=True),
        Paragraph("Представитель (если голосует представитель): ФИО ______________________________, "
                  "доверенность № ______ от __________", styles["text"]),
        Spacer(0, 6 * mm),
        Paragraph("Дата ________________ &nbsp;&nbsp; Подпись ________________ / ____________________",
                  styles["text"]),
    ]


def _owner(sheet: Sheet, form: dict[str, str], styles: dict[str, ParagraphStyle]) -> Table:
    p = escape
    rows: list[list[Any]] = [
        ["Собственник", Paragraph(p(form["owner"]), styles["cell"])],
        ["Документ о праве собственности (запись ЕГРН)", Paragraph(p(form["document"]), styles["cell"])]]
    if sheet.snils:
        rows.append(["СНИЛС (гражданин) или ОГРН (организация)", ""])
    rows += [["Помещение", f"№ {form['premises']}, {form['area']} м², доля {form['share']}"],
             ["Количество голосов", form["votes"]]]
    return _ruled([[Paragraph(p(a), styles["cell"]) if isinstance(a, str) else a, b] for a, b in rows],
                  [WIDTH * 0.45, WIDTH * 0.55])


def pdf(sheet: Sheet, forms: Sequence[dict[str, str]]) -> bytes:
    """Every owner's form, one page each, in one PDF: the shared part is laid out and drawn once (a PDF form
    XObject every page shows), and only the owner's lines are laid out per page."""
    styles = _styles()
    owners = [_owner(sheet, form, styles) for form in forms]
    heights = [table.wrap(WIDTH, A4[1])[1] for table in owners]
    slot = _Slot(WIDTH, max(heights, default=0))
    shared = _shared(sheet, styles, slot)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle("Решения собственников")
    frame = Frame(LEFT, BOTTOM, WIDTH, A4[1] - TOP - BOTTOM, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0)
    canvas.beginForm("sheet")
    left = frame.addFromList(shared, canvas) or shared  # addFromList consumes the list: what did not fit stays
    canvas.endForm()
    if left:
        return _flowing(sheet, forms, styles)  # an agenda longer than a page: each form flows over its pages
    for table, height in zip(owners, heights, strict=True):
        canvas.doForm("sheet")
        table.drawOn(canvas, LEFT, slot.y + slot.height - height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _flowing(sheet: Sheet, forms: Sequence[dict[str, str]], styles: dict[str, ParagraphStyle]) -> bytes:
    """The forms laid out one after another, for an agenda too long for one page."""
    story: list[Any] = []
    for index, form in enumerate(forms):
        owner = _owner(sheet, form, styles)
        story += _shared(sheet, styles, KeepTogether([owner]))
        if index < len(forms) - 1:
            story.append(PageBreak())
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
                                 bottomMargin=BOTTOM, title="Решения собственников", invariant=True)
    document.build(story)
    return out.getvalue()
