"""The public register's search index: one document per public algorithm and an inverted word index.

Tables (migrations ``0003_search`` and ``0004_ledger_stamp``): ``search_doc`` holds each public
algorithm's facet values (agency, scenario, risk category, lifecycle status, state, latest published
audit verdict) and sort key; ``search_term`` maps terms to algorithms with a B-tree primary key
``(term, algorithm_id)``; ``search_index_state`` holds one row, ``event_id``: the ledger id of the
last public event the index reflects.

Ordered by the ledger, written only by writes. Every write that records a public event
(``events.PUBLIC_ACTIONS``) calls :func:`sync` before its one commit: under the ledger lock it reads
the public events after ``event_id``, re-indexes the algorithms they concern and moves ``event_id``
to the newest, so the index and its ledger id commit together with the change. Ledger ids follow
commit order (see ``registry.services.events``), so no change is skipped however the application
clocks of the writers disagree. Reads never write: :func:`public_stamp` is one primary-key lookup,
and the page cache, ETags and facet counts are keyed by it, so private work (drafts, queued or
running audits, accounts) never changes them. :func:`rebuild` (``registry search reindex``) rebuilds
the index from scratch; the app's start-up runs :func:`sync`, which rebuilds when there is no state
row (a database upgraded from before ``0004``).

Terms come from ``registry.services.public.analysis`` (words, English stems, Han characters,
bigrams and jieba words). The state row also names the analyzer that built the index
(``analyzer``, migration ``0009_search_analyzer``): when the code's :data:`ANALYZER` differs, the
start-up rebuilds the index, so an upgrade that changes the terms never serves a stale index.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from registry.db import session_scope
from registry.models import Agency, Algorithm, AlgorithmState, CardVersion, Event
from registry.models.audit import Audit, AuditState, AuditVisibility
from registry.models.search import search_doc, search_index_state, search_term
from registry.services import events
from registry.services.public.analysis import ANALYZER, document_terms

log = logging.getLogger("registry.search_index")

NO_VALUE = "none"  # facet value stored when a card leaves a facet field empty
NO_AUDIT = "not_audited"
PUBLIC_STATES = (AlgorithmState.published.value, AlgorithmState.retired.value)
REINDEX_BATCH = 500  # algorithms per round of statements (bounded memory and IN lists)
ERR_UNKNOWN_SUBJECT = (
    "Public events about {types} cannot be indexed: say in search_index._algorithms_concerned "
    "which algorithms such an event changes."
)


def public_stamp(session: Session) -> int | None:
    """The id of the last public ledger event the index reflects (0: none yet).

    None when the index was never built (no state row): callers serve uncached.
    """
    return session.execute(
        sa.select(search_index_state.c.event_id).where(search_index_state.c.id == 1)
    ).scalar_one_or_none()


def stamp_time(session: Session, stamp: int) -> datetime | None:
    """When the public event ``stamp`` was recorded (None for 0, no public event yet): the
    pages' ``Last-Modified`` (registry.pages.rendering.cached)."""
    if not stamp:
        return None
    return session.execute(
        sa.select(col(Event.at)).where(col(Event.id) == stamp)
    ).scalar_one_or_none()


def index_analyzer(session: Session) -> str | None:
    """The analyzer that built the index (None: never built)."""
    return session.execute(
        sa.select(search_index_state.c.analyzer).where(search_index_state.c.id == 1)
    ).scalar_one_or_none()


def _set_stamp(session: Session, event_id: int, *, exists: bool, rebuilt: bool = False) -> None:
    values: dict[str, Any] = {"event_id": event_id}
    if rebuilt or not exists:
        values["analyzer"] = ANALYZER
    if exists:
        session.execute(
            sa.update(search_index_state).where(search_index_state.c.id == 1).values(**values)
        )
    else:
        session.execute(sa.insert(search_index_state).values(id=1, **values))


