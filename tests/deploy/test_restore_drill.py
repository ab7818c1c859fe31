"""The restore drill (docs/backup.md): a private cluster archiving its WAL through deploy/backup.sh; the demo and
ballots, a base backup, more ballots, an instant, more ballots; restored to that instant into a fresh cluster,
every closed meeting's evidence bundle verifies VALID and each meeting's log is a prefix of the original."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.conftest import POSTGRES, make_app
from tests.deploy.clusters import AVAILABLE, PG_BIN, as_owner, cluster, free_port, running, workspace

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
VECHE = str(Path(sys.executable).parent / "veche")
LOG = "SELECT meeting_id || ':' || index || ':' || entry_hash FROM ballot_log_entries ORDER BY meeting_id, index"

pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="a heavy infrastructure test: it runs once, in the PostgreSQL leg"),
    pytest.mark.skipif(not AVAILABLE and not os.environ.get("VECHE_REQUIRE_POSTGRES_BIN"),
                       reason=f"no PostgreSQL binaries in {PG_BIN}"),
]


def cast(url: str, data_key: str, rounds: int) -> None:
    """Ballots of every voter of a new open meeting, `rounds` times each (re-votes), through casting.submit."""
    from tests.factories.ballots import ballot, open_meeting
    from voting.core.extensions import db

    app = make_app(url, DATA_KEYS=[data_key])
    with app.test_request_context():
        from ballots import casting

        state = open_meeting(address=f"г. Челябинск, ул. Архивная, д. {time.monotonic_ns() % 100000}")
        db.session.commit()
        for number in range(rounds):
            for voter in state.voters:
                body = ballot(state, voter, {"1": ("for", "against")[number % 2], "2": "abstain"})
                receipt, new = casting.submit(voter.user, state.meeting, body)
                assert new, receipt
                voter.ballots.append(body)
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def entries(server) -> list[str]:
    return server.sql(LOG).splitlines()


def test_a_backup_restored_to_an_instant_verifies_and_its_log_is_a_prefix(tmp_path) -> None:
    data_key = Fernet.generate_key().decode()
    with workspace() as folder:
        backups = folder / "backups"
        as_owner(["mkdir", "-p", backups / "wal"])
        archive = f"archive_command = 'VECHE_BACKUP_DIR={backups} {BACKUP} archive-wal %p %f'\n"
        with cluster(folder, "primary", f"wal_level = replica\narchive_mode = on\n{archive}") as primary:
            primary.sql("CREATE DATABASE veche", database="postgres")
            env = {**os.environ, "VECHE_DATABASE_URL": primary.url(), "VECHE_SECRET_KEY": "test-secret",
                   "VECHE_DATA_KEYS": data_key}
            env.pop("VECHE_TEST_DATABASE_URL", None)
            for command in (["db", "upgrade"], ["demo"]):
                subprocess.run([VECHE, *command], env=env, cwd=tmp_path, check=True, capture_output=True)
            cast(primary.url(), data_key, rounds=1)

            owner_env = {**os.environ, "VECHE_BACKUP_DIR": str(backups), "PGHOST": "127.0.0.1",
                         "PGPORT": str(primary.port), "PGUSER": "postgres", "PG_BIN": str(PG_BIN)}
            base = Path(as_owner(["sh", BACKUP, "base"], env=owner_env).stdout.strip().splitlines()[-1])
            assert (base / "base.tar.gz").is_file() and (base / "pg_wal.tar.gz").is_file()

            cast(primary.url(), data_key, rounds=2)  # after the backup, before the instant: kept
            kept = entries(primary)
            instant = primary.sql("SELECT clock_timestamp()")
            time.sleep(1.2)
            cast(primary.url(), data_key, rounds=1)  # after the instant: not restored
            original = entries(primary)
            assert len(original) > len(kept)
            segment = primary.sql("SELECT pg_walfile_name(pg_switch_wal())")
            primary.wait_until(f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver", "t")

        restored_data = folder / "restored"
        as_owner(["sh", BACKUP, "restore", base, restored_data, instant], env=owner_env)
        port = free_port()
        with (restored_data / "postgresql.auto.conf").open("a") as conf:  # its own port; it archives nothing
            conf.write(f"port = {port}\narchive_mode = off\n")
        with running(restored_data, port) as restored:
            restored.wait_until("SELECT pg_is_in_recovery()", "f")
            log = entries(restored)
            assert log == kept  # everything committed before the instant, nothing after
            assert log == original[:len(log)]  # each meeting's log: a prefix of the original (ordered by meeting)
            for meeting in {line.split(":")[0] for line in log}:
                mine = [line for line in log if line.startswith(f"{meeting}:")]
                assert mine == [line for line in original if line.startswith(f"{meeting}:")][:len(mine)]

            env["VECHE_DATABASE_URL"] = restored.url()
            closed = restored.sql("SELECT id FROM meetings WHERE state IN ('closed', 'counted', 'signed', "
                                  "'submitted') ORDER BY id").split()
            assert closed
            for meeting in closed:
                bundle = tmp_path / f"evidence-{meeting}.json"
                subprocess.run([VECHE, "evidence", meeting, "-o", bundle], env=env, cwd=tmp_path, check=True,
                               capture_output=True)
                verified = subprocess.run([VECHE, "verify", bundle], env=env, cwd=tmp_path, capture_output=True,
                                          text=True)
                assert verified.returncode == 0, verified.stdout[-2000:]
                assert verified.stdout.strip().splitlines()[-1] == "VALID"
