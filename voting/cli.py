"""The `veche` command (FORMATS.md §4): Flask's own commands plus the platform's."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from ballots.verify_command import verify_command
from voting.app import create_app
from voting.core.command_input import read_or_exit
from voting.core.extensions import db
from voting.recount import recount_command


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """veche: owners' general meetings. Configuration comes from VECHE_* environment variables."""


cli.add_command(recount_command)
cli.add_command(verify_command)  # `veche verify` runs without the app (voting/entry.py); listed here for --help


def main() -> None:
    try:
        cli(prog_name="veche")
    except (OperationalError, ProgrammingError) as error:
        if not _not_migrated(error):
            raise
        click.echo("error: the database is not migrated to this version of veche: run `veche db upgrade` first",
                   err=True)
        sys.exit(2)


def _not_migrated(error: DBAPIError) -> bool:
    """Whether the database lacks a table or column this version uses (SQLite's and PostgreSQL's wording)."""
    text = str(error.orig)
    return any(sign in text for sign in ("no such table", "no such column")) or type(error.orig).__name__ in (
        "UndefinedTable", "UndefinedColumn")


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@cli.command("buildings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def buildings_command(as_json: bool) -> None:
    """List buildings with their premises count and total votes (m²)."""
    from registry.services import list_buildings

    rows = [{"id": b.id, "address": b.address, "municipality": b.municipality.name, "premises": count,
             "total_votes": f"{votes:.2f}"} for b, count, votes in list_buildings()]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['address']:<45} {row['premises']:>6} {row['total_votes']:>12}  "
                   f"{row['municipality']}")


@cli.command("import-register")
@click.argument("building_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--apply", "do_apply", is_flag=True, help="Apply the difference (otherwise only show it).")
def import_register_command(building_id: int, file: Path, do_apply: bool) -> None:
    """Check a register file (CSV or XLSX) for a building, show the difference, and apply it with --apply.

    Exit codes: 0 done, 1 rows refused, 2 unreadable file or unknown building.
    """
    from flask import current_app

    from registry.models import Building
    from registry.register_file import read_register
    from registry.sync import apply_register, diff_register
    from voting.core.spreadsheet import RowsError, SpreadsheetError

    building = db.session.get(Building, building_id)
    if building is None:
        click.echo(f"error: no building with id {building_id}", err=True)
        sys.exit(2)
    limit = current_app.config["REGISTER_MAX_BYTES"]
    try:
        register = read_or_exit(file, lambda data: read_register(file.name, data, limit), SpreadsheetError)
    except RowsError as error:
        for row_error in error.errors:
            click.echo(str(row_error))
        click.echo(f"refused: {len(error.errors)} error(s); the register is unchanged", err=True)
        sys.exit(1)
    diff = apply_register(building, register) if do_apply else diff_register(building, register)
    for title, items in (("premises added", diff.premises_added), ("premises removed", diff.premises_removed),
                         ("ownerships added", diff.ownerships_added),
                         ("ownerships removed", diff.ownerships_removed)):
        for item in items:
            click.echo(f"{title}: {item}")
    for change in (*diff.building_changed, *diff.premises_changed, *diff.ownerships_changed):
        click.echo(f"changed: {change.what}: {change.field}: {change.old} -> {change.new}")
    if do_apply:
        db.session.commit()
        click.echo(f"applied: {diff.summary()}")
    else:
        click.echo(f"not applied (use --apply): {diff.summary()}" if not diff.empty else "no changes")


@cli.command("meetings")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def meetings_command(as_json: bool) -> None:
    """List meetings with their building, form, state and voting window."""
    from voting.meetings import plan
    from voting.meetings.models import Meeting

    meetings = db.session.scalars(select(Meeting).options(selectinload(Meeting.building))
                                  .order_by(Meeting.id)).all()
    rows = [plan.summary(m) for m in meetings]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['state']:<10} {row['form']:<11} {row['opens_at'] or '—':<26} "
                   f"{row['closes_at'] or '—':<26} {row['building']}")


@cli.command("demo")
@click.option("--password", default="demo-password", show_default=True, help="Password of the demo users.")
def demo_command(password: str) -> None:
    """Create (idempotently) the demo region, organisations, buildings, users and meetings."""
    from auth.demo import DOMAIN, seed_users
    from auth.models import User
    from ballots.demo import record_signed
    from registry.demo import BUILDINGS, REGION, seed_register
    from registry.models import Building
    from voting.meetings.demo import seed_meetings

    lines = seed_register()
    lines += seed_users(REGION, password)
    building = db.session.scalar(select(Building).where(Building.cadastral_number == BUILDINGS[0].cadastral_number))
    administrator = db.session.scalar(select(User).where(User.email == f"uk@{DOMAIN}"))
    assert building is not None and administrator is not None, "the register and the users come first"
    lines += seed_meetings(building, administrator, record=record_signed(administrator))
    from indicators.demo import seed_history
    from registry.models import Region

    region = db.session.scalar(select(Region).where(Region.name == REGION))
    assert region is not None
    lines += seed_history(region)
    db.session.commit()
    from protocols.demo import seed_protocol

    lines += seed_protocol(DOMAIN)
    for line in lines:
        click.echo(line)
    click.echo(f"password of every demo user: {password}; staff, inspector and operator also need a one-time "
               "code: `veche demo-code EMAIL`")


