"""URL converters: ids in paths bounded to what the database can hold, so a huge id is a 404, not a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

# PostgreSQL's `integer` (the primary keys' type); SQLite holds more, but an id beyond this was never issued
ID_MAX = 2**31 - 1


def up_to(limit: int) -> str:
    """A regular expression of the decimal numbers 1…`limit` (no leading zeros): the bound is in the match itself,
    so that a number past it matches no rule at all (a range check after matching would make werkzeug answer 405
    for a path that a rule of another method matches by its pattern)."""
    digits = str(limit)
    options = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for place, digit in enumerate(digits):
        low = "1" if place == 0 else "0"
        if int(digit) > int(low):
            options.append(f"{digits[:place]}[{low}-{int(digit) - 1}]" + (rf"\d{{{len(digits) - place - 1}}}"
                                                                          if place < len(digits) - 1 else ""))
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive integer that fits the database's integer column; anything else matches no route."""

    regex = up_to(ID_MAX)

    def __init__(self, map: Any) -> None:
        super().__init__(map, min=1, max=ID_MAX)


def register(app: Flask) -> None:
    """Install the converters; must run before any blueprint is registered."""
    app.url_map.converters["id"] = IdConverter
