"""The transparency log: every public fact as a leaf of an RFC 9162 Merkle tree, signed checkpoints,
proofs, and the check of the database against its own log (docs/verification.md).

One place appends: ``record_event`` calls :func:`append_pending` for every public action, under the
ledger lock and in the publication's transaction, so a fact and its leaf are committed together
and leaves are in ledger order. :func:`append_pending` appends every logged event not yet in the
log (a database from before the log catches up on its first publication).

A leaf is built from the stored record by :func:`leaf_for_event` -- at append time and again at
verification time -- so an edited record no longer matches its leaf, and the check names it.

Checkpoints are signed with the key in ``REGISTRY_LOG_KEY_FILE`` (outside the database). The write
paths find the settings on the session (``session.info["registry_settings"]``, set by the API's
session dependency and the command line); a session without them appends leaves only, and the
next publication or ``registry log checkpoint`` signs a checkpoint covering them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.cards.canonical import card_sha256
from registry.errors import Invalid, NotFound
from registry.models import Algorithm, Audit, CardVersion, Event
from registry.models.participation import ItemState, ParticipationItem
from registry.models.transparency import LogCheckpoint, LogEntry, LogNode
from registry.services.canonical import canonical_dumps, iso, sha256_hex
from registry.transparency import merkle
from registry.transparency.note import (
    Checkpoint,
    SignerKey,
    VerifierKey,
    read_verifier_keys,
    sign_checkpoint,
)

if TYPE_CHECKING:
    from registry.config import Settings

LEAF_FORMAT = 1
#: The public actions whose facts enter the log. (``agency.created`` is not a published fact of
#: the register's history: an agency's name and links can be corrected.)
LOGGED_ACTIONS = frozenset(
    {
        "version.published",
        "audit.published",
        "audit.response",
        "audit.withdrawn",
        "algorithm.retired",
        # Citizen participation: a published item and the agency's public answer. (A declined
        # or merged item's text was never public; only its count is, from the ledger.)
        "participation.published",
        "participation.answered",
    }
)
MAX_ENTRIES_PER_PAGE = 1000
SETTINGS_KEY = "registry_settings"

ERR_RANGE = "start must be at most end, and end at most the tree size {size}."
ERR_INDEX = "index must be below the tree size {size}."
ERR_SIZE = "size must be between 1 and the log's tree size {size}."
ERR_LEAF_HASH = "No log entry has the leaf hash {leaf_hash}."
ERR_CONSISTENCY = "first must be at most second, and second at most the tree size {size}."


class LeafProblem(Exception):
    """The stored record a leaf describes is missing or cannot be read."""


# --- leaves ------------------------------------------------------------------------------------


def content_sha256(content: Any) -> str:
    return sha256_hex(canonical_dumps(content))


def _response_texts(texts: Any, text: Any) -> dict[str, str]:
    """An audit response by language, as ``publication.response_texts`` reads it."""
    if texts:
        return {k: v for k, v in texts.items() if k in ("en", "zh-CN") and v}
    return {"en": text} if text else {}


def _audit(session: Session, public_id: str) -> Audit:
    audit = session.exec(select(Audit).where(Audit.public_id == public_id)).first()
    if audit is None:
        raise LeafProblem(f"audit {public_id} is not in the database")
    return audit


def _algorithm(session: Session, public_id: str) -> Algorithm:
    algorithm = session.exec(select(Algorithm).where(Algorithm.public_id == public_id)).first()
    if algorithm is None:
        raise LeafProblem(f"algorithm {public_id} is not in the database")
    return algorithm


def _later_event(session: Session, event: Event, action: str) -> bool:
    """Whether the ledger has a later ``action`` event about the same subject."""
    later = session.exec(
        select(Event.id).where(
            Event.action == action,
            Event.subject_id == event.subject_id,
            Event.id > event.id,  # type: ignore[operator]
        )
    ).first()
    return later is not None


def participation_item_content(item: ParticipationItem) -> dict[str, Any]:
    """What a published participation item says (docs/verification.md): its answer is apart."""
    return {
        "kind": item.kind.value,
        "text": item.text,
        "display_name": item.display_name,
        "received_at": iso(item.received_at),
    }


def _participation_fact(session: Session, event: Event) -> tuple[dict[str, Any], dict[str, Any]]:
    sid = event.subject_id
    found = session.exec(
        select(ParticipationItem, Algorithm.public_id)
        .join(Algorithm, Algorithm.id == ParticipationItem.algorithm_id)  # type: ignore[arg-type]
        .where(ParticipationItem.public_id == sid)
    ).first()
    if found is None:
        raise LeafProblem(f"participation item {sid} is not in the database")
    item, algorithm_id = found
    if item.state != ItemState.published:
        raise LeafProblem(f"participation item {sid} is no longer published (it is {item.state})")
    subject = {"item": sid, "algorithm": algorithm_id}
    # A later answer replaces the stored one; an earlier answer's record is its event.
    replaced = _later_event(session, event, "participation.answered")
    answer = event.payload.get("answer") if replaced else item.answer
    if event.action == "participation.answered":
        return subject, {"content_sha256": content_sha256({"answer": answer})}
    facts = {"content_sha256": content_sha256(participation_item_content(item))}
    if answer is not None:
        facts["answer_sha256"] = content_sha256({"answer": answer})
    return subject, facts


def _fact(session: Session, event: Event) -> tuple[dict[str, Any], dict[str, Any]]:
    """(subject, facts) of a logged event, read from the stored record."""
    action, sid = event.action, event.subject_id
    if action.startswith("participation."):
        return _participation_fact(session, event)
    if action == "version.published":
        number = event.payload.get("number")
        version = session.exec(
            select(CardVersion)
            .join(Algorithm, Algorithm.id == CardVersion.algorithm_id)  # type: ignore[arg-type]
            .where(Algorithm.public_id == sid, CardVersion.number == number)
        ).first()
        if version is None:
            _algorithm(session, sid)  # names a missing algorithm
            raise LeafProblem(f"version {number} of algorithm {sid} is not in the database")
        subject = {"algorithm": sid, "version": number}
        return subject, {"content_sha256": card_sha256(version.card)}
    if action == "algorithm.retired":
        algorithm = _algorithm(session, sid)
        content = {
            "reason": algorithm.retired_reason,
            "last_version": event.payload.get("last_version"),
        }
        return {"algorithm": sid}, {"content_sha256": content_sha256(content)}
    audit = _audit(session, sid)
    subject = {"audit": sid, "algorithm": audit.algorithm_public_id}
    if action == "audit.published":
        content = {"report": audit.report, "verdict": audit.verdict}
        return subject, {"content_sha256": content_sha256(content), "verdict": audit.verdict}
    if action == "audit.withdrawn":
        return subject, {"content_sha256": content_sha256({"reason": audit.withdrawn_reason})}
    if action == "audit.response":
        # A later response replaces the stored one; an earlier response's record is its event.
        if not _later_event(session, event, "audit.response"):
            texts = _response_texts(audit.response_texts, audit.response_text)
        else:
            texts = _response_texts(event.payload.get("texts"), event.payload.get("text"))
        return subject, {"content_sha256": content_sha256({"texts": texts})}
    raise LeafProblem(f"action {action!r} is not logged")


def leaf_for_event(
    session: Session, event: Event, index: int, *, strict: bool = True
) -> dict[str, Any]:
    """The leaf of ``event`` at ``index``, from the stored record (docs/verification.md).

    A missing record raises :class:`LeafProblem`; with ``strict=False`` (appending) the leaf says
    it is missing instead, so one lost record (an import without audits, say) never blocks later
    publications, and ``registry verify --database`` names that entry.
    """
    try:
        subject, facts = _fact(session, event)
    except LeafProblem as exc:
        if strict:
            raise
        subject, facts = {event.subject_type: event.subject_id}, {"missing": str(exc)}
    return {
        "format": LEAF_FORMAT,
        "index": index,
        "kind": event.action,
        "at": iso(event.at),
        "event": event.id,
        "subject": subject,
        **facts,
    }


def leaf_bytes(leaf: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no spaces, UTF-8): the bytes the leaf hash is taken over."""
    return canonical_dumps(leaf).encode("utf-8")


