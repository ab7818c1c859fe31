"""The benchmarks' harness: processes started and stopped (a server, a private redis-server, an SMTP sink),
closed-loop HTTP clients with latencies, CPU time per part of the stack read from /proc, and pgbench as the
database's own ceiling. The scenarios (what is loaded, what is sent) live in the benchmark scripts."""

from __future__ import annotations

import gc
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "veche-bench/1"
TRIVIAL_PATH = "/static/css/app.css"


# --- CPU accounting ---------------------------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")
PARTS = ("app", "db", "redis", "client")


def cpu_now(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the gunicorn master and workers, of PostgreSQL (every backend, and the exited ones
    through the postmaster), of the private redis-server, of this process; and the machine's busy time."""
    app = database = redis = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        ppid, user, system, children_user, children_system = (int(x) for x in (rest[1], *rest[11:15]))
        if int(entry.name) == server_pid or ppid == server_pid:
            app += user + system
        elif ppid == os.getpid() and comm.startswith("redis"):
            redis += user + system
        elif comm.startswith("postgres"):
            database += user + system + children_user + children_system
    times = os.times()
    with open("/proc/stat") as stat:
        jiffies = [int(x) for x in stat.readline().split()[1:]]
    return {"app": app / TICK, "db": database / TICK, "redis": redis / TICK, "client": times.user + times.system,
            "busy": (sum(jiffies) - jiffies[3] - jiffies[4]) / TICK}


# --- load -------------------------------------------------------------------------------------------------------

Request = tuple[str, str, bytes | None, dict[str, str]]


class Static:
    """The trivial route, again and again, without a session."""

    expected = (200,)

    def next(self) -> Request | None:
        return "GET", TRIVIAL_PATH, None, {"User-Agent": USER_AGENT}

    def done(self, ok: bool) -> None:
        pass


@dataclass
class Run:
    """What a load run measured."""

    seconds: float
    latencies: list[float]
    ok: int
    errors: Counter[str]
    samples: list[str]
    exhausted: int
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    def summary(self) -> dict[str, Any]:
        done = max(self.ok, 1)
        return {"per_s": round(self.rate, 1), "p50_ms": round(self.percentile(0.50), 1),
                "p95_ms": round(self.percentile(0.95), 1), "p99_ms": round(self.percentile(0.99), 1),
                "requests": len(self.latencies), "errors": sum(self.errors.values()), "error_kinds": dict(self.errors),
                "cpu_ms_per_request": {k: round(self.cpu[k] / done * 1000, 2) for k in PARTS},
                # cores busy during the run, and how many of them went to anything but the parts above
                "busy_cores": round(self.cpu["busy"] / self.seconds, 2),
                "other_cores": round((self.cpu["busy"] - sum(self.cpu[k] for k in PARTS)) / self.seconds, 2),
                **({"clients_out_of_ballots": self.exhausted} if self.exhausted else {})}


def load(port: int, server_pid: int, sources: list[Any], seconds: float) -> Run:
    """Closed-loop clients, one thread and one HTTP/1.1 connection each (gunicorn's sync workers close it after
    every response; http.client opens a new one), each sending its next request as soon as the last answered."""
    barrier = threading.Barrier(len(sources) + 1)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    samples: list[str] = []
    counts = {"ok": 0, "exhausted": 0}
    ends: list[float] = []

    def client(source: Any) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        ok = 0
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            request = source.next()
            if request is None:
                with lock:
                    counts["exhausted"] += 1
                break
            method, path, body, headers = request
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, data = type(error).__name__, b""
            mine.append(time.perf_counter() - started)
            good = status in source.expected
            ok += good
            source.done(good)
            if not good:
                with lock:
                    errors[str(status)] += 1
                    if len(samples) < 5:
                        samples.append(f"{status}: {data[:300].decode(errors='replace')}")
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            ends.append(time.perf_counter())

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in sources]
    for thread in threads:
        thread.start()
    gc.collect()
    gc.freeze()  # this process holds every signed ballot: no collector pauses inside the clients' timings
    gc.disable()
    before = cpu_now(server_pid)
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    after = cpu_now(server_pid)
    gc.enable()
    gc.unfreeze()
    return Run(max(ends) - started, latencies, counts["ok"], errors, samples, counts["exhausted"],
               {k: after[k] - before[k] for k in before})


# --- processes --------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, path: str, child: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the server exited with {child.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


@contextmanager
def process(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, ended (SIGTERM, then SIGKILL) when the block ends."""
    with open(log, "wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A private, memory-only redis-server on a free port."""
    port = free_port()
    command = [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--dir", str(folder)]
    with process(command, folder / "redis.log"):
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def smtp_sink() -> Iterator[int]:
    """A local SMTP server that accepts every message and keeps none (for the inline-mail configuration)."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def optional(wanted: bool, make: Callable[[], Any]) -> Iterator[Any]:
    """`make()`'s context when wanted, else None."""
    if not wanted:
        yield None
        return
    with make() as value:
        yield value


# --- pgbench ----------------------------------------------------------------------------------------------------

def pgbench(url: str, meeting_id: int, script: str, clients: int, seconds: int, folder: Path,
            server_pid: int) -> dict[str, Any]:
    """Run the script with `clients` connections; tps, latencies from pgbench's per-transaction log, and the CPU time
    of PostgreSQL and of pgbench itself per transaction."""
    from sqlalchemy import make_url

    parsed = make_url(url)
    (folder / "append.sql").write_text(script)
    for old in folder.glob("pgbench_log*"):
        old.unlink()
    env = os.environ | {"PGOPTIONS": str(parsed.query.get("options", ""))}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    command = [shutil.which("pgbench") or "/usr/bin/pgbench", "-n", "-M", "prepared", "-c", str(clients),
               "-j", "2", "-T", str(seconds), "-f", str(folder / "append.sql"), "-D", f"m={meeting_id}",
               "-l", "--log-prefix", str(folder / "pgbench_log"), "-h", parsed.host or "127.0.0.1",
               "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres", parsed.database or "postgres"]
    before, children = cpu_now(server_pid), os.times()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    after, reaped = cpu_now(server_pid), os.times()
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    assert tps is not None, done.stdout
    latencies = sorted(int(line.split()[2]) / 1000 for log in folder.glob("pgbench_log*")
                       for line in log.read_text().splitlines())

    def percentile(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {"per_s": round(float(tps[1]), 1), "p50_ms": percentile(0.5), "p95_ms": percentile(0.95),
            "p99_ms": percentile(0.99), "transactions": len(latencies), "failed": int(failed[1]) if failed else 0,
            "clients": clients, "cpu_ms_per_transaction": {
                "db": round((after["db"] - before["db"]) / len(latencies) * 1000, 2),
                "pgbench": round((reaped.children_user + reaped.children_system - children.children_user
                                  - children.children_system) / len(latencies) * 1000, 2)}}
