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


class CanonicalError(ValueError):
    """A value RFC 8785 cannot write exactly (a float, an integer beyond ±2^53−1, a lone surrogate, a key that is
    not a string, anything but JSON); the message starts with its path, e.g. `$.answers.area: …`."""


def _check(value: Any, path: str = "$") -> None:
    """Refuse, naming the path, what RFC 8785 cannot write exactly (strings are checked when they are encoded)."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise CanonicalError(f"{path}: integers beyond ±2^53−1 are not exact in RFC 8785 ({value})")
    elif isinstance(value, float):
        raise CanonicalError(f"{path}: floats are not allowed ({value!r}); write amounts as strings")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: keys must be strings ({key!r})")
            _check(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    else:
        raise CanonicalError(f"{path}: {type(value).__name__} is not JSON")


def canonical(tag: str, value: Any) -> bytes:
    """`TAG\\n` + JCS(value), e.g. canonical("OSS-BALLOT-v1", payload)."""
    if "\n" in tag or not tag:
        raise ValueError("a tag is one non-empty line")
    _check(value)
    return canonical_read(tag, value)


def canonical_read(tag: str, value: Any) -> bytes:
    """`canonical` without its walk, for a value read from JSON with floats and integers beyond ±MAX_INTEGER
    refused (the verifier's `loads`). The standard library's encoder writes RFC 8785's bytes for strings, such
    integers, booleans and null, unless a string holds a character beyond the Basic Multilingual Plane (where code
    points and RFC 8785's UTF-16 key order could differ): then rfc8785 writes them."""
    return tag.encode() + b"\n" + jcs_read(value)


def jcs_read(value: Any) -> bytes:
    """RFC 8785 JSON of a value read as `canonical_read` expects, without a tag line (the register's hash)."""
    try:
        body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        where = _surrogate(value, "$") or "$"
        raise CanonicalError(f"{where}: a lone surrogate is not text (RFC 8785 refuses it)") from None
    if _BEYOND_BMP.search(body):
        body = rfc8785.dumps(value)
    return body


def _surrogate(value: Any, path: str) -> str | None:
    """The path of the first string or key holding a lone surrogate (written with backslash escapes)."""
    if isinstance(value, str):
        return None if _encodes(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{str(key).encode(errors='backslashreplace').decode()}"
            found = where if isinstance(key, str) and not _encodes(key) else _surrogate(item, where)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _surrogate(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def digest(tag: str, value: Any) -> str:
    """SHA-256 of the canonical bytes, hex."""
    return hashlib.sha256(canonical(tag, value)).hexdigest()
