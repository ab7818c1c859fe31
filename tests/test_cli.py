"""The `veche` command contracts of FORMATS.md §4 that exist so far."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from registry.models import Building, Municipality, Premises
from tests.factories import building, csv_bytes, flat
from voting.cli import cli
from voting.core.extensions import db


def test_buildings_json(runner, session) -> None:
    item = building("г. Миасс, ул. Ленина, д. 3", rows=[flat("1", area="54,30"), flat("2", area="0,01")])
    result = runner.invoke(cli, ["buildings", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"id": item.id, "address": "г. Миасс, ул. Ленина, д. 3", "municipality": "Челябинский городской округ",
            "premises": 2, "total_votes": "54.31"} in rows


def test_import_register_exit_codes(runner, session, tmp_path) -> None:
    item = building(rows=[flat("1")])
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([flat("1"), flat("2", owner="Петров Пётр Петрович")]))
    result = runner.invoke(cli, ["import-register", str(item.id), str(good)])
    assert result.exit_code == 0, result.output
    assert "premises added: 2" in result.output and "not applied" in result.output
    assert len(db.session.scalars(select(Premises).where(Premises.building_id == item.id)).all()) == 1

    result = runner.invoke(cli, ["import-register", str(item.id), str(good), "--apply"])
    assert result.exit_code == 0 and "applied:" in result.output
    assert len(db.session.scalars(select(Premises).where(Premises.building_id == item.id)).all()) == 2
    assert runner.invoke(cli, ["import-register", str(item.id), str(good)]).output.strip() == "no changes"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([flat("1"), flat("3", area="-4"), flat("4", egrn_record="нет")]))
    result = runner.invoke(cli, ["import-register", str(item.id), str(bad), "--apply"])
    assert result.exit_code == 1
    assert "строка 3, столбец Площадь, м²: отрицательная площадь «-4»" in result.output
    assert "строка 4, столбец Номер записи ЕГРН: неверный номер записи ЕГРН «нет»" in result.output
    assert len(db.session.scalars(select(Premises).where(Premises.building_id == item.id)).all()) == 2

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert runner.invoke(cli, ["import-register", str(item.id), str(empty)]).exit_code == 2
    assert runner.invoke(cli, ["import-register", str(item.id), str(tmp_path / "missing.csv")]).exit_code == 2
    assert runner.invoke(cli, ["import-register", "999999", str(good)]).exit_code == 2


def test_meetings_json_lists_meetings_with_local_instants(runner, session) -> None:
    from datetime import UTC, datetime

    from voting.meetings.models import Meeting, MeetingForm, MeetingKind, MeetingState

    item = building(rows=[flat("1")])
    db.session.add(Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                           state=MeetingState.VOTING, opens_at=datetime(2026, 3, 12, 4, tzinfo=UTC),
                           closes_at=datetime(2026, 3, 20, 13, tzinfo=UTC)))
    db.session.flush()
    result = runner.invoke(cli, ["meetings", "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)[-1]
    assert row["building"] == item.address and row["form"] == "electronic" and row["state"] == "voting"
    assert row["opens_at"] == "2026-03-12T09:00:00+05:00" and row["closes_at"] == "2026-03-20T18:00:00+05:00"


def table_dump() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, for comparing the database before and after."""
    dump = {}
    with db.session.no_autoflush:
        for table in db.metadata.sorted_tables:
            dump[table.name] = sorted(map(tuple, db.session.execute(table.select()).all()), key=repr)
    return dump


def test_demo_is_idempotent_and_has_the_region(runner, session) -> None:
    first = runner.invoke(cli, ["demo"])
    assert first.exit_code == 0, first.output
    assert "43 municipalities" in first.output
    before = table_dump()
    second = runner.invoke(cli, ["demo"])
    assert second.exit_code == 0 and "unchanged" in second.output
    assert table_dump() == before

    municipalities = db.session.scalars(select(Municipality)).all()
    assert len({m.name for m in municipalities}) == 43
    assert next(m for m in municipalities if m.name == "Челябинский городской округ").population == 1176770
    big = db.session.scalar(select(Building).where(Building.address == "г. Челябинск, ул. Труда, д. 1"))
    kinds = {p.kind.value for p in big.premises}
    ownerships = {o.kind.value for p in big.premises for o in p.ownerships}
    assert len(big.premises) == 120 and kinds == {"residential", "non_residential", "parking"}
    assert ownerships == {"individual", "shared", "joint", "public"}
    assert any(not p.ownerships for p in big.premises)  # an owner not yet known still counts in total votes
    assert sum((p.area for p in big.premises), Decimal(0)) > 0

    from auth.models import OwnershipLink, User

    users = {u.email: u for u in db.session.scalars(select(User))}
    expected = {"operator@demo.veche", "inspector@demo.veche", "uk@demo.veche"} | {
        f"owner{n}@demo.veche" for n in range(1, 10)}
    assert expected <= set(users)
    assert users["operator@demo.veche"].is_operator and users["uk@demo.veche"].staff_roles
    assert users["inspector@demo.veche"].inspector_scopes
    links = db.session.scalars(select(OwnershipLink).where(OwnershipLink.user_id == users["owner1@demo.veche"].id))
    assert [link.ownership.premises.building_id for link in links] == [big.id]
    from voting.meetings.models import Meeting

    states = {m.gis_id: m.state.value for m in db.session.scalars(select(Meeting))}
    assert states == {"demo-draft": "draft", "demo-announced": "announced", "demo-voting": "voting",
                      "demo-closed": "counted"}
    closed = db.session.scalar(select(Meeting).where(Meeting.gis_id == "demo-closed"))
    assert not date(2026, 1, 1) <= closed.closes_at.date() <= date(2026, 5, 31)
    assert json.loads(closed.result)["quorum"] is True
    # the closed meeting is a real signed log: its evidence verifies, with paper decisions and a proxy vote
    from ballots.evidence import bundle
    from ballots.verify import verify

    evidence = bundle(closed)
    report = verify(evidence)
    assert report.valid, [str(f) for f in report.findings]
    assert report.result == json.loads(closed.result) and report.ballots > 0 and report.paper > 0
    assert any(e["payload"].get("holder") == "representative" for e in evidence["entries"])
    code = runner.invoke(cli, ["demo-code", "uk@demo.veche"])
    assert code.exit_code == 0 and code.output.strip().isdigit() and len(code.output.strip()) == 6
    assert runner.invoke(cli, ["demo-code", "someone@example.org"]).exit_code == 2


def test_help_lists_verify_and_recount(runner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    commands = {line.split()[0] for line in result.output.splitlines() if line.startswith("  ") and line.split()}
    assert {"verify", "recount", "demo"} <= commands
