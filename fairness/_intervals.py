"""Confidence intervals for rates, ratios and differences of rates.

All functions take counts (``successes`` out of ``trials``); counts may be floats when the sample
was weighted (weights are treated as frequency weights, see ``docs/metrics.md``).

The rule for a single rate: the Wilson score interval, except when the smaller of successes and
failures is below ``EXACT_BELOW`` (5), where the normal approximation behind Wilson is weakest and
the exact Clopper-Pearson interval is used instead. ``rate_interval`` applies the rule and says
which method it used.

The ``*_arrays`` functions compute the same intervals for whole arrays of counts at once (the audit
calls them over every group and comparison in one pass); each performs the same floating-point
operations as its scalar counterpart, so both give the same numbers.

Quantiles come from ``scipy.special`` (``ndtri``, ``betaincinv``), the functions behind
``scipy.stats.norm.ppf`` and ``scipy.stats.beta.ppf``: same numbers, without importing
``scipy.stats`` (about 0.4 s).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from scipy import special

#: Use the exact Clopper-Pearson interval when min(successes, failures) is below this.
EXACT_BELOW = 5

WILSON = "wilson"
CLOPPER_PEARSON = "clopper_pearson"

BAD_TRIALS = "trials must be a positive number, got {trials!r}."
BAD_SUCCESSES = "successes must lie between 0 and trials ({trials!r}), got {successes!r}."
BAD_CONFIDENCE = "confidence must lie strictly between 0 and 1, got {confidence!r}."


def _check(successes: float, trials: float, confidence: float) -> None:
    if not trials > 0:
        raise ValueError(BAD_TRIALS.format(trials=trials))
    if not 0 <= successes <= trials:
        raise ValueError(BAD_SUCCESSES.format(trials=trials, successes=successes))
    if not 0 < confidence < 1:
        raise ValueError(BAD_CONFIDENCE.format(confidence=confidence))


@functools.lru_cache(maxsize=32)
def _z(confidence: float) -> float:
    return float(special.ndtri(0.5 + confidence / 2))


def wilson_interval(
    successes: float, trials: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a proportion.

    The set of proportions ``p`` that a score test of ``p`` would not reject at level
    ``1 - confidence``. Formula, with ``p̂ = k/n`` and ``z`` the normal quantile::

        (p̂ + z²/2n ± z·sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)

    Bounds lie in [0, 1]; a bound of 0 (or 1) is reached only when ``k = 0`` (or ``k = n``).

    Parameters
    ----------
    successes : float
        Number of successes ``k`` (the metric's numerator).
    trials : float
        Number of trials ``n`` (the metric's denominator), positive.
    confidence : float, keyword-only
        Coverage of the interval, default 0.95.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Raises
    ------
    ValueError
        If ``trials <= 0``, ``successes`` is outside ``[0, trials]`` or ``confidence`` is
        outside (0, 1).

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    """
    _check(successes, trials, confidence)
    return _one(wilson_arrays, successes, trials, confidence=confidence)


