"""Benchmark: import a generated 10,000-premise register (XLSX and CSV) into a fresh database.

Each format runs in its own process so that its peak memory (max RSS) is its own. The baseline, in the same
process, is a bare read of the same file (openpyxl read-only iteration, or csv.reader) that checks nothing.

    python bench/register_import.py [--premises 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate_rows(premises: int) -> list[dict[str, str]]:
    """A large building: one owner per flat mostly, a share pair every fifth flat, spouses every seventh."""
    from registry import synthetic

    return synthetic.rows(premises, synthetic.Mix(shared_every=5, joint_every=7))


def write_files(rows: list[dict[str, str]], folder: Path) -> dict[str, Path]:
    from openpyxl import Workbook

    from registry.register_file import COLUMNS

    headers = [c.header for c in COLUMNS]
    csv_path = folder / "register.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        writer.writerows([row.get(c.key, "") for c in COLUMNS] for row in rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Реестр")
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(c.key) or None for c in COLUMNS])
    xlsx_path = folder / "register.xlsx"
    workbook.save(xlsx_path)
    return {"xlsx": xlsx_path, "csv": csv_path}


def baseline(path: Path) -> float:
    """Seconds to merely read every cell of the file, checking nothing."""
    started = time.perf_counter()
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        for _row in workbook.worksheets[0].iter_rows(values_only=True):
            pass
        workbook.close()
    else:
        for _row in csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"):
            pass
    return time.perf_counter() - started


def run_one(path: Path, database_url: str) -> dict[str, object]:
    """Import one file into a fresh database in this process; return timings and peak RSS."""
    from flask_migrate import upgrade

    from registry.register_file import read_register
    from registry.sync import apply_register, diff_register
    from tests.factories import building
    from voting.app import create_app
    from voting.core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        target = building("г. Челябинск, бенчмарк, д. 1")
        db.session.commit()
        data = path.read_bytes()
        bare = baseline(path)
        started = time.perf_counter()
        register = read_register(path.name, data, 100 * 1024 * 1024)
        checked = time.perf_counter()
        apply_register(target, register)
        db.session.commit()
        applied = time.perf_counter()
        assert diff_register(target, register).empty  # a re-import of the same file: read back and compare
        rediffed = time.perf_counter()
        db.engine.dispose()
    return {"format": path.suffix[1:], "bytes": len(data), "premises": len(register.premises),
            "ownerships": len(register.ownerships), "read_and_check_s": round(checked - started, 3),
            "apply_and_commit_s": round(applied - checked, 3), "total_s": round(applied - started, 3),
            "reimport_diff_s": round(rediffed - applied, 3), "baseline_read_s": round(bare, 3),
            "ratio_to_baseline": round((applied - started) / bare, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--premises", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file per format")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.database_url)))
        return
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("VECHE_SECRET_KEY", "bench")
        from voting.app import create_app

        with create_app().app_context():
            files = write_files(generate_rows(args.premises), Path(folder))
        for name, path in files.items():
            with database(args.database_url, Path(folder) / f"{name}.sqlite") as url:
                out = subprocess.run([sys.executable, __file__, "--one", str(path), "--database-url", url],
                                     check=True, capture_output=True, text=True)
            print(out.stdout.strip().splitlines()[-1])


@contextmanager
def database(url: str | None, sqlite_file: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema in the given PostgreSQL database (dropped afterwards)."""
    if not url:
        yield f"sqlite:///{sqlite_file}"
        return
    from sqlalchemy import create_engine, make_url, text

    from voting.core.config import normalise_database_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_database_url(url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(normalise_database_url(url)).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
