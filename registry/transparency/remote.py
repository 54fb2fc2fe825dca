"""Check a registry's transparency log from outside, over its public endpoints only.

``verify_remote(fetch, saved=...)``: read the public keys and the latest checkpoint, check its
signature, download every entry, check each leaf is one of the documented kinds with the members
its kind has (:func:`leaf_shape_problem`), recompute each leaf hash and the tree, compare the root
with the checkpoint, ask for and check an inclusion proof of the first and last entries, and,
given the checkpoint saved last time, check the new one is consistent with it (a proof from the
server and the recomputed tree; equal sizes with different roots are a split view).
``fetch(path)`` returns the body of ``GET <registry>/api/v1/log/<path>`` (JSON) as text; no
database is read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from registry.transparency import merkle
from registry.transparency.note import (
    Checkpoint,
    NoteError,
    SignedNote,
    VerifierKey,
    parse_note,
    read_verifier_keys,
)

PAGE = 1000
Fetch = Callable[[str], str]

#: Each kind of leaf and the members of its subject (docs/verification.md, "Leaf encoding").
LEAF_SUBJECTS: dict[str, frozenset[str]] = {
    "version.published": frozenset({"algorithm", "version"}),
    "algorithm.retired": frozenset({"algorithm"}),
    "audit.published": frozenset({"audit", "algorithm"}),
    "audit.response": frozenset({"audit", "algorithm"}),
    "audit.withdrawn": frozenset({"audit", "algorithm"}),
    "participation.published": frozenset({"item", "algorithm"}),
    "participation.answered": frozenset({"item", "algorithm"}),
}
#: The members every leaf has, and those only some kinds may add.
LEAF_MEMBERS = frozenset({"format", "index", "kind", "at", "event", "subject"})
LEAF_OPTIONAL = {
    "audit.published": frozenset({"verdict"}),
    "participation.published": frozenset({"answer_sha256"}),
}


def _is_sha256(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def leaf_shape_problem(leaf: object) -> str | None:
    """What is wrong with a leaf's members for its kind (docs/verification.md), or None."""
    if not isinstance(leaf, dict):
        return "its leaf is not a JSON object"
    kind = leaf.get("kind")
    if leaf.get("format") != 1:
        return f"its leaf has format {leaf.get('format')!r}, not 1"
    if kind not in LEAF_SUBJECTS:
        return f"its leaf is of an unknown kind {kind!r}"
    lacking = sorted(LEAF_MEMBERS - leaf.keys())
    if lacking:
        return f"its {kind} leaf lacks {', '.join(lacking)}"
    subject = leaf["subject"]
    if "missing" in leaf:
        # The record was gone when the fact was logged: the subject names what the ledger named.
        allowed = LEAF_MEMBERS | {"missing"}
        if not isinstance(subject, dict) or not isinstance(leaf["missing"], str):
            return f"its {kind} leaf's missing record is not described"
    else:
        allowed = LEAF_MEMBERS | {"content_sha256"} | LEAF_OPTIONAL.get(kind, frozenset())
        if not isinstance(subject, dict) or subject.keys() != LEAF_SUBJECTS[kind]:
            wanted = ", ".join(sorted(LEAF_SUBJECTS[kind]))
            return f"its {kind} leaf's subject is not {{{wanted}}}"
        if not _is_sha256(leaf.get("content_sha256")):
            return f"its {kind} leaf has no content_sha256 (64 lower-case hex digits)"
        if "answer_sha256" in leaf and not _is_sha256(leaf["answer_sha256"]):
            return f"its {kind} leaf's answer_sha256 is not 64 lower-case hex digits"
    extra = sorted(leaf.keys() - allowed)
    if extra:
        return f"its {kind} leaf has members its kind has not: {', '.join(extra)}"
    return None


@dataclass
class RemoteReport:
    checkpoint: Checkpoint | None = None
    note: str | None = None
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_keys(text: str) -> list[VerifierKey]:
    keys = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keys.append(VerifierKey.parse(line))
    return keys


def _signed(note_text: str, keys: list[VerifierKey], what: str) -> tuple[SignedNote, Checkpoint]:
    note = parse_note(note_text)
    if note.verified_by(keys) is None:
        names = ", ".join(s.name for s in note.signatures) or "nobody"
        raise NoteError(f"{what} has no valid signature by a trusted key (signed as {names})")
    return note, note.checkpoint()


