"""Score metrics: the LL144 scoring rate and the per-group ROC AUC, from a ``ScoreTable``.

The scoring rate turns into counts per cell (``above`` / ``not_above`` the full-sample median), so
from then on it goes through the same intervals, tests and bootstrap as every other rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fairness._metrics import INSUFFICIENT, OK, ROC_AUC, UNDEFINED
from fairness._table import ScoreTable

if TYPE_CHECKING:
    from fairness._score_tests import SortedScores

HANLEY_MCNEIL = "hanley_mcneil"


def weighted_median(scores: np.ndarray, weights: np.ndarray | None = None) -> float:
    """The exact median of ``scores``, weighted when ``weights`` is given.

    Unweighted, this is ``numpy.median`` (the mean of the two middle values for an even count).
    Weighted: sort the scores; the median is the first score whose cumulative weight passes half
    the total, or the mean of that score and the next when the cumulative weight equals exactly
    half (so equal weights give the unweighted median).

    Parameters
    ----------
    scores : ndarray
        Scores, at least one.
    weights : ndarray, optional
        Non-negative weights with a positive sum, one per score.

    Returns
    -------
    float
        The median.

    Examples
    --------
    >>> weighted_median(np.array([1.0, 2.0, 3.0, 4.0]))
    2.5
    >>> weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0]))
    3.0
    """
    if weights is None:
        return float(np.median(scores))
    order = np.argsort(scores, kind="stable")
    s, w = scores[order], weights[order]
    cumulative = np.cumsum(w)
    half = cumulative[-1] / 2
    k = int(np.searchsorted(cumulative, half, side="left"))
    if math.isclose(cumulative[k], half, rel_tol=1e-12) and k + 1 < len(s):
        return float((s[k] + s[k + 1]) / 2)
    return float(s[k])


def scoring_cells(scores: ScoreTable, *, squared: bool = False) -> tuple[pd.DataFrame, float]:
    """Per finest cell, the (weighted) count of rows with a score above / not above the median.

    With ``squared``, the sums of the squared weights instead (for Kish effective sizes).

    Returns
    -------
    tuple
        ``(frame, median)``: the frame holds the attribute columns, ``above`` and ``not_above``.
    """
    frame = scores.frame
    attributes = list(scores.attributes)
    weights = frame["weight"].to_numpy(dtype=float) if "weight" in frame.columns else None
    values = frame["score"].to_numpy(dtype=float)
    median = weighted_median(values, weights)
    above = values > median
    w = weights if weights is not None else np.ones(len(values))
    if squared:
        w = w * w
    parts = frame[attributes].astype(str).copy()
    parts["above"] = np.where(above, w, 0.0)
    parts["not_above"] = np.where(above, 0.0, w)
    cells = parts.groupby(attributes, sort=True, as_index=False)[["above", "not_above"]].sum()
    return cells, median


def hanley_mcneil_interval(
    auc: float, positives: float, negatives: float, *, confidence: float
) -> tuple[float, float]:
    """Normal interval for an AUC with the Hanley-McNeil (1982) standard error, clipped to [0, 1].

    ``SE² = (A(1-A) + (P-1)(Q1-A²) + (N-1)(Q2-A²)) / (P·N)`` with ``Q1 = A/(2-A)``,
    ``Q2 = 2A²/(1+A)``. The standard error is 0 at ``A = 1`` (and ``A = 0``: every pair ordered),
    which would give an interval of width zero from finite data. There the bound is found as the
    Wilson interval of a proportion is, by inverting the test: the lowest ``A0`` with
    ``1 - A0 <= z·SE(A0)`` (for ``A = 1``; mirrored for ``A = 0``), by bisection. ``P`` and ``N``
    are the (effective) class counts.

    Examples
    --------
    >>> low, high = hanley_mcneil_interval(1.0, 40, 40, confidence=0.95)
    >>> round(low, 3), high
    (0.95, 1.0)
    """
    from fairness._intervals import _z

    z = _z(confidence)
    if auc == 0.0:
        low, high = hanley_mcneil_interval(1.0, negatives, positives, confidence=confidence)
        return 1 - high, 1 - low
    if auc == 1.0:
        low, high = 0.5, 1.0  # 1 - A0 - z·SE(A0) falls from A0 = 0.5 to A0 = 1
        for _ in range(60):
            middle = (low + high) / 2
            if 1 - middle > z * _hanley_mcneil_se(middle, positives, negatives):
                low = middle
            else:
                high = middle
        return high, 1.0
    half = z * _hanley_mcneil_se(auc, positives, negatives)
    return max(0.0, auc - half), min(1.0, auc + half)


def _hanley_mcneil_se(auc: float, positives: float, negatives: float) -> float:
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    variance = (
        auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)
    ) / (positives * negatives)
    return math.sqrt(max(variance, 0.0))


def roc_auc_rows(
    scores: ScoreTable,
    level: Sequence[str],
    attribute: str,
    *,
    min_denominator: float,
    confidence: float,
    sorted_scores: SortedScores | None = None,
) -> list[dict[str, object]]:
    """Per-group ROC AUC rows for ``level`` (needs a ``label`` column in the score table).

    The AUC is the value of ``sklearn.metrics.roc_auc_score`` with the weights as
    ``sample_weight`` (computed in one linear pass over the group's sorted scores by
    ``fairness._score_tests.delong_auc``, and checked against sklearn in the tests): the
    probability that a random label positive scores higher than a random label negative of the
    same group, ties counting one half. 0.5 is chance; 1 is a perfect ranking. It is undefined
    when the group lacks positives or negatives. The row's ``denominator`` is the smaller of the
    two class counts; ``numerator`` is ``None``. With weights, the interval and
    ``insufficient_data`` read the Kish effective class sizes ``(Σw)² / Σw²``, so scaling every
    weight by a constant changes nothing. ``sorted_scores``: the sample sorted by score, shared
    with the score measures (each group's AUC is computed once), when the caller has it.
    """
    from fairness._score_tests import SortedScores

    ordered = sorted_scores if sorted_scores is not None else SortedScores(scores)
    rows: list[dict[str, object]] = []
    for g in sorted(ordered.groups(level), key=lambda g: g.name):
        assert g.labels is not None
        y = g.labels == 1
        w = g.weights
        positives = float(y.sum()) if w is None else float(w[y].sum())
        negatives = float((~y).sum()) if w is None else float(w[~y].sum())
        row: dict[str, object] = {
            "attribute": attribute,
            "group": g.name,
            "metric": ROC_AUC,
            "numerator": None,
            "denominator": min(positives, negatives),
            "value": None,
            "ci_low": None,
            "ci_high": None,
            "interval": None,
            "status": UNDEFINED,
        }
        if positives > 0 and negatives > 0:
            result = ordered.auc(level, g)
            # Kish effective class sizes: the row counts when unweighted, unchanged by scaling
            p_eff, n_eff = result.positives, result.negatives
            low, high = hanley_mcneil_interval(result.auc, p_eff, n_eff, confidence=confidence)
            row.update(
                value=result.auc,
                ci_low=low,
                ci_high=high,
                interval=HANLEY_MCNEIL,
                status=OK if min(p_eff, n_eff) >= min_denominator else INSUFFICIENT,
            )
        rows.append(row)
    return rows
