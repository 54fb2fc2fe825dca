"""Public search of the register: text query, facet filters with counts, numbered pages.

Reads only the search index (``search_doc``/``search_term``, see ``public_search_index``) plus the
algorithm and agency rows of the one page being shown. Each text term is an index range scan on
``search_term``'s primary key; filters and the sort use ``search_doc``'s indexes. Facet counts are
cached per process under the public stamp (the ledger id the index reflects), so the unfiltered
home page counts nothing twice. Nothing here writes: the index is kept by the writes themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.errors import Invalid
from registry.lru import LRUCache
from registry.models import Agency, Algorithm, CardVersion
from registry.services.public import search_index as idx

FACETS: tuple[str, ...] = (
    "scenario",
    "agency",
    "risk_category",
    "lifecycle_status",
    "latest_verdict",
)
_FACET_COLUMNS = {
    "scenario": idx.search_doc.c.scenario,
    "agency": idx.search_doc.c.agency_id,
    "risk_category": idx.search_doc.c.risk_category,
    "lifecycle_status": idx.search_doc.c.lifecycle_status,
    "latest_verdict": idx.search_doc.c.latest_verdict,
}
MAX_QUERY_LENGTH = 200
MAX_PAGE = 10_000
ERR_QUERY_TOO_LONG = f"The search text is longer than {MAX_QUERY_LENGTH} characters."
ERR_BAD_PAGE = "The page number must be a whole number from 1."


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20

    def key(self) -> tuple[Any, ...]:
        return (self.q, tuple(sorted(self.filters.items())))


@dataclass
class SearchResult:
    total: int
    algorithms: list[Algorithm]
    agencies: dict[int, Agency]
    latest: dict[int, tuple[str, int | None]]  # algorithm id -> (verdict, audit row id)
    translations: dict[int, dict[str, Any]]  # algorithm id -> its card's tier-1 translations
    facets: dict[str, list[tuple[str, int]]]
    page: int
    per_page: int


Cube = list[tuple[dict[str, str], int]]
# Keyed by (database, public stamp, ...): the stamp names the index's content in one database.
_cubes: LRUCache[tuple[str, int, str], Cube] = LRUCache(512)
_headline_counts: LRUCache[tuple[str, int], dict[str, int]] = LRUCache(8)


def _database(session: Session) -> str:
    return str(session.get_bind().engine.url)


def validate_query(q: str, page: int) -> None:
    if len(q) > MAX_QUERY_LENGTH:
        raise Invalid(
            ERR_QUERY_TOO_LONG,
            details=[{"loc": ["query", "q"], "msg": ERR_QUERY_TOO_LONG, "type": "too_long"}],
        )
    if page < 1 or page > MAX_PAGE:
        raise Invalid(
            ERR_BAD_PAGE,
            details=[{"loc": ["query", "page"], "msg": ERR_BAD_PAGE, "type": "value_error"}],
        )


def _text_condition(q: str) -> sa.ColumnElement[bool] | None:
    terms = idx.query_terms(q)
    if not terms:
        return None
    selects = []
    for term, prefix in terms:
        col = idx.search_term.c.term
        cond = sa.and_(col >= term, col < term + "\U0010ffff") if prefix else col == term
        selects.append(sa.select(idx.search_term.c.algorithm_id).where(cond))
    matching = selects[0] if len(selects) == 1 else sa.intersect(*selects)
    return idx.search_doc.c.algorithm_id.in_(matching)


def _conditions(query: SearchQuery, *, skip: str | None = None) -> list[sa.ColumnElement[bool]]:
    conds: list[sa.ColumnElement[bool]] = []
    text = _text_condition(query.q)
    if text is not None:
        conds.append(text)
    for name, values in query.filters.items():
        if name == skip or not values:
            continue
        column = _FACET_COLUMNS[name]
        if name == "agency":
            conds.append(column.in_([int(v) for v in values if v.isdigit()] or [-1]))
        else:
            conds.append(column.in_(values))
    return conds


_CUBE_COLUMNS = (
    idx.search_doc.c.scenario,
    idx.search_doc.c.agency_id,
    idx.search_doc.c.risk_category,
    idx.search_doc.c.lifecycle_status,
    idx.search_doc.c.latest_verdict,
    idx.search_doc.c.state,
)


def _cube(session: Session, q: str, stamp: int | None, slugs: dict[int, str]) -> Cube:
    """Counts of matching documents per combination of facet values (cached per public stamp).

    One grouped query answers the total and every facet's counts, for any filters, in Python.
    """
    if stamp is None:  # the index was never built: nothing to key a cache entry by
        return _count_cube(session, q, slugs)
    key = (_database(session), stamp, q)
    return _cubes.get_or_compute(key, lambda: _count_cube(session, q, slugs))


def _count_cube(session: Session, q: str, slugs: dict[int, str]) -> Cube:
    text = _text_condition(q)
    stmt = sa.select(*_CUBE_COLUMNS, sa.func.count()).group_by(*_CUBE_COLUMNS)
    if text is not None:
        stmt = stmt.where(text)
    cube: Cube = []
    for scenario, agency_id, risk, status, verdict, state, n in session.execute(stmt).all():
        values = {
            "scenario": scenario,
            "agency": slugs.get(agency_id, str(agency_id)),
            "risk_category": risk,
            "lifecycle_status": status,
            "latest_verdict": verdict,
            "state": state,
        }
        cube.append((values, int(n)))
    return cube


def _counts(
    cube: Cube, filters: dict[str, tuple[str, ...]]
) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and, per facet, counts under every filter but that facet's own.

    One pass over the cube: a cell failing no filter counts everywhere, a cell failing exactly
    one filter counts only in that filter's facet.
    """
    active = [(name, chosen) for name, chosen in filters.items() if chosen]
    total = 0
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for values, n in cube:
        failed = [name for name, chosen in active if values[name] not in chosen]
        if not failed:
            total += n
            for name in FACETS:
                counters[name][values[name]] += n
        elif len(failed) == 1 and failed[0] in counters:
            counters[failed[0]][values[failed[0]]] += n
    facets = {
        name: sorted(counters[name].items(), key=lambda item: (-item[1], item[0]))
        for name in FACETS
    }
    return total, facets


