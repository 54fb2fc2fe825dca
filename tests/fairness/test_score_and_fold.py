"""The Miettinen-Nurminen score interval of a ratio equals statsmodels'; the folded-normal
interval of an absolute value has exact coverage (scipy.stats); both keep the engine's interval
properties (they hold the estimate, have positive width, bound rates of 0 and 1)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.proportion import confint_proportions_2indep

from fairness import score_ratio_interval
from fairness._intervals import (
    folded_normal_arrays,
    folded_normal_fast,
    katz_ratio_arrays,
    score_ratio_arrays,
)

# --- Miettinen-Nurminen score interval of a ratio -------------------------------------------


def _statsmodels(x1, n1, x2, n2, confidence=0.95):
    with np.errstate(divide="ignore", invalid="ignore"):  # its root finder at a rate of 0
        low, high = confint_proportions_2indep(
            x1, n1, x2, n2, method="score", compare="ratio", alpha=1 - confidence
        )
    return float(np.real(low)), float(np.real(high))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2"),
    [
        (15, 100, 10, 100),
        (5, 100, 5, 100),
        (300, 1000, 500, 1000),
        (50, 160, 15, 25),  # the review's LL144 case, group C against the small reference E
        (1, 2, 1, 3),
        (0.5, 1.2, 0.3, 0.9),  # weighted (effective) counts
        (1, 100_000, 50, 100_000),
        (99_999, 100_000, 1, 100_000),
    ],
)
def test_score_ratio_interval_equals_statsmodels(x1, n1, x2, n2):
    for confidence in (0.9, 0.95, 0.999):
        ours = score_ratio_interval(x1, n1, x2, n2, confidence=confidence)
        assert ours == pytest.approx(_statsmodels(x1, n1, x2, n2, confidence), rel=1e-9)


def test_score_ratio_arrays_equal_statsmodels_on_random_tables():
    rng = np.random.default_rng(12)
    n1, n2 = rng.integers(2, 400, 300), rng.integers(2, 400, 300)
    x1 = rng.binomial(n1, rng.uniform(0.01, 0.99, 300))
    x2 = rng.binomial(n2, rng.uniform(0.01, 0.99, 300))
    keep = (x1 > 0) & (x2 > 0) & (x1 < n1) & (x2 < n2)  # statsmodels' roots fail at 0 and n
    low, high = score_ratio_arrays(x1, n1, x2, n2)
    for i in np.flatnonzero(keep):
        expected = _statsmodels(x1[i], n1[i], x2[i], n2[i])
        assert (low[i], high[i]) == pytest.approx(expected, rel=1e-8)


def test_score_interval_bounds_rates_of_0_and_1_with_positive_width():
    # a numerator of 0: from 0; a reference of 0: up to inf (its upper bound is open)
    assert score_ratio_interval(0, 50, 10, 50) == pytest.approx(
        (0.0, _statsmodels(0, 50, 10, 50)[1]), abs=1e-12
    )
    low, high = score_ratio_interval(10, 50, 0, 50)
    assert low == pytest.approx(_statsmodels(10, 50, 0, 50)[0]) and high == np.inf
    assert score_ratio_interval(0, 50, 0, 50) is None
    assert score_ratio_interval(3, 0, 1, 5) is None
    # 3/3 vs 3/3 (review's defect 7): statsmodels' root finder returns 1 as the lower bound
    # here; solving |Z(R)| = z by hand: for R < 1 the constrained rates are (R, 1) and
    # Z = (1 - R) / sqrt(R (1 - R) / 3 * 6/5), so R = 3 / (3 + 1.2 z²); for R > 1, R = 1 + 0.4 z²
    z = stats.norm.ppf(0.975)
    low, high = score_ratio_interval(3, 3, 3, 3)
    assert low == pytest.approx(3 / (3 + 1.2 * z * z), rel=1e-10)
    assert high == pytest.approx(1 + 0.4 * z * z, rel=1e-10)


def test_score_interval_holds_the_estimate_and_is_symmetric_under_inversion():
    rng = np.random.default_rng(4)
    n1, n2 = rng.integers(1, 80, 500), rng.integers(1, 80, 500)
    x1, x2 = np.floor(rng.random(500) * (n1 + 1)), np.floor(rng.random(500) * (n2 + 1))
    low, high = score_ratio_arrays(x1, n1, x2, n2)
    inv_low, _ = score_ratio_arrays(x2, n2, x1, n1)
    defined = ~((x1 == 0) & (x2 == 0))
    assert np.isnan(low[~defined]).all() and np.isnan(high[~defined]).all()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (x1 / n1) / (x2 / n2)
        assert (low[defined] <= ratio[defined] * (1 + 1e-12)).all()
        assert (ratio[defined] <= high[defined] * (1 + 1e-12)).all()
        assert (low[defined] < high[defined]).all()
        assert np.allclose(1 / high[defined], inv_low[defined], rtol=1e-9)


def test_score_interval_covers_rare_outcomes_in_small_groups_where_katz_does_not():
    # 5 of 100 against 5 of 100: Katz covers 98%, the score interval 95-96% (docs/metrics.md)
    rng = np.random.default_rng(2026)
    x1, x2 = rng.binomial(100, 0.05, 4000), rng.binomial(100, 0.05, 4000)
    n = np.full(4000, 100)
    defined = ~((x1 == 0) & (x2 == 0))
    low, high = score_ratio_arrays(x1, n, x2, n)
    k_low, k_high = katz_ratio_arrays(x1, n, x2, n)
    score = ((low <= 1) & (high >= 1))[defined].mean()
    katz = ((k_low <= 1) & (k_high >= 1))[defined].mean()
    assert 0.94 <= score <= 0.97 < katz


# --- the interval of an absolute value ------------------------------------------------------


def _reference_fold(t, confidence):
    """Both bounds by scipy's brentq on the coverage of the acceptance region."""
    norm = stats.norm

    def coverage(mu, z):
        extra = max(0.0, norm.cdf(-z) - norm.cdf(z - 2 * mu))
        return norm.cdf(z) - norm.cdf(-2 * mu - z) - extra

    z = norm.ppf(0.5 + confidence / 2)
    low = 0.0
    if t > z:
        low = optimize.brentq(lambda m: coverage(m, t - m) - confidence, t - z, t, xtol=1e-15)
    high = optimize.brentq(lambda m: coverage(m, m - t) - confidence, t, t + z, xtol=1e-15)
    return low, high


