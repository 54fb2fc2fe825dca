"""Conditional parity: each group against its reference *within* strata of control features.

With ``columns.control_features`` (fairlearn's ``control_features``: e.g. ``["region"]``) the cell
table keeps the control columns as extra dimensions, and every comparison of the audit is made
again stratum by stratum and pooled, so an auditor can ask whether a disparity remains within
comparable cases. For each level (attribute or intersection), each group against its reference
and each compared rate metric, with per stratum ``k`` the group's numerator and denominator
``x1k / n1k`` and the reference's ``x0k / n0k`` (``Nk = n1k + n0k``):

* the Mantel-Haenszel pooled risk ratio ``RR = Σ x1k·n0k/Nk / Σ x0k·n1k/Nk`` with the
  Greenland-Robins (1985) variance of ``log RR`` and its Wald interval (where a side has no event
  or only events, from the strata with 0.5 added to every cell, as Katz's zero-cell correction);
* the Mantel-Haenszel pooled risk difference ``RD = Σ (x1k·n0k − x0k·n1k)/Nk / Σ n1k·n0k/Nk``
  with Sato's (1989) variance, consistent in sparse and in large strata;
* the Cochran-Mantel-Haenszel test of no association (no continuity correction);
* the Breslow-Day test of homogeneous odds ratios across strata with Tarone's (1985) correction.

A stratum in which the group or the reference has no case in the metric's denominator cannot
compare them: it is left out and counted (``strata_without_group``,
``strata_without_reference``), never silently dropped. Everything is array arithmetic over
``(comparisons, strata)``; ``tests/fairness/test_stratified.py`` cross-checks it against
statsmodels' ``StratifiedTable`` and ``Table2x2``. Formulas and references: ``docs/metrics.md``
("Conditional parity").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from fairness._metrics import (
    COUNT_COLUMNS,
    INSUFFICIENT,
    JOIN,
    METRICS,
    OK,
    UNDEFINED,
    count_parts,
    group_keys,
    group_table,
)
from fairness._policies import UNCHECKABLE

#: The reference of the ``overall`` policy (``fairness._comparisons.OVERALL_GROUP``).
OVERALL_GROUP = "overall"

#: The homogeneity test reported in ``homogeneity_test``.
BRESLOW_DAY_TARONE = "breslow_day_tarone"
#: The test of no association reported in ``association_test``.
COCHRAN_MANTEL_HAENSZEL = "cochran_mantel_haenszel"


def stratified_metrics(metrics: Sequence[str]) -> list[str]:
    """The compared rate metrics that are stratified: every rate metric the audit compares, but
    not the base rate (it describes the labels) nor the scoring rate (scores are not kept per
    stratum)."""
    return [
        m for m in metrics if m in METRICS and m not in UNCHECKABLE and not METRICS[m].needs_scores
    ]


def stratum_codes(cells: pd.DataFrame, controls: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The stratum of each cell (a code) and the strata's names (``"north & urban"``), sorted."""
    codes, names = pd.factorize(group_keys(cells, list(controls)).to_numpy(), sort=True)
    return codes.astype(np.int64), [str(n) for n in names]


def stratified_counts(
    cells: pd.DataFrame, levels: Sequence[Sequence[str]], controls: Sequence[str]
) -> tuple[np.ndarray, Mapping[tuple[str, str], int], int]:
    """``(groups + levels, strata, COUNT_COLUMNS)`` sums of the normalised cells (which carry the
    control columns): every group, then each level's total (its row is the index of
    ``(level name, OVERALL_GROUP)``); the index of each ``(level name, group)``; the number of
    strata."""
    table = group_table(cells, levels)
    stratum, names = stratum_codes(cells, controls)
    n_groups, n_strata = len(table.group), len(names)
    flat = (table.cell_group * n_strata + stratum[None, :]).reshape(-1)
    raw = cells[list(COUNT_COLUMNS)].to_numpy(dtype=np.float64)
    out = np.empty((n_groups * n_strata, len(COUNT_COLUMNS)))
    for j in range(len(COUNT_COLUMNS)):
        out[:, j] = np.bincount(
            flat, weights=np.tile(raw[:, j], len(levels)), minlength=n_groups * n_strata
        )
    index = {
        (str(a), str(g)): i
        for i, (a, g) in enumerate(zip(table.attribute.tolist(), table.group.tolist(), strict=True))
    }
    by_group = out.reshape(n_groups, n_strata, len(COUNT_COLUMNS))
    totals = np.add.reduceat(by_group, table.starts[:-1], axis=0) if n_groups else by_group[:0]
    for level, name in enumerate(table.names):
        index[(name, OVERALL_GROUP)] = n_groups + level
    return np.concatenate([by_group, totals]), index, n_strata


