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
from rapidfuzz import fuzz, process
from sqlmodel import Session, col, select

from registry.errors import Invalid
from registry.lru import LRUCache
from registry.models import Agency, Algorithm, CardVersion
from registry.services.public import analysis
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
    suggestion: str | None = None  # "did you mean": a query that finds something, when none did


Cube = list[tuple[dict[str, str], int]]
Vocabulary = dict[bool, tuple[str, ...]]  # is_han -> indexed words (no stems, no short Han terms)
# Keyed by (database, public stamp, ...): the stamp names the index's content in one database.
_cubes: LRUCache[tuple[str, int, str], Cube] = LRUCache(512)
_headline_counts: LRUCache[tuple[str, int], dict[str, int]] = LRUCache(8)
_vocabularies: LRUCache[tuple[str, int], Vocabulary] = LRUCache(2)
SUGGEST_CUTOFF = 70  # rapidfuzz ratio (0-100) a replacement word needs


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


def _term_where(term: analysis.Term) -> sa.ColumnElement[bool]:
    column = idx.search_term.c.term
    if term.prefix:
        return sa.and_(column >= term.text, column < term.text + "\U0010ffff")
    return column == term.text


def _flat_terms(node: analysis.Node) -> list[analysis.Term] | None:
    """The lookups of a node that is only alternatives of lookups (None when it holds an AND)."""
    if isinstance(node, analysis.Term):
        return [node]
    if isinstance(node, analysis.All):
        return None
    terms: list[analysis.Term] = []
    for part in node.parts:
        inner = _flat_terms(part)
        if inner is None:
            return None
        terms += inner
    return terms


def _lookup(terms: list[analysis.Term]) -> sa.ColumnElement[bool]:
    """Documents holding any of ``terms``: one subquery, each lookup an index range scan."""
    where = _term_where(terms[0]) if len(terms) == 1 else sa.or_(*map(_term_where, terms))
    return idx.search_doc.c.algorithm_id.in_(sa.select(idx.search_term.c.algorithm_id).where(where))


def _node_condition(node: analysis.Node) -> sa.ColumnElement[bool]:
    """A query match as a condition on ``search_doc.algorithm_id``. Alternatives that are plain
    lookups (a word's prefix and stem, the one-word synonyms of a group) share one subquery."""
    if isinstance(node, analysis.Term):
        return _lookup([node])
    if isinstance(node, analysis.All):
        return sa.and_(*(_node_condition(p) for p in node.parts))
    flat: list[analysis.Term] = []
    rest: list[analysis.Node] = []
    for part in node.parts:
        terms = _flat_terms(part)
        if terms is None:
            rest.append(part)
        else:
            flat += terms
    conds = ([_lookup(flat)] if flat else []) + [_node_condition(p) for p in rest]
    return conds[0] if len(conds) == 1 else sa.or_(*conds)


def _text_condition(q: str) -> sa.ColumnElement[bool] | None:
    matches = analysis.parse_query(q)
    if not matches:
        return None
    conds = [_node_condition(m) for m in matches]
    return conds[0] if len(conds) == 1 else sa.and_(*conds)


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
    suggestion = suggest(session, query.q, stamp, slugs) if not total and query.q else None
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
        suggestion=suggestion,
    )


def _vocabulary(session: Session, stamp: int | None) -> Vocabulary:
    """The index's words for "did you mean": non-Han words of 3+ letters and Han terms of 3+
    characters (jieba's words; bigrams and single characters are too short to correct)."""

    def load() -> Vocabulary:
        latin: list[str] = []
        han: list[str] = []
        for term in session.execute(sa.select(idx.search_term.c.term).distinct()).scalars():
            if len(term) < 3 or term.startswith(analysis.STEM_MARK):
                continue
            (han if analysis.is_han(term[0]) else latin).append(term)
        return {False: tuple(latin), True: tuple(han)}

    if stamp is None:
        return load()
    return _vocabularies.get_or_compute((_database(session), stamp), load)


def _finds_any(session: Session, q: str) -> bool:
    text = _text_condition(q)
    if text is None:
        return True
    found = session.execute(sa.select(idx.search_doc.c.algorithm_id).where(text).limit(1))
    return found.first() is not None


def suggest(session: Session, q: str, stamp: int | None, slugs: dict[int, str]) -> str | None:
    """Did you mean: ``q`` with each word (each Han run of 3+ characters) that matches nothing
    replaced by the closest indexed word (rapidfuzz ratio), offered only if it finds something
    (with no filters). None when no word can be corrected."""
    vocabulary: Vocabulary | None = None
    out: list[str] = []
    changed = False
    for han, run in analysis.pieces(q):
        if (han and len(run) < 3) or (not han and len(run) < 3) or _finds_any(session, run):
            out.append(run)
            continue
        if vocabulary is None:
            vocabulary = _vocabulary(session, stamp)
        candidates = [w for w in vocabulary[han] if abs(len(w) - len(run)) <= 2]
        best = process.extractOne(run, candidates, scorer=fuzz.ratio, score_cutoff=SUGGEST_CUTOFF)
        if best is None:
            out.append(run)
            continue
        out.append(str(best[0]))
        changed = True
    if not changed:
        return None
    suggestion = " ".join(out)
    total, _facets = _counts(_cube(session, suggestion, stamp, slugs), {})
    return suggestion if total else None


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
