"""Significance tests on rates and the multiple-comparison corrections across an audit.

Every test works on the metric's true denominator: a false positive rate is compared among label
negatives, a false negative rate among label positives, a precision among predicted positives.
Weighted counts are rounded to whole numbers for the exact test (see ``docs/metrics.md``).

Only ``scipy.special`` is imported: the normal tail is ``ndtr``, the chi-square survival function
``chdtrc`` and Fisher's exact test follows ``scipy.stats.fisher_exact`` step by step on the same
hypergeometric functions, so the p-values equal scipy.stats' without importing it (about 0.4 s).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence

import numpy as np
from scipy import special

try:  # the Boost hypergeometric functions behind scipy.stats.hypergeom (scipy >= 1.11)
    from scipy.special._ufuncs import _hypergeom_cdf, _hypergeom_pmf, _hypergeom_sf
except ImportError:  # pragma: no cover - other scipy versions: use scipy.stats itself
    _hypergeom_cdf = _hypergeom_pmf = _hypergeom_sf = None

#: Use Fisher's exact test when any expected cell of the 2×2 table is below this.
FISHER_BELOW = 5

FISHER = "fisher_exact"
Z_TEST = "two_proportion_z"
CHI_SQUARE = "chi_square"

CORRECTIONS = ("bh", "holm", "none")

BAD_CORRECTION = "correction must be one of 'bh', 'holm', 'none', got {value!r}."
BAD_P_VALUE = "p-values must lie in [0, 1]; position {index} holds {value!r}."


def two_proportion_test(x1: float, n1: float, x2: float, n2: float) -> tuple[float, str] | None:
    """Two-sided test that two independent proportions ``x1/n1`` and ``x2/n2`` are equal.

    On the 2×2 table ``[[x1, n1-x1], [x2, n2-x2]]``: Fisher's exact test when any expected cell
    (row total × column total / grand total) is below ``FISHER_BELOW`` (5), otherwise the pooled
    two-proportion z test, ``z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))`` with
    ``p = (x1+x2)/(n1+n2)`` (the p-value of Pearson's chi-square without continuity correction).

    A small p-value means rates this far apart would be unlikely if the true rates were equal;
    a p-value of 1 means no evidence of a difference.

    Parameters
    ----------
    x1, n1 : float
        Numerator and denominator of the first rate.
    x2, n2 : float
        Numerator and denominator of the second rate.

    Returns
    -------
    tuple or None
        ``(p_value, test)`` with ``test`` ``"fisher_exact"`` or ``"two_proportion_z"``; ``None``
        when a denominator is 0 (nothing to test).

    Examples
    --------
    >>> p, test = two_proportion_test(3, 10, 9, 10)
    >>> test, round(p, 4)
    ('fisher_exact', 0.0198)
    """
    if n1 <= 0 or n2 <= 0:
        return None
    total = n1 + n2
    successes = x1 + x2
    failures = total - successes
    expected_min = min(n1, n2) * min(successes, failures) / total
    if expected_min < FISHER_BELOW:
        table = np.rint([[x1, n1 - x1], [x2, n2 - x2]]).astype(np.int64)
        return fisher_exact_p(*(int(v) for v in table.ravel())), FISHER
    p1, p2, pooled = x1 / n1, x2 / n2, successes / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se
    return float(2 * special.ndtr(-abs(z))), Z_TEST


def chi_square_omnibus(
    numerators: Sequence[float], denominators: Sequence[float]
) -> tuple[float, int, float] | None:
    """Chi-square test that a rate is the same in every group of an attribute.

    The contingency table has one row per group, ``[numerator, denominator - numerator]``; groups
    with a zero denominator are left out. Pearson's statistic as ``scipy.stats.chi2_contingency``
    computes it (with Yates' correction when the table is 2×2, scipy's default), and its p-value
    from the chi-square survival function (``scipy.special.chdtrc``).

    Parameters
    ----------
    numerators, denominators : sequence of float
        One rate per group.

    Returns
    -------
    tuple or None
        ``(statistic, degrees_of_freedom, p_value)``; ``None`` when fewer than two groups have a
        denominator or when every group has the same all-or-nothing rate (a column of zeros).

    Examples
    --------
    >>> stat, dof, p = chi_square_omnibus([10, 20, 30], [100, 100, 100])
    >>> dof, round(p, 4)
    (2, 0.0019)
    """
    x = np.asarray([float(v) for v in numerators], dtype=np.float64)
    n = np.asarray([float(v) for v in denominators], dtype=np.float64)
    if len(x) != len(n):
        raise ValueError("numerators and denominators must have the same length.")
    statistic, dof = chi_square_statistic(x, n)
    if dof == 0:
        return None
    return statistic, dof, float(special.chdtrc(dof, statistic))


def adjust_p_values(p_values: Sequence[float], *, method: str = "bh") -> list[float]:
    """Adjust p-values for multiple comparisons.

    ``"bh"``: Benjamini-Hochberg step-up, controlling the false discovery rate:
    ``p_(i) · m / i`` made monotone from the largest down. ``"holm"``: Holm step-down, controlling
    the family-wise error rate: ``(m - i + 1) · p_(i)`` made monotone from the smallest up.
    ``"none"``: returned unchanged. Adjusted values are capped at 1.

    Parameters
    ----------
    p_values : sequence of float
        Raw p-values, in any order.
    method : {"bh", "holm", "none"}, keyword-only
        The correction.

    Returns
    -------
    list of float
        Adjusted p-values in the input order.

    Raises
    ------
    ValueError
        On an unknown method or a p-value outside [0, 1].

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], method="bh")
    [0.03, 0.04, 0.04]
    >>> [round(p, 10) for p in adjust_p_values([0.01, 0.04, 0.03], method="holm")]
    [0.03, 0.06, 0.06]
    """
    if method not in CORRECTIONS:
        raise ValueError(BAD_CORRECTION.format(value=method))
    return adjust_p_array(np.asarray(p_values, dtype=float), method=method).tolist()


def adjust_p_array(p: np.ndarray, *, method: str = "bh") -> np.ndarray:
    """:func:`adjust_p_values` on a float array, returning an array."""
    if method not in CORRECTIONS:
        raise ValueError(BAD_CORRECTION.format(value=method))
    bad = np.flatnonzero(~((p >= 0) & (p <= 1)))
    if len(bad):
        raise ValueError(BAD_P_VALUE.format(index=int(bad[0]), value=float(p[bad[0]])))
    m = len(p)
    if m == 0 or method == "none":
        return p.astype(np.float64, copy=True)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    ranks = np.arange(1, m + 1)
    if method == "bh":
        adjusted = np.minimum.accumulate((ranked * m / ranks)[::-1])[::-1]
    else:
        adjusted = np.maximum.accumulate(ranked * (m - ranks + 1))
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def adjust_families(
    p: np.ndarray, family: np.ndarray, test: Sequence[Hashable], *, method: str = "bh"
) -> np.ndarray:
    """Adjust p-values family by family, each distinct test counted once in its family.

    ``family`` names each row's family and ``test`` identifies the test a row reports (rows that
    report the same test, such as a true positive rate comparison and the false negative rate
    comparison of the same two groups, share it). Within a family the distinct tests with a
    p-value (the first row's value for each) are adjusted with ``method``; every row gets its
    test's adjusted value. Rows whose p-value is ``NaN`` stay ``NaN``.

    Parameters
    ----------
    p : array of float
        Raw p-values, ``NaN`` where no test was possible.
    family : array of str
        Per row, the family's name.
    test : sequence of hashable
        Per row, a key of the test.
    method : {"bh", "holm", "none"}, keyword-only
        The correction applied within each family.

    Returns
    -------
    array of float

    Examples
    --------
    >>> p = np.array([0.01, 0.01, 0.04, 0.03])
    >>> family = np.array(["a", "a", "a", "b"], dtype=object)
    >>> adjust_families(p, family, [1, 1, 2, 3], method="bh").round(3).tolist()
    [0.02, 0.02, 0.04, 0.03]
    """
    out = np.full(len(p), np.nan)
    first: dict[tuple, int] = {}
    index = np.empty(len(p), dtype=np.int64)
    for i, (name, key) in enumerate(zip(family.tolist(), test, strict=True)):
        index[i] = first.setdefault((name, key), i)
    tested = ~np.isnan(p)
    unique = np.flatnonzero((index == np.arange(len(p))) & tested)
    names = family[unique]
    for name in dict.fromkeys(names.tolist()):
        members = unique[names == name]
        out[members] = adjust_p_array(p[members], method=method)
    return np.where(tested, out[index], np.nan)


def two_proportion_arrays(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`two_proportion_test` for arrays: ``(p_value, test)`` with ``NaN`` / ``None`` where
    a denominator is 0. The z test is vectorised; Fisher's exact test runs per table, only for
    the tables with an expected cell below ``FISHER_BELOW``."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (x1, n1, x2, n2))
    p_value = np.full(len(x1), np.nan)
    test = np.full(len(x1), None, dtype=object)
    tested = (n1 > 0) & (n2 > 0)
    total = n1 + n2
    successes = x1 + x2
    failures = total - successes
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_min = np.minimum(n1, n2) * np.minimum(successes, failures) / total
    fisher = tested & (expected_min < FISHER_BELOW)
    z_rows = tested & ~fisher
    for i in np.flatnonzero(fisher):
        table = np.rint([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]]).astype(np.int64)
        p_value[i] = fisher_exact_p(*(int(v) for v in table.ravel()))
    test[fisher] = FISHER
    if z_rows.any():
        a, b, c, d = x1[z_rows], n1[z_rows], x2[z_rows], n2[z_rows]
        pooled = successes[z_rows] / total[z_rows]
        se = np.sqrt(pooled * (1 - pooled) * (1 / b + 1 / d))
        z = (a / b - c / d) / se
        p_value[z_rows] = 2 * special.ndtr(-np.abs(z))
        test[z_rows] = Z_TEST
    return p_value, test


def chi_square_statistic(numerators: np.ndarray, denominators: np.ndarray) -> tuple[float, int]:
    """Pearson's statistic and degrees of freedom of :func:`chi_square_omnibus` without the
    p-value (``NaN, 0`` when there is nothing to test), with the same operations as
    ``scipy.stats.chi2_contingency`` (Yates' correction for a 2×2 table)."""
    numerators = np.asarray(numerators)
    denominators = np.asarray(denominators)
    keep = denominators > 0
    if keep.sum() < 2:
        return math.nan, 0
    x = numerators[keep].astype(np.float64)
    observed = np.column_stack([x, denominators[keep].astype(np.float64) - x])
    columns = observed.sum(axis=0, keepdims=True)
    if (columns == 0).any():
        return math.nan, 0
    expected = observed.sum(axis=1, keepdims=True) * columns / observed.sum()
    dof = len(observed) - 1
    if dof == 1:
        diff = expected - observed
        observed = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    return float(((observed - expected) ** 2 / expected).sum()), dof


def _pmf(k: int, total: int, successes: int, draws: int) -> float:
    """``scipy.stats.hypergeom.pmf(k, total, successes, draws)``: 0 off the support, clipped."""
    if not max(0, draws - (total - successes)) <= k <= min(successes, draws):
        return 0.0
    return min(1.0, max(0.0, float(_hypergeom_pmf(k, successes, draws, total))))


def _cdf(k: int, total: int, successes: int, draws: int) -> float:
    """``scipy.stats.hypergeom.cdf``: 0 below the support, 1 at or above its top, clipped."""
    if k >= min(successes, draws):
        return 1.0
    if k < max(0, draws - (total - successes)):
        return 0.0
    return min(1.0, max(0.0, float(_hypergeom_cdf(k, successes, draws, total))))


def _sf(k: int, total: int, successes: int, draws: int) -> float:
    """``scipy.stats.hypergeom.sf``: 1 below the support, 0 at or above its top, clipped."""
    if k < max(0, draws - (total - successes)):
        return 1.0
    if k >= min(successes, draws):
        return 0.0
    return min(1.0, max(0.0, float(_hypergeom_sf(k, successes, draws, total))))


def _search(f: Callable[[int], float], d: float, lo: int, hi: int) -> int:
    """scipy's ``_binary_search_for_binom_tst``: ``i`` in ``[lo, hi]`` with ``f(i) <= d < f(i+1)``
    (``f`` ascending on the range)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = f(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if f(lo) <= d else lo - 1


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on ``[[a, b], [c, d]]`` (non-negative integers).

    The steps of ``scipy.stats.fisher_exact(table).pvalue`` (minimum-likelihood two-sided
    p-value: the probability of every table no more likely than the observed one, tables within a
    relative 1e-14 of it counting as equally likely) on the same Boost hypergeometric functions,
    so the value is identical, without importing ``scipy.stats``.
    """
    if _hypergeom_pmf is None:  # pragma: no cover - scipy without the private ufuncs
        from scipy.stats import fisher_exact

        return float(fisher_exact([[a, b], [c, d]]).pvalue)
    n1, n2, n = a + b, c + d, a + c
    if 0 in (n1, n2, n, b + d):
        return 1.0
    total = n1 + n2

    def pmf(x: int) -> float:
        return _pmf(x, total, n1, n)

    mode = int((n + 1) * (n1 + 1) / (n1 + n2 + 2))
    pexact, pmode = pmf(a), pmf(mode)
    epsilon = 1e-14
    gamma = 1 + epsilon
    if abs(pexact - pmode) / max(pexact, pmode) <= epsilon:
        return 1.0
    if a < mode:
        plower = _cdf(a, total, n1, n)
        if pmf(n) > pexact * gamma:
            return min(plower, 1.0)
        guess = _search(lambda x: -pmf(x), -pexact * gamma, mode, n)
        pvalue = plower + _sf(guess, total, n1, n)
    else:
        pupper = _sf(a - 1, total, n1, n)
        if pmf(0) > pexact * gamma:
            return min(pupper, 1.0)
        guess = _search(pmf, pexact * gamma, 0, mode)
        pvalue = pupper + _cdf(guess, total, n1, n)
    return min(pvalue, 1.0)
