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
from registry.pages import audit_words, card_view, comparison_view, labels, score_view, words
from registry.pages.audit_page_types import (
    AgencyResponse,
    AttributeSection,
    AuditPage,
    ChartBar,
    CheckCounts,
    DeclaredCheck,
    GroupRow,
    GroupTable,
    MeasureCell,
    MeasureColumn,
    MeasureRow,
    MeasuresTable,
    RatesChart,
)
from registry.pages.conditional_findings import conditional_section
from registry.pages.findings import findings
from registry.pages.view_types import LogRecord, log_record
from registry.services import transparency
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
#: Why a check did not assess an attribute (engine reason codes, report's ``not_assessed``).
NOT_ASSESSED_TEXT = {
    "single_group": N_(
        "Not assessed: only one group takes part in the comparison, so there is nothing to "
        "compare it with."
    ),
    "no_group_in_ratios": N_(
        "Not assessed: every group is too small a share of the sample, or unknown, so none "
        "takes part in the comparison."
    ),
    "no_reference": N_("Not assessed: no group has a rate that could serve as the reference."),
}
#: Measures described for each group, not compared (report schema 3): what each tells a reader.
MEASURE_MEANINGS = {
    "f1_score": N_(
        "One number from 0 to 1 that combines two questions: of the people who really had the "
        "outcome, how many the algorithm picked out; and of the people it picked out, how many "
        "really had it. 1 means everyone with the outcome was picked out and no one else."
    ),
    "balanced_accuracy": N_(
        "The average of two shares: people with the outcome whom the algorithm picked out, and "
        "people without it whom it left alone. 0.5 is no better than chance, 1 is always right. "
        "Unlike plain accuracy, it does not rise just by predicting the more common outcome."
    ),
    "positive_share": N_(
        "Of all the positive decisions (selections or flags) the algorithm made, the share that "
        "went to this group. Compare it with the group's share of the people: a larger share of "
        "the decisions than of the people means the group receives them more often than average."
    ),
}
MEASURES = ("f1_score", "balanced_accuracy", "positive_share")
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


class _Rows(TypedDict):
    rows: list[GroupRow]
    reference: str | None
    reference_label: str | None
    threshold_rate: float | None
    suppressed: int


def _group_rows(
    report: dict[str, Any],
    attribute: str,
    check: DeclaredCheck,
    favourable: str | None,
    lang: str,
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
            "label": labels.group_label(report, attribute, name, lang),
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
            # The column shows the comparison the check judged (group over or minus reference),
            # only where the check judged it.
            **comparison_view.cells(
                check["kind"],
                comparisons.get(name) if _num(c.get("value")) is not None else None,
            ),
            "p_value": _num(c.get("p_value")),
            "p_adjusted": _num(c.get("p_adjusted")),
            # Verdicts use the true counts; they stay even where the numbers are withheld.
            "verdict": words.verdict_view(c.get("verdict"), lang) if c.get("verdict") else None,
        }
        rows.append(row)
    ref_rate = next((r["rate"] for r in rows if r["is_reference"]), None)
    threshold_rate = comparison_view.threshold_rate(
        check["kind"], metric, check["threshold"], favourable, ref_rate, check["band"]
    )
    return {
        "rows": rows,
        "reference": reference,
        "reference_label": labels.group_label(report, attribute, reference, lang)
        if reference
        else None,
        "threshold_rate": threshold_rate,
        "suppressed": suppressed,
    }


def _bar_note(row: GroupRow, hidden: str, lang: str) -> str:
    if row["suppressed"] or row["rate_withheld"]:
        return hidden
    status = row["status"]
    return "" if status in (None, "ok") else audit_words.status_words(str(status), lang)


