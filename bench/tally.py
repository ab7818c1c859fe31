"""Benchmark: the tally of a building of 10,000 premises, 15,000 ownerships and 12,000 decisions.

Measured in one run on a fresh database (SQLite by default, `--database-url` for PostgreSQL):
  web     the web path: the dossier read from the database (frozen register + decisions) and the pure tally
  recount `veche recount --json` in process on the exported dossier file (read, parse, tally, write JSON)
  cli     the same as a separate `veche recount` process (wall clock, Python start-up included)
  plain   the baseline: a plain sum of the decisions' weights over the same rows, nothing checked

Each figure is the best of three runs.

    python bench/tally.py [--database-url URL]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def building_rows(premises: int) -> list[dict[str, str]]:
    """Premises with 1.5 ownerships each on average: individual and shared halves."""
    from registry import synthetic

    return synthetic.rows(premises, synthetic.Mix(shared_every=2, cadastral=False))


def timed(function, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """The best of `repeat` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--premises", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=12_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    os.environ.setdefault("VECHE_SECRET_KEY", "bench")

    from flask_migrate import upgrade
    from register_import import database

    from tests.factories import building
    from voting.app import create_app
    from voting.core.extensions import db
    from voting.domain import dossier as dossiers
    from voting.domain.tally import tally, to_json
    from voting.meetings import dossier
    from voting.meetings.models import AgendaItem, Meeting, MeetingDecision, MeetingForm, MeetingKind

    with tempfile.TemporaryDirectory() as folder, database(args.database_url, Path(folder) / "t.sqlite") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            item = building("г. Челябинск, бенчмарк подсчёта, д. 1", rows=building_rows(args.premises))
            opens = datetime(2026, 10, 1, 4, tzinfo=UTC)
            meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                              opens_at=opens, closes_at=opens + timedelta(days=8), notice_date=opens.date())
            db.session.add(meeting)
            for number, code in enumerate(("44.2.5", "44.2.1", "44.2.4"), start=1):
                db.session.add(AgendaItem(meeting=meeting, number=number, title=f"Вопрос {number}", subject=code))
            db.session.flush()
            meeting.snapshot, meeting.snapshot_hash = dossier.freeze_register(meeting)
            frozen = json.loads(meeting.snapshot)["register"]
            holders = [(o["id"], p["premises"], Fraction(o["weight"])) for p in frozen for o in p["owners"]]
            rng = random.Random(7)
            chosen = rng.sample(holders, min(args.decisions, len(holders)))
            rows = [{"meeting_id": meeting.id, "owner_ref": owner, "premises": premises, "source": "online",
                     "received_at": opens + timedelta(minutes=rng.randrange(0, 8 * 24 * 60)),
                     "answers": json.dumps({"1": rng.choice(["for", "against", "abstain"]), "2": "for", "3": "for"})}
                    for owner, premises, _weight in chosen]
            db.session.execute(MeetingDecision.__table__.insert(), rows)
            db.session.commit()
            ownerships = len(holders)

            # as a web request finds it: an empty session and no garbage left from building the data
            meeting_id = meeting.id
            db.session.expunge_all()
            gc.collect()
            meeting = db.session.get(Meeting, meeting_id)
            web_s, web_result = timed(lambda: tally(dossier.dossier_of(meeting)))
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                profile.runcall(lambda: tally(dossier.dossier_of(meeting)))
                pstats.Stats(profile).sort_stats("tottime").print_stats(12)
            dossier_file = Path(folder) / "dossier.json"
            dossier_file.write_text(json.dumps(dossier.dossier_json(meeting), ensure_ascii=False), encoding="utf-8")
            if os.environ.get("BENCH_KEEP"):
                Path(os.environ["BENCH_KEEP"]).write_bytes(dossier_file.read_bytes())

            def recount() -> dict[str, object]:
                result = to_json(tally(dossiers.loads(dossier_file.read_bytes())))
                json.dumps(result, ensure_ascii=False, indent=2)
                return result

            recount_s, recount_result = timed(recount)
            weights = {(o, p): w for o, p, w in holders}
            pairs = [(r["owner_ref"], r["premises"]) for r in rows]
            plain_s, plain_total = timed(lambda: sum((weights[pair] for pair in pairs), Fraction(0)))
            veche = str(Path(sys.executable).parent / "veche")
            cli_s, _done = timed(lambda: subprocess.run([veche, "recount", str(dossier_file), "--json"], check=True,
                                                        capture_output=True, cwd=ROOT))
            assert to_json(web_result) == recount_result  # type: ignore[arg-type]
            assert Fraction(web_result.participating) == plain_total  # type: ignore[attr-defined]
            db.engine.dispose()
    print(json.dumps({
        "database": (args.database_url or "sqlite").split(":")[0], "premises": args.premises,
        "ownerships": ownerships, "decisions": len(rows), "web_tally_s": round(web_s, 3),
        "recount_in_process_s": round(recount_s, 3), "recount_cli_process_s": round(cli_s, 3),
        "plain_sum_s": round(plain_s, 4), "web_vs_plain": round(web_s / plain_s, 1),
        "recount_vs_plain": round(recount_s / plain_s, 1), "participating": str(Decimal(plain_total.numerator) /
                                                                                  plain_total.denominator)[:12],
    }))


if __name__ == "__main__":
    main()
