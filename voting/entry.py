"""The `veche` console script: offline commands start without the web application; the rest go to the full CLI."""

from __future__ import annotations

import sys

OFFLINE = {"recount"}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in OFFLINE:
        from voting.recount import recount_command

        recount_command(args=sys.argv[2:], prog_name=f"veche {sys.argv[1]}")
        return
    from voting.cli import main as full

    full()
