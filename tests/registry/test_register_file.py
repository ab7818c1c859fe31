"""The register file: what is accepted, and that every bad row is named with its row, column and reason."""

from __future__ import annotations

import io
from decimal import Decimal
from fractions import Fraction

import pytest
from openpyxl import Workbook

from registry.kinds import OwnerKind, OwnershipKind, PremisesKind
from registry.register_file import COLUMNS, read_register
from registry.template_file import EXAMPLE_ROWS, template_csv, template_xlsx
from tests.factories import HEADERS, csv_bytes, flat
from voting.core.spreadsheet import RowsError, SpreadsheetError

LIMIT = 1024 * 1024


def errors_of(data: bytes, filename: str = "r.csv") -> list[str]:
    with pytest.raises(RowsError) as caught:
        read_register(filename, data, LIMIT)
    return [str(e) for e in caught.value.errors]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_shipped_templates_read_cleanly() -> None:
    from_csv = read_register("t.csv", template_csv(), LIMIT)
    from_xlsx = read_register("t.xlsx", template_xlsx(), LIMIT)
    assert from_csv == from_xlsx
    assert len(from_csv.premises) == len({r["premises"] for r in EXAMPLE_ROWS})
    assert from_csv.premises["1"].area == Decimal("54.30")
    assert from_csv.premises["М1"].kind is PremisesKind.PARKING
    joint = [o for o in from_csv.ownerships if o.premises == "2"]
    assert [o.kind for o in joint] == [OwnershipKind.JOINT, OwnershipKind.JOINT]
    public = next(o for o in from_csv.ownerships if o.premises == "3")
    assert public.owner.kind is OwnerKind.PUBLIC_BODY and public.share == 1
    assert "4" in from_csv.premises and not [o for o in from_csv.ownerships if o.premises == "4"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str) -> None:
    headers = [h.replace("м²", "м2") for h in HEADERS]  # Windows-1251 has no "²"
    data = csv_bytes([flat("1", area="54,30", share="1"), flat("2", owner="Пётр Ёлкин", area="61.5")],
                     delimiter=delimiter, encoding=encoding, headers=headers)
    register = read_register("r.csv", data, LIMIT)
    assert register.premises["1"].area == Decimal("54.30")
    assert register.premises["2"].area == Decimal("61.50")
    assert register.ownerships[1].owner.name == "Пётр Ёлкин"


def test_xlsx_with_numbers_and_dates() -> None:
    from datetime import datetime

    data = xlsx([HEADERS, ["1", "жилое", 54.3, 1, None, "Иванов Иван Иванович", None, "индивидуальная", 1,
                           "74:36:0102003:101-74/001/2020-1", datetime(2020, 2, 14)]])
    register = read_register("r.xlsx", data, LIMIT)
    assert register.premises["1"].area == Decimal("54.30")
    assert register.premises["1"].entrance == "1"
    assert register.ownerships[0].registered_on.isoformat() == "2020-02-14"


