"""Export the whole registry as JSON, and import such an export into an empty database.

The export holds agencies, accounts (never token hashes: API tokens are not exported), algorithms,
drafts, versions, the public side of citizen participation (``participation_export_rows``: never
contact addresses, never an item awaiting moderation), the event ledger with its hashes, and the
transparency log: its entries (leaves) and signed checkpoints. Rows keep their ids so event
actors and subjects still point at the right records. Export -> import into an empty database ->
export gives byte-identical JSON. An import is a restore, so it adds no event of its own (that
would change the ledger being restored).

Before anything is committed the import checks the restored register the way
``registry verify --database`` does (``log_check.verify_database``): the ledger's chain, every
leaf recomputed from the imported records (an edited card, retirement or participation item no
longer matches its entry), every public fact in the log, and every checkpoint's root against the
leaves (and its signature, given the register's public keys). The first problem refuses the
whole import, naming the entry and the record. Audits are not exported: their entries are taken
as they are. An export without a log (from before exports carried it) is refused unless
``without_log``: its content cannot be checked, and the register rebuilds its log from the events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, SQLModel, func, select

from registry.errors import Conflict, Invalid
from registry.models import (
    Account,
    Agency,
    Algorithm,
    ApiToken,
    CardDraft,
    CardVersion,
    Event,
    ReviewRequest,
)
from registry.models.participation import ParticipationItem
from registry.models.transparency import LogCheckpoint, LogEntry, LogNode
from registry.services.events import verify_chain
from registry.services.log_check import verify_database
from registry.services.participation.exporting import participation_export_rows
from registry.services.public import search_index
from registry.services.transparency import LOGGED_ACTIONS
from registry.transparency import merkle
from registry.transparency.note import VerifierKey

EXPORT_FORMAT = "algorithm-registry-export"
EXPORT_VERSION = 1

# (key in the export, table model), parents before children. Modules adding tables (audits) append
# their entries here so their rows travel with the rest.
EXPORT_TABLES: list[tuple[str, type[SQLModel]]] = [
    ("agencies", Agency),
    ("accounts", Account),
    ("algorithms", Algorithm),
    ("drafts", CardDraft),
    ("review_requests", ReviewRequest),
    ("versions", CardVersion),
    ("participation_items", ParticipationItem),
    ("events", Event),
    ("log_entries", LogEntry),
    ("log_checkpoints", LogCheckpoint),
]
#: The log's keys in an export; the subtree hashes (``log_node``) are recomputed on import.
LOG_KEYS = ("log_entries", "log_checkpoints")
#: Kinds of logged fact whose records an export does not carry (audits): their entries are taken
#: as they are, and ``registry verify --database`` names them afterwards.
ABSENT_KINDS = frozenset(k for k in LOGGED_ACTIONS if k.startswith("audit."))


def _log_entry_rows(session: Session) -> list[dict[str, Any]]:
    query = select(LogEntry).order_by(LogEntry.idx)  # type: ignore[arg-type]
    return [row.model_dump(mode="json") for row in session.exec(query)]


#: Tables whose export is not every row as stored by id: key -> the function giving the rows.
EXPORT_ROWS = {"participation_items": participation_export_rows, "log_entries": _log_entry_rows}

ERR_NOT_AN_EXPORT = f'Expected a JSON object with "format": "{EXPORT_FORMAT}".'
ERR_UNSUPPORTED_VERSION = (
    f"Unsupported export version; this registry reads version {EXPORT_VERSION}."
)
ERR_NOT_A_LIST = "Expected a list of rows."
ERR_NOT_EMPTY = "Import needs an empty registry; '{table}' already has rows."
ERR_BROKEN_CHAIN = "The event ledger in the export does not verify: event {event_id}: {problem}."
ERR_BAD_ROW = "The export is not valid: {n} problem(s), listed in details."
ERR_NAIVE_TIME = "expected a timestamp with a timezone offset"
ERR_ROW_REJECTED = "The database rejected a row of the export: {reason}"
ERR_ROW_CONFLICT = (
    "The export's rows conflict with each other (duplicate keys or missing references)."
)
ERR_LOG_MISMATCH = (
    "The export's content does not match its transparency log; nothing was imported. "
    "{problem}{more}"
)
ERR_NO_LOG = (
    "The export carries no transparency log, so its content cannot be checked against one "
    "({events} public facts). Export it again from a register with the log, or import it "
    "without the check (--without-log)."
)


@dataclass(frozen=True)
class ImportSummary:
    counts: dict[str, int]


def _rows(session: Session, model: type[SQLModel]) -> list[dict[str, Any]]:
    query = select(model).order_by(model.id)  # type: ignore[attr-defined]
    return [row.model_dump(mode="json") for row in session.exec(query)]


def export_registry(session: Session) -> dict[str, Any]:
    """The whole registry as a JSON-ready dict (no export timestamp, so it is reproducible)."""
    data: dict[str, Any] = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION}
    for key, model in EXPORT_TABLES:
        rows = EXPORT_ROWS.get(key)
        data[key] = rows(session) if rows else _rows(session, model)
    return data


def dump_export(data: dict[str, Any]) -> str:
    """The one textual form of an export: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise Invalid(
            ERR_NOT_AN_EXPORT,
            details=[{"loc": ["format"], "msg": ERR_NOT_AN_EXPORT, "type": "value_error"}],
        )
    if data.get("version") != EXPORT_VERSION:
        raise Invalid(
            ERR_UNSUPPORTED_VERSION,
            details=[{"loc": ["version"], "msg": ERR_UNSUPPORTED_VERSION, "type": "value_error"}],
        )


