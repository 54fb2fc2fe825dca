"""View-models across agencies: the audits list (``/audits``), an agency's accountability
scorecard (on its page) and the comparison of every agency's scorecard (``/compare/agencies``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from sqlmodel import Session

from registry import i18n
from registry.errors import Invalid
from registry.models import Agency, agency_name, agency_name_lang
from registry.pages import card_view, labels, words
from registry.pages.page_types import (
    AuditFilter,
    AuditListItem,
    AuditsPage,
    ComparedAgency,
    ComparePage,
    Figure,
    ResponseFigure,
    ResponseTimeliness,
    Scorecard,
    SortColumn,
)
from registry.pages.twins import with_query
from registry.pages.view_types import Tone, pagination
from registry.pages.vm_algorithms import audit_headlines, audit_summary
from registry.services.participation.timeliness import DEFAULT_CLOCK, ResponseClock, Timeliness
from registry.services.public import audit_listing, scorecards
from registry.services.public.audit_listing import AuditFilters
from registry.services.public.records import AgencyRecord

N_ = i18n.N_

# --- the audits list ----------------------------------------------------------------------------

FILTER_TITLES = {
    "agency": N_("Public body"),
    "scenario": N_("Scenario"),
    "verdict": N_("Result"),
    "kind": N_("Who ran it"),
}


def _filters(filters: AuditFilters, agencies: list[Agency], lang: str) -> list[AuditFilter]:
    choices: dict[str, list[tuple[str, str]]] = {
        "agency": [(a.slug, agency_name(a, lang)) for a in agencies],
        "scenario": [
            (s, card_view.vocabulary_label("scenario", s, lang) or s)
            for s in audit_listing.SCENARIOS
        ],
        "verdict": [(v, words.verdict_view(v, lang)["text"]) for v in audit_listing.VERDICTS],
        "kind": [(k, words.audit_kind_view(k, lang)["text"]) for k in audit_listing.KINDS],
    }
    out: list[AuditFilter] = []
    for name, options in choices.items():
        chosen = set(getattr(filters, name))
        out.append(
            {
                "name": name,
                "title": i18n.gettext(lang, FILTER_TITLES[name]),
                "options": [
                    {"value": value, "label": label, "selected": value in chosen}
                    for value, label in options
                ],
            }
        )
    return out


def audits_page(
    session: Session, *, filters: AuditFilters, page: int, per_page: int, lang: str, k: int
) -> AuditsPage:
    """Public audits across the register, newest first, narrowed by ``filters``, each with the
    headline of its findings."""
    listing = audit_listing.list_audits(session, filters=filters, page=page, per_page=per_page)
    headlines = audit_headlines(session, [row.audit for row in listing.rows], lang=lang, k=k)
    items: list[AuditListItem] = [
        {
            **audit_summary(row.audit, lang, headline=headlines.get(row.audit.id or 0)),
            "algorithm": {
                "public_id": row.algorithm.public_id,
                "name": row.algorithm.name,
                "name_lang": i18n.other_language(row.algorithm.language, lang),
            },
            "agency": {
                "slug": row.agency.slug,
                "name": agency_name(row.agency, lang),
                "name_lang": agency_name_lang(row.agency, lang),
            },
            "scenario": {
                "value": row.algorithm.scenario,
                "text": card_view.vocabulary_label("scenario", row.algorithm.scenario, lang),
            },
            "response_at": row.audit.response_at,
        }
        for row in listing.rows
    ]
    return {
        "lang": lang,
        "query": {
            "agency": list(filters.agency),
            "scenario": list(filters.scenario),
            "verdict": list(filters.verdict),
            "kind": list(filters.kind),
            "published_from": filters.published_from.isoformat()
            if filters.published_from
            else None,
            "published_to": filters.published_to.isoformat() if filters.published_to else None,
        },
        "filtered": not filters.is_empty(),
        "filters": _filters(filters, listing.agencies, lang),
        "total": listing.total,
        "audits": items,
        "pagination": pagination(page, per_page, listing.total),
        "next_url": None,  # absolute links, set by rendering.respond for each format
        "prev_url": None,
    }


AUDIT_LIST_COLUMNS = [
    "audit_id",
    "agency",
    "agency_name",
    "algorithm",
    "algorithm_name",
    "version",
    "scenario",
    "auditor_kind",
    "verdict",
    "published_at",
    "withdrawn",
    "withdrawn_reason",
    "response_at",
]


def audits_csv(vm: AuditsPage) -> tuple[list[str], list[list[Any]]]:
    return AUDIT_LIST_COLUMNS, [
        [
            a["id"],
            a["agency"]["slug"],
            a["agency"]["name"],
            a["algorithm"]["public_id"],
            a["algorithm"]["name"],
            a["version_number"],
            a["scenario"]["value"],
            a["kind"]["value"],
            a["verdict"]["value"],
            a["published_at"],
            a["withdrawn"],
            a["withdrawn_reason"],
            a["response_at"],
        ]
        for a in vm["audits"]
    ]


# --- scorecards -----------------------------------------------------------------------------------

FIGURE_WORDS: dict[str, tuple[str, str]] = {
    # name: (label, explanation with the scorecard's numbers as %(...)s)
    "in_use": (
        N_("Algorithms in use"),
        N_(
            "Published on the register and not retired. Retired ones (%(retired)s) stay on "
            "record but are not counted here."
        ),
    ),
    "high_risk": (
        N_("High-risk algorithms"),
        N_(
            "Algorithms in use that the body itself classes as high risk, the category with "
            "the most to disclose."
        ),
    ),
    "independently_audited": (
        N_("With a published independent audit"),
        N_(
            "Algorithms in use (out of %(in_use)s) with at least one audit run by an auditor "
            "independent of the body, published and not withdrawn."
        ),
    ),
    "failed_audits": (
        N_("Audits finding a disparity beyond the threshold"),
        N_(
            "Published audits in which at least one group comparison was beyond the threshold "
            "declared before the test, even allowing for uncertainty."
        ),
    ),
    "failed_responded": (
        N_("Of those, answered by the body"),
        N_(
            "Audits finding a disparity (out of %(failed_audits)s) that the body has answered "
            "in public. Still unanswered: %(failed_unanswered)s."
        ),
    ),
    "review_overdue": (
        N_("Past their review date"),
        N_(
            "Algorithms in use whose model card names a next review date that had passed "
            "on %(as_of)s."
        ),
    ),
}


def _tone(name: str, values: dict[str, Any]) -> Tone:
    if name == "independently_audited":
        return "warn" if values["independently_audited"] < values["in_use"] else "ok"
    if name == "failed_audits":
        return "bad" if values["failed_audits"] else "ok"
    if name == "failed_responded":
        return "warn" if values["failed_unanswered"] else "ok"
    if name == "review_overdue":
        return "warn" if values["review_overdue"] else "ok"
    return "neutral"


RESPONSE_WORDS: dict[str, tuple[str, str]] = {
    "received": (
        N_("Questions and concerns received"),
        N_(
            "Sent by the public about its algorithms on the register, whatever became of them "
            "(published, merged, declined or still in moderation)."
        ),
    ),
    "answered_in_time": (
        N_("Answered in time"),
        N_(
            "Answered within %(target_days)s working days of receipt, out of %(answered)s answered."
        ),
    ),
    "median_days_to_answer": (
        N_("Median time to answer"),
        N_(
            "Calendar days (weekends and holidays included) from receipt to answer, for the "
            "%(answered)s answered; half took longer."
        ),
    ),
    "open_past_target": (
        N_("Waiting past the target"),
        N_(
            "Still without an answer (in moderation or published) more than %(target_days)s "
            "working days after receipt, on %(as_of)s."
        ),
    ),
}


def responses_view(t: Timeliness, *, today: date, lang: str) -> ResponseTimeliness:
    """The timeliness figures of one agency, each with the sentence that explains it."""
    values: dict[str, Any] = {
        "target_days": t.target_days,
        "received": t.received,
        "answered": t.answered,
        "answered_in_time": t.answered_in_time,
        "median_days_to_answer": t.median_days_to_answer,
        "open_past_target": t.open_past_target,
        "as_of": i18n_date(today, lang),
    }
    tones: dict[str, Tone] = {
        "received": "neutral",
        "answered_in_time": "warn" if t.answered_in_time < t.answered else "ok",
        "median_days_to_answer": "neutral",
        "open_past_target": "bad" if t.open_past_target else "ok",
    }
    figures: list[ResponseFigure] = [
        {
            "name": name,
            "value": values[name],
            "label": i18n.gettext(lang, label),
            "explanation": i18n.gettext(lang, explanation) % values,
            "tone": tones[name],
        }
        for name, (label, explanation) in RESPONSE_WORDS.items()
    ]
    return {
        "target_days": t.target_days,
        "received": t.received,
        "answered": t.answered,
        "answered_in_time": t.answered_in_time,
        "median_days_to_answer": t.median_days_to_answer,
        "open_past_target": t.open_past_target,
        "figures": figures,
    }


def scorecard_view(card: scorecards.Scorecard, *, today: date, lang: str) -> Scorecard:
    """The figures of one agency, each with the sentence that explains it."""
    values: dict[str, Any] = {
        "in_use": card.in_use,
        "retired": card.retired,
        "high_risk": card.by_risk.get("high_risk", 0),
        "independently_audited": card.independently_audited,
        "failed_audits": card.failed_audits,
        "failed_responded": card.failed_responded,
        "failed_unanswered": card.failed_audits - card.failed_responded,
        "review_overdue": card.review_overdue,
        "as_of": i18n_date(today, lang),
    }
    figures: list[Figure] = []
    for name, (label, explanation) in FIGURE_WORDS.items():
        figures.append(
            {
                "name": name,
                "value": int(values[name]),
                "label": i18n.gettext(lang, label),
                "explanation": i18n.gettext(lang, explanation) % values,
                "tone": _tone(name, values),
            }
        )
    return {
        "in_use": card.in_use,
        "retired": card.retired,
        "by_risk": [
            {
                "risk_category": {
                    "value": risk,
                    "text": card_view.vocabulary_label("risk_category", risk, lang),
                },
                "algorithms": n,
            }
            for risk, n in card.by_risk.items()
        ],
        "high_risk": values["high_risk"],
        "independently_audited": card.independently_audited,
        "failed_audits": card.failed_audits,
        "failed_responded": card.failed_responded,
        "review_overdue": card.review_overdue,
        "as_of": today,
        "figures": figures,
        "responses": responses_view(card.responses, today=today, lang=lang),
    }


def i18n_date(day: date, lang: str) -> str:
    """A date in words in ``lang`` (as the templates' ``fmt_date`` writes it)."""
    return format_date(day, format="medium", locale=i18n.babel_locale(lang))


def agency_scorecard(
    session: Session,
    *,
    record: AgencyRecord,
    today: date,
    lang: str,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> Scorecard:
    """The scorecard of the agency page's agency, counted from the rows its page loaded."""
    card = scorecards.agency_scorecard(
        session,
        agency=record.agency,
        algorithms=record.algorithms,
        audits=[audit for audit, _algorithm in record.audits],
        today=today,
        clock=clock,
    )
    return scorecard_view(card, today=today, lang=lang)


# --- comparison across agencies -------------------------------------------------------------------

SORT_COLUMNS: dict[str, str] = {
    "name": N_("Public body"),
    "in_use": N_("Algorithms in use"),
    "high_risk": N_("High risk"),
    "independently_audited": N_("With a published independent audit"),
    "failed_audits": N_("Audits finding a disparity"),
    "failed_responded": N_("Answered"),
    "review_overdue": N_("Past their review date"),
    "received": N_("Questions and concerns received"),
    "answered_in_time": N_("Answered in time"),
    "median_days_to_answer": N_("Median days to answer"),
    "open_past_target": N_("Waiting past the target"),
}
#: Columns read from the scorecard's ``responses`` rather than the scorecard itself.
RESPONSE_COLUMNS = ("received", "answered_in_time", "median_days_to_answer", "open_past_target")
SORT_ORDERS = ("asc", "desc")
ERR_BAD_SORT = "'sort' must be one of {choices}; got {value!r}."
ERR_BAD_ORDER = "'order' must be 'asc' or 'desc'; got {value!r}."


def _invalid(name: str, msg: str) -> Invalid:
    return Invalid(msg, details=[{"loc": ["query", name], "msg": msg, "type": "enum"}])


def _sort_value(row: ComparedAgency, key: str) -> Any:
    card = row["scorecard"]
    return card["responses"][key] if key in RESPONSE_COLUMNS else card[key]  # type: ignore[literal-required]


def compare_page(
    session: Session,
    *,
    sort: str | None,
    order: str | None,
    today: date,
    lang: str,
    clock: ResponseClock = DEFAULT_CLOCK,
) -> ComparePage:
    """Every agency's scorecard in one table, sorted by ``sort`` (a column key) and ``order``."""
    sort = sort or "name"
    if sort not in SORT_COLUMNS:
        raise _invalid("sort", ERR_BAD_SORT.format(choices=", ".join(SORT_COLUMNS), value=sort))
    order = order or ("asc" if sort == "name" else "desc")
    if order not in SORT_ORDERS:
        raise _invalid("order", ERR_BAD_ORDER.format(value=order))
    rows: list[ComparedAgency] = [
        {
            "slug": card.agency.slug,
            "name": agency_name(card.agency, lang),
            "name_lang": agency_name_lang(card.agency, lang),
            "scorecard": scorecard_view(card, today=today, lang=lang),
        }
        for card in scorecards.scorecards(session, today=today, clock=clock)
    ]
    # Ties (and the name column) by name, always A to Z, so the order never depends on the
    # database's; then the chosen column, stable.
    rows.sort(key=lambda r: (r["name"].casefold(), r["slug"]))
    if sort != "name":
        # A median with nothing to measure (no answer yet) comes last either way.
        known = [r for r in rows if _sort_value(r, sort) is not None]
        unknown = [r for r in rows if _sort_value(r, sort) is None]
        known.sort(key=lambda r: _sort_value(r, sort), reverse=order == "desc")
        rows = known + unknown
    elif order == "desc":
        rows.reverse()
    columns: list[SortColumn] = []
    for key, label in SORT_COLUMNS.items():
        current = key == sort
        default = "asc" if key == "name" else "desc"
        next_order = ("desc" if order == "asc" else "asc") if current else default
        columns.append(
            {
                "key": key,
                "label": i18n.gettext(lang, label),
                "href": with_query("", {"sort": key, "order": next_order, "lang": lang}),
                "sorted": ("ascending" if order == "asc" else "descending") if current else "none",
            }
        )
    return {
        "lang": lang,
        "sort": sort,
        "order": "asc" if order == "asc" else "desc",
        "columns": columns,
        "agencies": rows,
        "as_of": today,
    }


COMPARE_COLUMNS = [
    "agency",
    "agency_name",
    "in_use",
    "retired",
    "high_risk",
    "impactful",
    "other_risk",
    "independently_audited",
    "failed_audits",
    "failed_responded",
    "review_overdue",
    "response_target_days",
    "items_received",
    "items_answered",
    "items_answered_in_time",
    "median_days_to_answer",
    "items_open_past_target",
    "as_of",
]


def compare_csv(vm: ComparePage) -> tuple[list[str], list[list[Any]]]:
    rows = []
    for a in vm["agencies"]:
        card = a["scorecard"]
        risks = {r["risk_category"]["value"]: r["algorithms"] for r in card["by_risk"]}
        rows.append(
            [
                a["slug"],
                a["name"],
                card["in_use"],
                card["retired"],
                risks.get("high_risk", 0),
                risks.get("impactful", 0),
                risks.get("other", 0),
                card["independently_audited"],
                card["failed_audits"],
                card["failed_responded"],
                card["review_overdue"],
                card["responses"]["target_days"],
                card["responses"]["received"],
                card["responses"]["answered"],
                card["responses"]["answered_in_time"],
                card["responses"]["median_days_to_answer"],
                card["responses"]["open_past_target"],
                vm["as_of"],
            ]
        )
    return COMPARE_COLUMNS, rows


# --- the download: one row per check of every public audit ------------------------------------

CHECK_COLUMNS = [
    "audit_id",
    "agency",
    "agency_name",
    "algorithm",
    "algorithm_name",
    "version",
    "auditor_kind",
    "published_at",
    "withdrawn",
    "check",
    "metric",
    "check_kind",
    "threshold",
    "attribute",
    "attribute_label",
    "group",
    "group_label",
    "reference",
    "reference_label",
    "value",
    "ci_low",
    "ci_high",
    "withheld",
    "result",
]


def check_record(row: audit_listing.CheckRow, lang: str) -> dict[str, Any]:
    """One row of ``downloads/audits.{csv,json}``: keys are :data:`CHECK_COLUMNS`; names of
    attributes and groups in ``lang`` beside their codes."""
    report, attribute = row.report, row.attribute
    return {
        "audit_id": row.audit_id,
        "agency": row.agency,
        "agency_name": row.agency_name,
        "algorithm": row.algorithm,
        "algorithm_name": row.algorithm_name,
        "version": row.version,
        "auditor_kind": row.auditor_kind,
        "published_at": row.published_at,
        "withdrawn": row.withdrawn,
        "check": row.check,
        "metric": row.metric,
        "check_kind": row.kind,
        "threshold": row.threshold,
        "attribute": attribute,
        "attribute_label": labels.attribute_label(report, attribute, lang),
        "group": row.group,
        "group_label": labels.group_label(report, attribute, row.group, lang),
        "reference": row.reference,
        "reference_label": labels.group_label(report, attribute, row.reference, lang)
        if row.reference is not None
        else None,
        "value": row.value,
        "ci_low": row.ci_low,
        "ci_high": row.ci_high,
        "withheld": row.withheld,
        "result": row.result,
    }
