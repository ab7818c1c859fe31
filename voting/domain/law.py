"""The rules as data: `data/law.json` (subjects, thresholds, timeline, protocol orders, targets), read once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def law() -> dict[str, Any]:
    """The decoded law.json (shared: never modify it)."""
    text = resources.files("voting.domain.data").joinpath("law.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]