def rates_chart(table: _Rows, chart_id: str, title: str, lang: str, k: int) -> RatesChart:
    """The input of the chart of one per-group table: every number and word it shows, so the
    template only draws it (``svg_charts.render_rates_chart``)."""
    hidden = i18n.gettext(lang, N_("fewer than %(k)s cases")) % {"k": k}
    bars: list[ChartBar] = [
        {
            "label": r["label"],
            "value": r["rate"],
            "low": r["rate_low"],
            "high": r["rate_high"],
            "note": _bar_note(r, hidden, lang),
        }
        for r in table["rows"]
    ]
    rates = ", ".join(
        f"{r['label']} {r['rate'] * 100:.1f}%" for r in table["rows"] if r["rate"] is not None
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


def _measure_cell(row: dict[str, Any] | None, lang: str) -> MeasureCell:
    row = row or {}
    status = row.get("status")
    withheld = _withheld(row.get("value"))
    note = None
    if not withheld and status not in (None, "ok"):
        note = audit_words.status_words(str(status), lang)
    return {
        "value": _num(row.get("value")),
        "low": _num(row.get("ci_low")),
        "high": _num(row.get("ci_high")),
        "withheld": withheld,
        "note": note,
    }


def measures_table(report: dict[str, Any], attribute: str, lang: str) -> MeasuresTable | None:
    """The descriptive measures of ``attribute``'s groups (F1 score, balanced accuracy, share of
    positive decisions), with what each means; None when the report has none of them."""
    groups = [g for g in report.get("groups", []) if g.get("attribute") == attribute]
    metrics = {
        (m.get("metric"), str(m.get("group"))): m
        for m in report.get("metrics", [])
        if m.get("attribute") == attribute and m.get("metric") in MEASURES
    }
    present = [m for m in MEASURES if any(key[0] == m for key in metrics)]
    if any("positive_share" in g for g in groups):
        present.append("positive_share")
    if not present or not groups:
        return None
    columns: list[MeasureColumn] = [
        {
            "measure": m,
            "title": words.metric_name(m, lang),
            "meaning": i18n.gettext(lang, MEASURE_MEANINGS[m]),
            "percent": m == "positive_share",
        }
        for m in present
    ]
    rows: list[MeasureRow] = []
    for group in groups:
        name = str(group.get("group"))
        cells: list[MeasureCell] = []
        for m in present:
            if m == "positive_share":
                share = group.get("positive_share")
                cells.append(
                    {
                        "value": _num(share),
                        "low": None,
                        "high": None,
                        "withheld": _withheld(share),
                        "note": None,
                    }
                )
            else:
                cells.append(_measure_cell(metrics.get((m, name)), lang))
        rows.append(
            {"group": name, "label": labels.group_label(report, attribute, name, lang),
             "cells": cells}
        )  # fmt: skip
    return {"columns": columns, "rows": rows}


def not_assessed_texts(report: dict[str, Any], lang: str) -> dict[tuple[str, str], str]:
    """(check name, attribute) -> why the check did not assess that attribute, in ``lang``
    (from the report's ``not_assessed`` rows; reports before schema 2 have none)."""
    out: dict[tuple[str, str], str] = {}
    for row in report.get("not_assessed", []):
        reason = row.get("reason")
        if row.get("name") is not None and reason in NOT_ASSESSED_TEXT:
            out[(row["name"], row["attribute"])] = i18n.gettext(lang, NOT_ASSESSED_TEXT[reason])
    return out


def audit_page(session: Session, *, audit_id: str, lang: str, k: int) -> AuditPage:
    """Everything the public may see about one published audit."""
    record = audit_record(session, audit_id)
    return audit_page_of(record, lang=lang, k=k, log_entry=audit_log_entry(session, audit_id))


def audit_log_entry(session: Session, audit_id: str) -> LogRecord | None:
    """Where the audit's publication sits in the public transparency log (None before)."""
    index = transparency.entry_index(session, kind="audit.published", subject_id=audit_id)
    return log_record(index)


def audit_page_of(
    record: AuditRecord, *, lang: str, k: int, log_entry: LogRecord | None = None
) -> AuditPage:
    """The public page of ``record``'s audit. The console's private preview calls this too, so an
    unpublished audit looks exactly as it will once published (small cells withheld)."""
    audit = record.audit
    # Only the report is shown here: suppress it alone (as public_audit_view does for the API).
    report = suppress_report(audit.report, k=k) if audit.report else {}
    spec = report.get("spec") or audit.spec or {}
    if not report.get("spec"):
        report = {**report, "spec": spec}  # names (labels) come from the spec as submitted
    favourable = spec.get("favourable_outcome")
    attributes: list[str] = []
    for group in report.get("groups", []):
        if group.get("attribute") not in attributes:
            attributes.append(group["attribute"])
    summary_by_name = {s["name"]: s for s in report.get("check_summary", [])}
    checks: list[DeclaredCheck] = [
        {
            "name": c["name"],
            "label": labels.check_label(report, c["name"], lang),
            "metric": c["metric"],
            "metric_text": words.metric_name(c["metric"], lang),
            "kind": c.get("kind"),
            "threshold": c.get("threshold"),
            "band": c.get("band") or "one-sided",
            "rule_text": comparison_view.rule_text(
                c.get("kind"), c["metric"], c.get("threshold"), favourable, lang, c.get("band")
            ),
            "verdict": words.verdict_view(summary_by_name.get(c["name"], {}).get("verdict"), lang),
            "counts": _check_counts(summary_by_name.get(c["name"], {})),
        }
        for c in spec.get("checks") or []
    ]
    gaps = not_assessed_texts(report, lang)
    sections: list[AttributeSection] = []
    for a_index, attribute in enumerate(attributes):
        attribute_name = labels.attribute_label(report, attribute, lang)
        tables: list[GroupTable] = []
        for c_index, check in enumerate(checks):
            table = _group_rows(report, attribute, check, favourable, lang)
            gap = gaps.get((check["name"], attribute))
            chart_id = f"chart-{a_index}-{c_index}"
            title = f"{check['metric_text']} · {attribute_name}"
            tables.append(
                {
                    "chart_id": chart_id,
                    "check": check["name"],
                    "check_label": check["label"],
                    "metric": check["metric"],
                    "metric_text": check["metric_text"],
                    "measure": str(check["kind"]),
                    "rule_text": check["rule_text"],
                    "title": title,
                    **table,
                    "not_assessed": gap,
                    "chart": rates_chart(table, chart_id, title, lang, k),
                }
            )
        sections.append(
            {
                "attribute": attribute,
                "label": attribute_name,
                "tables": tables,
                "measures": measures_table(report, attribute, lang),
                "scores": score_view.score_section(
                    report, attribute, lang, chart_id=f"reliability-{a_index}"
                ),
            }
        )
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
            "named_shown": audit_words.named_references(
                report, spec.get("reference_groups") or {}, lang
            ),
        },
        "min_denominator": spec.get("min_denominator"),
        "alpha": spec.get("alpha"),
        "correction": spec.get("correction"),
        "statistics": audit_words.statistical_settings(report, spec, lang),
        "findings": findings(report, lang),
        "conditional": conditional_section(report, lang),
        "checks": checks,
        "sample": {
            "period": described.get("period"),
            "population": described.get("population"),
            "source": described.get("source"),
            "kind": described.get("kind"),
            "rows_used": inputs.get("rows_used"),
            "rows_dropped": _counts_shown(inputs.get("rows_dropped") or {}, k, lang),
            "unknown": _counts_shown(inputs.get("unknown") or {}, k, lang),
            "rows_dropped_shown": [
                {"value": reason, "text": audit_words.drop_reason(reason, lang), "n": n}
                for reason, n in _counts_shown(inputs.get("rows_dropped") or {}, k, lang).items()
            ],
            "unknown_shown": [
                {"value": attr, "text": labels.attribute_label(report, attr, lang), "n": n}
                for attr, n in _counts_shown(inputs.get("unknown") or {}, k, lang).items()
                if n
            ],
        },
        "attributes": sections,
        "notes": list(report.get("notes") or []),
        "notes_shown": audit_words.engine_notes(report, lang, k),
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
        "log_entry": log_entry,
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
        "attribute_label",
        "check",
        "check_label",
        "metric",
        "group",
        "group_label",
        "is_reference",
        "n",
        "n_suppressed",
        "rate_withheld",
        "rate",
        "rate_ci_low",
        "rate_ci_high",
        "measure",
        "ratio_to_reference",
        "ratio_ci_low",
        "ratio_ci_high",
        "difference_from_reference_pp",
        "difference_ci_low_pp",
        "difference_ci_high_pp",
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
                        section["label"],
                        table["check"],
                        table["check_label"],
                        table["metric"],
                        r["group"],
                        r["label"],
                        r["is_reference"],
                        r["n"],
                        r["suppressed"],
                        r["rate_withheld"],
                        r["rate"],
                        r["rate_low"],
                        r["rate_high"],
                        table["measure"],
                        r["ratio"],
                        r["ratio_low"],
                        r["ratio_high"],
                        r["difference_pp"],
                        r["difference_pp_low"],
                        r["difference_pp_high"],
                        r["p_value"],
                        r["p_adjusted"],
                        r["verdict"]["value"] if r["verdict"] else "",
                    ]
                )
    return columns, rows