# --- the tree in the database ----------------------------------------------------------------


def log_size(session: Session) -> int:
    last = session.exec(select(sa.func.max(LogEntry.idx))).one()
    return 0 if last is None else int(last) + 1


def _fetch(session: Session, wanted: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    wanted = sorted(set(wanted))
    if not wanted:
        return {}
    # Point look-ups on the primary keys in one statement: a row-value IN is a full scan on
    # SQLite, and an OR of per-level INs costs more to compile than to run.
    branches, params = [], {}
    for k, (level, i) in enumerate(wanted):
        if level == 0:
            branches.append(f"SELECT 0, idx, leaf_hash FROM log_entry WHERE idx = :i{k}")
        else:
            branches.append(
                f"SELECT level, idx, hash FROM log_node WHERE level = :l{k} AND idx = :i{k}"
            )
            params[f"l{k}"] = level
        params[f"i{k}"] = i
    rows = session.execute(sa.text(" UNION ALL ".join(branches)), params).all()
    found = {(level, i): bytes.fromhex(h) for level, i, h in rows}
    missing = set(wanted) - found.keys()
    if missing:
        raise LeafProblem(f"the log's stored subtree hashes {sorted(missing)[:3]} are missing")
    return found


def _with_stored(session: Session, compute: Callable[[merkle.SubtreeHashes], Any]) -> Any:
    """Run ``compute`` over stored subtree hashes in one round trip: a first pass records which
    hashes it reads (with placeholders), one query fetches them, a second pass computes."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(32)

    compute(record)
    hashes = _fetch(session, wanted)
    return compute(lambda level, index: hashes[(level, index)])


def root_at(session: Session, size: int) -> bytes:
    return _with_stored(session, lambda get: merkle.root_hash(get, size))  # type: ignore[no-any-return]


Frontier = list[tuple[int, int, bytes]]


def _append(
    event: Event,
    data: bytes,
    index: int,
    frontier: Frontier,
    entries: list[dict[str, Any]],
    nodes: list[dict[str, Any]],
) -> None:
    """Leaf ``index`` (``data``, the leaf of ``event``) and the subtree hashes it completes, as
    rows for ``entries`` and ``nodes``. ``frontier``: the complete subtrees covering the log so
    far, left to right (level, index, hash), updated in place."""
    digest = merkle.leaf_hash(data)
    entries.append(
        {
            "idx": index,
            "event_id": event.id,
            "kind": event.action,
            "leaf": data.decode("utf-8"),
            "leaf_hash": digest.hex(),
        }
    )
    frontier.append((0, index, digest))
    while len(frontier) > 1 and frontier[-2][0] == frontier[-1][0]:
        level, left_index, left = frontier[-2]
        right = frontier.pop()[2]
        node = (level + 1, left_index >> 1, merkle.node_hash(left, right))
        frontier[-1] = node
        nodes.append({"level": node[0], "idx": node[1], "hash": node[2].hex()})


def _frontier(session: Session, size: int) -> Frontier:
    """The complete subtrees covering the first ``size`` leaves (one per set bit of ``size``)."""
    keys = merkle.aligned_subtrees(0, size)
    hashes = _fetch(session, keys)
    return [(level, i, hashes[(level, i)]) for level, i in keys]


def _fold(frontier: Frontier) -> bytes:
    if not frontier:
        return merkle.EMPTY_ROOT
    acc = frontier[-1][2]
    for _level, _i, h in reversed(frontier[:-1]):
        acc = merkle.node_hash(h, acc)
    return acc


@dataclass(frozen=True)
class _LogEnd:
    size: int
    last_leaf_hash: str | None


#: The log's end as this process's last append left it, per database: (size, last leaf hash,
#: frontier). Used only while the database's end still matches (size and last leaf hash, read by
#: the statement that reads the end): another process's appends or a rolled-back append only mean
#: the frontier is read again.
_frontier_cache: dict[str, tuple[int, str, Frontier]] = {}
_FRONTIER_CACHE_SIZE = 8

# The log's end: its last entry by primary key (index and leaf hash).
_END_COLUMNS = (
    "(SELECT idx FROM log_entry ORDER BY idx DESC LIMIT 1), "
    "(SELECT leaf_hash FROM log_entry ORDER BY idx DESC LIMIT 1)"
)
_LOG_END = sa.text(f"SELECT {_END_COLUMNS}")
# The log's end and the ids of the logged events after its largest event id, in one statement:
# each sub-select is a look-up by index (max() from the unique index on SQLite), the events a
# range of their primary key.
_END_AND_PENDING = sa.text(
    f"SELECT 0 AS part, {_END_COLUMNS} "
    "UNION ALL SELECT 1, id, NULL FROM event "
    "WHERE id > COALESCE((SELECT max(event_id) FROM log_entry), 0) AND action IN :actions "
    "ORDER BY 1, 2"
).bindparams(sa.bindparam("actions", expanding=True))


def _end_of(last_idx: int | None, last_hash: str | None) -> _LogEnd:
    return _LogEnd(0 if last_idx is None else int(last_idx) + 1, last_hash)


def _log_end(session: Session) -> _LogEnd:
    return _end_of(*session.execute(_LOG_END).one())


def _database_key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _current_frontier(session: Session, end: _LogEnd) -> Frontier:
    cached = _frontier_cache.get(_database_key(session))
    if cached is not None and (cached[0], cached[1]) == (end.size, end.last_leaf_hash):
        return list(cached[2])
    return _frontier(session, end.size)


def append_pending(session: Session, *, now: datetime) -> int:
    """Append every logged event not yet in the log, in ledger order; then sign a checkpoint if
    one is due. The caller holds the ledger lock (``record_event``). Returns the count appended.

    A publication costs a handful of statements: the log's end with the pending events' ids (one
    statement), the record, the frontier's hashes (one statement, none when this process appended
    last), the inserts (executemany), and the checkpoint."""
    first, *rest = session.execute(_END_AND_PENDING, {"actions": sorted(LOGGED_ACTIONS)}).all()
    end = _end_of(first[1], first[2])
    # The events from the session: the one ``record_event`` just added is already there, so only
    # events the session has not seen (a catch-up) are loaded.
    pending = [session.get_one(Event, int(row[1])) for row in rest]
    return _append_events(session, pending, now=now, end=end)


def append_missing(session: Session, *, now: datetime) -> int:
    """Append every logged event missing from the log, wherever it sits in the ledger, in ledger
    order, after the entries already there; then sign a checkpoint if one is due. The caller holds
    the ledger lock. Returns the count appended.

    :func:`append_pending` only looks past the last logged event. A kind of fact added to the log
    later (participation items, first logged after the log itself) has events before that point
    in a register that already had a log; ``registry log checkpoint`` and the server's start-up
    (``log_check.catch_up_at_start``) append them here, once. One anti-join over the logged
    events."""
    pending = list(
        session.exec(
            select(Event)
            .outerjoin(LogEntry, LogEntry.event_id == Event.id)  # type: ignore[arg-type]
            .where(
                Event.action.in_(LOGGED_ACTIONS),  # type: ignore[attr-defined]
                LogEntry.idx.is_(None),  # type: ignore[attr-defined]
            )
            .order_by(Event.id)  # type: ignore[arg-type]
        )
    )
    if not pending:
        return 0
    return _append_events(session, pending, now=now, end=_log_end(session))


def _append_events(session: Session, pending: list[Event], *, now: datetime, end: _LogEnd) -> int:
    if not pending:
        return 0
    frontier = _current_frontier(session, end)
    entries: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for offset, event in enumerate(pending):
        index = end.size + offset
        data = leaf_bytes(leaf_for_event(session, event, index, strict=False))
        _append(event, data, index, frontier, entries, nodes)
    # Plain inserts (executemany), not ORM objects: nothing in the transaction reads them back as
    # objects, and the unit of work costs more than the rows.
    session.execute(sa.insert(LogEntry.__table__), entries)  # type: ignore[attr-defined]
    if nodes:
        session.execute(sa.insert(LogNode.__table__), nodes)  # type: ignore[attr-defined]
    size = end.size + len(pending)
    key = _database_key(session)
    if key not in _frontier_cache and len(_frontier_cache) >= _FRONTIER_CACHE_SIZE:
        _frontier_cache.clear()
    _frontier_cache[key] = (size, entries[-1]["leaf_hash"], list(frontier))
    settings = session.info.get(SETTINGS_KEY)
    if settings is not None:
        maybe_checkpoint(session, settings, now=now, size=size, root=_fold(frontier))
    return len(pending)


# --- keys and checkpoints --------------------------------------------------------------------


def public_keys_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.stem + ".pub")


_signer_cache: dict[tuple[str, int], SignerKey] = {}


def load_signer(settings: Settings) -> SignerKey | None:
    """The signer key from ``REGISTRY_LOG_KEY_FILE`` (read again when the file changes), or None."""
    path = settings.resolved_log_key_file
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    cache_key = (str(path), stat.st_mtime_ns)
    if cache_key not in _signer_cache:
        _signer_cache.clear()
        _signer_cache[cache_key] = SignerKey.parse(path.read_text(encoding="utf-8"))
    return _signer_cache[cache_key]


def verifier_keys(settings: Settings) -> list[VerifierKey]:
    """Every public key the log has signed with, oldest first (``.pub`` next to the key file)."""
    return read_verifier_keys(public_keys_file(settings.resolved_log_key_file))


def generate_key(settings: Settings, *, name: str, rotate: bool = False) -> SignerKey:
    """Write a new signer key (0600) and add its public key to the ``.pub`` file, keeping the old
    public keys so checkpoints they signed still verify. Refuses to replace a key unless
    ``rotate``."""
    path = settings.resolved_log_key_file
    if path.exists() and not rotate:
        raise FileExistsError(f"{path} exists; pass --rotate to replace it with a new key")
    key = SignerKey.generate(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key.text() + "\n")
    pub = public_keys_file(path)
    with pub.open("a", encoding="utf-8") as f:
        f.write(key.verifier.text() + "\n")
    os.replace(tmp, path)
    return key


def latest_checkpoint(session: Session) -> LogCheckpoint | None:
    return session.exec(
        select(LogCheckpoint).order_by(LogCheckpoint.id.desc()).limit(1)  # type: ignore[union-attr]
    ).first()


def issue_checkpoint(
    session: Session,
    *,
    signer: SignerKey,
    origin: str,
    now: datetime,
    size: int | None = None,
    root: bytes | None = None,
) -> LogCheckpoint:
    """Sign the current tree and store the checkpoint (no commit; the answer is not attached to
    the session). ``size`` and ``root``: the log's, when the caller knows them."""
    size = log_size(session) if size is None else size
    root = root_at(session, size) if root is None else root
    text = sign_checkpoint(Checkpoint(origin, size, root, (f"time {iso(now)}",)), signer)
    checkpoint = LogCheckpoint(
        size=size, root_hash=root.hex(), issued_at=now, key_name=signer.name, note=text
    )
    # A plain insert, like the entries: the answer is a detached row.
    result = session.execute(
        sa.insert(LogCheckpoint.__table__).values(checkpoint.model_dump(exclude={"id"}))  # type: ignore[attr-defined]
    )
    checkpoint.id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
    return checkpoint