def compare_checkpoints(
    old: Checkpoint, new: Checkpoint, proof: list[bytes] | None, tree: merkle.MemoryTree | None
) -> list[str]:
    """Problems between a saved checkpoint and a newer one (none if the new one extends the old)."""
    if old.origin != new.origin:
        return [f"the saved checkpoint is of log {old.origin!r}, not {new.origin!r}"]
    if new.size < old.size:
        return [f"the log shrank: the saved checkpoint has {old.size} entries, the new {new.size}"]
    if new.size == old.size and new.root != old.root:
        return [
            f"split view: two signed checkpoints of size {new.size} with different roots "
            f"({old.root.hex()[:16]}… saved, {new.root.hex()[:16]}… now)"
        ]
    problems = []
    if proof is not None and not merkle.verify_consistency(
        old.size, new.size, old.root, new.root, proof
    ):
        problems.append(
            f"the consistency proof from size {old.size} to {new.size} does not verify: "
            "the saved history was rewritten"
        )
    if tree is not None and tree.size >= old.size and tree.root(old.size) != old.root:
        problems.append(
            f"the log's first {old.size} entries no longer have the saved checkpoint's root"
        )
    return problems


def verify_remote(
    fetch: Fetch, *, saved: str | None = None, trusted: list[VerifierKey] | None = None
) -> RemoteReport:
    report = RemoteReport()
    try:
        keys = trusted if trusted else parse_keys("\n".join(json.loads(fetch("keys"))["keys"]))
        if not trusted:
            report.notes.append(
                f"trusting the log's published keys: {', '.join(k.name for k in keys)}"
            )
        note_text = json.loads(fetch("checkpoint"))["note"]
        _, checkpoint = _signed(note_text, keys, "the latest checkpoint")
    except NoteError as exc:
        report.problems.append(str(exc))
        return report
    report.checkpoint, report.note = checkpoint, note_text
    tree = merkle.MemoryTree()
    while tree.size < checkpoint.size:
        end = min(checkpoint.size, tree.size + PAGE)
        page = json.loads(fetch(f"entries?start={tree.size}&end={end}"))["entries"]
        if not page:
            report.problems.append(f"entry {tree.size}: missing from the entries the log serves")
            return report
        for item in page:
            index = tree.size
            leaf = item["leaf"].encode("utf-8")
            computed = merkle.leaf_hash(leaf)
            if item.get("index") != index:
                report.problems.append(f"entry {index}: served as entry {item.get('index')}")
                return report
            if computed.hex() != item.get("leaf_hash"):
                report.problems.append(f"entry {index}: its leaf hash is not SHA-256(0x00 || leaf)")
                return report
            parsed = json.loads(leaf)
            if parsed.get("index") != index:
                report.problems.append(
                    f"entry {index}: its leaf says it is entry {parsed.get('index')}"
                )
                return report
            shape = leaf_shape_problem(parsed)
            if shape is not None:
                report.problems.append(f"entry {index}: {shape}")
            tree.append(computed)
    report.entries = tree.size
    if tree.root(checkpoint.size) != checkpoint.root:
        report.problems.append(
            f"the {checkpoint.size} entries served do not have the checkpoint's root"
        )
    for index in sorted({0, checkpoint.size - 1}) if checkpoint.size else []:
        answer = json.loads(fetch(f"proof/inclusion?index={index}&size={checkpoint.size}"))
        proof = [bytes.fromhex(p) for p in answer["proof"]]
        if not merkle.verify_inclusion(
            tree.levels[0][index], index, checkpoint.size, proof, checkpoint.root
        ):
            report.problems.append(f"entry {index}: the inclusion proof served does not verify")
    if saved is not None:
        try:
            _, old = _signed(saved, keys, "the saved checkpoint")
        except NoteError as exc:
            report.problems.append(str(exc))
            return report
        proof_hashes = None
        if old.size <= checkpoint.size and old.size != checkpoint.size:
            answer = json.loads(
                fetch(f"proof/consistency?first={old.size}&second={checkpoint.size}")
            )
            proof_hashes = [bytes.fromhex(p) for p in answer["proof"]]
        report.problems.extend(compare_checkpoints(old, checkpoint, proof_hashes, tree))
    return report


__all__ = [
    "RemoteReport",
    "compare_checkpoints",
    "leaf_shape_problem",
    "parse_keys",
    "read_verifier_keys",
    "verify_remote",
]
