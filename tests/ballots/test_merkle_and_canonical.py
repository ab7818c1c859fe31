"""The log's building blocks: RFC 6962 Merkle roots (the Certificate Transparency test vectors and a recursive
reference) and the canonical bytes that are hashed and signed."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ballots.canonical import MAX_INTEGER, CanonicalError, canonical, canonical_read, digest
from ballots.merkle import leaf_hash, node_hash, root

CT_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]


@pytest.mark.parametrize("size", range(1, 9))
def test_certificate_transparency_vectors(size: int) -> None:
    assert root([bytes.fromhex(x) for x in CT_INPUTS[:size]]).hex() == CT_ROOTS[size - 1]


def test_empty_tree() -> None:
    assert root([]) == hashlib.sha256(b"").digest()


def reference(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 as written: split at the largest power of two smaller than n."""
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return node_hash(reference(leaves[:split]), reference(leaves[split:]))


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70))
def test_root_agrees_with_the_recursive_definition(leaves: list[bytes]) -> None:
    assert root(leaves) == reference(leaves)


def test_any_changed_leaf_or_order_changes_the_root() -> None:
    leaves = [f"entry {n}".encode() for n in range(10)]
    base = root(leaves)
    assert root([*leaves[:3], b"entry X", *leaves[4:]]) != base
    assert root([leaves[1], leaves[0], *leaves[2:]]) != base
    assert root(leaves[:-1]) != base


def test_canonical_bytes_ignore_key_order_and_refuse_floats() -> None:
    one = canonical("OSS-BALLOT-v1", {"b": "2", "a": {"y": [1, "x"], "x": "Иванов"}})
    two = canonical("OSS-BALLOT-v1", {"a": {"x": "Иванов", "y": [1, "x"]}, "b": "2"})
    assert one == two == 'OSS-BALLOT-v1\n{"a":{"x":"Иванов","y":[1,"x"]},"b":"2"}'.encode()
    assert digest("OSS-BALLOT-v1", {"a": "1"}) != digest("OSS-RECEIPT-v1", {"a": "1"})  # the tag separates uses
    with pytest.raises(ValueError):
        canonical("two\nlines", {})


TEXT = st.characters(exclude_categories=())  # surrogates too


def json_values(integers: st.SearchStrategy[int]) -> st.SearchStrategy[object]:
    return st.recursive(
        st.none() | st.booleans() | integers | st.text(TEXT),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(TEXT, max_size=6), inner, max_size=4),
        max_leaves=12)


@given(json_values(st.integers()))
def test_canonical_bytes_are_rfc_8785s_or_refused_where_it_refuses(value: object) -> None:
    """Any text (controls, quotes, Cyrillic, lone surrogates, characters beyond the BMP), any integer, nesting."""
    try:
        expected = b"OSS-BALLOT-v1\n" + rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):  # a lone surrogate in a key: rfc8785 fails to encode it
        with pytest.raises(CanonicalError, match=r"^\$"):
            canonical("OSS-BALLOT-v1", value)
        return
    assert canonical("OSS-BALLOT-v1", value) == expected


@given(json_values(st.integers(-MAX_INTEGER, MAX_INTEGER)))
def test_the_verifiers_canonical_bytes_without_the_walk_are_rfc_8785s(value: object) -> None:
    """What the verifier's `loads` admits (no floats, no integers beyond ±2^53−1)."""
    try:
        expected = b"OSS-BALLOT-v1\n" + rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):  # a lone surrogate in a key: rfc8785 fails to encode it
        with pytest.raises(CanonicalError):
            canonical_read("OSS-BALLOT-v1", value)
        return
    assert canonical_read("OSS-BALLOT-v1", value) == expected


@pytest.mark.parametrize(("value", "path"), [
    ({"answers": {"area": 54.3}}, r"\$\.answers\.area: floats"),
    ({"seq": 2**53}, r"\$\.seq: integers beyond"),
    ({"premises": ["1", "\ud800"]}, r"\$\.premises\[1\]: a lone surrogate"),
    ({"a": {"\ud800": 1}}, r"\$\.a\.\\ud800: a lone surrogate"),  # the key, written with its escape
    ({"a": {1: "x"}}, r"\$\.a: keys must be strings"),
    ({"a": {"b": {1, 2}}}, r"\$\.a\.b: set is not JSON"),
])
def test_what_rfc_8785_cannot_write_is_refused_naming_where(value: object, path: str) -> None:
    with pytest.raises(CanonicalError, match=rf"^{path}"):
        canonical("OSS-BALLOT-v1", value)


@pytest.mark.parametrize("value", [
    {"\ue000": 1, "\U0001f600": 2},  # code point order puts U+E000 first, UTF-16 (RFC 8785) the emoji
    {"a": "\x00\x1f\x7f\u2028\"\\\b\f\n\r\t"},  # escapes exactly as RFC 8785 writes them
    {"z": [True, False, None, MAX_INTEGER, -MAX_INTEGER, 0]},
])
def test_canonical_bytes_at_the_edges(value: object) -> None:
    assert canonical_read("OSS-ENTRY-v1", value) == canonical("OSS-ENTRY-v1", value) == (
        b"OSS-ENTRY-v1\n" + rfc8785.dumps(value))