def _last_public_event(session: Session) -> int:
    last = session.execute(
        sa.select(sa.func.max(Event.id)).where(col(Event.action).in_(events.PUBLIC_ACTIONS))
    ).scalar_one_or_none()
    return int(last or 0)


def sync(session: Session) -> int:
    """Bring the index up to the ledger's last public event, in the caller's transaction.

    Takes the ledger lock (so index writers never interleave) and never commits: the caller's one
    commit stores the change, its event and the index rows together. Returns the new stamp.
    """
    events.lock_ledger(session)
    session.flush()
    through = public_stamp(session)
    if through is None:
        return rebuild(session)
    new = session.execute(
        sa.select(col(Event.id), col(Event.subject_type), col(Event.subject_id))
        .where(col(Event.id) > through, col(Event.action).in_(events.PUBLIC_ACTIONS))
        .order_by(col(Event.id))
    ).all()
    if not new:
        return through
    _reindex(session, _algorithms_concerned(session, [(r[1], r[2]) for r in new]))
    _set_stamp(session, new[-1][0], exists=True)
    return int(new[-1][0])


def sync_at_start(engine: Engine) -> int | None:
    """The app's start-up step: :func:`sync` in a transaction of its own, committed.

    Builds the index when a database upgraded from before the ledger stamp has none, and rebuilds
    it when another analyzer built it (an upgrade changed the terms). Returns the stamp, or None
    (with a warning) when the database has no schema yet.
    """
    if not sa.inspect(engine).has_table(search_index_state.name):
        log.warning("the database has no search index table yet; run `registry db upgrade`")
        return None
    with session_scope(engine) as session:
        built_by = index_analyzer(session)
        if built_by is not None and built_by != ANALYZER:
            if public_stamp(session):  # a fresh database's empty index is rebuilt quietly
                log.warning("search index built by %r: rebuilding it with %r", built_by, ANALYZER)
            stamp = rebuild(session)
        else:
            stamp = sync(session)
        session.commit()
    return stamp


def rebuild(session: Session) -> int:
    """Index every public algorithm from scratch, in the caller's transaction (no commit).

    The repair path: ``registry search reindex`` runs it and commits. Returns the new stamp.
    """
    events.lock_ledger(session)
    session.flush()
    exists = public_stamp(session) is not None
    session.execute(sa.delete(search_term))
    session.execute(sa.delete(search_doc))
    ids = list(
        session.execute(
            sa.select(col(Algorithm.id))
            .where(col(Algorithm.state).in_(PUBLIC_STATES))
            .order_by(col(Algorithm.id))
        ).scalars()
    )
    _reindex(session, ids)
    stamp = _last_public_event(session)
    _set_stamp(session, stamp, exists=exists, rebuilt=True)
    return stamp


def _algorithms_concerned(session: Session, subjects: list[tuple[str, str]]) -> list[int]:
    """Algorithm row ids that events about these subjects may have changed in the index."""
    by_type: dict[str, set[str]] = {}
    for subject_type, subject_id in subjects:
        by_type.setdefault(subject_type, set()).add(subject_id)
    ids: set[int] = set()
    if by_type.get("algorithm"):
        ids.update(
            session.execute(
                sa.select(col(Algorithm.id)).where(
                    col(Algorithm.public_id).in_(by_type["algorithm"])
                )
            ).scalars()
        )
    if by_type.get("audit"):
        ids.update(
            session.execute(
                sa.select(col(Audit.algorithm_id)).where(col(Audit.public_id).in_(by_type["audit"]))
            ).scalars()
        )
    if by_type.get("agency"):  # the agency's names are part of each of its algorithms' text
        ids.update(
            session.execute(
                sa.select(col(Algorithm.id))
                .join(Agency, col(Agency.id) == col(Algorithm.agency_id))
                .where(col(Agency.slug).in_(by_type["agency"]))
            ).scalars()
        )
    # What the public says about an algorithm (participation) is shown on its page, not indexed.
    unknown = set(by_type) - {"algorithm", "audit", "agency", "participation_item"}
    if unknown:
        raise ValueError(ERR_UNKNOWN_SUBJECT.format(types=", ".join(sorted(unknown))))
    return sorted(ids)


