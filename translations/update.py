"""Refresh the catalogues: extract messages, merge them into en, compile. Run: python translations/update.py"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run([*pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output",
                    "-o", "translations/messages.pot", "."], cwd=ROOT, check=True)
    subprocess.run([*pybabel, "update", "-i", "translations/messages.pot", "-d", "translations", "-l", "en",
                    "--no-fuzzy-matching", "--ignore-obsolete"], cwd=ROOT, check=True)
    subprocess.run([*pybabel, "compile", "-d", "translations", "--statistics"], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
