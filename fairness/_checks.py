"""Verdicts: each declared check applied to each group's comparison with its reference.

Orientation makes every check read the same way whatever the outcome means: the *impact ratio*
is below 1 and the *gap* above 0 exactly when the group is worse off than its reference.

- When a higher value is better for the person: impact ratio = group / reference, gap =
  reference - group.
- When a higher value is worse (a flag rate with an adverse outcome, a false positive rate...):
  impact ratio = reference / group, gap = group - reference.

The rule, with the interval at confidence 1 - alpha (Katz for ratios, Newcombe for gaps):

- ``inconclusive`` when the group or the reference has a denominator below the minimum (or 0);
- ratio checks: ``pass`` when the interval's lower bound is at or above the threshold, ``fail``
  when its upper bound is below it, else ``inconclusive`` (the interval straddles the threshold);
- difference checks: ``pass`` when the gap's upper bound is at or below the threshold, ``fail``
  when its lower bound is above it, else ``inconclusive``.

The adjusted p-value is reported beside the verdict (statistical significance), never instead of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fairness._metrics import INSUFFICIENT, UNDEFINED
from fairness._policies import DIFFERENCE, RATIO, higher_is_better
from fairness._spec import Check

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"
NOT_ASSESSED = "not_assessed"
_SEVERITY = {PASS: 0, INCONCLUSIVE: 1, FAIL: 2}
_INF = float("inf")
CHECK_COLUMNS = (
    "name", "attribute", "metric", "kind", "group", "reference", "value", "ci_low", "ci_high",
    "threshold", "verdict", "reason", "p_value", "p_adjusted", "significant",
)  # fmt: skip

REASON_INSUFFICIENT = (
    "Inconclusive: {who} has {count} {denominator}, fewer than the minimum of {minimum}; "
    "too little data to judge the {label}."
)
REASON_UNDEFINED = "Inconclusive: the {label} of {who} is undefined ({detail})."
REASON_RATIO = (
    "Impact ratio {value} ({ci}) {relation} {threshold} for {group!r} vs reference {reference!r}; "
    "{significance}."
)
REASON_GAP = (
    "{label_cap} of {group!r} is {value} points {direction} reference {reference!r} ({ci}), "
    "{relation} the allowed {threshold}; {significance}."
)


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _p_text(p: float | None, alpha: float) -> str:
    if p is None:
        return "no significance test was possible"
    shown = "< 0.001" if p < 0.001 else f"= {p:.3f}"
    word = "statistically significant" if p < alpha else "not statistically significant"
    return f"{word} (adjusted p {shown})"


def _oriented(
    check: Check, c: dict[str, np.ndarray], rows: np.ndarray, favourable_outcome: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Oriented value and interval per row (impact ratio, 1 = parity; or gap, 0 = parity);
    ``NaN`` where undefined, ``inf`` where unbounded."""
    better_high = higher_is_better(check.metric, favourable_outcome) is not False
    group_value, reference_value = c["value"][rows], c["reference_value"][rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        if check.kind == RATIO:
            low, high = c["ratio_ci_low"][rows], c["ratio_ci_high"][rows]
            undefined = np.isnan(low) | np.isnan(high)
            if better_high:
                value = np.where(reference_value > 0, group_value / reference_value, _INF)
            else:
                value = np.where(group_value > 0, reference_value / group_value, _INF)
                low, high = (
                    np.where(high > 0, 1 / high, _INF),
                    np.where(low > 0, 1 / low, _INF),
                )
            value = np.where(undefined, np.nan, value)
            return value, np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)
    diff, low, high = (
        c["difference"][rows],
        c["difference_ci_low"][rows],
        c["difference_ci_high"][rows],
    )
    if better_high:
        return -diff, -high, -low
    return diff, low, high