def maybe_checkpoint(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    size: int | None = None,
    root: bytes | None = None,
) -> LogCheckpoint | None:
    """Sign a checkpoint if the tree grew since the latest and ``log_checkpoint_seconds`` passed.
    ``size`` and ``root``: the log's now, when the caller knows them (it just grew)."""
    signer = load_signer(settings)
    if signer is None:
        return None
    wait = timedelta(seconds=settings.log_checkpoint_seconds)
    if size is None or wait:
        size = log_size(session) if size is None else size
        latest = latest_checkpoint(session)
        if latest is not None and (latest.size >= size or (wait and now - latest.issued_at < wait)):
            return None
    return issue_checkpoint(
        session, signer=signer, origin=settings.log_origin, now=now, size=size, root=root
    )


# --- reads for the public endpoints and pages -------------------------------------------------


def entry_index(
    session: Session, *, kind: str, subject_id: str, number: int | None = None
) -> int | None:
    """The log index of a published fact: ``kind`` of ``subject_id`` (a version: its ``number``),
    or None if it is not in the log."""
    rows = session.exec(
        select(LogEntry.idx, Event.payload)
        .join(Event, Event.id == LogEntry.event_id)  # type: ignore[arg-type]
        .where(Event.action == kind, Event.subject_id == subject_id)
        .order_by(LogEntry.idx)  # type: ignore[arg-type]
    )
    for idx, payload in rows:
        if number is None or (payload or {}).get("number") == number:
            return int(idx)
    return None


