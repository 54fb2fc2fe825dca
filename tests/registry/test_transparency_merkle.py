"""RFC 9162 Merkle hashing and proofs against a second, deliberately naive implementation.

The reference below is the RFC's recursive definitions written out literally (MTH, PATH, PROOF /
SUBPROOF over lists of leaves, nothing cached); ``registry.transparency.merkle`` computes the same
from stored subtree hashes and verifies with the RFC's iterative algorithms.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.transparency import merkle
from registry.transparency.merkle import MemoryTree


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else ref_subproof(m, leaves, True)


def leaves_of(n: int) -> list[bytes]:
    return [f"leaf {i}".encode() for i in range(n)]


def tree_of(leaves: list[bytes]) -> MemoryTree:
    return MemoryTree(merkle.leaf_hash(x) for x in leaves)


# RFC 6962's test data (as in Certificate Transparency's merkle_tree_test): the 8 leaves and the
# roots of their prefixes. Independent of both implementations here.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_bytes():
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_rfc6962_test_vectors(size):
    assert tree_of(RFC6962_LEAVES[:size]).root().hex() == RFC6962_ROOTS[size - 1]


@pytest.mark.parametrize("n", range(0, 70))
def test_root_of_every_size_matches_the_recursive_definition(n):
    leaves = leaves_of(n)
    tree = tree_of(leaves)
    assert tree.root() == ref_mth(leaves)
    for size in range(n + 1):
        assert tree.root(size) == ref_mth(leaves[:size])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 9, 16, 31, 33])
def test_inclusion_and_consistency_proofs_match_the_recursive_definition(n):
    leaves = leaves_of(n)
    tree = tree_of(leaves)
    for size in range(1, n + 1):
        for m in range(size):
            assert tree.inclusion_proof(m, size) == ref_path(m, leaves[:size])
        for first in range(size + 1):
            assert tree.consistency_proof(first, size) == ref_proof(first, leaves[:size])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_inclusion_proof_verifies_and_a_tampered_leaf_does_not(n, data):
    leaves = leaves_of(n)
    tree = tree_of(leaves)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index, size)
    root = tree.root(size)
    good = merkle.leaf_hash(leaves[index])
    assert merkle.verify_inclusion(good, index, size, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"tampered"), index, size, proof, root)
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
        assert not merkle.verify_inclusion(good, other, size, proof, root)
    if proof:
        bent = [*proof[:-1], bytes(32)]
        assert not merkle.verify_inclusion(good, index, size, bent, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_every_consistency_proof_verifies_and_a_changed_history_does_not(n, data):
    leaves = leaves_of(n)
    tree = tree_of(leaves)
    second = data.draw(st.integers(1, n))
    first = data.draw(st.integers(1, second))
    proof = tree.consistency_proof(first, second)
    assert merkle.verify_consistency(first, second, tree.root(first), tree.root(second), proof)
    # The same size, another history: one leaf of the old tree rewritten.
    changed = list(leaves[:second])
    changed[data.draw(st.integers(0, first - 1))] = b"rewritten"
    forged_old = ref_mth(changed[:first])
    assert not merkle.verify_consistency(first, second, forged_old, tree.root(second), proof)
    if first < second:
        assert not merkle.verify_consistency(
            first, second, tree.root(first), ref_mth(changed), proof
        )


def test_bad_proof_requests_are_refused_with_the_sizes():
    tree = tree_of(leaves_of(5))
    with pytest.raises(merkle.ProofError, match="leaf index 5 is outside a tree of size 5"):
        tree.inclusion_proof(5, 5)
    with pytest.raises(merkle.ProofError, match="from size 4 to size 3"):
        tree.consistency_proof(4, 3)


def test_equal_sizes_with_different_roots_are_inconsistent():
    a, b = tree_of(leaves_of(4)), tree_of([b"x", *leaves_of(4)[1:]])
    assert merkle.verify_consistency(4, 4, a.root(), a.root(), [])
    assert not merkle.verify_consistency(4, 4, a.root(), b.root(), [])
