"""Synthetic registers for benchmarks and tests: a building of any size as register-file rows (the columns of
registry.register_file), with a chosen mix of ownership, deterministic for the same arguments."""

from __future__ import annotations

from dataclasses import dataclass

from registry.demo import demo_snils


@dataclass(frozen=True)
class Mix:
    """How a synthetic building is owned: every n-th premises shared in halves by two owners, held jointly by a
    couple, non-residential, or carrying its owner's СНИЛС (None: never); the rest wholly owned by one person."""

    shared_every: int | None = None
    joint_every: int | None = None  # takes premises n with n % joint_every == joint_every // 2
    non_residential_every: int | None = None  # takes premises n with n % non_residential_every == 1
    snils_every: int | None = None
    cadastral: bool = True


def _every(n: int, step: int | None, at: int = 0) -> bool:
    return step is not None and n % step == at


def rows(premises: int, mix: Mix = Mix(), tag: str = "") -> list[dict[str, str]]:
    """Register rows for premises 1…`premises`: areas 30.00–99.99 m², 400 premises an entrance."""
    result = []
    for n in range(1, premises + 1):
        base = {"premises": str(n), "area": f"{30 + n % 70},{n % 100:02d}", "entrance": str(1 + n // 400),
                "premises_kind": "нежилое" if _every(n, mix.non_residential_every, 1) else "жилое"}
        if mix.cadastral:
            base["premises_cadastral"] = f"74:36:0102003:{n}"
        record = f"74:36:0102003:{n}-74/001/2015"
        suffix = f" {tag}{n}"
        if _every(n, mix.shared_every):
            result += [base | {"owner": name + suffix, "ownership": "долевая", "share": "1/2",
                               "egrn_record": f"{record}-{part}"}
                       for part, name in ((1, "Иванов Иван Иванович"), (2, "Иванова Мария Петровна"))]
        elif mix.joint_every and _every(n, mix.joint_every, mix.joint_every // 2):
            result += [base | {"owner": name + suffix, "ownership": "совместная", "egrn_record": f"{record}-1"}
                       for name in ("Петров Пётр Петрович", "Петрова Анна Сергеевна")]
        else:
            result.append(base | {"owner": "Сидоров Семён Семёнович" + suffix, "ownership": "индивидуальная",
                                  "egrn_record": f"{record}-1", "registered_on": "14.02.2015",
                                  **({"snils": demo_snils(2_000_000 + n)} if _every(n, mix.snils_every) else {})})
    return result

