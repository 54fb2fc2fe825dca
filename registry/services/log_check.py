"""The database against its own transparency log: ``registry verify --database``.

Recomputes every leaf from the stored records (``transparency.leaf_for_event``), the tree from the
leaves, checks every stored checkpoint's signature against the public keys kept outside the
database and its root against the recomputed tree, and the event ledger's hash chain. Each problem
names the entry (index, kind, subject) or the checkpoint, in log order. A module of its own because
it reads both the ledger (``events``) and the log, and ``events`` appends to the log; for the same
reason the server's start-up step that brings the log up to the ledger lives here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.models import Event
from registry.models.transparency import LogCheckpoint, LogEntry, LogNode
from registry.services.events import lock_ledger, verify_chain
from registry.services.transparency import (
    LOGGED_ACTIONS,
    SETTINGS_KEY,
    LeafProblem,
    append_missing,
    leaf_bytes,
    leaf_for_event,
)
from registry.transparency import merkle
from registry.transparency.note import NoteError, VerifierKey, parse_note

if TYPE_CHECKING:
    from registry.config import Settings


def catch_up_at_start(engine: sa.Engine, settings: Settings, *, now: datetime) -> int:
    """The server's start-up step: append the logged events missing from the log
    (``transparency.append_missing``: a kind of fact logged only since an upgrade) under the ledger
    lock, signing a checkpoint if they are appended, and commit. Nothing to do (no statement but
    one anti-join) when the log is complete; a database without the log's tables is left alone."""
    if not sa.inspect(engine).has_table(LogEntry.__tablename__):
        return 0
    with Session(engine) as session:
        session.info[SETTINGS_KEY] = settings
        lock_ledger(session)
        added = append_missing(session, now=now)
        session.commit()
    return added


def _describe(leaf: dict[str, Any]) -> str:
    subject = leaf.get("subject") or {}
    what = ", ".join(f"{k} {v}" for k, v in sorted(subject.items()))
    return f"{leaf.get('kind')} ({what})" if what else str(leaf.get("kind"))


@dataclass
class DatabaseReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_database(
    session: Session,
    keys: list[VerifierKey] | None,
    *,
    absent_kinds: frozenset[str] = frozenset(),
) -> DatabaseReport:
    """Recompute every leaf from the stored records, the tree from the leaves, and check every
    stored checkpoint's signature (against ``keys``, kept outside the database) and root.
    Problems name the entry (its index, kind and subject), in log order.

    ``keys`` None: signatures are not checked (an import into a register that has no public keys
    yet). ``absent_kinds``: kinds of fact whose records may be absent (an export does not carry
    audits); their leaves are taken as they are."""
    report = DatabaseReport()
    chain = verify_chain(session)
    if not chain.ok:
        report.problems.append(f"event ledger: event {chain.first_bad_event_id}: {chain.problem}")
    tree = merkle.MemoryTree()
    logged_events = select(Event).where(Event.action.in_(LOGGED_ACTIONS))  # type: ignore[attr-defined]
    events: dict[int, Event] = {e.id: e for e in session.exec(logged_events)}  # type: ignore[misc]
    logged: set[int] = set()
    for entry in session.exec(select(LogEntry).order_by(LogEntry.idx)):  # type: ignore[arg-type]
        index = tree.size
        report.entries += 1
        try:
            stored = json.loads(entry.leaf)
        except ValueError:
            stored = {}
        name = f"entry {index}: {_describe(stored)}"
        if entry.idx != index:
            report.problems.append(
                f"entry {index} is missing (the next stored entry is {entry.idx})"
            )
            break
        if stored.get("index") != index:
            report.problems.append(
                f"{name}: its leaf says it is entry {stored.get('index')} (entries reordered)"
            )
        computed_hash = merkle.leaf_hash(entry.leaf.encode("utf-8"))
        if computed_hash.hex() != entry.leaf_hash:
            report.problems.append(f"{name}: the stored leaf hash is not SHA-256(0x00 || leaf)")
        event = events.get(entry.event_id)
        if event is None:
            report.problems.append(
                f"{name}: its event {entry.event_id} is missing or not a logged action"
            )
        else:
            logged.add(event.id)  # type: ignore[arg-type]
            try:
                expected = leaf_for_event(session, event, index)
            except LeafProblem as exc:
                if event.action not in absent_kinds:
                    report.problems.append(f"{name}: {exc}")
            else:
                if leaf_bytes(expected) != entry.leaf.encode("utf-8"):
                    changed = sorted(
                        k
                        for k in expected.keys() | stored.keys()
                        if expected.get(k) != stored.get(k)
                    )
                    what = ", ".join(changed) or "encoding"
                    report.problems.append(
                        f"{name}: the stored record no longer matches its leaf ({what} differ)"
                    )
        tree.append(computed_hash)
    for event_id in sorted(events.keys() - logged):
        event = events[event_id]
        report.problems.append(
            f"event {event_id} ({event.action}, {event.subject_type} {event.subject_id}) is public "
            "but not in the log"
        )
    stored_nodes = set()
    for node in session.exec(select(LogNode)):
        stored_nodes.add((node.level, node.idx))
        row = tree.levels[node.level] if node.level < len(tree.levels) else []
        if node.idx < len(row) and row[node.idx].hex() != node.hash:
            report.problems.append(
                f"stored subtree hash (level {node.level}, index {node.idx}) is wrong"
            )
    missing = [
        (level, i)
        for level in range(1, len(tree.levels))
        for i in range(len(tree.levels[level]))
        if (level, i) not in stored_nodes
    ]
    if missing:
        level, i = missing[0]
        report.problems.append(
            f"{len(missing)} stored subtree hashes are missing, the first (level {level}, "
            f"index {i}); proofs cannot be served"
        )
    for checkpoint in session.exec(select(LogCheckpoint).order_by(LogCheckpoint.id)):  # type: ignore[arg-type]
        report.checkpoints += 1
        report.problems.extend(_check_stored_checkpoint(checkpoint, tree, keys))
    return report


def _check_stored_checkpoint(
    checkpoint: LogCheckpoint, tree: merkle.MemoryTree, keys: list[VerifierKey] | None
) -> list[str]:
    name = f"checkpoint {checkpoint.id} (size {checkpoint.size})"
    try:
        note = parse_note(checkpoint.note)
        body = note.checkpoint()
    except NoteError as exc:
        return [f"{name}: {exc}"]
    problems = []
    if keys is not None and note.verified_by(keys) is None:
        signers = ", ".join(s.name for s in note.signatures)
        problems.append(f"{name}: no valid signature by a known log key (signed as {signers})")
    if (body.size, body.root.hex()) != (checkpoint.size, checkpoint.root_hash):
        problems.append(f"{name}: the stored size or root differs from its signed text")
    if body.size > tree.size:
        problems.append(
            f"{name}: the log has {tree.size} entries but this checkpoint signed {body.size}; "
            f"entries {tree.size} to {body.size - 1} are missing"
        )
    elif tree.root(body.size) != body.root:
        problems.append(f"{name}: the log's first {body.size} entries do not have the signed root")
    return problems
