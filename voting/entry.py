"""The `veche` console script: offline commands start without the web application; the rest go to the full CLI."""

from __future__ import annotations

import sys


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if command == "recount":
        from voting.recount import recount_command

        recount_command(args=sys.argv[2:], prog_name="veche recount")
        return
    if command == "verify":
        from ballots.verify_command import verify_command

        verify_command(args=sys.argv[2:], prog_name="veche verify")
        return
    if command == "check-config":
        from voting.check_config import check_config_command

        check_config_command(args=sys.argv[2:], prog_name="veche check-config")
        return
    from voting.cli import main as full

    full()