def mantel_haenszel(
    x1: np.ndarray,
    n1: np.ndarray,
    x0: np.ndarray,
    n0: np.ndarray,
    *,
    confidence: float,
) -> dict[str, np.ndarray]:
    """Pooled comparisons of rows of ``(comparisons, strata)`` arrays of events and totals.

    ``x1/n1`` are the group's, ``x0/n0`` the reference's. Strata where ``n1`` or ``n0`` is 0 are
    left out (and counted). Returns arrays over comparisons: ``ratio`` (MH risk ratio) with
    ``ratio_ci_low/high`` (Greenland-Robins), ``difference`` (MH risk difference) with
    ``difference_ci_low/high`` (Sato), ``association_statistic``/``association_p_value`` (CMH, 1
    degree of freedom), ``homogeneity_statistic``/``homogeneity_dof``/``homogeneity_p_value``
    (Breslow-Day-Tarone), ``strata_used``, ``strata_without_group``, ``strata_without_reference``,
    ``group_denominator``, ``reference_denominator`` (over the strata used).
    """
    x1, n1, x0, n0 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x0, n0))
    used = (n1 > 0) & (n0 > 0)
    without_group = n1 <= 0
    without_reference = (n1 > 0) & (n0 <= 0)
    x1, n1, x0, n0 = (np.where(used, a, 0.0) for a in (x1, n1, x0, n0))
    big_n = np.where(used, n1 + n0, 1.0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    nan = np.full(len(x1), np.nan)
    raw = _pooled(x1, n1, x0, n0, big_n)
    # Where the variance would be 0, or the log ratio unbounded (no event, or only events, on a
    # side), the interval is taken from the strata with 0.5 added to every cell, as Katz's
    # zero-cell correction does for one table: never an interval of width 0 from finite data.
    fixed = _pooled(
        np.where(used, x1 + 0.5, 0.0), np.where(used, n1 + 1, 0.0),
        np.where(used, x0 + 0.5, 0.0), np.where(used, n0 + 1, 0.0),
        np.where(used, big_n + 2, 1.0),
    )  # fmt: skip
    any_used = used.any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # risk ratio (Mantel-Haenszel; Greenland & Robins 1985, variance of log RR)
        ratio = np.where(raw["s"] > 0, raw["r"] / raw["s"], np.nan)
        degenerate = (raw["r"] <= 0) | (raw["s"] <= 0) | (raw["p"] <= 0)
        r, s_, p = (np.where(degenerate, fixed[k], raw[k]) for k in ("r", "s", "p"))
        centre = np.log(r / s_)
        se_log = np.sqrt(p / (r * s_))
        events = (x1.sum(axis=1) + x0.sum(axis=1)) > 0  # as Katz: none on either side, no bound
        bounded = any_used & events
        ratio_low = np.where(bounded, np.exp(centre - z * se_log), nan)
        ratio_high = np.where(bounded, np.exp(centre + z * se_log), nan)
        # risk difference (Mantel-Haenszel weights n1·n0/N; Sato 1989 variance)
        difference = np.where(raw["w"] > 0, raw["d"], np.nan)
        flat = raw["var_d"] <= 0
        var_d = np.where(flat, fixed["var_d"], raw["var_d"])
        centre_d = np.where(flat, fixed["d"], raw["d"])
        se_d = np.sqrt(np.clip(var_d, 0.0, None))
        positive = any_used & (var_d > 0)
        difference_low = np.where(positive, np.clip(centre_d - z * se_d, -1.0, 1.0), nan)
        difference_high = np.where(positive, np.clip(centre_d + z * se_d, -1.0, 1.0), nan)
        # Cochran-Mantel-Haenszel test of no association (2 x 2 x K, no continuity correction)
        m1 = x1 + x0
        expected = n1 * m1 / big_n
        variance = np.where(big_n > 1, n1 * n0 * m1 * (big_n - m1) / (big_n**2 * (big_n - 1)), 0.0)
        v_sum = variance.sum(axis=1)
        association = np.where(v_sum > 0, (x1 - expected).sum(axis=1) ** 2 / v_sum, np.nan)
        association_p = stats.chi2.sf(association, 1)
    homogeneity, dof = _breslow_day_tarone(x1, n1, x0, n0, used)
    with np.errstate(invalid="ignore"):
        homogeneity_p = np.where(dof > 0, stats.chi2.sf(homogeneity, np.maximum(dof, 1)), np.nan)
    return {
        "ratio": ratio,
        "ratio_ci_low": ratio_low,
        "ratio_ci_high": ratio_high,
        "difference": difference,
        "difference_ci_low": difference_low,
        "difference_ci_high": difference_high,
        "association_statistic": association,
        "association_p_value": association_p,
        "homogeneity_statistic": homogeneity,
        "homogeneity_dof": dof,
        "homogeneity_p_value": homogeneity_p,
        "strata_used": used.sum(axis=1).astype(np.int64),
        "strata_without_group": without_group.sum(axis=1).astype(np.int64),
        "strata_without_reference": without_reference.sum(axis=1).astype(np.int64),
        "group_denominator": n1.sum(axis=1),
        "reference_denominator": n0.sum(axis=1),
    }


def _pooled(
    x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray, big_n: np.ndarray
) -> dict[str, np.ndarray]:
    """The Mantel-Haenszel sums over strata (unused strata hold zeros): ``r``, ``s`` (the risk
    ratio's numerator and denominator), ``p`` (Greenland-Robins), ``w`` (the risk difference's
    weights), ``d`` (the risk difference) and ``var_d`` (Sato's variance)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x1 * n0 / big_n).sum(axis=1)
        s = (x0 * n1 / big_n).sum(axis=1)
        p = ((n1 * n0 * (x1 + x0) - x1 * x0 * big_n) / big_n**2).sum(axis=1)
        w = (n1 * n0 / big_n).sum(axis=1)
        d = ((x1 * n0 - x0 * n1) / big_n).sum(axis=1) / w
        sato_p = ((n1**2 * x0 - n0**2 * x1 + n1 * n0 * (n0 - n1) / 2) / big_n**2).sum(axis=1)
        sato_q = ((x1 * (n0 - x0) + x0 * (n1 - x1)) / (2 * big_n)).sum(axis=1)
        var_d = (d * sato_p + sato_q) / w**2
    return {"r": r, "s": s, "p": p, "w": w, "d": d, "var_d": np.nan_to_num(var_d, nan=0.0)}


def _breslow_day_tarone(
    x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Breslow-Day statistic with Tarone's correction, and its degrees of freedom.

    Per stratum the table is ``[[x1, n1 − x1], [x0, n0 − x0]]``. With the Mantel-Haenszel odds
    ratio ``ψ``, the expected first cell ``e`` solves ``e·(n0 − m1 + e) = ψ·(n1 − e)·(m1 − e)``
    (``m1 = x1 + x0``) within its margins; ``v = 1 / (1/e + 1/(n1−e) + 1/(m1−e) + 1/(n0−m1+e))``.
    ``BD = Σ (x1 − e)²/v − (Σ (x1 − e))² / Σ v`` on ``K − 1`` degrees of freedom. A stratum
    whose margins fix the first cell (no event, or only events: ``m1 = 0`` or ``m1 = N``)
    carries no information about the odds ratio and is left out of the sums and of ``K``; so are
    all strata when ``ψ`` is 0 or infinite (the test is then undefined)."""
    b1, b0 = n1 - x1, n0 - x0
    big_n = np.where(used, n1 + n0, 1.0)
    m1 = x1 + x0
    informative = used & (m1 > 0) & (m1 < n1 + n0)
    with np.errstate(invalid="ignore", divide="ignore"):
        psi = (x1 * b0 / big_n).sum(axis=1) / (x0 * b1 / big_n).sum(axis=1)
        finite = np.isfinite(psi) & (psi > 0)
        psi_k = np.where(finite, psi, 1.0)[:, None]
        a = 1.0 - psi_k
        b = psi_k * (n1 + m1) + (n0 - m1)
        c = -psi_k * n1 * m1
        root = np.sqrt(np.clip(b * b - 4 * a * c, 0.0, None))
        # statsmodels' root (-b + root) / 2a, in the form that also holds at a = 0 (ψ = 1)
        e = -2 * c / (b + root)
        v = 1.0 / (1.0 / e + 1.0 / (n1 - e) + 1.0 / (m1 - e) + 1.0 / (n0 - m1 + e))
        keep = informative & finite[:, None] & (v > 0) & np.isfinite(v)
        residual = np.where(keep, x1 - e, 0.0)
        v = np.where(keep, v, 0.0)
        v_sum = v.sum(axis=1)
        safe_v = np.where(keep, v, 1.0)
        statistic = (residual**2 / safe_v).sum(axis=1) - np.where(
            v_sum > 0, residual.sum(axis=1) ** 2 / v_sum, 0.0
        )
    dof = keep.sum(axis=1).astype(np.int64) - 1
    statistic = np.where(dof > 0, np.clip(statistic, 0.0, None), np.nan)
    return statistic, np.maximum(dof, 0)


def _effective(x: np.ndarray, d: np.ndarray, squares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kish effective numerator and denominator: ``rate × n_eff`` and ``n_eff = (Σw)² / Σw²``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(squares > 0, d * d / squares, 0.0)
        rate = np.clip(np.where(d > 0, x / d, 0.0), 0.0, 1.0)
    return rate * effective, effective


def conditional_columns(
    cells: pd.DataFrame,
    levels: Sequence[Sequence[str]],
    controls: Sequence[str],
    comparisons: Mapping[str, np.ndarray],
    metrics: Sequence[str],
    *,
    min_denominator: float,
    confidence: float,
    squares: pd.DataFrame | None = None,
) -> dict[str, np.ndarray]:
    """The ``conditional`` table: one row per comparison row of the audit (level, group,
    reference, metric) whose metric is stratified (``stratified_metrics``), in the comparisons'
    order. ``cells`` is the normalised cell frame with the control columns; ``squares`` the same
    cells' sums of squared weights when rows were weighted: each stratum's counts then enter as
    Kish effective sizes (as the audit's other intervals and tests), so scaling every weight by
    a constant changes nothing."""
    wanted = set(stratified_metrics(metrics))
    counts, index, n_strata = stratified_counts(cells, levels, controls)
    squared = None if squares is None else stratified_counts(squares, levels, controls)[0]
    attribute = np.asarray(comparisons["attribute"], dtype=object)
    group = np.asarray(comparisons["group"], dtype=object)
    reference = np.asarray(comparisons["reference"], dtype=object)
    metric = np.asarray(comparisons["metric"], dtype=object)
    rows = np.array(
        [
            m in wanted and r is not None and g != r and (a, r) in index and (a, g) in index
            for a, g, r, m in zip(attribute, group, reference, metric, strict=True)
        ],
        dtype=bool,
    )
    rows = np.flatnonzero(rows)
    n = len(rows)
    out: dict[str, np.ndarray] = {
        "attribute": attribute[rows],
        "metric": metric[rows],
        "group": group[rows],
        "reference": reference[rows],
        "controls": np.full(n, JOIN.join(controls), dtype=object),
        "strata": np.full(n, n_strata, dtype=np.int64),
    }
    pooled: dict[str, np.ndarray] = {}
    metric_rows = metric[rows]
    for name in dict.fromkeys(metric_rows.tolist()):
        picked = np.flatnonzero(metric_rows == name)
        g = np.array([index[(attribute[i], group[i])] for i in rows[picked]], dtype=np.int64)
        r = np.array([index[(attribute[i], reference[i])] for i in rows[picked]], dtype=np.int64)
        rest = np.array([reference[i] == OVERALL_GROUP for i in rows[picked]], dtype=bool)
        x, d = count_parts(counts, name)
        x1, d1, x0, d0 = x[g], d[g], x[r], d[r]
        # against ``overall``, a group is compared with the rest of the sample within each
        # stratum (as the comparisons' test does): the level's total less the group
        x0[rest] = np.clip(x0[rest] - x1[rest], 0.0, None)
        d0[rest] = np.clip(d0[rest] - d1[rest], 0.0, None)
        if squared is not None:
            _, sq = count_parts(squared, name)
            sq1, sq0 = sq[g], sq[r]
            sq0[rest] = np.clip(sq0[rest] - sq1[rest], 0.0, None)
            x1, d1 = _effective(x1, d1, sq1)
            x0, d0 = _effective(x0, d0, sq0)
        result = mantel_haenszel(x1, d1, x0, d0, confidence=confidence)
        for key, values in result.items():
            if key not in pooled:  # every row is filled by its metric's pass
                pooled[key] = np.zeros(n, dtype=values.dtype)
            pooled[key][picked] = values
    if not pooled:
        pooled = mantel_haenszel(*(np.zeros((0, n_strata)),) * 4, confidence=confidence)
    status = np.full(n, OK, dtype=object)
    small = (pooled["group_denominator"] < min_denominator) | (
        pooled["reference_denominator"] < min_denominator
    )
    status[small] = INSUFFICIENT
    status[(pooled["strata_used"] == 0) | np.isnan(pooled["ratio"])] = UNDEFINED
    out.update(pooled)
    out["association_test"] = np.full(n, COCHRAN_MANTEL_HAENSZEL, dtype=object)
    out["homogeneity_test"] = np.full(n, BRESLOW_DAY_TARONE, dtype=object)
    out["status"] = status
    return out
