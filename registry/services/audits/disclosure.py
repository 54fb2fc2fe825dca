"""View-models of an audit: the private view (submitter, admins) and the public view with
small cells suppressed. The JSON API and the HTML pages both render these, so they cannot disagree.

Small-cell rule (``k`` = ``settings.small_cell_k``, default 10), public view only:

- a count from 1 to k-1 is shown as ``{"suppressed": true, "display": "<k"}``; 0 and counts of k
  or more are shown as numbers;
- a rate is withheld (value, interval, numerator, denominator all ``SUPPRESSED``) when its
  numerator, its denominator, or the difference of the two is from 1 to k-1, because any of
  them would let a reader work the small count back out;
- a comparison or check row is withheld when the group's or the reference's rate is withheld;
  its **verdict stays**, computed from the true counts; its reason text is replaced because it
  quotes the numbers;
- a between-groups summary is withheld when any group it spans has a withheld rate for one of
  its metrics; the ``share`` of a group whose size is suppressed is withheld too;
- a measure built on all four confusion cells (the F1 score, balanced accuracy) is withheld when
  any of its group's cells (TP, FP, TN, FN) is from 1 to k-1: its value with the shown counts
  would give the cell back; a group's ``positive_share`` is withheld when its predicted positives
  (or its size) are.
- a conditional (within-strata) comparison is withheld like its comparison, and also when the
  group's or the reference's pooled denominator is from 1 to k-1; its pooled denominators are
  withheld when they differ from the group's (or reference's) published denominator by 1 to k-1
  (that difference counts the group's cases in strata without the other group);
- in the count table, the control features' values (strata) are kept like group labels.
- score measures: a reliability bin (``calibration_bins``) is withheld when its people, those
  with the outcome or those without are from 1 to k-1; a group's calibration row when the same
  holds for the whole group; a score comparison (``score_comparisons``) when the group or the
  reference has from 1 to k-1 people, or (AUC) when either's ROC AUC rate is withheld.
"""

from __future__ import annotations

import copy
from typing import Any

from registry.models import Audit, AuditState, AuditVisibility
from registry.services.canonical import iso

SUPPRESSED_REASON = "Details withheld: this comparison rests on fewer than {k} people."
COUNT_FIELDS = ("n", "tp", "fp", "tn", "fn", "pp", "pn")
CELL_FIELDS = ("tp", "fp", "tn", "fn")
#: Metrics computed from all four confusion cells of a group (not a numerator over a denominator).
CELL_METRICS = ("f1_score", "balanced_accuracy")
RATE_FIELDS = ("value", "ci_low", "ci_high", "numerator", "denominator")
COMPARISON_FIELDS = (
    "value", "reference_value", "ratio", "ratio_ci_low", "ratio_ci_high", "difference",
    "difference_ci_low", "difference_ci_high", "p_value", "p_adjusted",
)  # fmt: skip
CHECK_FIELDS = ("value", "ci_low", "ci_high", "p_value", "p_adjusted", "significant")
SUMMARY_FIELDS = ("value", "ci_low", "ci_high")
CONDITIONAL_FIELDS = (
    "ratio", "ratio_ci_low", "ratio_ci_high", "difference", "difference_ci_low",
    "difference_ci_high", "association_statistic", "association_p_value",
    "homogeneity_statistic", "homogeneity_p_value", "group_denominator", "reference_denominator",
)  # fmt: skip
BIN_FIELDS = ("n", "mean_score", "observed_rate", "ci_low", "ci_high")
CALIBRATION_FIELDS = (
    "n", "positives", "mean_score", "observed_rate", "brier", "ece", "statistic", "p_value",
    "p_adjusted",
)  # fmt: skip
SCORE_COMPARISON_FIELDS = (
    "value", "reference_value", "difference", "difference_ci_low", "difference_ci_high",
    "statistic", "p_value", "p_adjusted",
)  # fmt: skip


def suppressed(k: int) -> dict[str, Any]:
    """The stand-in for a withheld number."""
    return {"suppressed": True, "display": f"<{k}"}


def is_small(value: Any, k: int) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < k


def _count(value: Any, k: int) -> Any:
    return suppressed(k) if is_small(value, k) else value


def _rate_is_small(row: dict[str, Any], k: int) -> bool:
    num, den = row.get("numerator"), row.get("denominator")
    if is_small(num, k) or is_small(den, k):
        return True
    return isinstance(num, int | float) and isinstance(den, int | float) and is_small(den - num, k)


_SCALARS = (str, int, float, bool, type(None))


