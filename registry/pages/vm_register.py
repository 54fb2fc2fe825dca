"""View-models of the register's list pages: home and search, agencies, one agency."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from registry import i18n
from registry.models import Agency, Algorithm, agency_name, agency_name_lang
from registry.pages import card_view, words
from registry.pages.page_types import (
    AgenciesPage,
    AgencyAudit,
    AgencyPage,
    Facet,
    FacetOption,
    HomePage,
    ListingItem,
)
from registry.pages.view_types import pagination
from registry.pages.vm_accountability import agency_scorecard
from registry.pages.vm_algorithms import audit_headlines, audit_summary
from registry.services.participation.timeliness import DEFAULT_CLOCK, ResponseClock
from registry.services.public import search as public_search
from registry.services.public.records import agency_list, agency_record

FACET_VOCABULARY = {
    "scenario": "scenario",
    "risk_category": "risk_category",
    "lifecycle_status": "lifecycle_status",
}


def _facet_label_lang(facet: str, value: str, lang: str, agencies: dict[str, Agency]) -> str | None:
    if facet == "agency" and value in agencies:
        return agency_name_lang(agencies[value], lang)
    return None


def _facet_label(facet: str, value: str, lang: str, agencies: dict[str, Agency]) -> str:
    if value == "none":
        return i18n.gettext(lang, words.NO_VALUE)
    if facet == "agency":
        return agency_name(agencies[value], lang) if value in agencies else value
    if facet == "latest_verdict":
        return words.verdict_view(value, lang)["text"]
    return card_view.vocabulary_label(FACET_VOCABULARY[facet], value, lang) or value


def _listing_item(
    algorithm: Algorithm,
    agency: Agency | None,
    lang: str,
    verdict: str | None,
    translations: dict[str, Any] | None = None,
) -> ListingItem:
    # Name and summary in the reader's language when the card carries a translation, with the
    # language actually shown (for the lang attribute) and whether it is the original.
    tier1 = {
        "language": algorithm.language or "en",
        "name": algorithm.name,
        "summary": algorithm.summary,
        "translations": translations or {},
    }
    name, name_lang, name_original = card_view.translated_text(tier1, "name", lang)
    summary, summary_lang, summary_original = card_view.translated_text(tier1, "summary", lang)
    return {
        "public_id": algorithm.public_id,
        "name": name,
        "name_lang": name_lang,
        "summary": summary,
        "summary_lang": summary_lang,
        "shown_in_original_language": bool(name_original or summary_original),
        "language": algorithm.language or "en",
        "agency": (
            {
                "slug": agency.slug,
                "name": agency_name(agency, lang),
                "name_lang": agency_name_lang(agency, lang),
            }
            if agency
            else None
        ),
        "scenario": {
            "value": algorithm.scenario,
            "text": card_view.vocabulary_label("scenario", algorithm.scenario, lang),
        },
        "risk_category": {
            "value": algorithm.risk_category,
            "text": card_view.vocabulary_label("risk_category", algorithm.risk_category, lang),
        },
        "lifecycle_status": {
            "value": algorithm.lifecycle_status,
            "text": card_view.vocabulary_label(
                "lifecycle_status", algorithm.lifecycle_status, lang
            ),
        },
        "state": words.state_view(str(algorithm.state), lang),
        "latest_verdict": words.verdict_view(verdict or "not_audited", lang),
        "current_version": algorithm.current_version,
        "updated_at": algorithm.updated_at,
    }


def home_page(
    session: Session,
    *,
    q: str,
    filters: dict[str, tuple[str, ...]],
    page: int,
    per_page: int,
    lang: str,
) -> HomePage:
    """What the register is, headline counts, search with facet counts, one page of results."""
    query = public_search.SearchQuery(q=q.strip(), filters=filters, page=page, per_page=per_page)
    result = public_search.search(session, query=query)
    by_slug = {a.slug: a for a in result.agencies.values()}
    facets: list[Facet] = []
    for name in public_search.FACETS:
        chosen = set(filters.get(name, ()))
        options: list[FacetOption] = [
            {
                "value": value,
                "label": _facet_label(name, value, lang, by_slug),
                "label_lang": _facet_label_lang(name, value, lang, by_slug),
                "count": count,
                "selected": value in chosen,
            }
            for value, count in result.facets.get(name, [])
        ]
        for value in sorted(chosen - {o["value"] for o in options}):
            options.append(
                {
                    "value": value,
                    "label": _facet_label(name, value, lang, by_slug),
                    "label_lang": _facet_label_lang(name, value, lang, by_slug),
                    "count": 0,
                    "selected": True,
                }
            )
        facets.append(
            {
                "name": name,
                "title": i18n.gettext(lang, words.FACET_TITLES[name]),
                "options": options,
            }
        )
    items = [
        _listing_item(
            a,
            result.agencies.get(a.agency_id),
            lang,
            result.latest.get(a.id or 0, ("not_audited", None))[0],
            result.translations.get(a.id or 0),
        )
        for a in result.algorithms
    ]
    counts = public_search.register_counts(session)
    return {
        "lang": lang,
        "counts": {
            "algorithms": counts["algorithms"],
            "retired": counts["retired"],
            "audited": counts["audited"],
            "agencies": counts["agencies"],
        },
        "query": {"q": query.q, "filters": {k: list(v) for k, v in filters.items() if v}},
        "facets": facets,
        "total": result.total,
        "results": items,
        "suggestion": result.suggestion,
        "pagination": pagination(page, per_page, result.total),
        "next_url": None,  # absolute links, set by rendering.respond for each format
        "prev_url": None,
    }


def results_csv(vm: HomePage) -> tuple[list[str], list[list[Any]]]:
    return _listing_csv(vm["results"])


def _listing_csv(items: list[ListingItem]) -> tuple[list[str], list[list[Any]]]:
    columns = [
        "public_id",
        "name",
        "summary",
        "agency",
        "scenario",
        "risk_category",
        "lifecycle_status",
        "state",
        "latest_audit_verdict",
        "current_version",
        "updated_at",
    ]
    rows = [
        [
            r["public_id"],
            r["name"],
            r["summary"],
            r["agency"]["slug"] if r["agency"] else "",
            r["scenario"]["value"],
            r["risk_category"]["value"],
            r["lifecycle_status"]["value"],
            r["state"]["value"],
            r["latest_verdict"]["value"],
            r["current_version"],
            r["updated_at"],
        ]
        for r in items
    ]
    return columns, rows


def agencies_page(session: Session, *, lang: str) -> AgenciesPage:
    return {
        "lang": lang,
        "agencies": [
            {
                "slug": a.slug,
                "name": agency_name(a, lang),
                "name_lang": agency_name_lang(a, lang),
                "algorithms": n,
                "website": card_view.safe_url(a.website),
            }
            for a, n in agency_list(session)
        ],
    }


def agencies_csv(vm: AgenciesPage) -> tuple[list[str], list[list[Any]]]:
    return ["slug", "name", "algorithms", "website"], [
        [a["slug"], a["name"], a["algorithms"], a["website"]] for a in vm["agencies"]
    ]


AGENCY_AUDITS_SHOWN = 20


def agency_page(
    session: Session,
    *,
    slug: str,
    page: int,
    per_page: int,
    lang: str,
    k: int,
    today: date,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> AgencyPage:
    """One agency: its scorecard, public algorithms (paginated), latest audits and how quickly
    it responds."""
    record = agency_record(session, slug)
    query = public_search.SearchQuery(filters={"agency": (slug,)}, page=page, per_page=per_page)
    result = public_search.search(session, query=query)
    items = [
        _listing_item(
            a,
            record.agency,
            lang,
            result.latest.get(a.id or 0, ("not_audited", None))[0],
            result.translations.get(a.id or 0),
        )
        for a in result.algorithms
    ]
    shown = record.audits[:AGENCY_AUDITS_SHOWN]
    headlines = audit_headlines(session, [audit for audit, _alg in shown], lang=lang, k=k)
    audits: list[AgencyAudit] = [
        {
            **audit_summary(audit, lang, headline=headlines.get(audit.id or 0)),
            "algorithm": {
                "public_id": alg.public_id,
                "name": alg.name,
                "name_lang": i18n.other_language(alg.language, lang),
            },
            "response_at": audit.response_at,
        }
        for audit, alg in shown
    ]
    return {
        "lang": lang,
        "slug": record.agency.slug,
        "name": agency_name(record.agency, lang),
        "name_lang": agency_name_lang(record.agency, lang),
        "website": card_view.safe_url(record.agency.website),
        "total": result.total,
        "algorithms": items,
        "pagination": pagination(page, per_page, result.total),
        "audits": audits,
        "responsiveness": {
            "audits": len(record.audits),
            "responded": record.responded,
            "awaiting_response": record.awaiting_response,
            "median_response_days": record.median_response_days,
        },
        "scorecard": agency_scorecard(session, record=record, today=today, lang=lang, clock=clock),
        "next_url": None,  # absolute links, set by rendering.respond for each format
        "prev_url": None,
    }


def agency_csv(vm: AgencyPage) -> tuple[list[str], list[list[Any]]]:
    return _listing_csv(vm["algorithms"])