def checkpoint_size(session: Session) -> int:
    """The size proofs answer for by default: the latest signed checkpoint's (else the log's)."""
    latest = latest_checkpoint(session)
    return latest.size if latest is not None else log_size(session)


def entries(session: Session, *, start: int, end: int | None) -> tuple[list[LogEntry], int]:
    size = log_size(session)
    end = min(size, start + MAX_ENTRIES_PER_PAGE) if end is None else end
    if not 0 <= start <= end <= size:
        raise Invalid(
            ERR_RANGE.format(size=size),
            details=[
                {"loc": ["query", "end"], "msg": ERR_RANGE.format(size=size), "type": "value_error"}
            ],
        )
    end = min(end, start + MAX_ENTRIES_PER_PAGE)
    rows = session.exec(
        select(LogEntry).where(LogEntry.idx >= start, LogEntry.idx < end).order_by(LogEntry.idx)  # type: ignore[arg-type]
    )
    return list(rows), size


def _invalid(field_name: str, message: str) -> Invalid:
    return Invalid(
        message, details=[{"loc": ["query", field_name], "msg": message, "type": "value_error"}]
    )


def _proof_size(session: Session, size: int | None) -> int:
    whole = log_size(session)
    size = checkpoint_size(session) if size is None else size
    if not 1 <= size <= whole:
        raise _invalid("size", ERR_SIZE.format(size=whole))
    return size


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]


