"""Canonical bytes of anything hashed or signed (FORMATS.md §1): a domain tag line, then RFC 8785 JSON.
Floats are refused anywhere in the value: amounts travel as decimal or fraction strings."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


class FloatRefusedError(ValueError):
    """A float inside a value that is to be hashed or signed; `path` says where."""


def _refuse_floats(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise FloatRefusedError(f"{path}: floats are not allowed ({value!r}); write amounts as strings")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def canonical(tag: str, value: Any) -> bytes:
    """`TAG\\n` + JCS(value), e.g. canonical("OSS-BALLOT-v1", payload)."""
    if "\n" in tag or not tag:
        raise ValueError("a tag is one non-empty line")
    _refuse_floats(value)
    return tag.encode() + b"\n" + rfc8785.dumps(value)


def digest(tag: str, value: Any) -> str:
    """SHA-256 of the canonical bytes, hex."""
    return hashlib.sha256(canonical(tag, value)).hexdigest()
