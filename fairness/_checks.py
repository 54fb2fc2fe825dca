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

from fairness._metrics import INSUFFICIENT, UNDEFINED
from fairness._policies import DIFFERENCE, RATIO, higher_is_better
from fairness._spec import Check

PASS = "pass"
FAIL = "fail"
INCONCLUSIVE = "inconclusive"
NOT_ASSESSED = "not_assessed"
_SEVERITY = {PASS: 0, INCONCLUSIVE: 1, FAIL: 2}
_INF = float("inf")

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


def _orient(
    check: Check, row: dict, favourable_outcome: str
) -> tuple[float | None, float | None, float | None]:
    """Oriented value and interval: impact ratio (1 = parity) or gap (0 = parity)."""
    better_high = higher_is_better(check.metric, favourable_outcome) is not False
    group_value, reference_value = row["value"], row["reference_value"]
    if check.kind == RATIO:
        low, high = row["ratio_ci_low"], row["ratio_ci_high"]
        if low is None or high is None:
            return None, None, None
        if better_high:
            value = group_value / reference_value if reference_value > 0 else _INF
            return value, low, high
        value = reference_value / group_value if group_value > 0 else _INF
        return value, (1 / high if high > 0 else _INF), (1 / low if low > 0 else _INF)
    diff, low, high = row["difference"], row["difference_ci_low"], row["difference_ci_high"]
    if diff is None:
        return None, None, None
    if better_high:
        return -diff, -high, -low
    return diff, low, high


def evaluate_check(
    check: Check,
    row: dict,
    *,
    favourable_outcome: str,
    confidence: float,
    alpha: float,
    min_denominator: float,
    denominator_label: str,
    group_denominator: float,
    reference_denominator: float,
) -> dict[str, object]:
    """Apply ``check`` to one comparison row; return the check row with verdict and reason."""
    label = check.metric.replace("_", " ")
    out: dict[str, object] = {
        "name": check.name,
        "attribute": row["attribute"],
        "metric": check.metric,
        "kind": check.kind,
        "group": row["group"],
        "reference": row["reference"],
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "threshold": check.threshold,
        "verdict": INCONCLUSIVE,
        "reason": "",
        "p_value": row["p_value"],
        "p_adjusted": row["p_adjusted"],
        "significant": None if row["p_adjusted"] is None else row["p_adjusted"] < alpha,
    }
    if row["status"] in (INSUFFICIENT, UNDEFINED):
        who, count = (
            (repr(row["group"]), group_denominator)
            if group_denominator < min_denominator
            else (f"reference {row['reference']!r}", reference_denominator)
        )
        template = REASON_INSUFFICIENT if count > 0 else REASON_UNDEFINED
        out["reason"] = template.format(
            who=who,
            denominator=denominator_label,
            count=_count(count),
            minimum=_count(min_denominator),
            label=label,
            detail=f"no {denominator_label}",
        )
        return out
    value, low, high = _orient(check, row, favourable_outcome)
    if value is None or low is None or high is None:
        out["reason"] = REASON_UNDEFINED.format(
            who=f"reference {row['reference']!r}",
            label=f"{label} ratio",
            detail="the reference rate is 0",
        )
        return out
    finite = [v if v != float("inf") else None for v in (value, low, high)]
    out["value"], out["ci_low"], out["ci_high"] = finite
    t = check.threshold
    pct = f"{confidence:.0%}"
    significance = _p_text(row["p_adjusted"], alpha)
    if check.kind == RATIO:
        verdict = PASS if low >= t else FAIL if high < t else INCONCLUSIVE
        relation = {PASS: "is at or above", FAIL: "is below", INCONCLUSIVE: "straddles"}[verdict]
        shown = "no upper bound" if value == float("inf") else _fmt(value)
        ci = (
            f"{pct} CI {_fmt(low)}–{_fmt(high)}"
            if high != float("inf")
            else f"the group's rate is 0; {pct} CI unbounded"
        )
        out["reason"] = REASON_RATIO.format(
            value=shown,
            ci=ci,
            relation=relation,
            threshold=_fmt(t),
            group=row["group"],
            reference=row["reference"],
            significance=significance,
        )
    else:
        verdict = PASS if high <= t else FAIL if low > t else INCONCLUSIVE
        relation = {PASS: "within", FAIL: "beyond", INCONCLUSIVE: "straddling"}[verdict]
        out["reason"] = REASON_GAP.format(
            label_cap=label.capitalize(),
            group=row["group"],
            value=_fmt(abs(value)),
            direction="worse than" if value > 0 else "no worse than",
            reference=row["reference"],
            ci=f"{pct} CI of the gap {_fmt(low)} to {_fmt(high)}",
            relation=relation,
            threshold=_fmt(t),
            significance=significance,
        )
    out["verdict"] = verdict
    return out


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def summarise(checks: Sequence[Check], rows: Sequence[dict]) -> tuple[list[dict], str]:
    """Per-check summary (worst verdict over its rows) and the overall verdict of the audit."""
    summaries = []
    for check in checks:
        verdicts = [r["verdict"] for r in rows if r["name"] == check.name]
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
    all_verdicts = [r["verdict"] for r in rows]
    overall = max(all_verdicts, key=_SEVERITY.__getitem__) if all_verdicts else NOT_ASSESSED
    return summaries, overall


__all__ = ["DIFFERENCE", "FAIL", "INCONCLUSIVE", "NOT_ASSESSED", "PASS", "RATIO"]
