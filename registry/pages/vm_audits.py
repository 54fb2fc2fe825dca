"""View-model of the public audit page: what was tested and why, verdicts in words, per-attribute
tables with intervals, the input of an SVG chart per table, provenance and the agency's response.

Small cells: a group with fewer than ``k`` cases shows "fewer than k" and none of its rates,
intervals or p-values (any of them would let a reader recompute the hidden count).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from typing_extensions import TypedDict

from registry import i18n
from registry.models import agency_name, agency_name_lang
from registry.pages import card_view, words
from registry.pages.audit_page_types import (
    AgencyResponse,
    AttributeSection,
    AuditPage,
    ChartBar,
    CheckCounts,
    DeclaredCheck,
    GroupRow,
    GroupTable,
    RatesChart,
)
from registry.services.audits.disclosure import suppress_report
from registry.services.audits.publication import response_in
from registry.services.public.records import AuditRecord, audit_record

N_ = i18n.N_
REFERENCE_POLICIES = {
    "most_favoured": N_("the group that is best off on each measure"),
    "largest": N_("the largest group"),
    "named": N_("a group named in advance"),
    "overall": N_("everyone in the sample taken together"),
}
CHECK_KINDS = {
    "ratio": N_("ratio to the reference group must be at least %(threshold)s"),
    "difference": N_("gap to the reference group must be at most %(threshold)s points"),
}
OUTCOME_MEANING = {
    "beneficial": N_(
        "A positive decision helps the person (for example, a benefit or a place). Groups "
        "selected less often are worse off."
    ),
    "adverse": N_(
        "A positive decision acts against the person (for example, a fraud flag or an "
        "inspection). Groups flagged more often are worse off."
    ),
}


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _counts_shown(counts: dict[str, Any], k: int, lang: str) -> dict[str, float | str]:
    """Counts by name, a suppressed one as the words "fewer than k"."""
    few = i18n.gettext(lang, N_("fewer than %(k)s")) % {"k": k}
    return {name: few if _withheld(n) else n for name, n in counts.items()}


def _withheld(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("suppressed"))


def _higher_is_better(check_row: dict[str, Any], comparison: dict[str, Any] | None) -> bool:
    oriented, ratio = _num(check_row.get("value")), _num((comparison or {}).get("ratio"))
    if oriented is None or ratio in (None, 0.0):
        return True
    assert ratio is not None
    return abs(oriented - ratio) <= abs(oriented - 1 / ratio)


class _Rows(TypedDict):
    rows: list[GroupRow]
    reference: str | None
    threshold_rate: float | None
    suppressed: int


def _group_rows(
    report: dict[str, Any], attribute: str, check: DeclaredCheck, k: int, lang: str
) -> _Rows:
    metric = check["metric"]
    groups = [g for g in report.get("groups", []) if g.get("attribute") == attribute]
    metrics = {
        m["group"]: m
        for m in report.get("metrics", [])
        if m.get("attribute") == attribute and m.get("metric") == metric
    }
    checks = {
        c["group"]: c
        for c in report.get("checks", [])
        if c.get("attribute") == attribute and c.get("name") == check["name"]
    }
    comparisons = {
        c["group"]: c
        for c in report.get("comparisons", [])
        if c.get("attribute") == attribute and c.get("metric") == metric
    }
    reference = next((c.get("reference") for c in checks.values() if c.get("reference")), None)
    rows: list[GroupRow] = []
    suppressed = 0
    for group in groups:
        name = str(group.get("group"))
        m = metrics.get(name, {})
        c = checks.get(name) or {}
        # The report arrives with small cells already replaced by {"suppressed": true} markers.
        small = _withheld(group.get("n"))
        suppressed += small
        row: GroupRow = {
            "group": name,
            "is_reference": name == reference,
            "unknown": bool(group.get("unknown")),
            "small_category": bool(group.get("small_category")),
            "suppressed": small,
            "n": _num(group.get("n")),
            "rate_withheld": _withheld(m.get("value")),
            "rate": _num(m.get("value")),
            "rate_low": _num(m.get("ci_low")),
            "rate_high": _num(m.get("ci_high")),
            "status": m.get("status"),
            "comparison_withheld": _withheld(c.get("value")),
            "ratio": _num(c.get("value")),
            "ratio_low": _num(c.get("ci_low")),
            "ratio_high": _num(c.get("ci_high")),
            "p_value": _num(c.get("p_value")),
            "p_adjusted": _num(c.get("p_adjusted")),
            # Verdicts use the true counts; they stay even where the numbers are withheld.
            "verdict": words.verdict_view(c.get("verdict"), lang) if c.get("verdict") else None,
        }
        rows.append(row)
    ref_rate = next((r["rate"] for r in rows if r["is_reference"]), None)
    threshold_rate = None
    threshold = check["threshold"]
    first_check = next((c for c in checks.values() if _num(c.get("value")) is not None), None)
    if ref_rate is not None and first_check is not None and check["kind"] == "ratio" and threshold:
        t = float(threshold)
        better = _higher_is_better(first_check, comparisons.get(first_check["group"]))
        threshold_rate = ref_rate * t if better else (ref_rate / t if t else None)
    elif ref_rate is not None and first_check is not None and check["kind"] == "difference":
        t = float(threshold or 0)
        better = _higher_is_better(first_check, comparisons.get(first_check["group"]))
        threshold_rate = ref_rate - t if better else ref_rate + t
    return {
        "rows": rows,
        "reference": reference,
        "threshold_rate": threshold_rate,
        "suppressed": suppressed,
    }


def _bar_note(row: GroupRow, hidden: str) -> str:
    if row["suppressed"] or row["rate_withheld"]:
        return hidden
    status = row["status"]
    return "" if status in (None, "ok") else str(status).replace("_", " ")


def rates_chart(table: _Rows, chart_id: str, title: str, lang: str, k: int) -> RatesChart:
    """The input of the chart of one per-group table: every number and word it shows, so the
    template only draws it (``svg_charts.render_rates_chart``)."""
    hidden = i18n.gettext(lang, N_("fewer than %(k)s cases")) % {"k": k}
    bars: list[ChartBar] = [
        {
            "label": r["group"],
            "value": r["rate"],
            "low": r["rate_low"],
            "high": r["rate_high"],
            "note": _bar_note(r, hidden),
        }
        for r in table["rows"]
    ]
    rates = ", ".join(
        f"{r['group']} {r['rate'] * 100:.1f}%" for r in table["rows"] if r["rate"] is not None
    )
    desc = i18n.gettext(lang, N_("Rate for each group with its 95%% interval. %(rates)s.")) % {
        "rates": rates
    }
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "threshold": table["threshold_rate"],
        "threshold_label": i18n.gettext(lang, N_("threshold")),
        "bars": bars,
    }


def _check_counts(summary: dict[str, Any]) -> CheckCounts:
    return {
        "comparisons": summary.get("comparisons", 0),
        "passed": summary.get("passed", 0),
        "failed": summary.get("failed", 0),
        "inconclusive": summary.get("inconclusive", 0),
    }


def audit_page(session: Session, *, audit_id: str, lang: str, k: int) -> AuditPage:
    """Everything the public may see about one published audit."""
    return audit_page_of(audit_record(session, audit_id), lang=lang, k=k)


def audit_page_of(record: AuditRecord, *, lang: str, k: int) -> AuditPage:
    """The public page of ``record``'s audit. The console's private preview calls this too, so an
    unpublished audit looks exactly as it will once published (small cells withheld)."""
    audit = record.audit
    # Only the report is shown here: suppress it alone (as public_audit_view does for the API).
    report = suppress_report(audit.report, k=k) if audit.report else {}
    spec = report.get("spec") or audit.spec or {}
    favourable = spec.get("favourable_outcome")
    attributes: list[str] = []
    for group in report.get("groups", []):
        if group.get("attribute") not in attributes:
            attributes.append(group["attribute"])
    summary_by_name = {s["name"]: s for s in report.get("check_summary", [])}
    checks: list[DeclaredCheck] = [
        {
            "name": c["name"],
            "metric": c["metric"],
            "metric_text": words.metric_name(c["metric"], lang),
            "kind": c.get("kind"),
            "threshold": c.get("threshold"),
            "rule_text": i18n.gettext(
                lang, CHECK_KINDS.get(str(c.get("kind")), N_("threshold %(threshold)s"))
            )
            % {"threshold": c.get("threshold")},
            "verdict": words.verdict_view(summary_by_name.get(c["name"], {}).get("verdict"), lang),
            "counts": _check_counts(summary_by_name.get(c["name"], {})),
        }
        for c in spec.get("checks") or []
    ]
    sections: list[AttributeSection] = []
    for a_index, attribute in enumerate(attributes):
        tables: list[GroupTable] = []
        for c_index, check in enumerate(checks):
            table = _group_rows(report, attribute, check, k, lang)
            chart_id = f"chart-{a_index}-{c_index}"
            title = f"{check['metric_text']} · {attribute}"
            tables.append(
                {
                    "chart_id": chart_id,
                    "check": check["name"],
                    "metric": check["metric"],
                    "metric_text": check["metric_text"],
                    "title": title,
                    **table,
                    "chart": rates_chart(table, chart_id, title, lang, k),
                }
            )
        sections.append({"attribute": attribute, "tables": tables})
    provenance = report.get("provenance") or {}
    inputs = provenance.get("input") or {}
    described = report.get("sample") or {}
    agency = record.agency
    return {
        "lang": lang,
        "id": audit.public_id,
        "small_cell_k": k,
        "algorithm": {
            "public_id": record.algorithm.public_id,
            "name": card_view.display_field(record.version.card, "name", lang),
            "version_number": record.version.number,
        },
        "agency": {
            "slug": agency.slug,
            "name": agency_name(agency, lang),
            "name_lang": agency_name_lang(agency, lang),
        },
        "kind": words.audit_kind_view(str(audit.kind), lang),
        "independent": str(audit.kind) == "independent",
        "published_at": audit.published_at,
        "withdrawn": {"at": audit.withdrawn_at, "reason": audit.withdrawn_reason}
        if audit.withdrawn_at
        else None,
        "verdict": words.verdict_view(audit.verdict or report.get("verdict"), lang),
        "favourable_outcome": {
            "value": favourable,
            "text": card_view.vocabulary_label("favourable_outcome", favourable, lang)
            if favourable
            else None,
            "meaning": i18n.gettext(lang, OUTCOME_MEANING[favourable])
            if favourable in OUTCOME_MEANING
            else None,
        },
        "reference_policy": {
            "value": spec.get("reference"),
            "text": i18n.gettext(lang, REFERENCE_POLICIES[spec["reference"]])
            if spec.get("reference") in REFERENCE_POLICIES
            else spec.get("reference"),
            "named": spec.get("reference_groups") or {},
        },
        "min_denominator": spec.get("min_denominator"),
        "alpha": spec.get("alpha"),
        "correction": spec.get("correction"),
        "checks": checks,
        "sample": {
            "period": described.get("period"),
            "population": described.get("population"),
            "source": described.get("source"),
            "kind": described.get("kind"),
            "rows_used": inputs.get("rows_used"),
            "rows_dropped": _counts_shown(inputs.get("rows_dropped") or {}, k, lang),
            "unknown": _counts_shown(inputs.get("unknown") or {}, k, lang),
        },
        "attributes": sections,
        "notes": list(report.get("notes") or []),
        "provenance": {
            "sample_sha256": audit.sample_sha256 or inputs.get("sha256"),
            "engine_version": audit.engine_version
            or (provenance.get("versions") or {}).get("fairness"),
            "versions": provenance.get("versions") or {},
            "seed": provenance.get("seed"),
            "bootstrap_replicates": provenance.get("bootstrap_replicates"),
            "confidence": provenance.get("confidence"),
        },
        "response": _response(record, lang),
    }


def _response(record: AuditRecord, lang: str) -> AgencyResponse | None:
    found = response_in(record.audit, lang)
    if found is None:
        return None
    text, text_lang = found
    return {"text": text, "lang": text_lang, "at": record.audit.response_at}


def audit_csv(vm: AuditPage) -> tuple[list[str], list[list[Any]]]:
    """Every per-group table of the page in one tidy CSV (suppressed values left empty)."""
    columns = [
        "audit_id",
        "attribute",
        "check",
        "metric",
        "group",
        "is_reference",
        "n",
        "n_suppressed",
        "rate_withheld",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "ratio_to_reference",
        "ratio_ci_low",
        "ratio_ci_high",
        "p_value",
        "p_adjusted",
        "verdict",
    ]
    rows = []
    for section in vm["attributes"]:
        for table in section["tables"]:
            for r in table["rows"]:
                rows.append(
                    [
                        vm["id"],
                        section["attribute"],
                        table["check"],
                        table["metric"],
                        r["group"],
                        r["is_reference"],
                        r["n"],
                        r["suppressed"],
                        r["rate_withheld"],
                        r["rate"],
                        r["rate_low"],
                        r["rate_high"],
                        r["ratio"],
                        r["ratio_low"],
                        r["ratio_high"],
                        r["p_value"],
                        r["p_adjusted"],
                        r["verdict"]["value"] if r["verdict"] else "",
                    ]
                )
    return columns, rows
