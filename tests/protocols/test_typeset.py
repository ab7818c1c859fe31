"""The long annexes typeset by ReportLab: every value printed as text (markup and file URLs included), long values
wrapped rather than cut, the running annex line on every page, and page numbers for a whole protocol."""

from __future__ import annotations

import io

from pypdf import PdfReader

from protocols import typeset

HOSTILE = '<img src="file:///etc/passwd"> & <b>жирный</b> <a href="https://example.org/">ссылка</a>'
HEAD = {"number": "В-7", "date": "21.11.2026", "address": "г. Челябинск, ул. Тестовая, д. 1", "total_votes": "150.00"}


def text_of(pdf: bytes) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return pages, " ".join(" ".join(pages).split())


def chunk(key: str, rows: list, first: bool = True, last: bool = True) -> bytes:
    document = HEAD | {"rejected": [["9", HOSTILE, "не собственник"]]}
    annex = {"number": 3, "key": key, "title": "Реестр собственников помещений"}
    return typeset.pdf(typeset.part(document, annex, rows, first=first, last=last))


def test_register_prints_markup_as_text_wraps_long_values_and_repeats_the_annex_line() -> None:
    long_name = "Константинопольская-Длинноименная Мария-Антуанетта Сергеевна " * 3
    rows = [[str(n), HOSTILE if n == 1 else long_name if n == 2 else f"Иванов {n}", f"74:36:0102003:{n}-74/001/2015-1",
             "54.30", "1/2", "27.15"] for n in range(1, 121)]
    pages, text = text_of(chunk("register", rows))
    assert len(pages) > 1
    for page in pages:
        assert "Приложение № 3 к протоколу № В-7 от 21.11.2026" in page
    assert HOSTILE in text  # neither an image nor bold nor a link: the characters themselves
    assert " ".join(long_name.split()) in text  # wrapped inside its cell, nothing cut
    assert "Реестр собственников помещений" in text and "Всего голосов: 150.00." in text
    assert "74:36:0102003:120-74/001/2015-1" in text


def test_a_middle_chunk_has_no_title_and_no_total() -> None:
    _pages, text = text_of(chunk("register", [["1", "Иванов", "—", "10.00", "1/1", "10.00"]], first=False, last=False))
    assert "Реестр собственников помещений" not in text and "Всего голосов" not in text
    assert "Приложение № 3 к протоколу № В-7 от 21.11.2026" in text


def test_participants_end_with_the_decisions_not_counted_and_ballots_show_every_answer() -> None:
    _pages, text = text_of(chunk("participants", [["1", "Иванов", "60.00", "в системе", "СНИЛС ***-***-*** 12"]]))
    assert "Идентификация" in text and "СНИЛС ***-***-*** 12" in text
    assert "Решения, не учтённые при подсчёте" in text and HOSTILE in text and "не собственник" in text
    ballot = {"owner": HOSTILE, "premises": "1", "votes": "60.00", "snils": None, "representative": "Петров П. П.",
              "answers": [["1", "за"], ["2", "против"]], "received": "01.10.2026 12:00", "source": "в системе",
              "reference": "квитанция ABCD-EF01"}
    _pages, text = text_of(chunk("decisions", [ballot]))
    assert f"{HOSTILE}, помещение № 1, голосов: 60.00; представитель: Петров П. П." in text
    assert "1) за; 2) против" in text and "Получено 01.10.2026 12:00 в системе; квитанция ABCD-EF01" in text


def test_an_empty_list_still_makes_its_page() -> None:
    for key in typeset.KEYS:
        pages, text = text_of(chunk(key, []))
        assert len(pages) == 1 and "Приложение № 3" in text


def test_page_numbers_count_through() -> None:
    pages, _text = text_of(typeset.page_numbers(3))
    assert [page.strip() for page in pages] == ["Страница 1 из 3", "Страница 2 из 3", "Страница 3 из 3"]