def search(session: Session, *, query: SearchQuery) -> SearchResult:
    """One page of public algorithms matching ``query``, with facet counts."""
    validate_query(query.q, query.page)
    stamp = idx.public_stamp(session)
    agencies = {a.id: a for a in session.exec(select(Agency))}
    slugs = {agency_id: a.slug for agency_id, a in agencies.items() if agency_id is not None}
    total, facets = _counts(_cube(session, query.q, stamp, slugs), query.filters)
    by_slug = {slug: str(agency_id) for agency_id, slug in slugs.items()}
    sql_filters = dict(query.filters)
    if sql_filters.get("agency"):
        sql_filters["agency"] = tuple(by_slug[s] for s in sql_filters["agency"] if s in by_slug)
    stmt = (
        sa.select(
            idx.search_doc.c.algorithm_id,
            idx.search_doc.c.latest_verdict,
            idx.search_doc.c.latest_audit_id,
        )
        .where(*_conditions(replace(query, filters=sql_filters)))
        .order_by(idx.search_doc.c.sort_at.desc(), idx.search_doc.c.algorithm_id.desc())
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    rows = session.execute(stmt).all() if total else []
    ids = [r.algorithm_id for r in rows]
    found: Iterable[Algorithm] = (
        session.exec(select(Algorithm).where(col(Algorithm.id).in_(ids))) if ids else []
    )
    by_id = {a.id: a for a in found}
    return SearchResult(
        total=total,
        algorithms=[by_id[i] for i in ids if i in by_id],
        agencies=agencies,  # type: ignore[arg-type]
        latest={r.algorithm_id: (r.latest_verdict, r.latest_audit_id) for r in rows},
        translations=_translations(session, ids),
        facets=facets,
        page=query.page,
        per_page=query.per_page,
    )


def _translations(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The ``translations`` member of each listed algorithm's current card, and nothing else of
    the card (a JSON path select, so whole cards are never loaded for a listing)."""
    if not ids:
        return {}
    current = sa.and_(
        col(CardVersion.algorithm_id) == col(Algorithm.id),
        col(CardVersion.number) == col(Algorithm.current_version),
    )
    stmt = (
        sa.select(col(CardVersion.algorithm_id), col(CardVersion.card)["translations"])
        .join(Algorithm, current)
        .where(col(CardVersion.algorithm_id).in_(ids))
    )
    return {row[0]: row[1] for row in session.execute(stmt) if isinstance(row[1], dict)}


def register_counts(session: Session) -> dict[str, int]:
    """Headline numbers for the home page: public algorithms, retired, audited, agencies."""
    stamp = idx.public_stamp(session)

    def count() -> dict[str, int]:
        slugs = {a.id: a.slug for a in session.exec(select(Agency)) if a.id is not None}
        cube = _cube(session, "", stamp, slugs)
        return {
            "algorithms": sum(n for _v, n in cube),
            "retired": sum(n for v, n in cube if v["state"] == "retired"),
            "audited": sum(n for v, n in cube if v["latest_verdict"] != idx.NO_AUDIT),
            "agencies": len({v["agency"] for v, _n in cube}),
        }

    if stamp is None:
        return count()
    return dict(_headline_counts.get_or_compute((_database(session), stamp), count))
