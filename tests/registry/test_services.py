"""Applying a register: the difference first, then exactly that change, all or nothing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from registry.kinds import PremisesKind
from registry.models import Owner, Ownership, Premises
from registry.services import summarise
from registry.sync import RegisterChangedError, apply_register, diff_register
from tests.factories import building, flat, register

ROWS = [
    flat("1", area="54,30", owner="Иванов Иван Иванович", ownership="долевая", share="1/2",
         egrn_record="74-74-01/123/2008-1", snils="112-233-445 95"),
    flat("1", area="54,30", owner="Иванова Мария Петровна", ownership="долевая", share="1/2",
         egrn_record="74-74-01/123/2008-2"),
    flat("2", area="61,00", entrance="2", owner="Петров Пётр Петрович"),
    flat("Н1", premises_kind="нежилое", area="120,50", owner="ООО «Аптека»", owner_kind="юрлицо",
         inn="7707083893"),
    flat("М1", premises_kind="машино-место", area="13,25", entrance="", owner="Петров Пётр Петрович"),
]


def count(model: type) -> int:
    from voting.core.extensions import db

    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_first_import_adds_everything(session) -> None:
    item = building(rows=ROWS)
    summary = summarise(item)
    assert summary.premises == 4
    assert summary.owners == 4  # Петров owns a flat and a parking space: one owner
    assert summary.total_votes == Decimal("249.05")
    assert summary.by_kind[PremisesKind.RESIDENTIAL].area == Decimal("115.30")
    assert summary.by_entrance["2"].count == 1
    assert count(Ownership) == 5
    votes = {o.owner.name: o.votes for o in session.scalars(select(Ownership))}
    assert votes["Иванов Иван Иванович"] == Fraction(543, 20)


def test_reimport_of_the_same_file_changes_nothing(session) -> None:
    item = building(rows=ROWS)
    diff = diff_register(item, register(ROWS))
    assert diff.empty
    assert apply_register(item, register(ROWS)).empty


def test_difference_lists_added_changed_and_removed(session) -> None:
    item = building(rows=ROWS)
    changed = [r | {"area": "54,40"} if r["premises"] == "1" else r for r in ROWS if r["premises"] != "Н1"]
    changed.append(flat("3", owner="Сидоров Семён Семёнович"))
    changed[0] = changed[0] | {"share": "1/3"}
    changed[1] = changed[1] | {"share": "2/3"}
    diff = diff_register(item, register(changed))
    assert diff.premises_added == ["3"]
    assert diff.premises_removed == ["Н1"]
    assert [(c.what, c.field, c.old, c.new) for c in diff.premises_changed] == [("1", "area", "54.30", "54.40")]
    assert [(c.what, c.field, c.old, c.new) for c in diff.ownerships_changed] == [
        ("1: Иванов И. И.", "share", "1/2", "1/3"), ("1: Иванова М. П.", "share", "1/2", "2/3")]
    assert diff.ownerships_added == ["3: Сидоров С. С. (1/1)"]
    assert diff.ownerships_removed == ["Н1: ООО «Аптека»"]
    assert count(Premises) == 4  # a difference is only shown

    apply_register(item, register(changed))
    assert diff_register(item, register(changed)).empty
    assert count(Premises) == 4 and count(Owner) == 4  # the pharmacy left with its premises
    assert summarise(item).total_votes == Decimal("178.65")


def test_personal_data_changes_are_masked_in_the_difference(session) -> None:
    item = building(rows=ROWS)
    changed = [dict(r) for r in ROWS]
    changed[2]["snils"] = changed[4]["snils"] = "112-233-445 95"
    diff = diff_register(item, register(changed))
    assert [(c.what, c.field, c.old, c.new) for c in diff.ownerships_changed] == [
        ("2: Петров П. П.", "snils", "—", "***"), ("М1: Петров П. П.", "snils", "—", "***")]
    assert not diff.ownerships_added and not diff.ownerships_removed
    apply_register(item, register(changed))
    assert count(Owner) == 4
    assert diff_register(item, register(changed)).empty


def test_apply_refuses_when_the_register_changed_since_the_preview(session) -> None:
    item = building(rows=ROWS)
    preview = diff_register(item, register(ROWS[:3]))
    apply_register(item, register(ROWS[:2]))
    with pytest.raises(RegisterChangedError):
        apply_register(item, register(ROWS[:3]), expected_base=preview.base)