def inclusion(
    session: Session,
    *,
    index: int | None = None,
    leaf_hash: str | None = None,
    size: int | None = None,
) -> InclusionProof:
    """The inclusion proof of an entry (by index or by leaf hash) in the tree of ``size`` leaves."""
    if leaf_hash is not None:
        row = session.exec(select(LogEntry).where(LogEntry.leaf_hash == leaf_hash.lower())).first()
        if row is None:
            raise NotFound(ERR_LEAF_HASH.format(leaf_hash=leaf_hash))
        index = row.idx
    if index is None:
        raise _invalid("index", "Give index or leaf_hash.")
    tree_size = _proof_size(session, size)
    if not 0 <= index < tree_size:
        raise _invalid("index", ERR_INDEX.format(size=tree_size))

    def compute(get: merkle.SubtreeHashes) -> tuple[bytes, list[bytes], bytes]:
        return (
            get(0, index),
            merkle.inclusion_proof(get, index, tree_size),
            merkle.root_hash(get, tree_size),
        )

    leaf, proof, root = _with_stored(session, compute)
    return InclusionProof(index, tree_size, leaf.hex(), root.hex(), [p.hex() for p in proof])


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


def consistency(session: Session, *, first: int, second: int | None = None) -> ConsistencyProof:
    whole = log_size(session)
    second = checkpoint_size(session) if second is None else second
    if not 0 <= first <= second <= whole:
        raise _invalid("first", ERR_CONSISTENCY.format(size=whole))

    def compute(get: merkle.SubtreeHashes) -> tuple[bytes, bytes, list[bytes]]:
        return (
            merkle.root_hash(get, first),
            merkle.root_hash(get, second),
            merkle.consistency_proof(get, first, second),
        )

    r1, r2, proof = _with_stored(session, compute)
    return ConsistencyProof(first, second, r1.hex(), r2.hex(), [p.hex() for p in proof])
