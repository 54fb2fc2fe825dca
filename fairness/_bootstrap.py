"""Between-group summaries (max-min difference, min/max ratio) with simultaneous intervals.

A summary is a maximum over pairs of groups: the largest minus the smallest rate is the largest
pairwise difference ``p_i - p_j``, the smallest over the largest rate the smallest pairwise ratio
``p_i / p_j`` (with ``i = j`` giving 0 and 1: parity). Its interval is built from the pairwise
intervals of the comparisons table (Newcombe for differences, Katz for ratios, computed for every
ordered pair of the groups compared):

- the bound away from parity (the upper bound of a difference, the lower bound of a ratio) is the
  most extreme unadjusted bound at ``1 - alpha``: the pair that realises the true summary misses it
  with probability ``alpha / 2`` at most, and other pairs only widen it;
- the bound towards parity (lower bound of a difference, upper bound of a ratio) is the most
  extreme bound of the pairs at the Bonferroni level ``1 - alpha / M`` (``M`` the pairs, counted
  over both metrics of equalized odds), clipped at parity (0 or 1): the true summary lies above it
  unless some pair's adjusted interval misses.

So an interval reaches parity whenever every pair is compatible with equal rates (the percentile
bootstrap of the max-min could not: every replicate's max-min is positive), it always holds its
point estimate, and it never has width zero (Newcombe and the corrected Katz intervals never do).
With two groups it is the Newcombe (Katz) interval of the one pair, folded at parity. Coverage is
shown by simulation in ``docs/metrics.md`` (``benchmarks/coverage.py``).

Which groups: those in ratios (``eligible``) whose (effective) denominator for the metric reaches
``min_denominator`` (and is positive). Groups with too little data for a metric are left out of
that metric's summaries, as they are inconclusive in the checks; ``groups_compared`` counts the
groups that entered (the fewest over the summary's metrics). With fewer than two the summary is
null. Nothing is resampled, so no group can drop out of a part of the computation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from fairness._intervals import _z, wilson_arrays
from fairness._metrics import METRICS, GroupTable

SIMULTANEOUS_NEWCOMBE = "simultaneous_newcombe"
SIMULTANEOUS_KATZ = "simultaneous_katz"

#: Rows of the pair matrix computed at once (memory stays at a few MB for thousands of groups).
_BLOCK = 512


@dataclass(frozen=True)
class SummaryDef:
    """A named between-groups summary over one or two metrics.

    ``kind`` ``"difference"``: the largest minus the smallest group value (0 = equal, up to 1).
    ``kind`` ``"ratio"``: the smallest over the largest group value (1 = equal, down to 0).
    With two metrics (equalized odds) the worse of the two is taken: the larger difference, the
    smaller ratio, as fairlearn does.
    """

    name: str
    metrics: tuple[str, ...]
    kind: str


NAMED_SUMMARIES = (
    SummaryDef("demographic_parity_difference", ("selection_rate",), "difference"),
    SummaryDef("demographic_parity_ratio", ("selection_rate",), "ratio"),
    SummaryDef(
        "equalized_odds_difference", ("true_positive_rate", "false_positive_rate"), "difference"
    ),
    SummaryDef("equalized_odds_ratio", ("true_positive_rate", "false_positive_rate"), "ratio"),
    SummaryDef("equal_opportunity_difference", ("true_positive_rate",), "difference"),
    SummaryDef("equal_opportunity_ratio", ("true_positive_rate",), "ratio"),
    SummaryDef("predictive_parity_difference", ("precision",), "difference"),
    SummaryDef("predictive_parity_ratio", ("precision",), "ratio"),
)


def summary_definitions(metrics: Sequence[str]) -> list[SummaryDef]:
    """The named summaries whose metrics are all available, then max-min / min-max per metric."""
    available = set(metrics)
    out = [s for s in NAMED_SUMMARIES if set(s.metrics) <= available]
    for metric in metrics:
        if metric in METRICS:
            out.append(SummaryDef(f"{metric}_difference", (metric,), "difference"))
            out.append(SummaryDef(f"{metric}_ratio", (metric,), "ratio"))
    return out


def _largest(
    pair: Callable[[np.ndarray, np.ndarray], np.ndarray],
    row_bound: np.ndarray,
    column_bound: np.ndarray,
    floor: float = -np.inf,
) -> float:
    """``max(floor, max of pair(i, j) over the ordered pairs i != j)``, NaN pairs skipped.

    ``row_bound[i]`` bounds ``pair(i, j)`` for every ``j`` and ``column_bound[j]`` for every
    ``i``. The value at a few likely pairs is a first answer ``v``; only rows and columns whose
    bound reaches ``v`` can hold a larger value, so only they are computed (``_BLOCK`` rows at a
    time). Exact, and usually a handful of pairs instead of all ``K²``.
    """
    size = len(row_bound)
    rows = np.argsort(-row_bound, kind="stable")[:3]
    columns = np.argsort(-column_bound, kind="stable")[:3]
    best = max(floor, _block_max(pair, rows, columns))
    rows = np.flatnonzero(row_bound >= best)
    columns = np.flatnonzero(column_bound >= best)
    if size and len(rows) and len(columns):
        for start in range(0, len(rows), _BLOCK):
            best = max(best, _block_max(pair, rows[start : start + _BLOCK], columns))
    return best


def _block_max(
    pair: Callable[[np.ndarray, np.ndarray], np.ndarray], rows: np.ndarray, columns: np.ndarray
) -> float:
    values = pair(rows[:, None], columns[None, :])
    values = np.where(rows[:, None] == columns[None, :], np.nan, values)
    return -np.inf if np.isnan(values).all() else float(np.nanmax(values))


def _difference_bounds(
    x: np.ndarray, n: np.ndarray, outer: float, inner: float
) -> tuple[float, float]:
    """Largest unadjusted Newcombe upper bound (confidence ``outer``) and largest adjusted lower
    bound (confidence ``inner``, at least 0) of ``p_i - p_j`` over the ordered pairs."""
    p = x / n
    l_out, u_out = wilson_arrays(x, n, confidence=outer)
    l_in, u_in = wilson_arrays(x, n, confidence=inner)
    above, below = u_out - p, p - l_out  # Wilson half-widths, unadjusted
    above_in, below_in = u_in - p, p - l_in

    def upper(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return p[i] - p[j] + np.sqrt(above[i] ** 2 + below[j] ** 2)

    def lower(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return p[i] - p[j] - np.sqrt(below_in[i] ** 2 + above_in[j] ** 2)

    # upper(i, j) <= u_i - l_j; lower(i, j) <= l_i - p_j and <= p_i - u_j
    high = _largest(upper, u_out - l_out.min(), u_out.max() - l_out)
    low = _largest(lower, l_in - p.min(), p.max() - u_in, floor=0.0)
    return high, low


def _ratio_bounds(x: np.ndarray, n: np.ndarray, outer: float, inner: float) -> tuple[float, float]:
    """Smallest unadjusted Katz lower bound (confidence ``outer``) and smallest adjusted upper
    bound (confidence ``inner``, at most 1) of ``p_i / p_j`` over the ordered pairs; a pair whose
    two rates are 0 says nothing about the ratio and is skipped. A pair with a cell of 0 (a rate
    of 0 or 1) is corrected as ``katz_ratio_arrays`` does: 0.5 added to every cell of its 2×2
    table. Computed on the log scale."""
    with np.errstate(invalid="ignore", divide="ignore"):
        log_raw, var_raw = np.log(x / n), 1 / x - 1 / n
        a, b = x + 0.5, n + 1
        log_fixed, var_fixed = np.log(a / b), 1 / a - 1 / b
    corner = (x == 0) | (x == n)
    z_out, z_in = _z(outer), _z(inner)

    def parts(i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fix = corner[i] | corner[j]
        log_ratio = np.where(fix, log_fixed[i] - log_fixed[j], log_raw[i] - log_raw[j])
        var = np.where(fix, var_fixed[i] + var_fixed[j], var_raw[i] + var_raw[j])
        se = np.sqrt(np.maximum(var, 0.0))
        return np.where((x[i] == 0) & (x[j] == 0), np.nan, log_ratio), se

    def falls(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # -log of the Katz lower bound
        log_ratio, se = parts(i, j)
        return z_out * se - log_ratio

    def rises(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # -log of the Katz upper bound
        log_ratio, se = parts(i, j)
        return -log_ratio - z_in * se

    # bounds of a group's log rate and standard error over the two forms a pair may use
    log_low = np.where(corner, log_fixed, np.fmin(log_raw, log_fixed))
    log_high = np.where(corner, log_fixed, np.fmax(log_raw, log_fixed))
    spread = np.sqrt(np.maximum(np.where(corner, var_fixed, np.fmax(var_raw, var_fixed)), 0.0))
    least = np.sqrt(np.maximum(np.where(corner, var_fixed, np.fmin(var_raw, var_fixed)), 0.0))
    numerator, denominator = z_out * spread - log_low, z_out * spread + log_high
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # falls(i, j) <= numerator_i + denominator_j, as se <= spread_i + spread_j;
        # rises(i, j) <= log_high_j - log_low_i - z_in * least (of i, and of j), as se >= each
        low = np.exp(-_largest(falls, numerator + denominator.max(), numerator.max() + denominator))
        high = np.exp(
            -_largest(
                rises,
                log_high.max() - log_low - z_in * least,
                log_high - log_low.min() - z_in * least,
                floor=0.0,
            )
        )
    return float(low), float(high)


def summary_columns(
    table: GroupTable,
    eligible: np.ndarray,
    metrics: Sequence[str],
    *,
    min_denominator: float,
    confidence: float,
) -> dict[str, list]:
    """Between-group summaries per level, each with its simultaneous interval (module docstring).

    Parameters
    ----------
    table : GroupTable
        The groups of the attributes and intersections to summarise (``_metrics.group_table``).
    eligible : ndarray
        Per group, whether it takes part in between-group summaries (in ratios).
    metrics : sequence of str
        Rate metrics reported by the audit; summaries needing others are skipped.
    min_denominator : float, keyword-only
        Groups whose (effective) denominator for a metric is below this are left out of it.
    confidence : float, keyword-only
        Coverage of the intervals.

    Returns
    -------
    dict of list
        Columns: attribute, summary, metrics, kind, value, ci_low, ci_high, groups_compared,
        replicates (always 0: nothing is resampled), method; rows level by level, each in
        definition order.
    """
    definitions = [s for s in summary_definitions(metrics) if s.metrics[0] in METRICS]
    columns: dict[str, list] = {key: [] for key in SUMMARY_COLUMNS}
    if not definitions or not len(table.group):
        return columns
    alpha = 1 - confidence
    needed = list(dict.fromkeys(m for d in definitions for m in d.metrics))
    effective = {m: table.effective_parts(m) for m in needed}
    weighted = {m: table.parts(m) for m in needed}
    for level, name in enumerate(table.names):
        span = table.span(level)
        chosen = {}
        for metric in needed:
            x, n = (part[span] for part in effective[metric])
            keep = eligible[span] & (n > 0) & (n >= min_denominator)
            raw_x, raw_n = (part[span][keep] for part in weighted[metric])
            chosen[metric] = (raw_x / raw_n, x[keep], n[keep])
        for definition in definitions:
            sets = [chosen[m] for m in definition.metrics]
            compared = min(len(rate) for rate, _, _ in sets)
            value = low = high = np.nan
            if compared >= 2:
                pairs = sum(len(rate) * (len(rate) - 1) // 2 for rate, _, _ in sets)
                inner = 1 - alpha / pairs  # Bonferroni over the pairs, towards parity
                if definition.kind == "difference":
                    value, low, high = _difference_summary(sets, confidence, inner)
                else:
                    value, low, high = _ratio_summary(sets, confidence, inner)
            columns["attribute"].append(name)
            columns["summary"].append(definition.name)
            columns["metrics"].append(list(definition.metrics))
            columns["kind"].append(definition.kind)
            columns["value"].append(None if np.isnan(value) else float(value))
            columns["ci_low"].append(None if np.isnan(low) else float(low))
            columns["ci_high"].append(None if np.isnan(high) else float(high))
            columns["groups_compared"].append(int(compared))
            columns["replicates"].append(0)
            columns["method"].append(
                SIMULTANEOUS_NEWCOMBE if definition.kind == "difference" else SIMULTANEOUS_KATZ
            )
    return columns


def _difference_summary(
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], outer: float, inner: float
) -> tuple[float, float, float]:
    value, low, high = 0.0, 0.0, 0.0
    for rate, x, n in sets:
        value = max(value, float(rate.max() - rate.min()))
        upper, lower = _difference_bounds(x, n, outer, inner)
        high, low = max(high, upper), max(low, lower)
    return value, min(max(low, 0.0), value), max(min(high, 1.0), value)


def _ratio_summary(
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], outer: float, inner: float
) -> tuple[float, float, float]:
    value, low, high = 1.0, 1.0, 1.0
    for rate, x, n in sets:
        top = float(rate.max())
        if not top > 0:  # every rate 0: the ratio is undefined
            return np.nan, np.nan, np.nan
        value = min(value, float(rate.min()) / top)
        lower, upper = _ratio_bounds(x, n, outer, inner)
        low, high = min(low, lower), min(high, upper)
    return value, max(min(low, value), 0.0), min(max(high, value), 1.0)


SUMMARY_COLUMNS = (
    "attribute", "summary", "metrics", "kind", "value", "ci_low", "ci_high", "groups_compared",
    "replicates", "method",
)  # fmt: skip