def _json_copy(value: Any) -> Any:
    """``copy.deepcopy`` for JSON-shaped data (several times faster; other objects deep-copied)."""
    kind = type(value)
    if kind is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


def suppress_report(report: dict[str, Any], *, k: int) -> dict[str, Any]:
    """A copy of a report dict with small cells suppressed (see the module docstring)."""
    out = _json_copy(report)
    small_cells: set[tuple[str, str]] = set()
    denominators = {
        (row.get("attribute"), str(row.get("group")), row.get("metric")): row.get("denominator")
        for row in report.get("metrics", [])
    }
    small_groups = {
        (row.get("attribute"), str(row.get("group")))
        for row in out.get("groups", [])
        if is_small(row.get("n"), k)
    }
    for row in out.get("groups", []):
        small_n = is_small(row.get("n"), k)
        if any(is_small(row.get(name), k) for name in CELL_FIELDS):
            small_cells.add((row.get("attribute"), str(row.get("group"))))
        if "positive_share" in row and (small_n or is_small(row.get("pp"), k)):
            row["positive_share"] = suppressed(k)
        for name in COUNT_FIELDS:
            if name in row:
                row[name] = _count(row[name], k)
        if small_n and "share" in row:
            row["share"] = suppressed(k)
    withheld: set[tuple[str, str, str]] = set()
    for row in out.get("metrics", []):
        cells_small = (
            row.get("metric") in CELL_METRICS
            and (row.get("attribute"), str(row.get("group"))) in small_cells
        )
        if cells_small or _rate_is_small(row, k):
            withheld.add((row["attribute"], str(row["group"]), row["metric"]))
            for name in RATE_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
            if "interval" in row:
                row["interval"] = None

    def hidden(row: dict[str, Any]) -> bool:
        attribute, metric = row.get("attribute"), row.get("metric")
        return (attribute, str(row.get("group")), metric) in withheld or (
            attribute,
            str(row.get("reference")),
            metric,
        ) in withheld

    for row in out.get("comparisons", []):
        if hidden(row):
            for name in COMPARISON_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
    for row in out.get("checks", []):
        if hidden(row):
            for name in CHECK_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
            row["reason"] = SUPPRESSED_REASON.format(k=k)
    for row in out.get("conditional", []):
        _suppress_conditional(row, hidden(row), denominators, k)
    hidden_pairs = {(a, m) for a, _g, m in withheld}
    for row in out.get("summaries", []):
        metrics = row.get("metrics") or []
        metrics = metrics if isinstance(metrics, list) else [metrics]
        if any((row.get("attribute"), m) in hidden_pairs for m in metrics):
            for name in SUMMARY_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
    _suppress_scores(out, k, withheld, small_groups)
    provenance = (out.get("provenance") or {}).get("input") or {}
    for key in ("unknown", "rows_dropped"):
        if isinstance(provenance.get(key), dict):
            provenance[key] = {a: _count(v, k) for a, v in provenance[key].items()}
    return out


def _suppress_conditional(
    row: dict[str, Any], hidden: bool, denominators: dict[tuple, Any], k: int
) -> None:
    pooled = (row.get("group_denominator"), row.get("reference_denominator"))
    if hidden or any(is_small(v, k) for v in pooled):
        for name in CONDITIONAL_FIELDS:
            if name in row:
                row[name] = suppressed(k)
        return
    attribute, metric = row.get("attribute"), row.get("metric")
    published = (
        denominators.get((attribute, str(row.get("group")), metric)),
        denominators.get((attribute, str(row.get("reference")), metric)),
    )
    for name, used, total in zip(
        ("group_denominator", "reference_denominator"), pooled, published, strict=True
    ):
        if not isinstance(used, int | float) or not isinstance(total, int | float):
            continue
        if is_small(total - used, k):
            row[name] = suppressed(k)


def _outcome_is_small(n: Any, events: Any, k: int) -> bool:
    if is_small(n, k) or is_small(events, k):
        return True
    return (
        isinstance(n, int | float) and isinstance(events, int | float) and is_small(n - events, k)
    )