def _parse_rows(data: dict[str, Any]) -> dict[str, list[SQLModel]]:
    parsed: dict[str, list[SQLModel]] = {}
    details: list[dict[str, Any]] = []
    for key, model in EXPORT_TABLES:
        rows = data.get(key, [])
        if not isinstance(rows, list):
            details.append({"loc": [key], "msg": ERR_NOT_A_LIST, "type": "list_type"})
            continue
        parsed[key] = []
        for index, row in enumerate(rows):
            try:
                obj = model.model_validate(row)
            except ValidationError as exc:
                for err in exc.errors():
                    details.append(
                        {"loc": [key, index, *err["loc"]], "msg": err["msg"], "type": err["type"]}
                    )
                continue
            for name, value in obj.model_dump().items():
                if isinstance(value, datetime) and value.tzinfo is None:
                    details.append(
                        {"loc": [key, index, name], "msg": ERR_NAIVE_TIME, "type": "timezone_aware"}
                    )
            parsed[key].append(obj)
    if details:
        raise Invalid(ERR_BAD_ROW.format(n=len(details)), details=details)
    return parsed


def _reset_postgres_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's id sequences behind; move them past the imported rows."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tables: list[tuple[str, type[SQLModel]]] = [*EXPORT_TABLES, ("tokens", ApiToken)]
    for _key, model in tables:
        if "id" not in model.model_fields:  # log_entry: keyed by its index
            continue
        table = model.__tablename__  # type: ignore[attr-defined]
        session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1), '
                f'(SELECT MAX(id) FROM "{table}") IS NOT NULL)'
            )
        )


def _logged_events(parsed: dict[str, list[SQLModel]]) -> int:
    return sum(1 for e in parsed.get("events", []) if getattr(e, "action", None) in LOGGED_ACTIONS)


def _add_subtree_hashes(session: Session, entries: list[SQLModel]) -> None:
    """The stored subtree hashes (``log_node``) of the imported leaves, which proofs read."""
    tree = merkle.MemoryTree(bytes.fromhex(e.leaf_hash) for e in entries)  # type: ignore[attr-defined]
    for level in range(1, len(tree.levels)):
        for i, h in enumerate(tree.levels[level]):
            session.add(LogNode(level=level, idx=i, hash=h.hex()))
    session.flush()


def _check_log(session: Session, keys: list[VerifierKey] | None) -> None:
    """Refuse (422, after a rollback) an import whose records do not match its log."""
    report = verify_database(session, keys, absent_kinds=ABSENT_KINDS)
    if report.ok:
        return
    session.rollback()
    more = f" ({len(report.problems) - 1} more in details.)" if report.problems[1:] else ""
    message = ERR_LOG_MISMATCH.format(problem=report.problems[0], more=more)
    details = [{"loc": ["log_entries"], "msg": p, "type": "log_mismatch"} for p in report.problems]
    raise Invalid(message, details=details)


def import_registry(
    session: Session,
    data: Any,
    *,
    keys: list[VerifierKey] | None = None,
    without_log: bool = False,
) -> ImportSummary:
    """Load an export into an empty registry, all or nothing. 409 if not empty, 422 if malformed
    or if its content does not match its transparency log. ``keys``: the register's public log
    keys, to check the imported checkpoints' signatures (None: not checked). ``without_log``:
    accept an export that carries no log (its content unchecked; the log is rebuilt from the
    events)."""
    _check_header(data)
    tables: list[tuple[str, type[SQLModel]]] = [*EXPORT_TABLES, ("log_nodes", LogNode)]
    for key, model in tables:
        if session.exec(select(func.count()).select_from(model)).one():
            raise Conflict(ERR_NOT_EMPTY.format(table=key))
    parsed = _parse_rows(data)
    carries_log = any(key in data for key in LOG_KEYS)
    if not carries_log and not without_log and _logged_events(parsed):
        message = ERR_NO_LOG.format(events=_logged_events(parsed))
        raise Invalid(
            message, details=[{"loc": ["log_entries"], "msg": message, "type": "missing"}]
        )
    try:
        for key, _model in EXPORT_TABLES:
            session.add_all(parsed.get(key, []))
            session.flush()
        _add_subtree_hashes(session, parsed.get("log_entries", []))
    except sa.exc.IntegrityError as exc:
        session.rollback()
        raise Conflict(ERR_ROW_CONFLICT) from exc
    except sa.exc.DataError as exc:
        session.rollback()
        raise Invalid(ERR_ROW_REJECTED.format(reason=str(exc.orig).splitlines()[0])) from exc
    report = verify_chain(session)
    if not report.ok:
        session.rollback()
        raise Invalid(
            ERR_BROKEN_CHAIN.format(event_id=report.first_bad_event_id, problem=report.problem)
        )
    if carries_log:
        _check_log(session, keys)
    _reset_postgres_sequences(session)
    search_index.rebuild(session)  # the restored register is public at once
    session.commit()
    return ImportSummary(counts={key: len(rows) for key, rows in parsed.items()})
