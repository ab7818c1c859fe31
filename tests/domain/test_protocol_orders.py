"""Which order a protocol follows: 44/пр for meetings noticed until 31.08.2025, 266/пр from 01.09.2025."""

from datetime import date

import pytest

from voting.domain.protocol_orders import order_on


@pytest.mark.parametrize(("notice_date", "code", "gis_number", "passport"), [
    (date(2025, 6, 15), "44/пр", False, False),
    (date(2025, 8, 31), "44/пр", False, False),   # the last day of the old order
    (date(2025, 9, 1), "266/пр", True, True),     # the first day of the new one
    (date(2025, 10, 1), "266/пр", True, True),
])
def test_the_order_in_force_on_the_notice_date(notice_date: date, code: str, gis_number: bool, passport: bool) -> None:
    order = order_on(notice_date)
    assert (order.code, order.number_is_gis_id, order.initiator_passport, order.participant_identification) == (
        code, gis_number, passport, passport)


def test_no_order_before_the_first() -> None:
    with pytest.raises(LookupError):
        order_on(date(2018, 1, 1))
