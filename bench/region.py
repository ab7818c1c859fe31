"""A region's data, not a demo's: generate a region-sized register with COPY, then time the pages and commands
people use daily at that size, each with its query plans checked for sequential scans on the large tables.

    python bench/region.py [--database-url postgresql://postgres@127.0.0.1:5432/test] [--scale 1.0] [--keep]

At scale 1: 20,000 buildings, 1,000,000 premises, 1,300,000 ownerships (30 % of premises shared by two owners),
50,000 meetings (closed, counted, signed, submitted; every form) with 20 log entries each (1,000,000 rows; the
entries are well-formed rows for the pages, not a verifiable chain). Everything goes into a fresh schema on top of
`veche db upgrade` and `veche demo` (whose УК gets 400 of the buildings, whose inspector sees the region), which
is dropped afterwards unless --keep. Prints one JSON line per measurement, then a summary; see bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

LARGE = ("premises", "ownerships", "owners", "meetings", "ballot_log_entries", "buildings", "agenda_items")
STATES = ("closed", "counted", "counted", "signed", "submitted", "submitted", "submitted")
FORMS = ("electronic", "electronic", "absentee", "mixed", "in_person")
STREETS = ("Ленина", "Труда", "Кирова", "Свободы", "Победы", "Молодёжная", "Гагарина", "Мира", "Школьная",
           "Садовая", "Лесная", "Заводская", "Советская", "Российская", "Уральская")


def hexdigest(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def copy(cursor: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY rows into a table; the number written."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as sink:
        for row in rows:
            sink.write_row(row)
            count += 1
    return count


def generate(url: str, scale: float, seed: int = 2026) -> dict[str, Any]:
    """Fill the migrated schema behind `url` (demo present) with a region's register and meetings."""
    import psycopg

    rng = random.Random(seed)
    buildings = int(20_000 * scale)
    premises_each = 50
    meetings = int(50_000 * scale)
    entries_each = 20
    started = time.perf_counter()
    timings: dict[str, float] = {}
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=False) as connection:
        cursor = connection.cursor()
        region = cursor.execute("SELECT id FROM regions ORDER BY id LIMIT 1").fetchone()[0]
        municipalities = [row[0] for row in cursor.execute("SELECT id FROM municipalities ORDER BY id")]
        demo_uk = cursor.execute("SELECT organisation_id FROM staff_roles ORDER BY id LIMIT 1").fetchone()[0]
        first = {table: (cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0] + 1)
                 for table in ("organisations", "buildings", "premises", "owners", "ownerships", "meetings")}

        def step(name: str, work: Callable[[], int]) -> None:
            began = time.perf_counter()
            written = work()
            timings[name] = round(time.perf_counter() - began, 1)
            print(json.dumps({"generated": name, "rows": written, "s": timings[name]}), flush=True)

        organisations = [first["organisations"] + n for n in range(200)]
        step("organisations", lambda: copy(cursor, "organisations", ("id", "kind", "name", "inn", "ogrn", "region_id"),
             ((oid, "management_company", f"ООО «УК Регион-{n}»", f"99{n:08d}", f"19{n:011d}", region)
              for n, oid in enumerate(organisations))))
        owners_of = [demo_uk] * 400 + [organisations[n % len(organisations)] for n in range(buildings - 400)]
        rng.shuffle(owners_of)

        def building_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(buildings):
                bid = first["buildings"] + n
                yield (bid, municipalities[n % len(municipalities)], owners_of[n],
                       f"г. Регион-{n % len(municipalities)}, ул. {STREETS[n % len(STREETS)]}, д. {n // 15 + 1}",
                       f"74:{n % 90:02d}:{n:07d}:1", "Asia/Yekaterinburg", 1 + n % 6)

        step("buildings", lambda: copy(cursor, "buildings", ("id", "municipality_id", "organisation_id", "address",
                                                            "cadastral_number", "timezone", "entrances"),
                                       building_rows()))

        def premises_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(buildings):
                for k in range(premises_each):
                    yield (first["premises"] + n * premises_each + k, first["buildings"] + n, str(k + 1),
                           "residential" if k < premises_each - 2 else "non_residential",
                           f"{30 + (n * 7 + k) % 70}.{k % 100:02d}", str(1 + k // 10), None)

        step("premises", lambda: copy(cursor, "premises", ("id", "building_id", "number", "kind", "area", "entrance",
                                                          "cadastral_number"), premises_rows()))
        shared = {p for p in range(buildings * premises_each) if hexdigest("shared", p)[0] in "0123"}  # ≈ 25 %
        extra = int(buildings * premises_each * 0.3) - len(shared)
        shared |= set(rng.sample(sorted(set(range(buildings * premises_each)) - shared), max(extra, 0)))

        def owners_and_ownerships() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            owners, ownerships = [], []
            owner_id, ownership_id = first["owners"], first["ownerships"]
            for p in range(buildings * premises_each):
                building_id = first["buildings"] + p // premises_each
                parts = 2 if p in shared else 1
                for part in range(parts):
                    owners.append((owner_id, building_id, "person", f"Собственник {p}-{part}", None, None, None, None))
                    ownerships.append((ownership_id, first["premises"] + p, owner_id,
                                       "shared" if parts == 2 else "individual", "1/2" if parts == 2 else "1/1",
                                       f"74:36:{p:07d}:{part}-74/001/2015-1"))
                    owner_id += 1
                    ownership_id += 1
            return owners, ownerships

        owners, ownerships = owners_and_ownerships()
        step("owners", lambda: copy(cursor, "owners", ("id", "building_id", "kind", "name", "snils", "passport",
                                                      "inn", "ogrn"), iter(owners)))
        step("ownerships", lambda: copy(cursor, "ownerships", ("id", "premises_id", "owner_id", "kind", "share",
                                                              "egrn_record"), iter(ownerships)))
        now = datetime(2026, 11, 30, tzinfo=UTC)

        def meeting_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(meetings):
                closes = now - timedelta(days=rng.randint(1, 330), hours=rng.randint(0, 23))
                state = STATES[n % len(STATES)]
                noticed = closes - timedelta(days=26)
                yield (first["meetings"] + n, first["buildings"] + rng.randrange(buildings),
                       "annual" if n % 3 else "extraordinary", FORMS[n % len(FORMS)], state,
                       closes - timedelta(days=14), closes, closes - timedelta(days=30), noticed.date(), noticed,
                       closes + timedelta(days=1) if state != "closed" else None)

        step("meetings", lambda: copy(cursor, "meetings", ("id", "building_id", "kind", "form", "state", "opens_at",
                                                          "closes_at", "created_at", "notice_date", "announced_at",
                                                          "counted_at"), meeting_rows()))

        def head_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(meetings):
                mid = first["meetings"] + n
                yield (mid, entries_each, hexdigest("head", mid), "[]", hexdigest("manifest", mid), True, n % 7 != 0)

        step("ballot_log_heads", lambda: copy(cursor, "ballot_log_heads", (
            "meeting_id", "size", "head_hash", "frontier", "manifest_hash", "closed", "counted"), head_rows()))

        def entry_rows() -> Iterator[tuple[Any, ...]]:
            for n in range(meetings):
                mid = first["meetings"] + n
                prev = "0" * 64
                for index in range(entries_each):
                    kind = "open" if index == 0 else "close" if index == entries_each - 1 else "ballot"
                    entry = hexdigest("entry", mid, index)
                    yield (mid, index, prev, kind, '{"v":1}', hexdigest("payload", mid, index), "c2ln", "server",
                           "2026-06-01T10:00:00Z", entry, hexdigest("root", mid, index),
                           hexdigest("ballot", mid, index) if kind == "ballot" else None,
                           f"o{index}" if kind == "ballot" else None, 1 if kind == "ballot" else None)
                    prev = entry

        step("ballot_log_entries", lambda: copy(cursor, "ballot_log_entries", (
            "meeting_id", "index", "prev", "type", "payload", "payload_hash", "signature", "key_id", "server_time",
            "entry_hash", "root", "ballot_hash", "owner_ref", "seq"), entry_rows()))
        for table in ("organisations", "buildings", "premises", "owners", "ownerships", "meetings"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()
        began = time.perf_counter()
        connection.autocommit = True
        cursor.execute("ANALYZE")
        timings["analyze"] = round(time.perf_counter() - began, 1)
    return {"scale": scale, "buildings": buildings, "premises": buildings * premises_each,
            "ownerships": buildings * premises_each + len(shared), "meetings": meetings,
            "log_entries": meetings * entries_each, "seconds": round(time.perf_counter() - started, 1),
            "steps": timings}


# --- measuring ----------------------------------------------------------------------------------------------------

class Plans:
    """The SQL a request ran, and the large tables any of it read with a sequential scan (EXPLAIN)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection: Any, _cursor: Any, sql: str, parameters: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            self.statements.append((sql, parameters))

    def seq_scans(self, statements: list[tuple[str, Any]]) -> list[str]:
        found = set()
        with self.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                for sql, parameters in statements:
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, parameters)
                    plan = cursor.fetchone()[0]
                    found |= {table for table in _seq_tables(plan[0]["Plan"]) if table in LARGE}
            raw.rollback()
        return sorted(found)


def _seq_tables(node: dict[str, Any]) -> Iterator[str]:
    if node.get("Node Type") == "Seq Scan":
        yield node["Relation Name"]
    for child in node.get("Plans", ()):
        yield from _seq_tables(child)


def signed_in(app: Any, email: str) -> Any:
    from auth.demo import demo_code

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post("/auth/login", data={"csrf_token": token, "email": email, "password": "demo-password"})
    if answer.headers.get("Location", "").endswith("/auth/totp"):
        page = client.get("/auth/totp").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/auth/totp", data={"csrf_token": token, "code": demo_code(email)})
    return client


def measure(app: Any, url: str, repeat: int) -> list[dict[str, Any]]:
    """Each page's best and median time over `repeat` runs, its body size, its peak memory and its plans."""
    import tracemalloc

    from sqlalchemy import create_engine

    from voting.core.extensions import db

    with app.app_context():
        engine = db.engine
        uk_building = db.session.execute(db.text(
            "SELECT b.id FROM buildings b JOIN staff_roles s ON s.organisation_id = b.organisation_id "
            "ORDER BY b.id DESC LIMIT 1")).scalar()
        municipality = db.session.execute(db.text("SELECT id FROM municipalities ORDER BY id LIMIT 1")).scalar()
    plans = Plans(engine)
    clients = {who: signed_in(app, f"{who}@demo.veche") for who in ("uk", "inspector", "operator")}
    pages = [
        ("building search (УК)", "uk", "/buildings/?q=Ленина"),
        ("УК's desk: its buildings", "uk", "/buildings/"),
        ("a building's register page", "uk", f"/buildings/{uk_building}"),
        ("a building's register, owner search", "uk", f"/buildings/{uk_building}?q=Собственник"),
        ("a building's meetings", "uk", f"/buildings/{uk_building}/meetings"),
        ("inspector: protocol list", "inspector", "/inspection/"),
        ("inspector: filtered by municipality and state", "inspector",
         f"/inspection/?municipality={municipality}&state=submitted"),
        ("inspector: filtered by form and dates", "inspector",
         "/inspection/?form=electronic&from=2026-03-01&to=2026-05-31"),
        ("inspector: protocols.csv", "inspector", "/inspection/protocols.csv"),
        ("indicator dashboard", "operator", "/indicators/"),
        ("indicator: a municipality", "operator", f"/indicators/municipalities/{municipality}"),
        ("indicator export.csv", "operator", "/indicators/export.csv"),
        ("indicator export.xlsx", "operator", "/indicators/export.xlsx"),
        ("public indicator", "operator", "/indicators/public"),
        ("operator: building search", "operator", "/buildings/?q=Ленина, д. 1"),
    ]
    results = []
    for name, who, path in pages:
        client = clients[who]
        times = []
        status = size = 0
        for attempt in range(repeat):
            if attempt == 0:
                plans.statements.clear()
                tracemalloc.start()
            began = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            times.append(time.perf_counter() - began)
            if attempt == 0:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                first = times[0]
            status, size = response.status_code, len(body)
            if attempt == 0:
                ran = list(plans.statements)
        times.sort()
        result = {"page": name, "path": path, "status": status, "bytes": size,
                  "best_ms": round(times[0] * 1000, 1), "median_ms": round(times[len(times) // 2] * 1000, 1),
                  "first_ms_traced": round(first * 1000, 1), "peak_python_mb": round(peak / 2**20, 1),
                  "queries": len(ran), "seq_scans": plans.seq_scans(ran)}
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    del create_engine
    return results


def commands(env: dict[str, str], folder: Path) -> list[dict[str, Any]]:
    """The daily commands at this size: time and peak memory (maxrss) of each as its own process."""
    results = []
    for name, command in (("veche meetings --json", ["meetings", "--json"]),
                          ("veche indicator (csv)", ["indicator", "--period", "2026-01-01:2026-11-30",
                                                     "--format", "csv", "-o", str(folder / "indicator.csv")])):
        began = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "veche"), *command], env=env, capture_output=True,
                              cwd=folder)
        elapsed = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = {"command": name, "rc": done.returncode, "s": round(elapsed, 2),
                  "stdout_mb": round(len(done.stdout) / 2**20, 1), "children_maxrss_mb": round(usage.ru_maxrss / 1024)}
        if done.returncode:
            result["stderr"] = done.stderr.decode()[-300:]
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("VECHE_TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the schema (its name is printed)")
    args = parser.parse_args()

    from cryptography.fernet import Fernet
    from sqlalchemy import create_engine, make_url, text

    from voting.app import create_app
    from voting.core.config import normalise_database_url

    schema = f"bench_region_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(args.database_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_database_url(args.database_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / schema
    folder.mkdir()
    key = Fernet.generate_key().decode()
    env = {**os.environ, "VECHE_DATABASE_URL": url, "VECHE_SECRET_KEY": "bench-secret", "VECHE_DATA_KEYS": key}
    env.pop("VECHE_REDIS_URL", None)
    try:
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run([str(Path(sys.executable).parent / "veche"), *command], env=env, check=True,
                           capture_output=True, cwd=folder)
        made = generate(url, args.scale)
        print(json.dumps({"generated": made}, ensure_ascii=False), flush=True)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "DATA_KEYS": [key],
                          "RATELIMIT_ENABLED": False})
        pages = measure(app, url, args.repeat)
        ran = commands(env, folder)
        slow = [p["page"] for p in pages if p["median_ms"] > 200]
        scans = {p["page"]: p["seq_scans"] for p in pages if p["seq_scans"]}
        print(json.dumps({"summary": {"generated_s": made["seconds"], "pages_over_200ms": slow,
                                      "seq_scans_on_large_tables": scans, "commands": ran}}, ensure_ascii=False))
    finally:
        if args.keep:
            print(json.dumps({"kept_schema": schema}))
        else:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