@cli.command("demo-code")
@click.argument("email")
def demo_code_command(email: str) -> None:
    """Print the current one-time code of a demo account (…@demo.veche only)."""
    from auth.demo import demo_code

    code = demo_code(email)
    if code is None:
        click.echo("error: only demo accounts (…@demo.veche) have a printable one-time code", err=True)
        sys.exit(2)
    click.echo(code)


@cli.command("grant-role")
@click.argument("email")
@click.option("--staff", "staff_inn", metavar="INN", help="Staff of the organisation with this ИНН.")
@click.option("--inspector-municipality", "municipality", metavar="NAME", help="Inspector of a municipality.")
@click.option("--inspector-region", "region", metavar="NAME", help="Inspector of a whole region.")
@click.option("--operator", is_flag=True, help="The region's system operator.")
def grant_role_command(email: str, staff_inn: str | None, municipality: str | None, region: str | None,
                       operator: bool) -> None:
    """Give an account a role (logged in the security log). Exit codes: 0 done, 2 unknown account or place."""
    from auth.roles import grant
    from voting.core.errors import VotingError

    try:
        what = grant(email, staff_inn=staff_inn, municipality=municipality, region=region, operator=operator)
    except VotingError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"{email}: {what}")


@cli.command("withdraw-roles")
@click.argument("email")
def withdraw_roles_command(email: str) -> None:
    """Take every staff, inspector and operator role from an account (logged)."""
    from auth.roles import withdraw_all
    from voting.core.errors import VotingError

    try:
        withdraw_all(email)
    except VotingError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"{email}: roles withdrawn")


@cli.command("rotate-data-keys")
def rotate_data_keys_command() -> None:
    """Re-encrypt personal data under the newest key of VECHE_DATA_KEYS (list the old keys after it)."""
    from auth.models import Proxy, User
    from ballots.models import PaperScan
    from registry.models import Owner, RegisterUpload

    count = 0
    for owner in db.session.scalars(select(Owner).where((Owner.snils.is_not(None)) | (Owner.passport.is_not(None)))):
        flag_modified(owner, "snils")
        flag_modified(owner, "passport")
        count += 1
    for user in db.session.scalars(select(User).where(User.totp_secret.is_not(None))):
        flag_modified(user, "totp_secret")
        count += 1
    db.session.commit()
    for model, column in ((Proxy, "scan"), (PaperScan, "content"), (RegisterUpload, "content")):
        for (row_id,) in db.session.execute(select(model.id).where(getattr(model, column).is_not(None))).all():
            flag_modified(db.session.get(model, row_id), column)  # the files are large: one at a time
            db.session.commit()
            db.session.expunge_all()
            count += 1
    click.echo(f"re-encrypted {count} record(s)")


def _period(ctx: click.Context, param: click.Parameter, value: str) -> tuple[date, date]:
    """The --period's first and last days; a bad one, or one beyond the years served, is a usage error (exit 2)."""
    from indicators.compute import FIRST_YEAR, LAST_YEAR, PeriodError, beyond_years, parse_period

    try:
        start, end = parse_period(value)
    except PeriodError as error:
        raise click.BadParameter(str(error), ctx, param) from None
    if beyond_years(start, end) is not None:
        raise click.BadParameter(f"{value!r}: days from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31 only", ctx, param)
    return start, end


