"""Benchmark: the regional indicator over 100,000 meetings in the 43 municipalities (PostgreSQL by default).

In one run on a fresh schema: the indicator (every municipality, registered and platform meetings, verified
accounts), the CSV export, and the baseline: one raw `GROUP BY` over the same registered meetings; the dashboard's
monthly trend over the year against working it out as twelve indicators, one per month.

    python bench/indicator.py [--meetings 100000] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def best(function, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    os.environ.setdefault("VECHE_SECRET_KEY", "bench")

    from flask_migrate import upgrade
    from register_import import database
    from sqlalchemy import insert, select, text

    from indicators import exports
    from indicators.compute import indicator, monthly, months_of
    from indicators.models import RegisteredMeeting
    from registry.demo import REGION, seed_register
    from registry.models import Municipality, Region
    from voting.app import create_app
    from voting.core.extensions import db
    from voting.meetings.models import MeetingForm, MeetingKind

    with tempfile.TemporaryDirectory() as folder, database(args.database_url, Path(folder) / "i.sqlite") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            seed_register()
            region = db.session.scalar(select(Region).where(Region.name == REGION))
            municipalities = db.session.scalars(select(Municipality.id)).all()
            rng = random.Random(3)
            forms = list(MeetingForm)
            start = date(2025, 1, 1)
            rows = [{"municipality_id": rng.choice(municipalities), "kind": MeetingKind.ANNUAL,
                     "form": rng.choice(forms), "started_on": start, "source": "bench",
                     "ended_on": start + timedelta(days=rng.randrange(0, 730))} for _ in range(args.meetings)]
            for chunk in range(0, len(rows), 10_000):
                db.session.execute(insert(RegisteredMeeting), rows[chunk:chunk + 10_000])
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE registered_meetings"))
                db.session.commit()
            period = (date(2025, 1, 1), date(2025, 12, 31))
            raw = text("SELECT municipality_id, form, count(*) FROM registered_meetings "
                       "WHERE ended_on >= :a AND ended_on <= :b GROUP BY municipality_id, form")
            raw_s = best(lambda: db.session.execute(raw, {"a": period[0], "b": period[1]}).all())
            query_s = best(lambda: indicator(region, *period))
            csv_s = best(lambda: exports.to_csv(indicator(region, *period)))
            trend_s = best(lambda: monthly(*period))
            per_month_s = best(lambda: [indicator(region, *month) for month in months_of(*period)])
            assert [(o, t) for _m, o, t in monthly(*period)] == [
                (i.online, i.total) for i in (indicator(region, *month) for month in months_of(*period))]
            data = indicator(region, *period)
            db.engine.dispose()
    print(json.dumps({"database": args.database_url.split(":")[0] or "sqlite", "meetings": args.meetings,
                      "in_period": data.total, "raw_group_by_ms": round(raw_s * 1000, 1),
                      "indicator_ms": round(query_s * 1000, 1), "csv_export_ms": round(csv_s * 1000, 1),
                      "indicator_vs_raw": round(query_s / raw_s, 1), "trend_ms": round(trend_s * 1000, 1),
                      "trend_as_12_indicators_ms": round(per_month_s * 1000, 1)}))


if __name__ == "__main__":
    main()