def check_columns(
    checks: Sequence[Check],
    comparisons: dict[str, np.ndarray],
    *,
    favourable_outcome: str,
    confidence: float,
    alpha: float,
    min_denominator: float,
    denominator_labels: dict[str, str],
) -> dict[str, list]:
    """Apply every check to every comparison of its metric; the check table's columns.

    Rows come check by check, each in comparison order. Values and verdicts are array operations;
    only the reason sentences are formatted per row.
    """
    out: dict[str, list] = {key: [] for key in CHECK_COLUMNS}
    pct = f"{confidence:.0%}"
    for check in checks:
        rows = np.flatnonzero(comparisons["metric"] == check.metric)
        value, low, high = _oriented(check, comparisons, rows, favourable_outcome)
        status = comparisons["status"][rows]
        blocked = (status == INSUFFICIENT) | (status == UNDEFINED)
        undefined = ~blocked & (np.isnan(value) | np.isnan(low) | np.isnan(high))
        t = check.threshold
        if check.kind == RATIO:
            verdict = np.where(low >= t, PASS, np.where(high < t, FAIL, INCONCLUSIVE))
        else:
            verdict = np.where(high <= t, PASS, np.where(low > t, FAIL, INCONCLUSIVE))
        verdict = np.where(blocked | undefined, INCONCLUSIVE, verdict)
        shown = ~(blocked | undefined)
        finite = [np.where(shown & np.isfinite(a), a, np.nan) for a in (value, low, high)]
        p_adjusted = comparisons["p_adjusted"][rows]
        label = check.metric.replace("_", " ")
        den_label = denominator_labels[check.metric]
        n, nr = comparisons["_denominator"][rows], comparisons["_reference_denominator"][rows]
        groups, references = comparisons["group"][rows], comparisons["reference"][rows]
        reasons = []
        for i in range(len(rows)):
            group, reference = groups[i], references[i]
            if blocked[i]:
                who, count = (
                    (repr(group), n[i])
                    if n[i] < min_denominator
                    else (f"reference {reference!r}", nr[i])
                )
                template = REASON_INSUFFICIENT if count > 0 else REASON_UNDEFINED
                reasons.append(
                    template.format(
                        who=who,
                        denominator=den_label,
                        count=_count(float(count)),
                        minimum=_count(min_denominator),
                        label=label,
                        detail=f"no {den_label}",
                    )
                )
            elif undefined[i]:
                reasons.append(
                    REASON_UNDEFINED.format(
                        who=f"reference {reference!r}",
                        label=f"{label} ratio",
                        detail="the reference rate is 0",
                    )
                )
            else:
                p = None if np.isnan(p_adjusted[i]) else float(p_adjusted[i])
                reasons.append(
                    _reason(check, str(verdict[i]), float(value[i]), float(low[i]),
                            float(high[i]), group, reference, pct, _p_text(p, alpha))
                )  # fmt: skip
        p_values = comparisons["p_value"][rows]
        out["name"] += [check.name] * len(rows)
        out["attribute"] += comparisons["attribute"][rows].tolist()
        out["metric"] += [check.metric] * len(rows)
        out["kind"] += [check.kind] * len(rows)
        out["group"] += groups.tolist()
        out["reference"] += references.tolist()
        for key, column in zip(("value", "ci_low", "ci_high"), finite, strict=True):
            out[key] += _nullable(column)
        out["threshold"] += [check.threshold] * len(rows)
        out["verdict"] += verdict.tolist()
        out["reason"] += reasons
        out["p_value"] += _nullable(p_values)
        out["p_adjusted"] += _nullable(p_adjusted)
        out["significant"] += [None if p != p else p < alpha for p in p_adjusted.tolist()]
    return out


def _nullable(column: np.ndarray) -> list:
    return [None if v != v else v for v in column.tolist()]


def _reason(
    check: Check,
    verdict: str,
    value: float,
    low: float,
    high: float,
    group: str,
    reference: str,
    pct: str,
    significance: str,
) -> str:
    t = check.threshold
    if check.kind == RATIO:
        relation = {PASS: "is at or above", FAIL: "is below", INCONCLUSIVE: "straddles"}[verdict]
        shown = "no upper bound" if value == _INF else _fmt(value)
        ci = (
            f"{pct} CI {_fmt(low)}–{_fmt(high)}"
            if high != _INF
            else f"the group's rate is 0; {pct} CI unbounded"
        )
        return REASON_RATIO.format(
            value=shown,
            ci=ci,
            relation=relation,
            threshold=_fmt(t),
            group=group,
            reference=reference,
            significance=significance,
        )
    relation = {PASS: "within", FAIL: "beyond", INCONCLUSIVE: "straddling"}[verdict]
    label = check.metric.replace("_", " ")
    return REASON_GAP.format(
        label_cap=label.capitalize(),
        group=group,
        value=_fmt(abs(value)),
        direction="worse than" if value > 0 else "no worse than",
        reference=reference,
        ci=f"{pct} CI of the gap {_fmt(low)} to {_fmt(high)}",
        relation=relation,
        threshold=_fmt(t),
        significance=significance,
    )


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def summarise(checks: Sequence[Check], columns: dict[str, list]) -> tuple[list[dict], str]:
    """Per-check summary (worst verdict over its rows) and the overall verdict of the audit."""
    summaries = []
    by_name: dict[str, list[str]] = {}
    for name, verdict in zip(columns["name"], columns["verdict"], strict=True):
        by_name.setdefault(name, []).append(verdict)
    for check in checks:
        verdicts = by_name.get(check.name, [])
        worst = max(verdicts, key=_SEVERITY.__getitem__) if verdicts else NOT_ASSESSED
        summaries.append(
            {
                **check.to_dict(),
                "verdict": worst,
                "comparisons": len(verdicts),
                "passed": verdicts.count(PASS),
                "failed": verdicts.count(FAIL),
                "inconclusive": verdicts.count(INCONCLUSIVE),
            }
        )
    all_verdicts = columns["verdict"]
    overall = max(all_verdicts, key=_SEVERITY.__getitem__) if all_verdicts else NOT_ASSESSED
    return summaries, overall


__all__ = ["DIFFERENCE", "FAIL", "INCONCLUSIVE", "NOT_ASSESSED", "PASS", "RATIO"]