@cli.command("indicator")
@click.option("--period", required=True, callback=_period, help="YYYY-MM-DD:YYYY-MM-DD, both days included.")
@click.option("--format", "output_format", type=click.Choice(["text", "csv", "json", "xlsx"]), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--region", "region_name", help="The region (default: the only one).")
def indicator_command(period: tuple[date, date], output_format: str, output: Path | None,
                      region_name: str | None) -> None:
    """The share of meetings held online per municipality (oss-indicator/1). Exit codes: 0, 2 bad period."""
    from indicators import exports
    from indicators.compute import indicator
    from registry.models import Region

    statement = select(Region).order_by(Region.id)
    if region_name:
        statement = statement.where(Region.name == region_name)
    region = db.session.scalars(statement).first()
    if region is None:
        click.echo("error: no such region (run `veche demo`, or name one with --region)", err=True)
        sys.exit(2)
    data = indicator(region, *period)
    body: str | bytes
    if output_format == "xlsx":
        body = exports.to_xlsx(data)
    elif output_format == "json":
        body = json.dumps(exports.to_json(data), ensure_ascii=False, indent=2)
    else:
        body = exports.to_csv(data) if output_format == "csv" else exports.to_text(data)
    if output is not None:
        output.write_bytes(body if isinstance(body, bytes) else body.encode())
        click.echo(f"written {output}")
    elif isinstance(body, bytes):
        click.echo("error: XLSX needs -o FILE", err=True)
        sys.exit(2)
    else:
        click.echo(body)


@cli.command("push-indicator")
@click.option("--period", required=True, callback=_period, help="YYYY-MM-DD:YYYY-MM-DD")
@click.option("--url", help="Where to POST (default: VECHE_FEED_URL).")
@click.option("--attempts", default=5, show_default=True)
def push_indicator_command(period: tuple[date, date], url: str | None, attempts: int) -> None:
    """Push the signed indicator to the configured address with retries and back-off (run it on a schedule):
    an RQ job when VECHE_REDIS_URL is set, inline otherwise. Exit codes: 0 delivered or queued, 1 not, 2 bad call."""
    from flask import current_app

    from voting.core import jobs

    start, end = period
    target = url or current_app.config.get("FEED_URL")
    if not target:
        click.echo("error: no address (--url or VECHE_FEED_URL)", err=True)
        sys.exit(2)
    outcome = jobs.run("push_indicator", start=start.isoformat(), end=end.isoformat(), url=target,
                       attempts=attempts)
    if hasattr(outcome, "id"):
        click.echo(f"queued as {outcome.id}")
        return
    click.echo("delivered" if outcome else "not delivered (see the delivery log)")
    sys.exit(0 if outcome else 1)


def _of_meeting(meeting_id: int, make: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """What `make` builds of the meeting; an unknown meeting or a refusal exits 2 with the reason."""
    from voting.core.errors import VotingError
    from voting.meetings.models import Meeting

    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        click.echo(f"error: no meeting with id {meeting_id}", err=True)
        sys.exit(2)
    try:
        return make(meeting)
    except VotingError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)


@cli.command("dossier")
@click.argument("meeting_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def dossier_command(meeting_id: int, output: Path) -> None:
    """Export a meeting's oss-dossier/1 (the input of an independent recount). Exit codes: 0 done, 2 unknown."""
    from voting.meetings.dossier import dossier_json

    data = _of_meeting(meeting_id, dossier_json)
    output.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    click.echo(f"written {output}: {len(data['register'])} premises, {len(data['decisions'])} decisions")


@cli.command("evidence")
@click.argument("meeting_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def evidence_command(meeting_id: int, output: Path) -> None:
    """Export the evidence bundle (oss-evidence/1) of a closed meeting. Exit codes: 0 done, 2 unknown meeting or
    meeting not closed."""
    from ballots import evidence

    bundle = _of_meeting(meeting_id, evidence.bundle)
    output.write_bytes(evidence.dumps(bundle))
    click.echo(f"written {output}: {len(bundle['entries'])} log entries, {len(bundle['checkpoints'])} checkpoints")


@cli.command("protocol")
@click.argument("meeting_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def protocol_command(meeting_id: int, output: Path) -> None:
    """Write the protocol PDF of a counted meeting: the one kept (immutable once signed), or rendered now and kept.
    Exit codes: 0 done, 2 unknown meeting or votes not counted."""
    from protocols.services import stored_or_render

    protocol = _of_meeting(meeting_id, lambda meeting: {"protocol": stored_or_render(meeting)})["protocol"]
    output.write_bytes(protocol.pdf)
    click.echo(f"written {output}: protocol No. {protocol.number}, {protocol.pages} pages, sha256 {protocol.sha256}")


@cli.command("gis-export")
@click.argument("meeting_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def gis_export_command(meeting_id: int, output: Path) -> None:
    """Write the counted meeting's protocol as ГИС ЖКХ's importVotingProtocolRequest (GIS.md). Exit codes: 0 done,
    2 unknown or uncounted meeting, or a missing identifier (named)."""
    from protocols.gis import facts, request

    built = _of_meeting(meeting_id, lambda meeting: {"facts": facts.gather(meeting)})["facts"]
    output.write_bytes(request.to_bytes(request.build(built)))
    click.echo(f"written {output}: importVotingProtocolRequest, {len(built.decisions)} questions, "
               f"TransportGUID {built.transport_guid}")


@cli.command("tick")
def tick_command() -> None:
    """Open and close meetings whose instant has come, and send due reminders (run it every few minutes): as RQ
    jobs when VECHE_REDIS_URL is set, inline otherwise."""
    from voting.core import jobs

    for name in ("advance_meetings", "send_reminders"):
        outcome = jobs.run(name)
        click.echo(f"{name}: {'queued as ' + outcome.id if hasattr(outcome, 'id') else outcome}")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the platform's jobs (needs VECHE_REDIS_URL)."""
    from rq import Worker

    from voting.core import jobs

    queue = jobs.queue()
    if queue is None:
        click.echo("error: VECHE_REDIS_URL is not set: jobs run inline, no worker is needed", err=True)
        sys.exit(2)
    Worker([queue], connection=queue.connection).work(burst=burst)
