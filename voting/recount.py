"""`veche recount`: the offline recount, importable without Flask or a database (it starts in a fraction of the
time the web application needs)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from voting.core.command_input import read_or_exit


@click.command("recount")
@click.argument("dossier", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print oss-result/1 JSON instead of a table.")
def recount_command(dossier: Path, as_json: bool) -> None:
    """Recount a meeting from its dossier (oss-dossier/1), offline: no database, no network.

    Exit codes: 0 done, 2 malformed input (the message names the JSON path).
    """
    from voting.domain import dossier as dossiers
    from voting.domain.tally import tally, to_json

    parsed = read_or_exit(dossier, dossiers.loads, dossiers.DossierError)
    result = to_json(tally(parsed))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"{parsed.address}: {parsed.meeting.form} meeting, {parsed.meeting.opens_at.isoformat()} – "
               f"{parsed.meeting.closes_at.isoformat()}")
    click.echo(f"total votes {result['total_votes']}, took part {result['participating_votes']} "
               f"({result['participation_percent']} %), quorum: {'yes' if result['quorum'] else 'no'}")
    click.echo(f"{'item':<6}{'subject':<12}{'rule':<26}{'for':>12}{'against':>12}{'abstain':>12}"
               f"{'% part.':>9}{'% all':>9}  result")
    for item in result["items"]:
        click.echo(f"{item['id']:<6}{item['subject']:<12}{item['rule']:<26}{item['for']:>12}{item['against']:>12}"
                   f"{item['abstain']:>12}{item['for_percent_of_participants'] or '—':>9}"
                   f"{item['for_percent_of_all'] or '—':>9}  {'adopted' if item['adopted'] else 'not adopted'}")
    decisions = result["decisions"]
    click.echo(f"decisions counted: {decisions['counted']}, rejected: {len(decisions['rejected'])}")
    for rejection in decisions["rejected"]:
        click.echo(f"  rejected: owner {rejection['owner']}, premises {rejection['premises']}: {rejection['reason']}")