def clopper_pearson_interval(
    successes: float, trials: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for a proportion, from beta quantiles.

    ``low = Beta(α/2; k, n-k+1)``, ``high = Beta(1-α/2; k+1, n-k)``, with ``low = 0`` when ``k = 0``
    and ``high = 1`` when ``k = n``. Coverage is at least ``confidence`` for every true proportion.

    Parameters
    ----------
    successes, trials : float
        As in :func:`wilson_interval`.
    confidence : float, keyword-only
        Coverage, default 0.95.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Raises
    ------
    ValueError
        As :func:`wilson_interval`.

    Examples
    --------
    >>> low, high = clopper_pearson_interval(0, 10)
    >>> round(low, 4), round(high, 4)
    (0.0, 0.3085)
    """
    _check(successes, trials, confidence)
    return _one(clopper_pearson_arrays, successes, trials, confidence=confidence)


def rate_interval(
    successes: float, trials: float, *, confidence: float = 0.95
) -> tuple[float, float, str]:
    """Interval for a rate by the engine's rule: Wilson, or Clopper-Pearson for tiny counts.

    Clopper-Pearson is used when ``min(successes, trials - successes) < EXACT_BELOW`` (5).

    Parameters
    ----------
    successes, trials : float
        As in :func:`wilson_interval`.
    confidence : float, keyword-only
        Coverage, default 0.95.

    Returns
    -------
    tuple
        ``(low, high, method)`` with ``method`` ``"wilson"`` or ``"clopper_pearson"``.

    Raises
    ------
    ValueError
        As :func:`wilson_interval`.

    Examples
    --------
    >>> rate_interval(2, 40)[2]
    'clopper_pearson'
    >>> rate_interval(20, 40)[2]
    'wilson'
    """
    if min(successes, trials - successes) < EXACT_BELOW:
        return (
            *clopper_pearson_interval(successes, trials, confidence=confidence),
            CLOPPER_PEARSON,
        )
    return (*wilson_interval(successes, trials, confidence=confidence), WILSON)


def katz_ratio_interval(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Katz log interval for the ratio of two independent proportions ``(x1/n1) / (x2/n2)``.

    ``exp(ln(RR) ± z·sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2))`` (Katz et al. 1978). When any cell of the
    2×2 table is 0 (a numerator of 0, where the log is undefined, or a numerator equal to its
    denominator, where the standard error of two rates of 1 would be 0 and the interval would
    have no width), 0.5 is added to every cell (``x + 0.5``, ``n + 1``) before computing the
    interval (Haldane-Anscombe correction). No interval from finite counts has width zero.

    A ratio of 1 means equal rates; the interval is symmetric on the log scale, so the interval of
    the inverse ratio is ``(1/high, 1/low)``.

    Parameters
    ----------
    x1, n1 : float
        Numerator and denominator of the compared group's rate.
    x2, n2 : float
        Numerator and denominator of the reference rate.
    confidence : float, keyword-only
        Coverage, default 0.95.

    Returns
    -------
    tuple of float or None
        ``(low, high)``, or ``None`` when a denominator is 0 or both numerators are 0 (the ratio
        is undefined).

    Examples
    --------
    >>> low, high = katz_ratio_interval(15, 100, 10, 100)
    >>> round(low, 4), round(high, 4)
    (0.7081, 3.1774)
    """
    if n1 <= 0 or n2 <= 0 or (x1 == 0 and x2 == 0):
        return None
    if not 0 < confidence < 1:
        raise ValueError(BAD_CONFIDENCE.format(confidence=confidence))
    return _one(katz_ratio_arrays, x1, n1, x2, n2, confidence=confidence)


def newcombe_difference_interval(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe hybrid score interval for the difference ``x1/n1 - x2/n2`` of two proportions.

    Method 10 of Newcombe (1998): with Wilson intervals ``(l1, u1)`` and ``(l2, u2)`` of the two
    rates and ``d = p1 - p2``::

        low  = d - sqrt((p1 - l1)² + (u2 - p2)²)
        high = d + sqrt((u1 - p1)² + (p2 - l2)²)

    A difference of 0 means equal rates; bounds lie in [-1, 1].

    Parameters
    ----------
    x1, n1 : float
        Numerator and denominator of the compared group's rate (positive ``n1``).
    x2, n2 : float
        Numerator and denominator of the reference rate (positive ``n2``).
    confidence : float, keyword-only
        Coverage, default 0.95.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Raises
    ------
    ValueError
        If a denominator is not positive or a numerator lies outside ``[0, n]``.

    Examples
    --------
    >>> low, high = newcombe_difference_interval(56, 70, 48, 80)
    >>> round(low, 4), round(high, 4)
    (0.0524, 0.3339)
    """
    _check(x1, n1, confidence)
    _check(x2, n2, confidence)
    return _one(newcombe_difference_arrays, x1, n1, x2, n2, confidence=confidence)


def _one(
    arrays: Callable[..., tuple[np.ndarray, np.ndarray]], *counts: float, confidence: float
) -> tuple[float, float]:
    """One interval, computed by the array version of its formula (the formula is written once)."""
    low, high = arrays(*(np.array([c], dtype=np.float64) for c in counts), confidence=confidence)
    return float(low[0]), float(high[0])


# -- array versions (the formulas) ---------------------------------------------------------------


def wilson_arrays(
    successes: np.ndarray, trials: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`wilson_interval` for arrays of counts (``trials`` positive, not checked)."""
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    z = _z(confidence)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = np.where(x == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(x == n, 1.0, np.minimum(1.0, centre + half))
    return low, high


def clopper_pearson_arrays(
    successes: np.ndarray, trials: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`clopper_pearson_interval` for arrays of counts (``trials`` positive, not checked)."""
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x == 0, 0.0, special.betaincinv(x, n - x + 1, alpha / 2))
        high = np.where(x == n, 1.0, special.betaincinv(x + 1, n - x, 1 - alpha / 2))
    return low, high


def rate_interval_arrays(
    successes: np.ndarray, trials: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`rate_interval` for arrays: ``(low, high, method)``, ``method`` an object array.

    Entries whose ``trials`` is not positive get ``NaN`` bounds and method ``None``.
    """
    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    defined = n > 0
    safe_n = np.where(defined, n, 1.0)
    safe_x = np.where(defined, x, 0.0)
    exact = defined & (np.minimum(safe_x, safe_n - safe_x) < EXACT_BELOW)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = wilson_arrays(safe_x, safe_n, confidence=confidence)
    if exact.any():
        low[exact], high[exact] = clopper_pearson_arrays(
            safe_x[exact], safe_n[exact], confidence=confidence
        )
    low[~defined] = np.nan
    high[~defined] = np.nan
    method = np.where(exact, CLOPPER_PEARSON, WILSON).astype(object)
    method[~defined] = None
    return low, high, method


def katz_ratio_arrays(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`katz_ratio_interval` for arrays; ``NaN`` bounds where that returns ``None``."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    defined = (n1 > 0) & (n2 > 0) & ~((x1 == 0) & (x2 == 0))
    zero = (x1 == 0) | (x2 == 0) | (x1 == n1) | (x2 == n2)
    a = np.where(zero, x1 + 0.5, x1)
    b = np.where(zero, n1 + 1, n1)
    c = np.where(zero, x2 + 0.5, x2)
    d = np.where(zero, n2 + 1, n2)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = np.log((a / b) / (c / d))
        se = np.sqrt(np.maximum(0.0, 1 / a - 1 / b + 1 / c - 1 / d))
        low = np.exp(log_ratio - z * se)
        high = np.exp(log_ratio + z * se)
    return np.where(defined, low, np.nan), np.where(defined, high, np.nan)


def newcombe_difference_arrays(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`newcombe_difference_interval` for arrays (both ``n`` positive, not checked)."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    l1, u1 = wilson_arrays(x1, n1, confidence=confidence)
    l2, u2 = wilson_arrays(x2, n2, confidence=confidence)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.maximum(-1.0, low), np.minimum(1.0, high)
