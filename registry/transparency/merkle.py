"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs. Pure: bytes in, bytes out.

Hashes (RFC 9162 section 2.1.1): a leaf is ``SHA-256(0x00 || leaf)``, an interior node
``SHA-256(0x01 || left || right)``, the empty tree ``SHA-256()``; a tree of ``n > 1`` leaves
splits at ``k``, the largest power of two below ``n``:
``MTH(D[0:n]) = node(MTH(D[0:k]), MTH(D[k:n]))``.

Proof generation reads subtree hashes through a :class:`SubtreeHashes` callback, so a store that
keeps every complete, aligned subtree (``level``, ``index``: the ``2**level`` leaves from
``index * 2**level``) answers a proof with O(log n) look-ups instead of rebuilding the tree
(``registry.services.transparency``). :class:`MemoryTree` is the in-memory store (tests, the
HTTP verifier). Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 exactly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: ``get(level, index)``: the hash of the complete subtree of ``2**level`` leaves starting at leaf
#: ``index * 2**level``. Called only for subtrees that exist.
SubtreeHashes = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof request or a proof that cannot be right (sizes, indexes, lengths)."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def aligned_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The complete aligned subtrees (level, index) covering leaves ``[start, end)``, left to right.

    For the ranges a Merkle proof asks about (``start`` a multiple of a power of two at least
    ``end - start``), folding these from the right gives ``MTH(D[start:end])``.
    """
    out: list[tuple[int, int]] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def range_hash(get: SubtreeHashes, start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` from stored subtree hashes (see :func:`aligned_subtrees`)."""
    if end <= start:
        raise ProofError(f"empty range [{start}, {end})")
    parts = [get(level, index) for level, index in aligned_subtrees(start, end)]
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = node_hash(part, acc)
    return acc


def root_hash(get: SubtreeHashes, size: int) -> bytes:
    """The root of the tree of the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else range_hash(get, 0, size)


def inclusion_proof(get: SubtreeHashes, index: int, size: int) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            path.append(range_hash(get, start + k, end))
            end = start + k
        else:
            path.append(range_hash(get, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(get: SubtreeHashes, first: int, second: int) -> list[bytes]:
    """RFC 9162 PROOF(first, D[0:second]): that the tree of ``first`` leaves is a prefix."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[bytes] = []
    # SUBPROOF(m, D[start:end], b), unrolled; collected root-side first, reversed at the end.
    m, start, end, complete = first, 0, second, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                proof.append(range_hash(get, start, end))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            proof.append(range_hash(get, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(get, start, start + k))
            m -= k
            start += k
            complete = False
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash_
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2 (with the trivial cases: equal sizes, an empty first tree)."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is the first node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def completed_nodes(
    get: SubtreeHashes, index: int, new_leaf_hash: bytes
) -> list[tuple[int, int, bytes]]:
    """The subtree hashes completed by appending leaf ``index``: (level, index, hash), level 1 up.

    ``get`` must answer for the subtrees left of the new leaf (its completed siblings).
    """
    out: list[tuple[int, int, bytes]] = []
    acc, level, i = new_leaf_hash, 0, index
    while i & 1:
        acc = node_hash(get(level, i - 1), acc)
        level += 1
        i >>= 1
        out.append((level, i, acc))
    return out


class MemoryTree:
    """Every complete aligned subtree of a list of leaf hashes, in memory (append-only)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf_hash_: bytes) -> None:
        index = self.size
        self.levels[0].append(leaf_hash_)
        for level, i, h in completed_nodes(self.get, index, leaf_hash_):
            if len(self.levels) <= level:
                self.levels.append([])
            assert len(self.levels[level]) == i
            self.levels[level].append(h)

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.get, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self.get, index, self.size if size is None else size)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return consistency_proof(self.get, first, self.size if second is None else second)
