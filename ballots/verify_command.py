"""`veche verify`: importable without Flask or a database, like `veche recount`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from voting.core.command_input import read_or_exit


@click.command("verify")
@click.argument("evidence", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--receipt", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check a ballot's receipt (the JSON the receipt page downloads) against the bundle.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(evidence: Path, receipt: Path | None, as_json: bool) -> None:
    """Check an evidence bundle (oss-evidence/1, or a protocol PDF carrying one) offline and re-tally it.

    Exit codes: 0 valid, 1 findings (each printed with where and what), 2 malformed input.
    """
    from ballots.verify import MalformedError, verify_file

    receipt_bytes = read_or_exit(receipt, lambda data: data, MalformedError) if receipt is not None else None
    report = read_or_exit(evidence, lambda data: verify_file(data, receipt_bytes), MalformedError)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{report.entries} log entries, {report.ballots} ballots, {report.paper} paper decisions")
        for finding in report.findings:
            click.echo(f"FINDING {finding}")
        if report.result is not None:
            click.echo(f"recount: took part {report.result['participating_votes']} of {report.result['total_votes']}, "
                       f"quorum: {'yes' if report.result['quorum'] else 'no'}; "
                       + ", ".join(f"item {i['id']}: {'adopted' if i['adopted'] else 'not adopted'}"
                                   for i in report.result["items"]))
        if report.receipt is not None:
            click.echo("receipt: " + "; ".join(f"{where}: entry included under the root of {proof['size']} entries "
                                                f"({len(proof['path'])} hashes in its path)"
                                                for where, proof in report.receipt.items()))
        click.echo("VALID" if report.valid else f"INVALID: {len(report.findings)} finding(s)")
    sys.exit(0 if report.valid else 1)
