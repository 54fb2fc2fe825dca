"""Public search of the register: text query, facet filters with counts, numbered pages.

Reads only the search index (``search_doc``/``search_term``, see ``public_search_index``) plus the
algorithm and agency rows of the one page being shown. Each text term is an index range scan on
``search_term``'s primary key; filters and the sort use ``search_doc``'s indexes. Facet counts are
cached per process, keyed by the index watermark, so the unfiltered home page counts nothing twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.errors import Invalid
from registry.models import Agency, Algorithm
from registry.services import public_search_index as idx

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
    facets: dict[str, list[tuple[str, int]]]
    page: int
    per_page: int


class _FacetCache:
    def __init__(self, size: int = 512) -> None:
        self._data: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


_facet_cache = _FacetCache()


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


def _facet_counts(session: Session, query: SearchQuery) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for name in FACETS:
        column = _FACET_COLUMNS[name]
        stmt = (
            sa.select(column, sa.func.count())
            .where(*_conditions(query, skip=name))
            .group_by(column)
        )
        rows = session.execute(stmt).all()
        out[name] = sorted(
            ((str(v), int(n)) for v, n in rows), key=lambda item: (-item[1], item[0])
        )
    return out


def search(session: Session, *, query: SearchQuery) -> SearchResult:
    """One page of public algorithms matching ``query``, with facet counts."""
    validate_query(query.q, query.page)
    idx.refresh(session)
    slugs = list(query.filters.get("agency", ()))
    if slugs:
        ids = agency_ids_for_slugs(session, slugs)
        query = replace(
            query, filters={**query.filters, "agency": tuple(str(i) for i in ids.values())}
        )
    stamp = idx.index_stamp(session)
    cached = _facet_cache.get((stamp, *query.key()))
    if cached is None:
        total = session.execute(
            sa.select(sa.func.count()).select_from(idx.search_doc).where(*_conditions(query))
        ).scalar_one()
        facets = _facet_counts(session, query)
        _facet_cache.put((stamp, *query.key()), (total, facets))
    else:
        total, facets = cached
    stmt = (
        sa.select(
            idx.search_doc.c.algorithm_id,
            idx.search_doc.c.latest_verdict,
            idx.search_doc.c.latest_audit_id,
        )
        .where(*_conditions(query))
        .order_by(idx.search_doc.c.sort_at.desc(), idx.search_doc.c.algorithm_id.desc())
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    )
    rows = session.execute(stmt).all()
    ids = [r.algorithm_id for r in rows]
    by_id = (
        {a.id: a for a in session.exec(select(Algorithm).where(Algorithm.id.in_(ids)))}
        if ids
        else {}
    )  # type: ignore[union-attr]
    algorithms = [by_id[i] for i in ids if i in by_id]
    agency_ids = {a.agency_id for a in algorithms} | {int(v) for v, _n in facets.get("agency", [])}
    agencies = (
        {a.id: a for a in session.exec(select(Agency).where(Agency.id.in_(agency_ids)))}
        if agency_ids
        else {}
    )  # type: ignore[union-attr,misc]
    facets = {
        **facets,
        "agency": [
            (agencies[int(v)].slug, n) for v, n in facets.get("agency", []) if int(v) in agencies
        ],
    }
    return SearchResult(
        total=total,
        algorithms=algorithms,
        agencies=agencies,  # type: ignore[arg-type]
        latest={r.algorithm_id: (r.latest_verdict, r.latest_audit_id) for r in rows},
        facets=facets,
        page=query.page,
        per_page=query.per_page,
    )


def agency_ids_for_slugs(session: Session, slugs: list[str]) -> dict[str, int]:
    if not slugs:
        return {}
    rows = session.exec(select(Agency.slug, Agency.id).where(Agency.slug.in_(slugs)))  # type: ignore[attr-defined]
    return {slug: agency_id for slug, agency_id in rows}  # type: ignore[misc]


def register_counts(session: Session) -> dict[str, int]:
    """Headline numbers for the home page: public algorithms, in use, retired, audited, agencies."""
    idx.refresh(session)
    key = ("register_counts", idx.index_stamp(session))
    cached = _facet_cache.get(key)
    if cached is not None:
        return dict(cached)
    doc = idx.search_doc
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(sa.case((doc.c.state == "retired", 1), else_=0)),
            sa.func.sum(sa.case((doc.c.latest_verdict != idx.NO_AUDIT, 1), else_=0)),
            sa.func.count(sa.distinct(doc.c.agency_id)),
        )
    ).one()
    counts = {
        "algorithms": int(row[0] or 0),
        "retired": int(row[1] or 0),
        "audited": int(row[2] or 0),
        "agencies": int(row[3] or 0),
    }
    _facet_cache.put(key, counts)
    return dict(counts)
