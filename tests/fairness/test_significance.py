"""Tests and p-value corrections match scipy and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fairness import adjust_p_values, chi_square_omnibus, two_proportion_test
from fairness._significance import (
    BAD_CORRECTION,
    FISHER,
    Z_TEST,
    adjust_p_array,
    chi_square_statistic,
    two_proportion_arrays,
)


def test_small_expected_cells_use_fisher_exact():
    p, test = two_proportion_test(3, 10, 9, 10)
    assert test == FISHER
    assert p == pytest.approx(stats.fisher_exact([[3, 7], [9, 1]]).pvalue, abs=1e-15)


def test_large_counts_use_pooled_z_equal_to_uncorrected_chi_square():
    p, test = two_proportion_test(120, 400, 90, 410)
    assert test == Z_TEST
    chi = stats.chi2_contingency(np.array([[120, 280], [90, 320]]), correction=False)
    assert p == pytest.approx(chi.pvalue, rel=1e-10)


def test_zero_denominator_has_no_test():
    assert two_proportion_test(0, 0, 3, 10) is None


def test_omnibus_matches_chi2_contingency_and_skips_empty_groups():
    stat, dof, p = chi_square_omnibus([10, 20, 30, 0], [100, 100, 100, 0])
    expected = stats.chi2_contingency(np.array([[10, 90], [20, 80], [30, 70]]))
    assert (stat, dof) == (pytest.approx(expected.statistic), expected.dof)
    assert p == pytest.approx(expected.pvalue)
    assert chi_square_omnibus([0, 0], [10, 20]) is None
    assert chi_square_omnibus([3], [10]) is None


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.04, 0.04, 0.5 (m=4): p*m/rank, monotone from the top
    assert adjust_p_values([0.5, 0.03, 0.01, 0.02], method="bh") == pytest.approx(
        [0.5, 0.04, 0.04, 0.04]
    )


def test_holm_by_hand():
    # sorted 0.01, 0.02, 0.03, 0.5 -> 0.04, 0.06, 0.06, 0.5
    assert adjust_p_values([0.5, 0.03, 0.01, 0.02], method="holm") == pytest.approx(
        [0.5, 0.06, 0.04, 0.06]
    )
    assert adjust_p_values([0.9, 0.8], method="holm") == [1.0, 1.0]


def test_unknown_correction_is_refused():
    with pytest.raises(ValueError) as info:
        adjust_p_values([0.1], method="bonferroni")
    assert str(info.value) == BAD_CORRECTION.format(value="bonferroni")


def test_array_tests_equal_the_scalar_tests():
    rng = np.random.default_rng(1)
    n1, n2 = rng.integers(0, 400, 200).astype(float), rng.integers(0, 400, 200).astype(float)
    n1[:30], n2[30:60] = rng.integers(1, 12, 30), rng.integers(1, 12, 30)  # some Fisher tables
    x1, x2 = np.floor(rng.random(200) * (n1 + 1)), np.floor(rng.random(200) * (n2 + 1))
    p_value, test = two_proportion_arrays(x1, n1, x2, n2)
    for i in range(200):
        expected = two_proportion_test(x1[i], n1[i], x2[i], n2[i])
        if expected is None:
            assert np.isnan(p_value[i]) and test[i] is None
        else:
            assert (p_value[i], test[i]) == expected
    assert {FISHER, Z_TEST} <= set(test)
    p = rng.random(50)
    for method in ("bh", "holm", "none"):
        assert adjust_p_array(p, method=method).tolist() == adjust_p_values(list(p), method=method)


@pytest.mark.parametrize("groups", [2, 3, 7])
def test_chi_square_statistic_equals_chi2_contingency(groups):
    rng = np.random.default_rng(groups)
    n = rng.integers(20, 500, groups).astype(float)
    x = np.floor(rng.random(groups) * n)
    statistic, dof = chi_square_statistic(x, n)
    assert (statistic, dof, stats.chi2.sf(statistic, dof)) == chi_square_omnibus(x, n)
    assert np.isnan(chi_square_statistic(x[:1], n[:1])[0])


def _fisher_tables():
    rng = np.random.default_rng(11)
    small = [tuple(int(v) for v in t) for t in np.ndindex(6, 6, 6, 6)]
    sparse_rates = []
    for _ in range(3000):
        n1, n2 = int(rng.integers(1, 3000)), int(rng.integers(1, 300))
        p = rng.uniform(0, 0.05)
        a, c = int(rng.binomial(n1, p)), int(rng.binomial(n2, min(1.0, p * rng.uniform(0.5, 2))))
        sparse_rates.append((a, n1 - a, c, n2 - c))
    ties = []  # symmetric tables: equally likely tables on both sides of the mode
    for n1 in range(1, 30):
        for a in range(n1 + 1):
            ties += [(a, n1 - a, a, n1 - a), (a, n1 - a, n1 - a, a)]
    return small + sparse_rates + ties


def test_fisher_exact_without_scipy_stats_equals_scipy_fisher_exact():
    from fairness._significance import fisher_exact_p

    for a, b, c, d in _fisher_tables():
        expected = stats.fisher_exact([[a, b], [c, d]]).pvalue
        assert fisher_exact_p(a, b, c, d) == expected, (a, b, c, d)


def test_omnibus_equals_chi2_contingency_on_random_and_weighted_tables():
    rng = np.random.default_rng(12)
    for _ in range(1500):
        k = int(rng.integers(2, 8))
        n = rng.integers(0, 400, k).astype(float)
        x = np.floor(n * rng.random(k))
        if rng.random() < 0.3:  # weighted counts
            n = n + rng.random(k)
            x = np.minimum(n, x + rng.random(k) / 2)
        if rng.random() < 0.1:
            x[:] = 0
        rows = np.array([[a, b - a] for a, b in zip(x, n, strict=True) if b > 0])
        if len(rows) < 2 or (rows.sum(axis=0) == 0).any():
            assert chi_square_omnibus(x, n) is None
            continue
        result = stats.chi2_contingency(rows)
        expected = (float(result.statistic), int(result.dof), float(result.pvalue))
        assert chi_square_omnibus(x, n) == expected


def test_z_test_p_values_equal_scipy_stats_norm_sf_exactly():
    rng = np.random.default_rng(13)
    n1, n2 = rng.integers(50, 5000, 500).astype(float), rng.integers(50, 5000, 500).astype(float)
    x1, x2 = np.floor(n1 * rng.random(500)), np.floor(n2 * rng.random(500))
    p_value, test = two_proportion_arrays(x1, n1, x2, n2)
    z_rows = test == Z_TEST
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert z_rows.sum() > 400
    assert np.array_equal(p_value[z_rows], 2 * stats.norm.sf(np.abs(z[z_rows])))
