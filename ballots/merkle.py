"""Merkle tree hashes of RFC 6962 (Certificate Transparency) over the meeting log's entry hashes: leaves are
hashed with a 0x00 prefix, nodes with 0x01, and the tree splits at the largest power of two below n."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1 for the leaves' data (not yet hashed)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = [leaf_hash(leaf) for leaf in leaves]
    # pairing level by level gives RFC 6962's tree: an odd node is carried up unchanged
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _largest_power_below(n: int) -> int:
    """The k of RFC 6962 §2.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes already computed."""
    if len(hashes) == 1:
        return hashes[0]
    k = _largest_power_below(len(hashes))
    return node_hash(_subtree(hashes[:k]), _subtree(hashes[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of `leaves` (data, not hashed)."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    hashes = [leaf_hash(leaf) for leaf in leaves]
    path: list[bytes] = []
    while len(hashes) > 1:
        k = _largest_power_below(len(hashes))
        if index < k:
            path.append(_subtree(hashes[k:]))
            hashes = hashes[:k]
        else:
            path.append(_subtree(hashes[:k]))
            hashes, index = hashes[k:], index - k
    return path[::-1]  # RFC 6962 lists the path from the leaf up


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to from leaf data (RFC 9162 §2.1.3.2), or None when the path cannot belong to
    leaf `index` of a tree of `size`."""
    if not 0 <= index < size:
        return None
    fn, sn, node = index, size - 1, leaf_hash(leaf)
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None
