"""Verdicts: each declared check applied to each group's comparison with its reference.

Orientation makes every check read the same way whatever the outcome means: the *impact ratio*
is below 1 and the *gap* above 0 exactly when the group is worse off than its reference.

- When a higher value is better for the person: impact ratio = group / reference, gap =
  reference - group.
- When a higher value is worse (a flag rate with an adverse outcome, a false positive rate...):
  impact ratio = reference / group, gap = group - reference.

The rule, with the interval at confidence 1 - alpha (Katz for ratios, Newcombe for gaps):

- ``inconclusive`` when the group has a denominator below the minimum (or 0), when the reference
  has none, or when the reference has fewer than the minimum and a rate of 0 or 1 (its interval
  then cannot show how uncertain it is). A reference with fewer than the minimum is otherwise
  kept (a preset's rule names it: the highest rate, however small): its interval is wide, the
  interval decides, and the reason says the reference is small;
- ratio checks: ``pass`` when the interval's lower bound is at or above the threshold, ``fail``
  when its upper bound is below it, else ``inconclusive`` (the interval straddles the threshold);
- difference checks: ``pass`` when the gap's upper bound is at or below the threshold, ``fail``
  when its lower bound is above it, else ``inconclusive``;
- two-sided checks (``band = "two-sided"``, Aequitas's band) with threshold τ: the band is
  ``[τ, 1/τ]`` for the impact ratio and ``[-τ, τ]`` for the gap; ``pass`` when the whole interval
  lies within the band, ``fail`` when the whole interval lies outside it (below or above),
  else ``inconclusive``. The point-estimate verdict asks whether the estimate lies in the band.
  A group better off than its reference by more than the threshold is then flagged too (with the
  ``most_favoured`` reference no group is, by construction).

The adjusted p-value is reported beside the verdict (statistical significance), never instead of it,
and so is the rule's own reading of the point estimate (``point_estimate_verdict``).

A check that has no comparison at some attribute (or intersection) has not been assessed there:
:func:`not_assessed_rows` lists those, and the groups left out of ratios, with their reasons, and
the check's and the audit's verdict are then at best ``inconclusive``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fairness._policies import DIFFERENCE, RATIO, TWO_SIDED, higher_is_better
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
    "point_estimate_verdict", "small_reference", "band",
)  # fmt: skip
NOT_ASSESSED_COLUMNS = ("name", "attribute", "group", "reason", "detail")

REASON_INSUFFICIENT = (
    "Inconclusive: {who} has {count} {denominator}, fewer than the minimum of {minimum}; "
    "too little data to judge the {label}."
)
REASON_UNDEFINED = "Inconclusive: the {label} of {who} is undefined ({detail})."
REASON_DEGENERATE = (
    "Inconclusive: reference {reference!r} has {count} {denominator}, fewer than the minimum of "
    "{minimum}, and a {label} of {value}; the interval cannot show how uncertain that rate is."
)
SMALL_REFERENCE = (
    " Reference {reference!r} has {count} {denominator}, fewer than the minimum of {minimum}: "
    "the comparison is uncertain, and the interval is wider for it."
)
#: Reasons a check could not assess an attribute, or a group was left out (``not_assessed``).
NO_GROUP_IN_RATIOS = "no_group_in_ratios"
SINGLE_GROUP = "single_group"
NO_REFERENCE = "no_reference"
SMALL_CATEGORY = "small_category"
UNKNOWN_EXCLUDED = "unknown_excluded"
NOT_ASSESSED_DETAIL = {
    NO_GROUP_IN_RATIOS: (
        "Check {name!r} did not assess {attribute!r}: none of its groups takes part in ratios "
        "(each is a small category or the unknown group)."
    ),
    SINGLE_GROUP: (
        "Check {name!r} did not assess {attribute!r}: only {group!r} takes part in ratios, so "
        "there is no other group to compare with it."
    ),
    NO_REFERENCE: (
        "Check {name!r} did not assess {attribute!r}: no group that may be the reference (a "
        "group in ratios whose value is known) has a defined {label}."
    ),
    SMALL_CATEGORY: (
        "Group {group!r} of {attribute!r} holds less than {share:.0%} of the sample "
        "(small_category_share): reported with its counts and rates, left out of ratios, "
        "comparisons and checks."
    ),
    UNKNOWN_EXCLUDED: (
        "Group {group!r} of {attribute!r} has an unknown value; the spec leaves it out of "
        "ratios, comparisons and checks (exclude_unknown_from_ratios)."
    ),
}
REASON_RATIO = (
    "Impact ratio {value} ({ci}) {relation} {threshold} for {group!r} vs reference {reference!r}; "
    "{significance}."
)
REASON_GAP = (
    "{label_cap} of {group!r} is {value} points {direction} reference {reference!r} ({ci}), "
    "{relation} the allowed {threshold}; {significance}."
)
REASON_RATIO_BAND = (
    "Impact ratio {value} ({ci}) {relation} the band {low} to {high} for {group!r} vs reference "
    "{reference!r}; {significance}."
)
REASON_GAP_BAND = (
    "{label_cap} of {group!r} is {value} points {direction} reference {reference!r} ({ci}), "
    "{relation} the allowed {threshold} either way; {significance}."
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
        n, nr = comparisons["_denominator"][rows], comparisons["_reference_denominator"][rows]
        reference_rate = comparisons["reference_value"][rows]
        small_reference = (nr > 0) & (nr < min_denominator)
        degenerate = small_reference & ((reference_rate == 0) | (reference_rate == 1))
        blocked = (n < min_denominator) | (n <= 0) | (nr <= 0) | degenerate
        undefined = ~blocked & (np.isnan(value) | np.isnan(low) | np.isnan(high))
        verdict, point = _verdicts(check, value, low, high)
        verdict = np.where(blocked | undefined, INCONCLUSIVE, verdict)
        shown = ~(blocked | undefined)
        point_verdict = [str(v) if ok else None for v, ok in zip(point, shown, strict=True)]
        finite = [np.where(shown & np.isfinite(a), a, np.nan) for a in (value, low, high)]
        p_adjusted = comparisons["p_adjusted"][rows]
        label = check.metric.replace("_", " ")
        den_label = denominator_labels[check.metric]
        groups, references = comparisons["group"][rows], comparisons["reference"][rows]
        reasons = []
        for i in range(len(rows)):
            group, reference = groups[i], references[i]
            if blocked[i] and degenerate[i] and n[i] >= min_denominator:
                reasons.append(
                    REASON_DEGENERATE.format(
                        reference=reference,
                        count=_count(float(nr[i])),
                        denominator=den_label,
                        minimum=_count(min_denominator),
                        label=label,
                        value=_count(float(reference_rate[i])),
                    )
                )
            elif blocked[i]:
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
                reason = _reason(
                    check, str(verdict[i]), float(value[i]), float(low[i]), float(high[i]),
                    group, reference, pct, _p_text(p, alpha),
                )  # fmt: skip
                if small_reference[i]:
                    reason += SMALL_REFERENCE.format(
                        reference=reference,
                        count=_count(float(nr[i])),
                        denominator=den_label,
                        minimum=_count(min_denominator),
                    )
                reasons.append(reason)
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
        out["point_estimate_verdict"] += point_verdict
        out["small_reference"] += small_reference.tolist()
        out["band"] += [check.band] * len(rows)
    return out


def band(check: Check) -> tuple[float, float]:
    """The values of the oriented ratio or gap within which a group passes ``check``:
    ``[τ, ∞)`` / ``(-∞, τ]`` one-sided, ``[τ, 1/τ]`` / ``[-τ, τ]`` two-sided.

    Examples
    --------
    >>> band(Check("c", "selection_rate", "ratio", 0.8, "two-sided"))
    (0.8, 1.25)
    """
    t = check.threshold
    if check.kind == RATIO:
        return (t, 1 / t if check.band == TWO_SIDED else _INF)
    return (-t if check.band == TWO_SIDED else -_INF, t)


def _verdicts(
    check: Check, value: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Interval verdict and point-estimate verdict per row: ``pass`` when the interval lies
    within :func:`band`, ``fail`` when it lies wholly outside, else ``inconclusive``."""
    lower, upper = band(check)
    with np.errstate(invalid="ignore"):
        inside = (low >= lower) & (high <= upper)
        outside = (high < lower) | (low > upper)
        verdict = np.where(inside, PASS, np.where(outside, FAIL, INCONCLUSIVE))
        point = np.where((value >= lower) & (value <= upper), PASS, FAIL)
    return verdict, point


