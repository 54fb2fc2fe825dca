#!/usr/bin/env python3
"""Check an algorithm register's transparency log, written from docs/verification.md alone.

It imports nothing of the register's code: the standard library, and the ``cryptography`` package
for Ed25519 (``pip install cryptography``). It reads the public endpoints over HTTP, checks the
latest checkpoint's signature, reads every leaf (a documented kind, with its kind's members),
recomputes every leaf hash and the RFC 9162 tree, compares the root,
checks the inclusion proofs served for the first and last entries, and, given a checkpoint saved
earlier, that the new one extends it.

Usage::

    python verify_log.py https://register.example [--key VERIFIER_KEY ...] [--since FILE]

Exit status: 0 verified, 1 a problem found (printed), 2 cannot check.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Fetch = Callable[[str], str]


# --- RFC 9162 -----------------------------------------------------------------------------------


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(hashes: list[bytes]) -> bytes:
    """The tree hash of leaves given by their leaf hashes (section 2.1.1)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def verify_inclusion(h: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """Section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, h
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn != 0 and fn % 2 == 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, root_m: bytes, root_n: bytes, proof: list[bytes]) -> bool:
    """Section 2.1.4.2 (equal sizes: equal roots and no proof; m = 0: no proof)."""
    if m == n:
        return root_m == root_n and not proof
    if m == 0:
        return not proof
    if m > n or not proof:
        return False
    path = ([root_m] if m & (m - 1) == 0 else []) + list(proof)
    fn, sn = m - 1, n - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if fn % 2 == 0:
                while fn != 0 and fn % 2 == 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root_m and sr == root_n and sn == 0


# --- leaves -------------------------------------------------------------------------------------

# "What enters the log" and "Leaf encoding": each kind and the members of its subject.
SUBJECTS = {
    "version.published": {"algorithm", "version"},
    "algorithm.retired": {"algorithm"},
    "audit.published": {"audit", "algorithm"},
    "audit.response": {"audit", "algorithm"},
    "audit.withdrawn": {"audit", "algorithm"},
    "participation.published": {"item", "algorithm"},
    "participation.answered": {"item", "algorithm"},
}
COMMON = {"format", "index", "kind", "at", "event", "subject"}
OPTIONAL = {"audit.published": {"verdict"}, "participation.published": {"answer_sha256"}}
HEX = set("0123456789abcdef")


def is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= HEX


def read_leaf(leaf: dict) -> str | None:  # type: ignore[type-arg]
    """What does not match the documented leaf encoding, or None."""
    kind = leaf.get("kind")
    if leaf.get("format") != 1 or kind not in SUBJECTS or not leaf.keys() >= COMMON:
        return f"not a format 1 leaf of a known kind ({kind!r})"
    if "missing" in leaf:
        allowed = COMMON | {"missing"}
    else:
        allowed = COMMON | {"content_sha256"} | OPTIONAL.get(kind, set())
        if set(leaf["subject"]) != SUBJECTS[kind]:
            return f"{kind} leaf with subject {sorted(leaf['subject'])}"
        if not is_hash(leaf.get("content_sha256")) or not is_hash(
            leaf.get("answer_sha256", "0" * 64)
        ):
            return f"{kind} leaf without a valid content hash"
    if not leaf.keys() <= allowed:
        return f"{kind} leaf with unknown members {sorted(leaf.keys() - allowed)}"
    return None


# --- signed notes -------------------------------------------------------------------------------


def parse_key(text: str) -> tuple[str, int, bytes]:
    """A verifier key ``<name>+<hash hex>+<base64(0x01 || public key)>`` -> (name, hash, key)."""
    name, hash_hex, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError(f"not an Ed25519 verifier key: {text!r}")
    digest = hashlib.sha256(name.encode() + b"\n" + raw).digest()
    if digest[:4].hex() != hash_hex.lower():
        raise ValueError(f"key hash does not match: {text!r}")
    return name, int(hash_hex, 16), raw[1:]


def open_note(note: str, keys: list[tuple[str, int, bytes]]) -> str:
    """The text of a signed note if one of ``keys`` signed it; ValueError otherwise."""
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
    text += "\n"
    for line in sigs.strip("\n").split("\n"):
        if not line.startswith("\u2014 "):
            raise ValueError(f"bad signature line {line!r}")
        name, b64 = line[2:].split(" ")
        blob = base64.b64decode(b64)
        (key_id,) = struct.unpack(">I", blob[:4])
        for key_name, key_hash, public in keys:
            if (key_name, key_hash) == (name, key_id):
                try:
                    Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], text.encode())
                except InvalidSignature:
                    continue
                return text
    raise ValueError("no valid signature by a trusted key")


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    origin, size, root = text.split("\n")[:3]
    return origin, int(size), base64.b64decode(root)


# --- the check ----------------------------------------------------------------------------------


def check(
    fetch: Fetch, keys: list[str] | None = None, saved: str | None = None
) -> tuple[list[str], str]:
    """(problems found, empty if verified; the checkpoint checked). ``fetch(path)``: the body of
    GET <base>/api/v1/log/<path> (JSON) as text."""
    trusted = [parse_key(k) for k in (keys or json.loads(fetch("keys"))["keys"]) if k.strip()]
    note = json.loads(fetch("checkpoint"))["note"]
    try:
        origin, size, root = parse_checkpoint(open_note(note, trusted))
    except ValueError as exc:
        return [f"latest checkpoint: {exc}"], note
    hashes: list[bytes] = []
    problems: list[str] = []
    while len(hashes) < size:
        page = json.loads(fetch(f"entries?start={len(hashes)}&end={size}"))["entries"]
        if not page:
            return [f"entry {len(hashes)}: not served"], note
        for entry in page:
            index = len(hashes)
            leaf = entry["leaf"].encode("utf-8")
            if entry["index"] != index or json.loads(leaf)["index"] != index:
                return [f"entry {index}: served out of place"], note
            if leaf_hash(leaf).hex() != entry["leaf_hash"]:
                return [f"entry {index}: leaf hash mismatch"], note
            unreadable = read_leaf(json.loads(leaf))
            if unreadable:
                problems.append(f"entry {index}: {unreadable}")
            hashes.append(leaf_hash(leaf))
    if mth(hashes) != root:
        problems.append(f"the {size} entries do not hash to the checkpoint's root")
    for index in sorted({0, size - 1}) if size else []:
        answer = json.loads(fetch(f"proof/inclusion?index={index}&size={size}"))
        proof = [bytes.fromhex(p) for p in answer["proof"]]
        if not verify_inclusion(hashes[index], index, size, proof, root):
            problems.append(f"entry {index}: inclusion proof does not verify")
    if saved:
        try:
            old_origin, old_size, old_root = parse_checkpoint(open_note(saved, trusted))
        except ValueError as exc:
            return [*problems, f"saved checkpoint: {exc}"], note
        if old_origin != origin or old_size > size:
            problems.append("the saved checkpoint is of another log, or the log shrank")
        elif old_size == size and old_root != root:
            problems.append(f"split view: two checkpoints of size {size} with different roots")
        else:
            answer = json.loads(fetch(f"proof/consistency?first={old_size}&second={size}"))
            proof = [bytes.fromhex(p) for p in answer["proof"]]
            if not verify_consistency(old_size, size, old_root, root, proof):
                problems.append(f"consistency proof from {old_size} to {size} does not verify")
            if mth(hashes[:old_size]) != old_root:
                problems.append(f"the first {old_size} entries changed since the saved checkpoint")
    return problems, note


def main() -> int:
    parser = argparse.ArgumentParser(description="Check a register's transparency log.")
    parser.add_argument("url")
    parser.add_argument("--key", action="append", help="a trusted verifier key (repeatable)")
    parser.add_argument("--since", type=Path, help="checkpoint saved by the last run")
    args = parser.parse_args()
    base = args.url.rstrip("/") + "/api/v1/log/"

    def fetch(path: str) -> str:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.read().decode("utf-8")  # type: ignore[no-any-return]

    saved = args.since.read_text("utf-8") if args.since and args.since.exists() else None
    try:
        problems, note = check(fetch, args.key, saved)
    except OSError as exc:
        print(f"cannot read {base}: {exc}", file=sys.stderr)
        return 2
    if problems:
        print("\n".join(problems))
        return 1
    if args.since:
        args.since.write_text(note, "utf-8")
    print("verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
