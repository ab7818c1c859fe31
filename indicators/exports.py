"""The indicator as oss-indicator/1 JSON, CSV and XLSX, with the same columns."""

from __future__ import annotations

from typing import Any

from indicators.compute import Indicator
from voting.core.exports import machine_csv, xlsx
from voting.domain.indicator import target

FORMAT = "oss-indicator/1"
COLUMNS = ("name", "online", "total", "percent", "meets_target")


def to_json(data: Indicator) -> dict[str, Any]:
    share = data.share
    return {
        "format": FORMAT, "period": {"from": data.start.isoformat(), "to": data.end.isoformat()},
        "target_percent": f"{target('online_share_target_percent'):.2f}",
        "region": {"name": data.region, "online": data.online, "total": data.total, "percent": share.percent,
                   "meets_target": share.meets_target},
        "municipalities": [{"name": r.name, "online": r.online, "total": r.total, "percent": r.share.percent,
                            "meets_target": r.share.meets_target,
                            "verified_accounts": r.verified, "population": r.population,
                            "verified_percent": r.residents.percent} for r in data.rows],
    }


def _table(data: Indicator) -> list[list[Any]]:
    rows: list[list[Any]] = [["municipality", "online", "total", "percent", "meets_target", "verified_accounts",
                              "population", "verified_percent"]]
    for r in data.rows:
        rows.append([r.name, r.online, r.total, r.share.percent or "", _flag(r.share.meets_target), r.verified,
                     r.population, r.residents.percent or ""])
    share = data.share
    rows.append([data.region, data.online, data.total, share.percent or "", _flag(share.meets_target), "", "", ""])
    return rows


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def to_csv(data: Indicator) -> str:
    """The indicator's CSV (FORMATS.md §3a: the JSON's field names as columns)."""
    return machine_csv(_table(data))


def to_xlsx(data: Indicator) -> bytes:
    return xlsx(f"{data.start:%Y-%m-%d}_{data.end:%Y-%m-%d}", _table(data))


def to_text(data: Indicator) -> str:
    goal = target("online_share_target_percent")
    lines = [f"{data.region}: {data.start:%d.%m.%Y} – {data.end:%d.%m.%Y}, target {goal} %",
             f"{'municipality':<45}{'online':>8}{'total':>8}  percent"]
    for r in data.rows:
        percent = r.share.percent or "no meetings held"
        lines.append(f"{r.name:<45}{r.online:>8}{r.total:>8}  {percent}")
    lines.append(f"{'region':<45}{data.online:>8}{data.total:>8}  {data.share.percent or 'no meetings held'}")
    return "\n".join(lines)
