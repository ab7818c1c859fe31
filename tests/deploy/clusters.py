"""Private PostgreSQL clusters for the drill and the replica tests: initdb on a high port in a temporary folder,
run as the `postgres` user when the tests run as root (initdb refuses root)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("VECHE_PG_BIN", "/usr/lib/postgresql/15/bin"))
AVAILABLE = (PG_BIN / "initdb").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_owner(command: list[str | Path], env: dict[str, str] | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    """A command as the clusters' owner (postgres when this is root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, command)], env=env, check=check, capture_output=True, text=True,
                          timeout=300)


@contextmanager
def workspace() -> Iterator[Path]:
    """A folder the clusters' owner can write (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="veche-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Cluster:
    """One PostgreSQL server: its data folder, port and URL."""

    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.log = data.parent / f"{data.name}.log"

    def url(self, database: str = "veche") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        as_owner([PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "120", "start"])

    def stop(self) -> None:
        as_owner([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], check=False)

    def sql(self, statement: str, database: str = "veche") -> str:
        done = as_owner([PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-d", database, "-XAtc",
                         statement])
        return done.stdout.strip()

    def wait_until(self, statement: str, expected: str, seconds: float = 120, database: str = "veche") -> None:
        deadline = time.monotonic() + seconds
        while (value := self.sql(statement, database)) != expected:
            assert time.monotonic() < deadline, f"{statement} = {value!r}, not {expected!r}\n{self.log.read_text()}"
            time.sleep(0.3)


def settings(port: int, folder: Path, extra: str = "") -> str:
    return (f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{folder}'\n"
            "fsync = off\nshared_buffers = 32MB\nmax_connections = 30\n" + extra)


@contextmanager
def cluster(folder: Path, name: str, extra: str = "") -> Iterator[Cluster]:
    """A new cluster (trust authentication on 127.0.0.1), started, stopped at the end."""
    data = folder / name
    as_owner([PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
              "--locale", "C.UTF-8"])
    port = free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(settings(port, folder, extra))
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    server = Cluster(data, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def running(data: Path, port: int) -> Iterator[Cluster]:
    """An existing data folder (a restored backup, a replica) started on `port`, stopped at the end."""
    server = Cluster(data, port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
