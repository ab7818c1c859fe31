"""Growing past one machine: a primary and a streaming replica (pg_basebackup -R) on high ports; the inspector's
list is read from the replica (shown by pausing its replay: the page lags until it resumes) while ballots and the
pages that must see their own writes go to the primary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event

from tests.conftest import POSTGRES, make_app
from tests.deploy.clusters import AVAILABLE, PG_BIN, as_owner, cluster, free_port, running, workspace

VECHE = str(Path(sys.executable).parent / "veche")

pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="a heavy infrastructure test: it runs once, in the PostgreSQL leg"),
    pytest.mark.skipif(not AVAILABLE and not os.environ.get("VECHE_REQUIRE_POSTGRES_BIN"),
                       reason=f"no PostgreSQL binaries in {PG_BIN}"),
]


def test_the_inspectors_list_is_read_from_the_replica_and_ballots_go_to_the_primary(tmp_path) -> None:
    data_key = Fernet.generate_key().decode()
    with workspace() as folder, cluster(folder, "primary", "wal_level = replica\nmax_wal_senders = 5\n") as primary:
        primary.sql("CREATE DATABASE veche", database="postgres")
        env = {**os.environ, "VECHE_DATABASE_URL": primary.url(), "VECHE_SECRET_KEY": "test-secret",
               "VECHE_DATA_KEYS": data_key}
        env.pop("VECHE_TEST_DATABASE_URL", None)
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run([VECHE, *command], env=env, cwd=tmp_path, check=True, capture_output=True)
        replica_data = folder / "replica"
        as_owner([PG_BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                  "-D", replica_data, "-R", "-X", "stream", "--checkpoint=fast"])
        port = free_port()
        with (replica_data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"port = {port}\nhot_standby = on\n")
        with running(replica_data, port) as replica:
            replica.wait_until("SELECT pg_is_in_recovery()", "t")
            app = make_app(primary.url(), DATA_KEYS=[data_key], SQLALCHEMY_BINDS={"replica": replica.url()})
            _check(app, primary, replica)


def _check(app, primary, replica) -> None:
    from auth.demo import demo_code
    from tests.factories import csrf_token, login
    from tests.factories.ballots import ballot, open_meeting
    from voting.core.extensions import db

    statements: dict[str, list[str]] = {"primary": [], "replica": []}
    with app.app_context():  # requests run outside it: an app context held open would share `g` between clients
        for name, engine in (("primary", db.engines[None]), ("replica", db.engines["replica"])):
            event.listen(engine, "before_cursor_execute",
                         lambda _c, _cur, sql, *_a, name=name: statements[name].append(sql))
    inspector = app.test_client()
    response = inspector.post("/auth/login", data={"csrf_token": csrf_token(inspector, "/auth/login"),
                                                   "email": "inspector@demo.veche", "password": "demo-password"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/totp")
    assert inspector.post("/auth/totp", data={"csrf_token": csrf_token(inspector, "/auth/totp"),
                                              "code": demo_code("inspector@demo.veche")}).status_code == 302
    address = primary.sql("SELECT address FROM buildings b JOIN meetings m ON m.building_id = b.id "
                          "WHERE m.state = 'counted' LIMIT 1")
    assert address in inspector.get("/inspection/").get_data(as_text=True)

    replica.sql("SELECT pg_wal_replay_pause()")
    replica.wait_until("SELECT pg_get_wal_replay_pause_state()", "paused")
    renamed = address + " (корпус Б)"
    primary.sql(f"UPDATE buildings SET address = '{renamed}' WHERE address = '{address}'")

    statements["primary"].clear()
    statements["replica"].clear()
    page = inspector.get("/inspection/").get_data(as_text=True)
    assert renamed not in page and address in page  # the replica has not replayed the change yet
    assert any("FROM meetings" in sql for sql in statements["replica"])
    assert not any("FROM meetings" in sql for sql in statements["primary"])  # only the session's checks there
    csv = inspector.get("/inspection/protocols.csv").get_data(as_text=True)
    assert address in csv and renamed not in csv

    with app.app_context():  # ballots: written to the primary while the replica is paused
        state = open_meeting()
        db.session.commit()
        meeting_id = state.meeting.id
        voter = state.voters[0]
        body = ballot(state, voter, {"1": "for", "2": "for"})
        account = SimpleNamespace(email=voter.user.email)
    owner = app.test_client()
    login(owner, account)  # type: ignore[arg-type]
    statements["replica"].clear()
    response = owner.post(f"/api/v1/meetings/{meeting_id}/ballots", json=body,
                          headers={"X-CSRFToken": csrf_token(owner, f"/meetings/{meeting_id}")})
    assert response.status_code == 201, response.json
    assert not statements["replica"]
    assert primary.sql(f"SELECT count(*) FROM ballot_log_entries WHERE meeting_id = {meeting_id} "
                       "AND type = 'ballot'") == "1"
    assert replica.sql(f"SELECT count(*) FROM ballot_log_entries WHERE meeting_id = {meeting_id}") == "0"

    replica.sql("SELECT pg_wal_replay_resume()")
    replica.wait_until(f"SELECT count(*) FROM buildings WHERE address = '{renamed}'", "1")
    assert renamed in inspector.get("/inspection/").get_data(as_text=True)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
