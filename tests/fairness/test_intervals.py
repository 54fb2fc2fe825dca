"""Intervals match scipy and textbook worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fairness import (
    clopper_pearson_interval,
    katz_ratio_interval,
    newcombe_difference_interval,
    rate_interval,
    wilson_interval,
)
from fairness._intervals import (
    BAD_SUCCESSES,
    BAD_TRIALS,
    CLOPPER_PEARSON,
    WILSON,
    katz_ratio_arrays,
    newcombe_difference_arrays,
    rate_interval_arrays,
)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 20), (81, 263), (500, 1000), (30, 30)])
def test_wilson_matches_scipy(k, n):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (2, 200)])
def test_clopper_pearson_matches_scipy_exact(k, n):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.9, method="exact")
    low, high = clopper_pearson_interval(k, n, confidence=0.9)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_rate_interval_uses_exact_method_only_for_tiny_counts():
    assert rate_interval(4, 100)[2] == CLOPPER_PEARSON
    assert rate_interval(96, 100)[2] == CLOPPER_PEARSON
    assert rate_interval(5, 100)[2] == WILSON


# Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
    ],
)
def test_newcombe_matches_newcombe_1998_worked_examples(x1, n1, x2, n2, low, high):
    got = newcombe_difference_interval(x1, n1, x2, n2)
    assert got[0] == pytest.approx(low, abs=5e-5)
    assert got[1] == pytest.approx(high, abs=5e-5)


def test_katz_matches_hand_computation():
    # RR = (15/100)/(10/100) = 1.5; SE(ln RR) = sqrt(1/15 - 1/100 + 1/10 - 1/100) = 0.382971
    se = math.sqrt(1 / 15 - 1 / 100 + 1 / 10 - 1 / 100)
    z = 1.959963984540054
    low, high = katz_ratio_interval(15, 100, 10, 100)
    assert low == pytest.approx(1.5 * math.exp(-z * se), rel=1e-12)
    assert high == pytest.approx(1.5 * math.exp(z * se), rel=1e-12)
    assert (round(low, 4), round(high, 4)) == (0.7081, 3.1774)


def test_katz_is_symmetric_under_inversion_and_corrects_zero_cells():
    low, high = katz_ratio_interval(20, 80, 30, 90)
    inv_low, inv_high = katz_ratio_interval(30, 90, 20, 80)
    assert inv_low == pytest.approx(1 / high) and inv_high == pytest.approx(1 / low)
    zero = katz_ratio_interval(0, 50, 10, 50)
    assert zero is not None and zero[0] > 0 and zero[1] < 1
    assert katz_ratio_interval(0, 50, 0, 50) is None
    assert katz_ratio_interval(1, 0, 1, 5) is None


def test_bad_counts_raise_clear_errors():
    with pytest.raises(ValueError, match=BAD_TRIALS.format(trials=0).replace("(", r"\(")):
        wilson_interval(0, 0)
    with pytest.raises(ValueError) as info:
        wilson_interval(5, 3)
    assert str(info.value) == BAD_SUCCESSES.format(trials=3, successes=5)


def test_array_versions_equal_the_scalar_functions():
    rng = np.random.default_rng(0)
    n = np.concatenate([rng.integers(1, 60, 300), rng.uniform(0.5, 500, 100), [0, 0]])
    x = np.floor(rng.random(len(n)) * (n + 1)).clip(0, n)
    x[:20] = 0
    x[20:40] = n[20:40]
    low, high, method = rate_interval_arrays(x, n, confidence=0.9)
    for i in range(len(n)):
        if n[i] == 0:
            assert np.isnan(low[i]) and np.isnan(high[i]) and method[i] is None
        else:
            assert (low[i], high[i], method[i]) == rate_interval(x[i], n[i], confidence=0.9)
    x2, n2 = x[::-1].copy(), n[::-1].copy()
    k_low, k_high = katz_ratio_arrays(x, n, x2, n2)
    ok = (n > 0) & (n2 > 0)
    d_low, d_high = newcombe_difference_arrays(x[ok], n[ok], x2[ok], n2[ok])
    for i in range(len(n)):
        katz = katz_ratio_interval(x[i], n[i], x2[i], n2[i])
        if katz is None:
            assert np.isnan(k_low[i]) and np.isnan(k_high[i])
        else:
            assert (k_low[i], k_high[i]) == pytest.approx(katz, rel=1e-14)
    parts = zip(x[ok], n[ok], x2[ok], n2[ok], strict=True)
    expected = [newcombe_difference_interval(*v) for v in parts]
    assert list(zip(d_low, d_high, strict=True)) == expected


def test_quantiles_from_scipy_special_equal_scipy_stats_exactly():
    # the engine uses scipy.special (betaincinv, ndtri) so that scipy.stats is never imported;
    # the numbers must be those of scipy.stats.beta.ppf / norm.ppf to the last bit
    from fairness._intervals import _z, clopper_pearson_arrays

    rng = np.random.default_rng(5)
    n = np.concatenate([rng.integers(1, 10**6, 3000), rng.integers(1, 60, 3000)]).astype(float)
    x = np.minimum(rng.integers(0, 5, len(n)).astype(float), n)
    x, n = (
        np.concatenate([x, n - x, rng.uniform(0, 4, 300)]),
        np.concatenate([n, n, rng.uniform(5, 90, 300)]),
    )
    for confidence in (0.9, 0.95, 0.99):
        alpha = 1 - confidence
        low, high = clopper_pearson_arrays(x, n, confidence=confidence)
        with np.errstate(invalid="ignore"):
            expected_low = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, n - x + 1))
            expected_high = np.where(x == n, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
        assert np.array_equal(low, expected_low)
        assert np.array_equal(high, expected_high)
        assert _z(confidence) == stats.norm.ppf(0.5 + confidence / 2)