def not_assessed_rows(
    checks: Sequence[Check],
    comparisons: dict[str, np.ndarray],
    groups: dict[str, np.ndarray],
    levels: Sequence[str],
    *,
    candidates: np.ndarray,
    small_category_share: float,
    denominator_labels: dict[str, str],
) -> list[dict]:
    """What the checks did not assess, and why: first each group left out of ratios (``name``
    null: left out of every check), then each check and attribute with no comparison (``group``
    null). ``candidates`` marks the groups that may be a reference."""
    out: list[dict] = []
    attribute, group = groups["attribute"], groups["group"]
    in_ratios = np.asarray(groups["in_ratios"], dtype=bool)
    for level in levels:
        for i in np.flatnonzero((attribute == level) & ~in_ratios).tolist():
            reason = SMALL_CATEGORY if groups["small_category"][i] else UNKNOWN_EXCLUDED
            out.append(
                {
                    "name": None,
                    "attribute": level,
                    "group": group[i],
                    "reason": reason,
                    "detail": NOT_ASSESSED_DETAIL[reason].format(
                        group=group[i], attribute=level, share=small_category_share
                    ),
                }
            )
    assessed = set(
        zip(comparisons["metric"].tolist(), comparisons["attribute"].tolist(), strict=True)
    )
    for check in checks:
        for level in levels:
            if (check.metric, level) in assessed:
                continue
            at = attribute == level
            taking_part = np.flatnonzero(at & in_ratios)
            if not len(taking_part):
                reason, only = NO_GROUP_IN_RATIOS, None
            elif len(taking_part) == 1:
                reason, only = SINGLE_GROUP, group[taking_part[0]]
            else:
                reason, only = NO_REFERENCE, None
            detail = NOT_ASSESSED_DETAIL[reason].format(
                name=check.name,
                attribute=level,
                group=only,
                label=check.metric.replace("_", " "),
                denominator=denominator_labels.get(check.metric, "denominator"),
            )
            out.append(
                {"name": check.name, "attribute": level, "group": None, "reason": reason,
                 "detail": detail}
            )  # fmt: skip
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
    two_sided = check.band == TWO_SIDED
    if check.kind == RATIO:
        relation = {PASS: "is at or above", FAIL: "is below", INCONCLUSIVE: "straddles"}[verdict]
        shown = "no upper bound" if value == _INF else _fmt(value)
        ci = (
            f"{pct} CI {_fmt(low)}–{_fmt(high)}"
            if high != _INF
            else f"the group's rate is 0; {pct} CI unbounded"
        )
        if two_sided:
            lower, upper = band(check)
            relation = {
                PASS: "lies within",
                FAIL: "is below" if high < lower else "is above",
                INCONCLUSIVE: "straddles an edge of",
            }[verdict]
            return REASON_RATIO_BAND.format(
                value=shown,
                ci=ci,
                relation=relation,
                low=_fmt(lower),
                high=_fmt(upper),
                group=group,
                reference=reference,
                significance=significance,
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
    if two_sided:
        direction = "worse than" if value > 0 else "better than" if value < 0 else "level with"
    else:
        direction = "worse than" if value > 0 else "no worse than"
    return (REASON_GAP_BAND if two_sided else REASON_GAP).format(
        label_cap=label.capitalize(),
        group=group,
        value=_fmt(abs(value)),
        direction=direction,
        reference=reference,
        ci=f"{pct} CI of the gap {_fmt(low)} to {_fmt(high)}",
        relation=relation,
        threshold=_fmt(t),
        significance=significance,
    )


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _worst(verdicts: Sequence[str | None], gaps: int) -> str:
    """The worst of ``verdicts`` (``None``: no finding, counts as inconclusive), at best
    ``inconclusive`` when ``gaps`` attributes were not assessed; ``not_assessed`` when empty."""
    if not verdicts:
        return NOT_ASSESSED
    found = [INCONCLUSIVE if v is None else v for v in verdicts]
    if gaps:
        found.append(INCONCLUSIVE)
    return max(found, key=_SEVERITY.__getitem__)


def summarise(
    checks: Sequence[Check], columns: dict[str, list], not_assessed: Sequence[dict] = ()
) -> tuple[list[dict], str, str]:
    """Per-check summary, the audit's verdict and the audit's point-estimate verdict.

    A check's verdict is the worst over its rows, at best ``inconclusive`` when it left an
    attribute unassessed, ``not_assessed`` without rows; the audit's is the worst over the checks'
    rows, at best ``inconclusive`` when any check left an attribute unassessed. The point-estimate
    verdicts (the rule read on point estimates) follow the same rule.
    """
    summaries = []
    by_name: dict[str, list[str]] = {}
    point_by_name: dict[str, list[str | None]] = {}
    for name, verdict, point in zip(
        columns["name"], columns["verdict"], columns["point_estimate_verdict"], strict=True
    ):
        by_name.setdefault(name, []).append(verdict)
        point_by_name.setdefault(name, []).append(point)
    gaps_by_name: dict[str, int] = {}
    for row in not_assessed:
        if row["name"] is not None:
            gaps_by_name[row["name"]] = gaps_by_name.get(row["name"], 0) + 1
    for check in checks:
        verdicts = by_name.get(check.name, [])
        gaps = gaps_by_name.get(check.name, 0)
        summaries.append(
            {
                **check.to_dict(),
                "band": check.band,
                "verdict": _worst(verdicts, gaps),
                "point_estimate_verdict": _worst(point_by_name.get(check.name, []), gaps),
                "comparisons": len(verdicts),
                "passed": verdicts.count(PASS),
                "failed": verdicts.count(FAIL),
                "inconclusive": verdicts.count(INCONCLUSIVE),
                "attributes_not_assessed": gaps,
            }
        )
    gaps = sum(gaps_by_name.values())
    overall = _worst(columns["verdict"], gaps)
    point = _worst(columns["point_estimate_verdict"], gaps)
    return summaries, overall, point


__all__ = ["DIFFERENCE", "FAIL", "INCONCLUSIVE", "NOT_ASSESSED", "PASS", "RATIO"]
