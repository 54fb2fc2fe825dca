"""The public register's search index: one document per public algorithm and an inverted word index.

Tables (created by migration ``0003_search``): ``search_doc`` holds each public algorithm's facet
values (agency, scenario, risk category, lifecycle status, state, latest published audit verdict)
and sort key; ``search_term`` maps terms to algorithms with a B-tree primary key ``(term,
algorithm_id)``; ``search_index_state`` records how far the index has caught up.

Freshness without triggers: every write to an algorithm bumps ``algorithm.updated_at`` and every
audit change bumps ``audit.updated_at`` (both indexed). :func:`refresh` compares the two maxima with
the recorded watermarks (two index lookups) and re-indexes only the rows changed since, so the index
follows writes made by any process (API, CLI, another app server) within one request.

Tokens: Han characters are indexed one by one and as overlapping bigrams (Chinese has no spaces, so
a two-character word such as 教育 is found inside any longer text); other letters and digits form
lower-cased words that queries match by prefix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit, AuditState, AuditVisibility
from registry.models.search import search_doc, search_index_state, search_term
from registry.models.types import UTCDateTime

MAX_TERM_LENGTH = 64
NO_VALUE = "none"  # facet value stored when a card leaves a facet field empty
NO_AUDIT = "not_audited"
PUBLIC_STATES = (AlgorithmState.published.value, AlgorithmState.retired.value)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


def _runs(text: str) -> Iterable[tuple[bool, str]]:
    """Split a word into alternating (is_han, run) pieces."""
    current: list[str] = []
    han = False
    for ch in text:
        is_han = _is_han(ch)
        if current and is_han != han:
            yield han, "".join(current)
            current = []
        han = is_han
        current.append(ch)
    if current:
        yield han, "".join(current)


def normalise_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def document_terms(text: str) -> set[str]:
    """Every term stored for ``text``: words, Han characters and Han bigrams."""
    terms: set[str] = set()
    for word in _WORD.findall(normalise_text(text)):
        for han, run in _runs(word):
            if han:
                terms.update(run)
                terms.update(run[i : i + 2] for i in range(len(run) - 1))
            else:
                terms.add(run[:MAX_TERM_LENGTH])
    return terms


def query_terms(text: str) -> list[tuple[str, bool]]:
    """Terms a query must all match, each with ``prefix`` (True for non-Han words)."""
    out: dict[str, bool] = {}
    for word in _WORD.findall(normalise_text(text)):
        for han, run in _runs(word):
            if not han:
                out[run[:MAX_TERM_LENGTH]] = True
            elif len(run) == 1:
                out[run] = False
            else:
                for i in range(len(run) - 1):
                    out[run[i : i + 2]] = False
    return list(out.items())[:12]


def _watermarks(session: Session) -> tuple[datetime | None, datetime | None]:
    alg = session.exec(select(sa.func.max(Algorithm.updated_at))).one()
    aud = session.exec(select(sa.func.max(Audit.updated_at))).one()
    return _aware(alg), _aware(aud)


def _aware(value: Any) -> datetime | None:
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type]


def _state(session: Session) -> tuple[datetime | None, datetime | None] | None:
    row = session.execute(sa.select(search_index_state).where(search_index_state.c.id == 1)).first()
    if row is None:
        return None
    return row.algorithms_through, row.audits_through


def index_stamp(session: Session) -> tuple[str, str]:
    """A value that changes whenever the public register changes (used as a cache key)."""
    return _stamp_of(*_watermarks(session))


def _latest_audits(session: Session, algorithm_ids: list[int]) -> dict[int, Audit]:
    if not algorithm_ids:
        return {}
    query = (
        select(Audit)
        .where(
            Audit.algorithm_id.in_(algorithm_ids),  # type: ignore[attr-defined]
            Audit.visibility == AuditVisibility.published,
            Audit.state == AuditState.succeeded,
        )
        .order_by(Audit.published_at, Audit.id)  # type: ignore[arg-type]
    )
    latest: dict[int, Audit] = {}
    for audit in session.exec(query):
        latest[audit.algorithm_id] = audit
    return latest


def _doc_text(algorithm: Algorithm, card: dict[str, Any], agency: Agency | None) -> str:
    parts = [algorithm.name or "", algorithm.summary or "", algorithm.public_id]
    for translation in (card.get("translations") or {}).values():
        if isinstance(translation, dict):
            parts += [str(translation.get("name") or ""), str(translation.get("summary") or "")]
    if agency is not None:
        parts.append(agency.name)
        parts += [str(v) for v in (agency.name_translations or {}).values()]
    return "\n".join(parts)


def _reindex(session: Session, algorithms: list[Algorithm]) -> None:
    ids = [a.id for a in algorithms if a.id is not None]
    if not ids:
        return
    session.execute(sa.delete(search_term).where(search_term.c.algorithm_id.in_(ids)))
    session.execute(sa.delete(search_doc).where(search_doc.c.algorithm_id.in_(ids)))
    public = [a for a in algorithms if a.state in PUBLIC_STATES]
    if not public:
        return
    versions = {
        (v.algorithm_id, v.number): v
        for v in session.exec(
            select(CardVersion).where(CardVersion.algorithm_id.in_([a.id for a in public]))  # type: ignore[attr-defined]
        )
    }
    agencies = {a.id: a for a in session.exec(select(Agency))}
    audits = _latest_audits(session, [a.id for a in public])  # type: ignore[misc]
    docs, terms = [], []
    for algorithm in public:
        version = versions.get((algorithm.id, algorithm.current_version))  # type: ignore[arg-type]
        card = version.card if version else {}
        audit = audits.get(algorithm.id)  # type: ignore[arg-type]
        text = _doc_text(algorithm, card, agencies.get(algorithm.agency_id))
        docs.append(
            {
                "algorithm_id": algorithm.id,
                "agency_id": algorithm.agency_id,
                "state": str(algorithm.state),
                "scenario": algorithm.scenario or NO_VALUE,
                "risk_category": algorithm.risk_category or NO_VALUE,
                "lifecycle_status": algorithm.lifecycle_status or NO_VALUE,
                "latest_verdict": (audit.verdict or NO_AUDIT) if audit else NO_AUDIT,
                "latest_audit_id": audit.id if audit else None,
                "sort_at": algorithm.updated_at,
                "source_stamp": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
        terms += [{"term": t, "algorithm_id": algorithm.id} for t in document_terms(text)]
    session.execute(sa.insert(search_doc), docs)
    if terms:
        session.execute(sa.insert(search_term), terms)


def _stamp_of(alg: datetime | None, aud: datetime | None) -> tuple[str, str]:
    return (alg.isoformat() if alg else "", aud.isoformat() if aud else "")


def refresh(session: Session) -> tuple[str, str]:
    """Bring the index up to date with the algorithm and audit tables (commits if it changed).

    Returns the register stamp the index now reflects (see :func:`index_stamp`).
    """
    alg_mark, aud_mark = _watermarks(session)
    state = _state(session)
    if state is not None and state == (alg_mark, aud_mark):
        return _stamp_of(alg_mark, aud_mark)
    alg_since, aud_since = state if state is not None else (None, None)
    query = select(Algorithm)
    if state is not None:
        changed_by_audit = select(Audit.algorithm_id)
        if aud_since is not None:
            changed_by_audit = changed_by_audit.where(Audit.updated_at >= aud_since)
        conditions = [Algorithm.id.in_(changed_by_audit)]  # type: ignore[union-attr]
        if alg_since is not None:
            conditions.append(Algorithm.updated_at >= alg_since)  # type: ignore[arg-type]
        query = query.where(sa.or_(*conditions))
    try:
        _reindex(session, list(session.exec(query)))
        values = {"algorithms_through": alg_mark, "audits_through": aud_mark}
        if state is None:
            session.execute(sa.insert(search_index_state).values(id=1, **values))
        else:
            session.execute(
                sa.update(search_index_state).where(search_index_state.c.id == 1).values(**values)
            )
        session.commit()
    except (IntegrityError, OperationalError):
        # Another request refreshed the same rows at the same moment; its result is as good.
        session.rollback()
    return _stamp_of(alg_mark, aud_mark)