def test_every_bad_row_is_listed_with_row_column_and_reason() -> None:
    rows = [
        flat("1"),
        flat("2", area=""),                                        # row 3: empty area
        flat("3", area="пятьдесят"),                               # row 4: non-numeric
        flat("4", area="-12,5"),                                   # row 5: negative
        flat("5", premises_kind="чердак"),                         # row 6: unknown kind
        flat("6", egrn_record="12345"),                            # row 7: bad ЕГРН number
        flat("7", owner="Сидоров С. С.", ownership="долевая", share="2/3", egrn_record="74-74-01/123/2008-1"),
        flat("7", owner="Сидорова А. А.", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-2"),
        flat("8", owner="Орлов О. О.", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-3"),
        flat("8", owner="Орлов  О. О.", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-4"),
        flat("9", ownership="аренда"),                             # row 12: unknown ownership kind
        flat("10", area="40,123"),                                 # row 13: sub-cent
        flat("11", area="0"),                                      # row 14: zero
    ]
    errors = errors_of(csv_bytes(rows))
    assert errors == [
        "строка 3, столбец Площадь, м²: не указана площадь",
        "строка 4, столбец Площадь, м²: площадь «пятьдесят» — не число",
        "строка 5, столбец Площадь, м²: отрицательная площадь «-12,5»",
        "строка 6, столбец Вид помещения: неизвестное значение «чердак»; допустимо: жилое, квартира, машино-место, "
        "машиноместо, нежилое",
        "строка 7, столбец Номер записи ЕГРН: неверный номер записи ЕГРН «12345»",
        "строка 9, столбец Доля: доли помещения 7 в сумме 7/6 — больше 1",
        "строка 11, столбец Собственник: собственник «Орлов О. О.» уже указан в строке 10 для этого помещения",
        "строка 12, столбец Вид собственности: неизвестное значение «аренда»; допустимо: государственная, "
        "долевая, единоличная, индивидуальная, муниципальная, общая долевая, общая совместная, публичная, "
        "совместная",
        "строка 13, столбец Площадь, м²: площадь «40,123»: больше двух знаков после запятой",
        "строка 14, столбец Площадь, м²: нулевая площадь",
    ]


def test_missing_and_unknown_columns_are_named() -> None:
    headers = [h for h in HEADERS if h not in ("Площадь, м²", "Вид помещения")] + ["Цвет"]
    errors = errors_of(csv_bytes([flat("1")], headers=headers))
    assert errors == ["строка 1, столбец Цвет: неизвестный столбец",
                      "строка 1, столбец Вид помещения: нет обязательного столбца",
                      "строка 1, столбец Площадь, м²: нет обязательного столбца"]


def test_headers_in_english_and_in_other_case_are_accepted() -> None:
    headers = [c.key for c in COLUMNS]
    data = csv_bytes([flat("1")], headers=headers).replace(b"premises;", b"PREMISES;", 1)
    assert "1" in read_register("r.csv", data, LIMIT).premises


def test_shares_exactly_one_pass_and_just_over_fail() -> None:
    def two(a: str, b: str) -> bytes:
        return csv_bytes([flat("1", owner="А А А", ownership="долевая", share=a, egrn_record="74-74-01/123/2008-1"),
                          flat("1", owner="Б Б Б", ownership="долевая", share=b, egrn_record="74-74-01/123/2008-2")])

    register = read_register("r.csv", two("1/3", "2/3"), LIMIT)
    assert sum(o.share for o in register.ownerships) == Fraction(1)
    assert errors_of(two("1/3", "666667/1000000")) == [
        "строка 3, столбец Доля: доли помещения 1 в сумме 3000001/3000000 — больше 1"]


def test_joint_owners_share_one_record_and_count_once() -> None:
    spouses = [flat("5", owner="Петров П. П.", ownership="совместная", egrn_record="74-74-01/123/2008-9"),
               flat("5", owner="Петрова А. С.", ownership="совместная", egrn_record="74-74-01/123/2008-9")]
    register = read_register("r.csv", csv_bytes(spouses), LIMIT)
    assert [o.share for o in register.ownerships] == [1, 1]
    reused = [flat("5", owner="А А А", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-9"),
              flat("5", owner="Б Б Б", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-9")]
    assert "уже указана в строке 2" in errors_of(csv_bytes(reused))[0]


def test_premises_described_differently_in_two_rows() -> None:
    rows = [flat("1", owner="А А А", ownership="долевая", share="1/2", egrn_record="74-74-01/123/2008-1"),
            flat("1", owner="Б Б Б", ownership="долевая", share="1/2", area="51,00",
                 egrn_record="74-74-01/123/2008-2")]
    assert errors_of(csv_bytes(rows)) == ["строка 3, столбец Площадь, м²: помещение 1 описано иначе в строке 2"]


def test_individual_share_must_be_whole_and_shared_needs_a_share() -> None:
    errors = errors_of(csv_bytes([flat("1", share="1/2"), flat("2", ownership="долевая")]))
    assert errors == ["строка 2, столбец Доля: при индивидуальной собственности доля равна 1, а указано «1/2»",
                      "строка 3, столбец Доля: для долевой собственности нужна доля"]


def test_identifiers_are_checked() -> None:
    errors = errors_of(csv_bytes([flat("1", snils="112-233-445 96"),
                                  flat("2", owner="ООО «Ромашка»", owner_kind="юрлицо", inn="7707083894")]))
    assert errors == ["строка 2, столбец СНИЛС: неверный СНИЛС (контрольное число не сходится)",
                      "строка 3, столбец ИНН: неверный ИНН «7707083894»"]


def test_formula_cells_are_refused_in_xlsx_and_csv() -> None:
    row = ["1", "жилое", "=40+14.3", "1", None, "Иванов Иван Иванович", None, "индивидуальная", None,
           "74:36:0102003:101-74/001/2020-1"]
    assert errors_of(xlsx([HEADERS, row]), "r.xlsx") == [
        "строка 2, столбец Площадь, м²: формула вместо значения (=40+14.3): вставьте значения"]
    assert errors_of(csv_bytes([flat("1", area="=SUM(A1:A2)")])) == [
        "строка 2, столбец Площадь, м²: формула вместо значения (=SUM(A1:A2)): вставьте значения"]


def test_excel_dates_in_text_columns_are_explained() -> None:
    from datetime import datetime

    row = ["1", "жилое", 50, "1", None, "А А А", None, "долевая", datetime(2026, 1, 2), "74-74-01/123/2008-1"]
    assert errors_of(xlsx([HEADERS, row]), "r.xlsx") == [
        "строка 2, столбец Доля: Excel превратил значение в дату: задайте столбцу текстовый формат"]


@pytest.mark.parametrize(("filename", "data", "message"), [
    ("r.csv", b"", "Файл пуст."),
    ("r.csv", b"  \n\n", "Файл пуст."),
    ("r.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Формат XLS"),
    ("r.pdf", b"%PDF-1.7\n\0\0binary", "Неверный тип файла"),
    ("r.png", b"\x89PNG\r\n\x1a\n\0\0\0", "Неверный тип файла"),
    ("r.xlsx", b"PK\x03\x04broken zip", "повреждён"),
    ("r.csv", b"\xff\xfe\x00\x00" * 3, "Неверный тип файла"),
    ("r.csv", b"x" * (LIMIT + 1), "больше допустимого размера"),
])
def test_unreadable_files(filename: str, data: bytes, message: str) -> None:
    with pytest.raises(SpreadsheetError, match=message):
        read_register(filename, data, LIMIT)


def test_header_only_file_has_no_premises() -> None:
    assert errors_of(csv_bytes([])) == ["строка 1: в файле нет ни одной строки с помещением"]


def test_premises_without_known_owner_still_counts() -> None:
    register = read_register("r.csv", csv_bytes([flat("1", owner=None)]), LIMIT)
    assert register.premises["1"].area == Decimal("50.00") and register.ownerships == []
    assert errors_of(csv_bytes([flat("1", owner=None, ownership="долевая")])) == [
        "строка 2, столбец Собственник: не указан собственник, хотя заполнены сведения о праве"]
