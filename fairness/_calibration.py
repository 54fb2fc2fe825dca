"""Calibration within groups: reliability bins, Brier score, ECE and Spiegelhalter's z test.

Everything here reads one group's rows with the scores already sorted (``fairness._score_tests``
sorts the whole sample once), so a group costs O(rows) plus O(bins · log rows): the bin edges
are found by binary search in the sorted scores and every bin total is a difference of two
cumulative sums.

Weights are sampling weights: every mean (bin score, bin outcome rate, Brier score, ECE) is the
weighted mean, and every interval or test reads the Kish effective size ``(Σw)² / Σw²`` or the
variance of the weighted sum, so multiplying every weight by a constant changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from fairness._intervals import wilson_arrays

#: Bins of the reliability diagram when the spec does not say (``calibration_bins``).
DEFAULT_BINS = 10
#: The bounds of ``calibration_bins`` in a spec.
MIN_BINS, MAX_BINS = 2, 100

SPIEGELHALTER = "spiegelhalter_z"
WILSON = "wilson"


@dataclass(frozen=True)
class Calibration:
    """One group's calibration (weighted where the sample is).

    ``bins`` holds per non-empty bin: ``bin`` (0-based), ``bin_low``, ``bin_high``, ``n`` (the
    weight in the bin), ``mean_score``, ``observed_rate`` and its Wilson interval ``ci_low``,
    ``ci_high``. ``statistic`` and ``p_value`` are Spiegelhalter's z and its two-sided p-value
    (``nan`` when undefined: every score 0, 1/2 or 1).
    """

    n: float
    effective_n: float
    positives: float
    mean_score: float
    observed_rate: float
    brier: float
    ece: float
    statistic: float
    p_value: float
    bins: list[dict[str, object]]


def bin_edges(bins: int) -> np.ndarray:
    """Equal-width edges on [0, 1] (``bins + 1`` of them), as ``numpy.linspace`` gives them."""
    return np.linspace(0.0, 1.0, bins + 1)


def calibration(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None,
    *,
    bins: int = DEFAULT_BINS,
    confidence: float = 0.95,
) -> Calibration:
    """Calibration of one group whose ``scores`` (in [0, 1]) are sorted ascending.

    Bins are equal-width; a bin holds the scores above its lower edge up to and including its
    upper edge (the first bin also holds 0), the rule of ``sklearn.calibration.calibration_curve``
    with ``strategy="uniform"``. Per bin: the mean score, the observed outcome rate and its Wilson
    interval at the Kish effective size of the bin.

    - Brier score: ``Σ w (s - y)² / Σ w``.
    - Expected calibration error: ``Σ_b (W_b / W) · |ȳ_b - s̄_b|``, the bins' weighted mean gap.
    - Spiegelhalter's z (Spiegelhalter 1986):
      ``Z = Σ w (y - s)(1 - 2s) / sqrt(Σ w² (1 - 2s)² s (1 - s))``,
      standard normal when the scores are the true probabilities; two-sided p-value.

    Examples
    --------
    >>> s = np.array([0.1, 0.2, 0.8, 0.9])
    >>> c = calibration(s, np.array([0, 0, 1, 1]), None, bins=2)
    >>> round(c.brier, 4), [b["n"] for b in c.bins]
    (0.025, [2.0, 2.0])
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    edges = bin_edges(bins)
    splits = np.concatenate(([0], np.searchsorted(s, edges[1:-1], side="right"), [len(s)]))

    def sums(values: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate(([0.0], np.cumsum(values)))
        return cumulative[splits[1:]] - cumulative[splits[:-1]]

    if w is None:  # counts from the bin edges; no array of ones
        bin_n = np.diff(splits).astype(np.float64)
        bin_squares = bin_n
        bin_scores = sums(s)
        bin_events = sums(y)
    else:
        bin_n = sums(w)
        bin_squares = sums(w * w)
        bin_scores = sums(w * s)
        bin_events = sums(w * y)
    total = float(bin_n.sum())
    positives = float(bin_events.sum())
    filled = bin_n > 0
    safe = np.where(filled, bin_n, 1.0)
    mean_score = bin_scores / safe
    observed = bin_events / safe
    effective = np.where(filled, bin_n**2 / np.where(filled, bin_squares, 1.0), 1.0)
    low, high = wilson_arrays(observed * effective, effective, confidence=confidence)
    rows = [
        {
            "bin": int(b),
            "bin_low": float(edges[b]),
            "bin_high": float(edges[b + 1]),
            "n": float(bin_n[b]),
            "mean_score": float(mean_score[b]),
            "observed_rate": float(observed[b]),
            "ci_low": float(low[b]),
            "ci_high": float(high[b]),
            "interval": WILSON,
        }
        for b in np.flatnonzero(filled).tolist()
    ]
    gap = np.abs(observed - mean_score)
    ece = float((bin_n[filled] * gap[filled]).sum() / total) if total > 0 else math.nan
    error = s - y
    squared = error * error
    brier = (
        float((squared.sum() if w is None else np.dot(w, squared)) / total)
        if total > 0
        else math.nan
    )
    statistic, p_value = spiegelhalter_z(s, y, w)
    square = float(len(s)) if w is None else float(np.dot(w, w))
    return Calibration(
        n=total,
        effective_n=total**2 / square if square > 0 else 0.0,
        positives=positives,
        mean_score=float(bin_scores.sum() / total) if total > 0 else math.nan,
        observed_rate=positives / total if total > 0 else math.nan,
        brier=brier,
        ece=ece,
        statistic=statistic,
        p_value=p_value,
        bins=rows,
    )


def spiegelhalter_z(
    scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """Spiegelhalter's (1986) z test of calibration and its two-sided p-value.

    ``Z = Σ w (y - s)(1 - 2s) / sqrt(Σ w² (1 - 2s)² s (1 - s))``: the Brier score minus its
    expectation under "the scores are the probabilities", over its standard deviation. ``(nan,
    nan)`` when the variance is 0 (every score is 0, 1/2 or 1).

    Examples
    --------
    >>> z, p = spiegelhalter_z(np.array([0.2, 0.7]), np.array([0, 1]))
    >>> round(z, 4), round(p, 4)
    (-0.7947, 0.4268)
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    slope = 1 - 2 * s
    spread = slope * slope * s * (1 - s)
    gap = (y - s) * slope
    if weights is None:
        variance, total = float(spread.sum()), float(gap.sum())
    else:
        w = np.asarray(weights, dtype=np.float64)
        variance, total = float(np.dot(w * w, spread)), float(np.dot(w, gap))
    if not variance > 0:
        return math.nan, math.nan
    z = total / math.sqrt(variance)
    return z, float(2 * special.ndtr(-abs(z)))