def _latest_audits(session: Session, algorithm_ids: list[int]) -> dict[int, tuple[int, str | None]]:
    """Per algorithm, the (row id, verdict) of its latest published audit still standing."""
    rows = session.execute(
        sa.select(col(Audit.algorithm_id), col(Audit.id), col(Audit.verdict))
        .where(
            col(Audit.algorithm_id).in_(algorithm_ids),
            col(Audit.visibility) == AuditVisibility.published,
            col(Audit.state) == AuditState.succeeded,
        )
        .order_by(col(Audit.published_at), col(Audit.id))
    ).all()
    return {algorithm_id: (audit_id, verdict) for algorithm_id, audit_id, verdict in rows}


def _doc_text(algorithm: Any, translations: Any, agency: Any) -> str:
    """The searchable text of an algorithm row, its card's ``translations`` and its agency row."""
    parts = [algorithm.name or "", algorithm.summary or "", algorithm.public_id]
    for translation in translations.values() if isinstance(translations, dict) else ():
        if isinstance(translation, dict):
            parts += [str(translation.get("name") or ""), str(translation.get("summary") or "")]
    if agency is not None:
        parts.append(agency.name)
        parts += [str(v) for v in (agency.name_translations or {}).values()]
    return "\n".join(parts)


def _reindex(session: Session, ids: list[int]) -> None:
    """Replace the index rows of these algorithms with what the database holds now.

    Reads rows with plain SELECTs (not objects the session may have loaded before the ledger lock
    was taken), so another writer's committed change is never overwritten with an older copy.
    """
    for start in range(0, len(ids), REINDEX_BATCH):
        _reindex_batch(session, ids[start : start + REINDEX_BATCH])


def _reindex_batch(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    session.execute(sa.delete(search_term).where(search_term.c.algorithm_id.in_(ids)))
    session.execute(sa.delete(search_doc).where(search_doc.c.algorithm_id.in_(ids)))
    table = Algorithm.__table__  # type: ignore[attr-defined]
    public = session.execute(
        sa.select(table).where(table.c.id.in_(ids), table.c.state.in_(PUBLIC_STATES))
    ).all()
    if not public:
        return
    public_ids = [a.id for a in public]
    current = sa.and_(
        col(CardVersion.algorithm_id) == table.c.id,
        col(CardVersion.number) == table.c.current_version,
    )
    translations = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(col(CardVersion.algorithm_id), col(CardVersion.card)["translations"])
            .join(table, current)
            .where(col(CardVersion.algorithm_id).in_(public_ids))
        ).all()
    )
    agency_table = Agency.__table__  # type: ignore[attr-defined]
    agencies = {
        a.id: a
        for a in session.execute(
            sa.select(agency_table).where(agency_table.c.id.in_({a.agency_id for a in public}))
        )
    }
    audits = _latest_audits(session, public_ids)
    docs, terms = [], []
    for algorithm in public:
        audit_id, verdict = audits.get(algorithm.id, (None, None))
        text = _doc_text(
            algorithm, translations.get(algorithm.id), agencies.get(algorithm.agency_id)
        )
        docs.append(
            {
                "algorithm_id": algorithm.id,
                "agency_id": algorithm.agency_id,
                "state": str(algorithm.state),
                "scenario": algorithm.scenario or NO_VALUE,
                "risk_category": algorithm.risk_category or NO_VALUE,
                "lifecycle_status": algorithm.lifecycle_status or NO_VALUE,
                "latest_verdict": verdict or NO_AUDIT,
                "latest_audit_id": audit_id,
                "sort_at": algorithm.updated_at,
                "source_stamp": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
        terms += [{"term": t, "algorithm_id": algorithm.id} for t in document_terms(text)]
    session.execute(sa.insert(search_doc), docs)
    if terms:
        session.execute(sa.insert(search_term), terms)
