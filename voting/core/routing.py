"""URL converters: ids in paths bounded to what the database can hold, so a huge id is a 404, not a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer` (the primary keys' type); SQLite holds more, but an id beyond this was never issued
ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive integer that fits the database's integer column; anything else matches no route."""

    regex = r"\d{1,10}"

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=ID_MAX)


def register(app: Flask) -> None:
    """Install the converters; must run before any blueprint is registered."""
    app.url_map.converters["id"] = IdConverter
