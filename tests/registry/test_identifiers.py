import pytest

from registry.demo import demo_inn, demo_ogrn, demo_snils
from registry.identifiers import (
    is_egrn_record,
    is_inn,
    is_ogrn,
    is_snils,
    mask_name,
    mask_passport,
    mask_snils,
)


@pytest.mark.parametrize(("text", "ok"), [
    ("112-233-445 95", True), ("11223344595", True), ("112-233-445 96", False), ("112-233-44 95", False),
    ("001-001-997 00", True),  # issued before check numbers existed
    (demo_snils(123456789), True),
])
def test_snils_check_number(text: str, ok: bool) -> None:
    assert is_snils(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("7707083893", True), ("7707083894", False), ("500100732259", True), ("500100732258", False),
    ("77070838", False), (demo_inn("745100001"), True),
])
def test_inn_check_digits(text: str, ok: bool) -> None:
    assert is_inn(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("1027700132195", True), ("1027700132196", False), ("304500116000157", True), ("304500116000158", False),
    (demo_ogrn("102740000001"), True),
])
def test_ogrn_check_digit(text: str, ok: bool) -> None:
    assert is_ogrn(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("74:36:0000000:1-74/001/2020-1", True), ("74:36:0102003:456-74/039/2019-5", True),
    ("74-74-01/123/2008-456", True), ("74-01/01-123/2003-456", False), ("74:36:01:1-74/001/2020-1", False),
    ("12345", False), ("74:36:0000000:1", False),
])
def test_egrn_record_number(text: str, ok: bool) -> None:
    assert is_egrn_record(text) is ok


def test_masking() -> None:
    assert mask_snils("112-233-445 95") == "***-***-*** 95"
    assert mask_name("Иванов Иван Иванович") == "Иванов И. И."
    assert mask_name("Иванов") == "Иванов"
    assert mask_passport("7512 345678") == "** ** ****78"
