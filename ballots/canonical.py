"""Canonical bytes of anything hashed or signed (FORMATS.md §1): a domain tag line, then RFC 8785 JSON.
Floats are refused anywhere in the value: amounts travel as decimal or fraction strings."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import rfc8785

MAX_INTEGER = 2**53 - 1  # RFC 8785 writes numbers as IEEE doubles: larger integers are not exact
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]")  # the lead byte of a UTF-8 character outside the Basic Multilingual Plane


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


def canonical_read(tag: str, value: Any) -> bytes:
    """`canonical` for a value read from JSON with floats and integers beyond ±MAX_INTEGER refused (the verifier's
    `loads`), four times faster: for strings, such integers, booleans and null the standard library's encoder writes
    RFC 8785's bytes, unless a string holds a lone surrogate or a character beyond the Basic Multilingual Plane
    (where code points and RFC 8785's UTF-16 key order could differ); then rfc8785 writes them."""
    try:
        body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    except UnicodeEncodeError:  # a lone surrogate
        return canonical(tag, value)
    if _BEYOND_BMP.search(body):
        return canonical(tag, value)
    return tag.encode() + b"\n" + body


def digest(tag: str, value: Any) -> str:
    """SHA-256 of the canonical bytes, hex."""
    return hashlib.sha256(canonical(tag, value)).hexdigest()
