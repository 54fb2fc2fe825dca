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
    return _ratio_interval(katz_ratio_arrays, x1, n1, x2, n2, confidence)


def score_ratio_interval(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Miettinen-Nurminen score interval for the ratio of two independent proportions.

    The set of ratios ``R`` that the score test of ``p1 = R·p2`` does not reject (Miettinen &
    Nurminen 1985): with ``p̃1 = R·p̃2`` and ``p̃2`` the maximum-likelihood rates under that
    constraint (the smaller root of ``N·R·p² - (n1·R + x1 + n2 + x2·R)·p + x1 + x2 = 0``, as
    Farrington & Manning 1990 give it), ``N = n1 + n2``::

        Z(R) = (x1/n1 - R·x2/n2) / sqrt((p̃1(1-p̃1)/n1 + R²·p̃2(1-p̃2)/n2) · N/(N-1))

    and the interval is ``{R : |Z(R)| <= z}``, found by bisection on ``log R`` for the whole
    array at once. The same as ``statsmodels``' ``confint_proportions_2indep(method="score",
    compare="ratio")``. Unlike the Katz log interval it keeps its coverage for rare outcomes in
    small groups (Katz covers 98% or more at 5 of 100 against 5 of 100; see ``docs/metrics.md``).
    A numerator of 0 gives a lower bound of 0, a reference numerator of 0 an upper bound of
    ``inf``; two rates of 1 still give an interval of positive width (3 of 3 against 3 of 3:
    about 0.39 to 2.5). When the effective ``N`` is at most 2 the factor ``N/(N-1)`` is taken
    as 2.

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
    >>> low, high = score_ratio_interval(15, 100, 10, 100)
    >>> round(low, 4), round(high, 4)
    (0.721, 3.1437)
    """
    return _ratio_interval(score_ratio_arrays, x1, n1, x2, n2, confidence)


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


def _ratio_interval(
    arrays: Callable[..., tuple[np.ndarray, np.ndarray]],
    x1: float,
    n1: float,
    x2: float,
    n2: float,
    confidence: float,
) -> tuple[float, float] | None:
    """A ratio interval by its array formula; ``None`` where the ratio is undefined (a
    denominator of 0, or both numerators 0)."""
    if n1 <= 0 or n2 <= 0 or (x1 == 0 and x2 == 0):
        return None
    if not 0 < confidence < 1:
        raise ValueError(BAD_CONFIDENCE.format(confidence=confidence))
    return _one(arrays, x1, n1, x2, n2, confidence=confidence)


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


def _score_statistic(
    log_ratio: np.ndarray, x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray
) -> np.ndarray:
    """The Miettinen-Nurminen ``Z(R)`` at ``R = exp(log_ratio)`` (0 where it is 0/0)."""
    r = np.exp(log_ratio)
    total = n1 + n2
    b = n1 * r + x1 + n2 + x2 * r  # minus the linear coefficient
    c = x1 + x2
    disc = np.sqrt(np.maximum(b * b - 4 * total * r * c, 0.0))
    p2 = 2 * c / (b + disc)  # the smaller root, without cancellation
    p1 = np.minimum(r * p2, 1.0)
    variance = (p1 * (1 - p1) / n1 + r * r * p2 * (1 - p2) / n2) * (
        total / np.maximum(total - 1, total / 2)
    )
    return np.nan_to_num((x1 / n1 - r * x2 / n2) / np.sqrt(variance), nan=0.0)


#: Bisection on log R over [-_SCORE_SPAN, _SCORE_SPAN]: 50 halvings give about 1e-13 in log R.
_SCORE_SPAN = 50.0
_SCORE_STEPS = 50


def score_ratio_arrays(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`score_ratio_interval` for arrays; ``NaN`` bounds where that returns ``None``."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    defined = (n1 > 0) & (n2 > 0) & ~((x1 == 0) & (x2 == 0))
    low, high = np.full(x1.shape, np.nan), np.full(x1.shape, np.nan)
    if not defined.any():
        return low, high
    a1, b1, a2, b2 = x1[defined], n1[defined], x2[defined], n2[defined]
    z = _z(confidence)
    bounds = []
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for target in (z, -z):  # Z(R) decreases with R: low solves Z = z, high Z = -z
            left = np.full(a1.shape, -_SCORE_SPAN)
            right = np.full(a1.shape, _SCORE_SPAN)
            for _ in range(_SCORE_STEPS):
                mid = (left + right) / 2
                above = _score_statistic(mid, a1, b1, a2, b2) > target
                left, right = np.where(above, mid, left), np.where(above, right, mid)
            bounds.append(np.exp((left + right) / 2))
    low[defined] = np.where(a1 == 0, 0.0, bounds[0])
    high[defined] = np.where(a2 == 0, np.inf, bounds[1])
    return low, high


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


# -- the absolute value of a normal mean ---------------------------------------------------------

#: The folded construction equals the plain one ``t ± z`` to double precision once ``μ - z`` is
#: this many standard errors from parity (the other fold's mass is below ``Φ(-8)``): for the
#: upper bound when ``t >= 4``, for the lower bound when ``t >= 2z + 4``.
_FOLD_PLAIN_BEYOND = 4.0
#: Safeguarded Newton steps (quadratic convergence from a bracket about 0.3 wide).
_FOLD_STEPS = 12


def _fold_miss_high(mu: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the upper bound: ``P_mu(|X| outside [mu - z, mu + z])`` with ``z = mu - t``
    (``mu >= t >= 0``), and its derivative in ``mu`` (negative)."""
    ndtr, pdf = special.ndtr, _pdf
    miss = 2 * ndtr(t - mu) + ndtr(t - 3 * mu) - ndtr(-t - mu)
    slope = -2 * pdf(t - mu) - 3 * pdf(t - 3 * mu) + pdf(t + mu)
    return miss, slope