def _suppress_scores(
    out: dict[str, Any], k: int, withheld: set[tuple[str, str, str]], small: set[tuple[Any, str]]
) -> None:
    """Withhold the score measures' small cells (see the module docstring)."""
    for row in out.get("calibration_bins", []):
        n, rate = row.get("n"), row.get("observed_rate")
        events = n * rate if isinstance(n, int | float) and isinstance(rate, int | float) else None
        if _outcome_is_small(n, round(events, 6) if events is not None else None, k):
            for name in BIN_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
    for row in out.get("calibration", []):
        if _outcome_is_small(row.get("n"), row.get("positives"), k):
            for name in CALIBRATION_FIELDS:
                if name in row:
                    row[name] = suppressed(k)
    for row in out.get("score_comparisons", []):
        attribute = row.get("attribute")
        sides = [(attribute, str(row.get("group"))), (attribute, str(row.get("reference")))]
        hide = any(side in small for side in sides)
        if row.get("measure") == "roc_auc":
            hide = hide or any((a, g, "roc_auc") in withheld for a, g in sides)
        if hide:
            for name in SCORE_COMPARISON_FIELDS:
                if name in row:
                    row[name] = suppressed(k)


def suppress_counts(counts: dict[str, Any], *, k: int) -> dict[str, Any]:
    """The per-cell count table with small counts suppressed (group and stratum labels kept)."""
    out = copy.deepcopy(counts)
    first = len(out["attributes"]) + len(out.get("controls", []))
    out["rows"] = [row[:first] + [_count(v, k) for v in row[first:]] for row in out["rows"]]
    stats = out.get("stats") or {}
    for key in ("unknown", "rows_dropped"):
        if isinstance(stats.get(key), dict):
            stats[key] = {a: _count(v, k) for a, v in stats[key].items()}
    return out


def _when(value: Any) -> str | None:
    return iso(value) if value is not None else None


def _base_view(audit: Audit) -> dict[str, Any]:
    withdrawn = None
    if audit.visibility == AuditVisibility.withdrawn:
        withdrawn = {"at": _when(audit.withdrawn_at), "reason": audit.withdrawn_reason}
    response = None
    if audit.response_text:
        texts = audit.response_texts or {"en": audit.response_text}
        response = {"text": audit.response_text, "texts": texts, "at": _when(audit.response_at)}
    return {
        "id": audit.public_id,
        "url": f"/audits/{audit.public_id}",
        "api_url": f"/api/v1/audits/{audit.public_id}",
        "algorithm": audit.algorithm_public_id,
        "version": audit.version_number,
        "kind": str(audit.kind),
        "submitted_by": audit.submitter_name,
        "input": str(audit.input_kind),
        "rerun_of": audit.rerun_of,
        "state": str(audit.state),
        "visibility": str(audit.visibility),
        "submitted_at": _when(audit.created_at),
        "finished_at": _when(audit.finished_at),
        "published_at": _when(audit.published_at),
        "withdrawn": withdrawn,
        "response": response,
        "sample": {
            "sha256": audit.sample_sha256,
            "bytes": audit.sample_bytes,
            "format": audit.sample_format,
            "description": dict(audit.spec.get("sample") or {}),
        },
        "spec": audit.spec,
        "spec_sha256": audit.spec_sha256,
        "verdict": audit.verdict,
        "checks": audit.verdicts or [],
        "engine_version": audit.engine_version,
    }


def private_audit_view(audit: Audit) -> dict[str, Any]:
    """Everything about an audit, for its submitter and admins: true counts, job state, errors."""
    view = _base_view(audit)
    view.update(
        {
            "suppression": None,
            "job": {
                "attempts": audit.attempts,
                "started_at": _when(audit.started_at),
                "heartbeat_at": _when(audit.heartbeat_at),
                "progress": audit.progress or {},
            },
            "error": audit.error,
            "sample_kept": audit.sample_path is not None
            and audit.state in (AuditState.succeeded, AuditState.failed),
            "report": audit.report,
            "counts": audit.counts,
        }
    )
    return view


def public_audit_view(audit: Audit, *, k: int) -> dict[str, Any]:
    """The public view of a published (or withdrawn) audit, small cells suppressed below ``k``.

    Keys: ``id, url, api_url, algorithm, version, kind, submitted_by, input, rerun_of, state,
    visibility, submitted_at, finished_at, published_at, withdrawn {at, reason} | null,
    response {text, texts, at} | null, sample {sha256, bytes, format, description}, spec,
    spec_sha256, verdict, checks [check_summary rows], engine_version, suppression {k, rule, shape},
    report (suppressed), counts (suppressed)``. A suppressed number is
    ``{"suppressed": true, "display": "<k"}``; verdicts always use the true counts.
    """
    view = _base_view(audit)
    view["suppression"] = {
        "k": k,
        "rule": f"Counts from 1 to {k - 1}, and rates and intervals built on them, are withheld.",
        "shape": suppressed(k),
    }
    view["report"] = suppress_report(audit.report, k=k) if audit.report else None
    view["counts"] = suppress_counts(audit.counts, k=k) if audit.counts else None
    return view