@pytest.mark.parametrize("confidence", [0.95, 0.99, 1 - 0.05 / 45])
def test_folded_interval_equals_the_neyman_construction_solved_by_scipy(confidence):
    z = stats.norm.ppf(0.5 + confidence / 2)
    t = np.concatenate([np.linspace(0, 14, 141), [z + 0.01, z + 0.1]])
    low, high = folded_normal_arrays(t, confidence=confidence)
    expected = np.array([_reference_fold(v, confidence) for v in t])
    assert low == pytest.approx(expected[:, 0], abs=1e-9)
    assert high == pytest.approx(expected[:, 1], abs=1e-9)
    fast_low, fast_high = folded_normal_fast(t, confidence=confidence)
    assert fast_low == pytest.approx(low, abs=1e-3)
    assert fast_high == pytest.approx(high, abs=1e-4)


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_folded_interval_has_exact_coverage_at_every_distance_from_parity(confidence):
    # P(mu in [low(|X|), high(|X|)]) for X ~ N(mu, 1), integrated on a fine grid
    x = np.linspace(-16, 16, 320_001)
    low, high = folded_normal_arrays(np.abs(x), confidence=confidence)
    for mu in (0.0, 0.5, 1.0, 1.645, 2.0, 3.0, 6.0):
        covered = (low <= mu) & (mu <= high)
        probability = float(np.trapezoid(stats.norm.pdf(x, mu) * covered, x))
        assert probability == pytest.approx(confidence, abs=2e-4)


def test_folded_interval_reaches_0_exactly_when_the_two_sided_interval_holds_0():
    z = stats.norm.ppf(0.975)
    low, high = folded_normal_arrays(np.array([0.0, 1.0, z, z + 1e-6, 3.0, 9.0]))
    assert (low[:3] == 0).all() and (low[3:] > 0).all()
    # at parity only the upper tail can miss: about the one-sided quantile (Φ(-μ) + Φ(-3μ) = α)
    one_sided = optimize.brentq(lambda m: stats.norm.sf(m) + stats.norm.sf(3 * m) - 0.05, 1, 3)
    assert high[0] == pytest.approx(one_sided, abs=1e-9)
    assert high[0] == pytest.approx(stats.norm.ppf(0.95), abs=1e-5)
    assert low[-1] == pytest.approx(9 - z) and high[-1] == pytest.approx(9 + z)  # plain far off
    assert (low <= [0, 1, z, z + 1e-6, 3, 9]).all() and (high > [0, 1, z, z + 1e-6, 3, 9]).all()