def _fold_miss_low(mu: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the lower bound: ``P_mu(|X| outside [max(0, mu - z), mu + z])`` with ``z = t - mu``
    (``0 <= mu <= t``), and its derivative in ``mu`` (positive)."""
    ndtr, pdf = special.ndtr, _pdf
    inner = mu > t / 2  # mu > z: the region's lower end is above 0
    miss = ndtr(mu - t) + ndtr(-mu - t) + np.where(inner, ndtr(mu - t) - ndtr(t - 3 * mu), 0.0)
    slope = pdf(mu - t) - pdf(mu + t) + np.where(inner, pdf(mu - t) + 3 * pdf(t - 3 * mu), 0.0)
    return miss, slope


def _pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def _solve(
    miss: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    t: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    alpha: float,
    rising: bool,
) -> np.ndarray:
    """The root of ``miss(mu, t) = alpha`` in ``[left, right]`` (``miss`` monotone: rising or
    falling in ``mu``, and mostly convex), by Newton's method kept inside a shrinking bracket
    (bisection when a step would leave it). It starts at the end from which Newton's steps on a
    convex function approach the root without crossing it: the right end when ``miss`` rises,
    the left when it falls."""
    mu = right.copy() if rising else left.copy()
    for _ in range(_FOLD_STEPS):
        value, slope = miss(mu, t)
        excess = value - alpha
        below = excess < 0 if rising else excess > 0  # the root lies above mu
        left, right = np.where(below, mu, left), np.where(below, right, mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = mu - excess / slope
        inside = (step >= left) & (step <= right)
        mu = np.where(inside, step, (left + right) / 2)
    return mu


def folded_normal_arrays(
    t: np.ndarray, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for ``|θ|`` from ``|θ̂| = t`` when ``θ̂ ~ N(θ, 1)`` (standard-error units).

    Folding the usual interval ``θ̂ ± z`` at 0 covers ``|θ|`` with probability up to
    ``1 - α/2`` near parity (at about one standard error from 0 the upper bound cannot miss).
    This is the Neyman construction with exact coverage ``confidence`` at every ``|θ| = μ``: the
    acceptance region of ``μ`` is ``max(0, μ - z(μ)) <= |θ̂| <= μ + z(μ)``, with ``z(μ)`` chosen
    so that it holds ``|θ̂|`` with probability exactly ``confidence``. ``z(0)`` is the usual
    two-sided quantile, so the lower bound is 0 exactly when ``t`` is at most that quantile (the
    two-sided interval of ``θ`` holds 0); ``z(μ)`` falls to the one-sided quantile at
    ``μ = z(μ)`` and returns to the two-sided one far from 0, where the interval is ``t ± z``.
    Each bound is the root of one monotone equation, found by bisection over the whole array.

    Parameters
    ----------
    t : ndarray
        Observed absolute estimates in standard-error units, non-negative.
    confidence : float, keyword-only
        Coverage, default 0.95.

    Returns
    -------
    tuple of ndarray
        ``(low, high)``, with ``0 <= low <= t < high``.

    Examples
    --------
    >>> low, high = folded_normal_arrays(np.array([0.0, 3.0]))
    >>> [round(float(v), 3) for v in low], [round(float(v), 3) for v in high]
    ([0.0, 1.355], [1.645, 4.96])
    """
    t = np.asarray(t, dtype=np.float64)
    z = _z(confidence)
    z1 = float(special.ndtri(confidence))  # the one-sided quantile: the least z(mu)
    alpha = 1 - confidence
    low = np.maximum(t - z, 0.0)
    high = t + z
    near = np.flatnonzero((t > z) & (t < 2 * z + _FOLD_PLAIN_BEYOND))
    if len(near):  # low: mu + z(mu) = t, in [t - z, t - z1]
        tn = t.flat[near]
        low.flat[near] = _solve(_fold_miss_low, tn, tn - z, tn - z1, alpha, rising=True)
    near = np.flatnonzero(t < _FOLD_PLAIN_BEYOND)
    if len(near):  # high: mu - z(mu) = t, in [t + z1, t + z]
        tn = t.flat[near]
        high.flat[near] = _solve(_fold_miss_high, tn, tn + z1, tn + z, alpha, rising=False)
    return low, high


#: Grid points of the interpolated folded bounds, per bound and confidence.
_FOLD_GRID = 2049


@functools.lru_cache(maxsize=512)
def _fold_grid(confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`folded_normal_arrays` on grids of ``t``: for the lower bound over ``[z, 2z + 4]``
    (denser near ``z``, where it rises steeply from 0), for the upper over ``[0, 4]``."""
    z = _z(confidence)
    s = np.linspace(0.0, 1.0, _FOLD_GRID)
    t_low = z + (z + _FOLD_PLAIN_BEYOND) * s**3
    t_high = _FOLD_PLAIN_BEYOND * s
    low, _ = folded_normal_arrays(t_low, confidence=confidence)
    _, high = folded_normal_arrays(t_high, confidence=confidence)
    return t_low, low, t_high, high


def folded_normal_fast(t: np.ndarray, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """:func:`folded_normal_arrays` by linear interpolation in a grid cached per confidence
    (the summaries call it for many pairs and a few confidences). Within about 1e-5 standard
    errors of it; the lower bound is exactly 0 up to ``t = z`` and both bounds are exactly
    ``t ± z`` where the fold no longer matters, and ``low <= t <= high`` always."""
    t = np.asarray(t, dtype=np.float64)
    z = _z(confidence)
    t_low, low_grid, t_high, high_grid = _fold_grid(confidence)
    low = np.where(t <= z, 0.0, t - z)
    fold = (t > z) & (t < 2 * z + _FOLD_PLAIN_BEYOND)
    if fold.any():
        low[fold] = np.interp(t[fold], t_low, low_grid)
    high = t + z
    fold = t < _FOLD_PLAIN_BEYOND
    if fold.any():
        high[fold] = np.interp(t[fold], t_high, high_grid)
    return np.minimum(low, t), np.maximum(high, t)


# -- the range of independent normal means (Tukey) ----------------------------------------------

#: Quadrature grid for the distribution of the range of standard normals.
_RANGE_GRID = np.linspace(-9.0, 9.0, 3601)


@functools.lru_cache(maxsize=256)
def studentized_range_quantile(groups: int, confidence: float) -> float:
    """The ``confidence`` quantile of the range of ``groups`` independent standard normals
    (Tukey's studentized range with infinite degrees of freedom).

    ``P(range <= w) = k ∫ φ(x) (Φ(x + w) - Φ(x))^(k-1) dx``, integrated on a fixed grid and
    inverted by bisection (the same as ``scipy.stats.studentized_range.ppf(confidence, k,
    inf)`` to about 1e-6, without importing ``scipy.stats``). Divided by ``√2`` it is the
    critical value that holds every pairwise difference of ``k`` means at once (Tukey-Kramer,
    conservative for unequal variances: Hayter 1984).

    Examples
    --------
    >>> round(studentized_range_quantile(3, 0.95), 3)
    3.314
    """
    if groups < 2:
        raise ValueError(f"groups must be at least 2, got {groups!r}.")
    x = _RANGE_GRID
    density = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    step = x[1] - x[0]

    def probability(w: float) -> float:
        inside = special.ndtr(x + w) - special.ndtr(x)
        return float(groups * np.sum(density * inside ** (groups - 1)) * step)

    left, right = 0.0, 12.0
    for _ in range(60):
        mid = (left + right) / 2
        if probability(mid) < confidence:
            left = mid
        else:
            right = mid
    return (left + right) / 2
