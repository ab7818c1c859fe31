"""A command's input file: read and parsed, or the command ends with exit code 2 saying why (importable without
Flask, for the offline commands)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

T = TypeVar("T")


def read_or_exit(path: Path, parse: Callable[[bytes], T], malformed: type[Exception]) -> T:
    """`parse` of the file's bytes; an unreadable file or a `malformed` error prints `error: …` and exits 2."""
    try:
        return parse(path.read_bytes())
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror}")
    except malformed as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
