"""Between-group summaries (max-min difference, min/max ratio) with simultaneous intervals.

A summary is a maximum over pairs of groups: the largest minus the smallest rate is the largest
pairwise difference ``p_i - p_j``, and ``-log`` of the smallest over the largest rate the largest
``log(p_i / p_j)``. Each pair contributes its estimate ``est >= 0`` (the pair oriented so) with
the half-widths of its interval: Newcombe for differences, Katz (zero cells corrected) on the log
scale for ratios, or the score interval for a ratio pair with a count under ``SCORE_BELOW`` (up to
``_DENSE`` groups); its standard errors are those half-widths over the normal quantile. The
summary is an absolute value near parity, and a two-sided interval folded at 0 covers it up to
``1 - alpha/2`` there, so every pair's bounds are those of the **folded normal**
(``_intervals.folded_normal_arrays``: exact coverage for ``|θ|`` in the normal model, equal to
``est ± z·se`` away from parity):

- the bound away from parity (upper bound of a difference, lower bound of a ratio) is the largest
  folded upper bound at ``1 - alpha`` over the pairs: the pair that realises the true summary
  misses it with probability ``alpha / 2`` at most, other pairs only widen it;
- the bound towards parity (lower bound of a difference, upper bound of a ratio) is the largest
  folded lower bound over the pairs at a level adjusted for many pairs: every pair at
  ``1 - max(alpha / M, t_K)`` (``M`` the pairs, ``t_K`` the per-pair level of Tukey's studentized
  range for ``K`` groups: all pairwise intervals of ``K`` means hold at once; with two metrics,
  equalized odds, Bonferroni over both metrics' pairs), and, **moment selection** (Andrews &
  Soares 2010), the pairs that may realise the summary at ``1 - max(alpha / S, t_K)``: those
  whose ``est + κ·se`` reaches the summary, ``κ = sqrt(ln N)`` with ``N`` the groups' total
  denominator, ``S`` how many they are. Far from parity only the pairs near the maximum can make
  the bound miss; Bonferroni over every pair made it 97-98% there. Above ``_SELECT_LIMIT``
  candidate pairs the selection is skipped (the first bound alone is valid, and conservative).

Clipped at parity (0 or 1), the interval reaches parity exactly when every pair is compatible
with equality at its adjusted level (the percentile bootstrap of the max-min could not: every
replicate's max-min is positive); it always holds its point estimate and never has width zero.
Coverage is shown by simulation in ``docs/metrics.md`` (``benchmarks/coverage.py``).

Up to ``_DENSE`` groups every pair is computed at once; with more, a pruned search over rows and
columns whose bound can reach the best value so far (``_largest``), exact, and folded bounds
only for the pairs that can be the largest.

Which groups: those in ratios (``eligible``) whose (effective) denominator for the metric reaches
``min_denominator`` (and is positive). Groups with too little data for a metric are left out of
that metric's summaries, as they are inconclusive in the checks; ``groups_compared`` counts the
groups that entered (the fewest over the summary's metrics). With fewer than two the summary is
null. Nothing is resampled, so no group can drop out of a part of the computation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import special

from fairness._intervals import (
    _z,
    folded_normal_fast,
    score_ratio_arrays,
    studentized_range_quantile,
    wilson_arrays,
)
from fairness._metrics import METRICS, GroupTable

SIMULTANEOUS_NEWCOMBE = "simultaneous_newcombe"
SIMULTANEOUS_KATZ = "simultaneous_katz"
SIMULTANEOUS_SCORE = "simultaneous_score"

#: A ratio pair takes the score interval's half-widths when one of its four cells (each group's
#: positives and negatives) is below this; at 30 and over Katz and the score interval agree to a
#: few parts in a thousand, and Katz needs no root finding.
SCORE_BELOW = 30

#: Rows of the pair matrix computed at once (memory stays at a few MB for thousands of groups).
_BLOCK = 512

#: Above this many candidate pairs the selection of the pairs that may realise the summary is
#: skipped (the bound towards parity is then Bonferroni over all pairs: valid, more conservative).
_SELECT_LIMIT = 1_000_000

#: Up to this many groups every pair is computed at once (no pruned search).
_DENSE = 48


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


class _Pairs:
    """The ordered pairs ``(i, j)`` of one metric's groups on the summary's scale.

    ``est(i, j)`` is ``p_i - p_j`` (differences) or ``log(p_i / p_j)`` (ratios); the summary is
    the largest ``est`` over the pairs (``max - min``, or ``-log(min / max)``). ``widths(i, j, c)``
    are the pair's interval half-widths below and above ``est`` at confidence ``c`` (Newcombe,
    or Katz on the log scale); a pair's standard errors are the half-widths over the two-sided
    normal quantile. Each ``*_bounds`` method gives ``(row, column)`` arrays bounding a pair
    function over every ``j`` (row ``i``) and every ``i`` (column ``j``), for ``_largest``.
    """

    size: int

    def every_pair(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of every ordered pair ``i != j`` (the same arrays each time:
        the pair quantities computed on them are cached)."""
        if not hasattr(self, "_every"):
            rows, columns = np.nonzero(~np.eye(self.size, dtype=bool))
            self._every: tuple[np.ndarray, np.ndarray] = (rows, columns)
            self._cache: dict = {}
        return self._every

    def _cached(self, key, i, compute):
        """``compute()``, kept when ``i`` is the ``every_pair`` rows (dense evaluation)."""
        if getattr(self, "_every", (None,))[0] is not i:
            return compute()
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def est(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def widths(self, i: np.ndarray, j: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def est_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def high_bounds(self, c: float) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of ``est + upper half-width at c``."""
        raise NotImplementedError

    def low_bounds(self, c: float) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of ``est - r * lower half-width at c``, ``r = one-sided / two-sided quantile``."""
        raise NotImplementedError

    def select_bounds(self, kappa: float, c: float) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of ``est + kappa * standard error at c``."""
        raise NotImplementedError

    # -- the pair functions, on the folded scale (only pairs with est >= 0 count) --
    #
    # They feed ``_largest``, which keeps only the largest value of each block: a pair whose
    # value cannot reach the block's largest is given a lower bound of its value instead of the
    # value (the fold lies between the one-sided and the two-sided quantile), so the folded
    # bounds are computed for the few pairs that can be the largest.

    def fold_high(self, c: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        z, z1 = _z(c), float(special.ndtri(c))

        def pair(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            est = self.est(i, j)
            _, above = self.widths(i, j, c)
            counted = (est >= 0) & (i != j)
            se = above / z  # 0 only at a difference of 1, whose upper bound is 1
            t = np.where(counted & (se > 0), est / se, 0.0)
            floor = np.where(counted, est + z1 * se, np.nan)  # <= the value
            ceiling = np.where(counted, est + z * se, np.nan)  # >= the value
            if not counted.any():
                return floor
            exact = counted & (se > 0) & (ceiling >= _nan_max(floor))
            _, high = folded_normal_fast(t[exact], confidence=c)
            floor[exact] = high * se[exact]
            return floor

        return pair

    def fold_low(
        self, c: float, keep: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        z, z1 = _z(c), float(special.ndtri(c))

        def pair(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            est = self.est(i, j)
            below, _ = self.widths(i, j, c)
            counted = (est >= 0) & (i != j)
            if keep is not None:
                counted &= keep(i, j)
            se = below / z
            t = np.where(counted & (se > 0), est / se, 0.0)
            floor = np.where(counted, np.maximum(est - z * se, 0.0), np.nan)
            ceiling = np.where(counted, np.maximum(est - z1 * se, 0.0), np.nan)
            if not counted.any():
                return floor
            exact = counted & (se > 0) & (ceiling > _nan_max(floor))
            low, _ = folded_normal_fast(t[exact], confidence=c)
            floor[exact] = low * se[exact]
            return floor

        return pair

    def binding(
        self, value: float, kappa: float, c: float
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """Pairs that may realise the summary: ``est + kappa * se >= value`` (``est >= 0``)."""

        def pair(i: np.ndarray, j: np.ndarray) -> np.ndarray:
            def compute() -> np.ndarray:
                est = self.est(i, j)
                below, _ = self.widths(i, j, c)
                return (est >= 0) & (i != j) & (est + kappa * below / _z(c) >= value)

            return self._cached(("binding", value, kappa, c), i, compute)

        return pair


class _DifferencePairs(_Pairs):
    def __init__(self, x: np.ndarray, n: np.ndarray) -> None:
        self.p = x / n
        self.x, self.n = x, n
        self.size = len(x)
        self._wilson: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def _limits(self, c: float) -> tuple[np.ndarray, np.ndarray]:
        if c not in self._wilson:
            self._wilson[c] = wilson_arrays(self.x, self.n, confidence=c)
        return self._wilson[c]

    def est(self, i, j):
        return self._cached("est", i, lambda: self.p[i] - self.p[j])

    def widths(self, i, j, c):
        def compute():
            low, high = self._limits(c)
            p = self.p
            below = np.sqrt((p[i] - low[i]) ** 2 + (high[j] - p[j]) ** 2)
            above = np.sqrt((high[i] - p[i]) ** 2 + (p[j] - low[j]) ** 2)
            return below, above

        return self._cached(("widths", c), i, compute)

    def est_bounds(self):
        return self.p - self.p.min(), self.p.max() - self.p

    def high_bounds(self, c):  # est + above <= u_i - l_j
        low, high = self._limits(c)
        return high - low.min(), high.max() - low

    def low_bounds(self, c):  # below >= p_i - l_i and >= u_j - p_j
        low, high = self._limits(c)
        r = _one_sided(c)
        p = self.p
        return (1 - r) * p + r * low - p.min(), p.max() - ((1 - r) * p + r * high)

    def select_bounds(self, kappa, c):  # below <= (p_i - l_i) + (u_j - p_j)
        low, high = self._limits(c)
        k = kappa / _z(c)
        top, bottom = self.p + k * (self.p - low), self.p - k * (high - self.p)
        return top - bottom.min(), top.max() - bottom


class _RatioPairs(_Pairs):
    """Ratios on the log scale. Katz: a pair with a cell of 0 (a rate of 0 or 1) is corrected as
    ``katz_ratio_arrays`` does (0.5 added to every cell); a pair of two rates of 0 says nothing
    about the ratio and is skipped (``NaN``).

    With ``score`` (every pair computed at once: ``_DENSE`` groups or fewer), a pair neither of
    whose rates is 0 or 1 and one of whose cells is below ``SCORE_BELOW`` takes the half-widths
    of the Miettinen-Nurminen score interval instead (asymmetric on the log scale): Katz is
    conservative for rare outcomes in small groups (5 of 100 against 5 of 100: 98% coverage).
    The pruned search needs per-group bounds of every pair's width, which Katz's closed form gives
    and the score interval does not, so above ``_DENSE`` groups every pair is Katz.
    """

    def __init__(self, x: np.ndarray, n: np.ndarray, *, score: bool = False) -> None:
        with np.errstate(invalid="ignore", divide="ignore"):
            self.log_raw, self.var_raw = np.log(x / n), 1 / x - 1 / n
            a, b = x + 0.5, n + 1
            self.log_fixed, self.var_fixed = np.log(a / b), 1 / a - 1 / b
        self.x, self.n = x, n
        self.size = len(x)
        corner = self.corner = (x == 0) | (x == n)
        self.small = ~corner & (np.minimum(x, n - x) < SCORE_BELOW) if score else None
        # bounds of a group's log rate and standard error over the two forms a pair may use
        self.log_low = np.where(corner, self.log_fixed, np.fmin(self.log_raw, self.log_fixed))
        self.log_high = np.where(corner, self.log_fixed, np.fmax(self.log_raw, self.log_fixed))
        var_high = np.where(corner, self.var_fixed, np.fmax(self.var_raw, self.var_fixed))
        var_low = np.where(corner, self.var_fixed, np.fmin(self.var_raw, self.var_fixed))
        self.spread = np.sqrt(np.maximum(var_high, 0.0))
        self.least = np.sqrt(np.maximum(var_low, 0.0))

    @property
    def uses_score(self) -> bool:
        """Whether any pair takes the score interval's widths."""
        return self.small is not None and bool(self.small.any())

    def _parts(self, i, j):
        return self._cached("parts", i, lambda: self._compute_parts(i, j))

    def _compute_parts(self, i, j):
        fix = self.corner[i] | self.corner[j]
        with np.errstate(invalid="ignore"):
            log_ratio = np.where(
                fix, self.log_fixed[i] - self.log_fixed[j], self.log_raw[i] - self.log_raw[j]
            )
        var = np.where(
            fix, self.var_fixed[i] + self.var_fixed[j], self.var_raw[i] + self.var_raw[j]
        )
        both_zero = (self.x[i] == 0) & (self.x[j] == 0)
        return np.where(both_zero, np.nan, log_ratio), np.sqrt(np.maximum(var, 0.0))

    def est(self, i, j):
        return self._parts(i, j)[0]

    def widths(self, i, j, c):
        def compute():
            half = _z(c) * self._parts(i, j)[1]
            below, above = half, half.copy()
            if self.small is None:
                return below, above
            use = (self.small[i] | self.small[j]) & ~self.corner[i] & ~self.corner[j]
            if use.any():
                i_s, j_s = np.broadcast_to(i, use.shape)[use], np.broadcast_to(j, use.shape)[use]
                low, high = score_ratio_arrays(
                    self.x[i_s], self.n[i_s], self.x[j_s], self.n[j_s], confidence=c
                )
                est = self.est(i, j)[use]
                below = np.array(below, dtype=float)
                below[use], above[use] = est - np.log(low), np.log(high) - est
            return below, above

        return self._cached(("widths", c), i, compute)

    def est_bounds(self):
        return self.log_high - self.log_low.min(), self.log_high.max() - self.log_low

    def high_bounds(self, c):  # se <= spread_i + spread_j (Katz only: the pruned search)
        top, bottom = self.log_high + _z(c) * self.spread, self.log_low - _z(c) * self.spread
        return top - bottom.min(), top.max() - bottom

    def low_bounds(self, c):  # se >= least_i and >= least_j
        r = float(special.ndtri(c)) * self.least  # the fold is at least the one-sided z
        return (
            self.log_high - self.log_low.min() - r,
            self.log_high.max() - self.log_low - r,
        )

    def select_bounds(self, kappa, c):
        top, bottom = self.log_high + kappa * self.spread, self.log_low - kappa * self.spread
        return top - bottom.min(), top.max() - bottom


def _tukey_level(groups: int, alpha: float) -> float:
    """The two-sided level per pair at which the intervals of every pair of ``groups`` means hold
    at once with probability ``1 - alpha``: Tukey's studentized range over ``√2``."""
    critical = studentized_range_quantile(groups, 1 - alpha) / np.sqrt(2)
    return float(2 * special.ndtr(-critical))


def _nan_max(values: np.ndarray) -> float:
    """The largest value, ``NaN`` skipped (``-inf`` when every value is ``NaN``)."""
    return float(np.max(np.where(np.isnan(values), -np.inf, values), initial=-np.inf))


def _one_sided(c: float) -> float:
    """The one-sided quantile over the two-sided one at confidence ``c`` (the fold's least z)."""
    return float(special.ndtri(c)) / _z(c)


def _count(
    pair: Callable[[np.ndarray, np.ndarray], np.ndarray], row_bound, column_bound, value: float
) -> int | None:
    """Unordered pairs where ``pair`` holds (each counted once), or ``None`` when more than
    ``_SELECT_LIMIT`` candidate pairs would have to be computed."""
    rows = np.flatnonzero(row_bound >= value)
    columns = np.flatnonzero(column_bound >= value)
    if len(rows) * len(columns) > _SELECT_LIMIT:
        return None
    total = 0
    for start in range(0, len(rows), _BLOCK):
        i = rows[start : start + _BLOCK, None]
        j = columns[None, :]
        hit = pair(i, j) & (i != j)
        total += int(hit.sum())
    return total


def _pair_max(
    pairs: _Pairs,
    pair: Callable[[np.ndarray, np.ndarray], np.ndarray],
    bounds: Callable[[], tuple[np.ndarray, np.ndarray]],
    floor: float = -np.inf,
) -> float:
    """The largest value of ``pair`` over the ordered pairs: every pair at once for a few
    groups, else the pruned search of ``_largest`` with the row and column ``bounds``."""
    if pairs.size <= _DENSE:
        i, j = pairs.every_pair()
        values = pair(i, j)
        return floor if np.isnan(values).all() else max(floor, float(np.nanmax(values)))
    return _largest(pair, *bounds(), floor=floor)


def _selected_bounds(
    pairs: _Pairs, level: float, kappa: float, outer: float, value: float
) -> tuple[np.ndarray, np.ndarray]:
    """Row and column bounds of the folded lower bound over the selected pairs only: a row (or
    column) none of whose pairs can be selected is left out (``-inf``)."""
    row, column = pairs.low_bounds(level)
    select_row, select_column = pairs.select_bounds(kappa, outer)
    return (
        np.where(select_row >= value, row, -np.inf),
        np.where(select_column >= value, column, -np.inf),
    )


def _pair_count(
    pairs: _Pairs,
    pair: Callable[[np.ndarray, np.ndarray], np.ndarray],
    bounds: Callable[[], tuple[np.ndarray, np.ndarray]],
    value: float,
) -> int | None:
    if pairs.size <= _DENSE:
        return int(pair(*pairs.every_pair()).sum())
    return _count(pair, *bounds(), value)


def _metric_bounds(
    pairs_list: list[_Pairs], value: float, sizes: list[float], alpha: float
) -> tuple[float, float]:
    """``(low, high)`` of the summary ``value`` (the largest ``est`` over the metrics' pairs) on
    the folded scale: see the module docstring."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _folded_bounds(pairs_list, value, sizes, alpha)


def _folded_bounds(
    pairs_list: list[_Pairs], value: float, sizes: list[float], alpha: float
) -> tuple[float, float]:
    outer = 1 - alpha
    high = max(
        _pair_max(pr, pr.fold_high(outer), partial(pr.high_bounds, outer)) for pr in pairs_list
    )
    total = sum(pr.size * (pr.size - 1) // 2 for pr in pairs_list)
    tukey = _tukey_level(pairs_list[0].size, alpha) if len(pairs_list) == 1 else 0.0
    inner = 1 - max(alpha / total, tukey)
    low = max(
        _pair_max(pr, pr.fold_low(inner), partial(pr.low_bounds, inner), floor=0.0)
        for pr in pairs_list
    )
    if total == 1:
        return low, high
    kappa = max(1.0, float(np.sqrt(np.log(max(sum(sizes), 1.0)))))
    counts = [
        _pair_count(
            pr, pr.binding(value, kappa, outer), partial(pr.select_bounds, kappa, outer), value
        )
        for pr in pairs_list
    ]
    if None in counts:
        return low, high
    selected = min(total, max(1, sum(c for c in counts if c is not None)))
    if selected < total:
        level = 1 - max(alpha / selected, tukey)
        for pr in pairs_list:
            keep = pr.binding(value, kappa, outer)
            bounds = partial(_selected_bounds, pr, level, kappa, outer, value)
            low = max(low, _pair_max(pr, pr.fold_low(level, keep), bounds, floor=0.0))
    return low, high


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
            method = SIMULTANEOUS_NEWCOMBE if definition.kind == "difference" else None
            if compared >= 2:
                if definition.kind == "difference":
                    value, low, high = _difference_summary(sets, alpha)
                else:
                    value, low, high, method = _ratio_summary(sets, alpha)
            columns["attribute"].append(name)
            columns["summary"].append(definition.name)
            columns["metrics"].append(list(definition.metrics))
            columns["kind"].append(definition.kind)
            columns["value"].append(None if np.isnan(value) else float(value))
            columns["ci_low"].append(None if np.isnan(low) else float(low))
            columns["ci_high"].append(None if np.isnan(high) else float(high))
            columns["groups_compared"].append(int(compared))
            columns["replicates"].append(0)
            columns["method"].append(method or SIMULTANEOUS_KATZ)
    return columns


def _difference_summary(
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], alpha: float
) -> tuple[float, float, float]:
    value = max(float(rate.max() - rate.min()) for rate, _, _ in sets)
    pairs: list[_Pairs] = [_DifferencePairs(x, n) for _, x, n in sets]
    low, high = _metric_bounds(pairs, value, [float(n.sum()) for _, _, n in sets], alpha)
    return value, min(max(low, 0.0), value), max(min(high, 1.0), value)


def _ratio_summary(
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], alpha: float
) -> tuple[float, float, float, str]:
    """Value, bounds and method: ``simultaneous_score`` when a pair took the score interval."""
    value = 1.0
    for rate, _, _ in sets:
        top = float(rate.max())
        if not top > 0:  # every rate 0: the ratio is undefined
            return np.nan, np.nan, np.nan, SIMULTANEOUS_KATZ
        value = min(value, float(rate.min()) / top)
    ratio_pairs = [_RatioPairs(x, n, score=len(x) <= _DENSE) for _, x, n in sets]
    method = SIMULTANEOUS_SCORE if any(pr.uses_score for pr in ratio_pairs) else SIMULTANEOUS_KATZ
    pairs: list[_Pairs] = list(ratio_pairs)
    # the summary on the log scale, as the pairs compute it (a corrected pair for a rate of 0)
    with np.errstate(invalid="ignore"):
        folded = max(_pair_max(pr, pr.est, pr.est_bounds) for pr in pairs)
    sizes = [float(n.sum()) for _, _, n in sets]
    with np.errstate(over="ignore"):
        low, high = _metric_bounds(pairs, folded, sizes, alpha)
        ratio_low, ratio_high = float(np.exp(-high)), float(np.exp(-low))
    return value, max(min(ratio_low, value), 0.0), min(max(ratio_high, value), 1.0), method


SUMMARY_COLUMNS = (
    "attribute", "summary", "metrics", "kind", "value", "ci_low", "ci_high", "groups_compared",
    "replicates", "method",
)  # fmt: skip
