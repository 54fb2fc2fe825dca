"""Between-group summaries: values equal fairlearn's; simultaneous pairwise intervals reach parity,
hold their point estimate, leave out groups with too little data, and cover (regressions of the
review's defects 3 and 4)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from scipy import stats

from fairness import CellTable, audit_counts, newcombe_difference_interval
from fairness._intervals import folded_normal_arrays
from tests.fairness.celltables import cell_table


def _data(seed=3, n=3000):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n)
    race = rng.choice(["a", "b", "c"], n)
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(sex == "f", 0.3, 0.5)).astype(int)
    return {"sex": list(sex), "race": list(race)}, y_true, y_pred


def _summaries(report):
    return {(r["attribute"], r["summary"]): r for r in report.to_dict()["summaries"]}


def _confusion(rows, **spec):
    frame = pd.DataFrame(rows, columns=["g", "tp", "fp", "tn", "fn"])
    return _summaries(audit_counts(CellTable(("g",), frame, has_labels=True), **spec))


def _selection(rows, **spec):
    frame = pd.DataFrame(rows, columns=["g", "pp", "pn"])
    return _summaries(audit_counts(CellTable(("g",), frame, has_labels=False), **spec))


def test_summary_values_equal_fairlearn_on_raw_rows():
    sensitive, y_true, y_pred = _data()
    report = audit_counts(cell_table(sensitive, y_pred, y_true))
    rows = _summaries(report)
    expected = {
        "demographic_parity_difference": flm.demographic_parity_difference,
        "demographic_parity_ratio": flm.demographic_parity_ratio,
        "equalized_odds_difference": flm.equalized_odds_difference,
        "equalized_odds_ratio": flm.equalized_odds_ratio,
        "equal_opportunity_difference": flm.equal_opportunity_difference,
        "equal_opportunity_ratio": flm.equal_opportunity_ratio,
    }
    for attribute in ("sex", "race"):
        for name, function in expected.items():
            value = function(y_true, y_pred, sensitive_features=sensitive[attribute])
            assert rows[(attribute, name)]["value"] == pytest.approx(value, abs=1e-11), name
    intersection = [f"{s} & {r}" for s, r in zip(sensitive["sex"], sensitive["race"], strict=True)]
    value = flm.demographic_parity_difference(y_true, y_pred, sensitive_features=intersection)
    assert rows[("sex & race", "demographic_parity_difference")]["value"] == pytest.approx(value)


def test_interval_holds_the_point_is_analytic_and_ignores_seed_and_replicates():
    sensitive, y_true, y_pred = _data()
    table = cell_table(sensitive, y_pred, y_true)
    first = _summaries(audit_counts(table, seed=7, bootstrap_replicates=500))
    other = _summaries(audit_counts(table, seed=8, bootstrap_replicates=0))
    assert first == other
    for row in first.values():
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
        assert row["ci_low"] < row["ci_high"]
        assert row["replicates"] == 0
        # every cell is 30 or more: the ratio pairs are Katz's
        expected = "simultaneous_newcombe" if row["kind"] == "difference" else "simultaneous_katz"
        assert row["method"] == expected


def test_two_groups_give_the_folded_newcombe_interval_of_the_pair():
    rows = _selection([["a", 620, 1380], ["b", 600, 1400]])
    row = rows[("g", "selection_rate_difference")]
    low, high = newcombe_difference_interval(620, 2000, 600, 2000)
    assert low < 0 < high
    assert row["value"] == pytest.approx(0.01)
    assert row["ci_low"] == 0.0  # reaches parity: the pair is compatible with equal rates
    # the upper bound of |p1 - p2|: the folded-normal bound in the pair's upper standard error
    se = (high - 0.01) / stats.norm.ppf(0.975)
    expected = folded_normal_arrays(np.array([0.01 / se]))[1][0] * se
    assert row["ci_high"] == pytest.approx(expected, abs=1e-5)
    assert 0.01 < row["ci_high"] < max(high, -low)  # the plain fold covered up to 97.5%
    ratio = rows[("g", "selection_rate_ratio")]
    assert ratio["ci_high"] == 1.0 and ratio["ci_low"] < ratio["value"] < 1.0


def test_ratio_bounds_are_scipys_katz_interval_for_two_groups():
    from scipy.stats.contingency import relative_risk

    rows = _selection([["a", 300, 700], ["b", 500, 500]])
    row = rows[("g", "selection_rate_ratio")]
    expected = relative_risk(300, 1000, 500, 1000).confidence_interval(0.95)
    assert row["value"] == pytest.approx(0.6)
    assert row["ci_low"] == pytest.approx(expected.low, rel=1e-9)
    assert row["ci_high"] == pytest.approx(expected.high, rel=1e-9)


def test_defect_3_two_groups_at_parity_p_0_3_n_2000_cover_in_200_simulations():
    # review: percentile bootstrap of max-min covered parity 0.00 of the time (Newcombe: 0.94)
    rng = np.random.default_rng(2026)
    covered_difference = covered_ratio = 0
    for _ in range(200):
        a, b = rng.binomial(2000, 0.3, size=2)
        rows = _selection([["a", a, 2000 - a], ["b", b, 2000 - b]])
        difference = rows[("g", "selection_rate_difference")]
        ratio = rows[("g", "selection_rate_ratio")]
        covered_difference += difference["ci_low"] <= 0.0 <= difference["ci_high"]
        covered_ratio += ratio["ci_low"] <= 1.0 <= ratio["ci_high"]
    assert 0.91 <= covered_difference / 200 <= 0.99
    assert 0.91 <= covered_ratio / 200 <= 0.99


def test_defect_3_the_interval_holds_its_point_estimate_when_a_rate_is_0():
    rows = _selection([["a", 0, 40], ["b", 12, 28], ["c", 15, 25]])
    ratio = rows[("g", "selection_rate_ratio")]
    assert ratio["value"] == 0.0
    assert ratio["ci_low"] == 0.0 < ratio["ci_high"] < 1.0
    difference = rows[("g", "selection_rate_difference")]
    assert difference["ci_low"] < difference["value"] == 0.375 < difference["ci_high"]


def test_defect_4_a_group_below_min_denominator_is_left_out_of_summaries():
    # [30, 1, 0, 9] has one label negative: its FPR (1/1) must not enter FPR summaries
    rows = [["small", 30, 1, 0, 9], ["b", 400, 100, 900, 600], ["c", 420, 100, 880, 600]]
    default = _confusion(rows)
    fpr = default[("g", "false_positive_rate_difference")]
    assert fpr["groups_compared"] == 2
    assert fpr["value"] == pytest.approx(100 / 980 - 100 / 1000)
    assert default[("g", "true_positive_rate_difference")]["groups_compared"] == 3
    assert default[("g", "equalized_odds_difference")]["groups_compared"] == 2


def test_defect_4_with_min_denominator_1_the_one_negative_gives_a_wide_analytic_interval():
    rows = [["small", 30, 1, 0, 9], ["b", 400, 100, 900, 600], ["c", 420, 100, 880, 600]]
    first = _confusion(rows, min_denominator=1, seed=1)
    again = _confusion(rows, min_denominator=1, seed=2)
    row = first[("g", "false_positive_rate_difference")]
    assert row == again[("g", "false_positive_rate_difference")]
    assert row["groups_compared"] == 3
    assert row["value"] == pytest.approx(0.9)
    # one label negative says little: the interval reaches far below 0.9 and holds it
    assert row["ci_low"] < 0.2 and row["ci_low"] <= 0.9 <= row["ci_high"]


def test_summary_needs_two_groups_with_a_denominator():
    # only group "a" has label positives: TPR is defined for one group, so no max-min exists
    table = cell_table({"g": ["a", "a", "b", "b"]}, y_pred=[1, 0, 1, 0], y_true=[1, 1, 0, 0])
    rows = _summaries(audit_counts(table, min_denominator=1))
    assert rows[("g", "equal_opportunity_difference")]["value"] is None
    assert rows[("g", "equal_opportunity_difference")]["ci_low"] is None
    assert rows[("g", "demographic_parity_difference")]["value"] == 0.0
    assert rows[("g", "demographic_parity_difference")]["ci_high"] > 0.0


def test_all_rates_1_give_an_interval_of_positive_width():
    rows = _selection([["a", 3, 0], ["b", 3, 0]], min_denominator=1)
    difference, ratio = (
        rows[("g", "selection_rate_difference")],
        rows[("g", "selection_rate_ratio")],
    )
    assert difference["value"] == 0.0 and difference["ci_low"] == 0.0 < difference["ci_high"]
    assert ratio["value"] == 1.0 and ratio["ci_low"] < ratio["ci_high"] == 1.0


@functools.lru_cache
def _studentized_range(groups, confidence):
    return stats.studentized_range.ppf(confidence, groups, np.inf)


def _brute_force(x, n, alpha=0.05, score=False):
    """The documented rule over every pair, from the scalar intervals: the summary's bounds.
    With ``score``, a ratio pair with no rate of 0 or 1 and a cell under 30 takes statsmodels'
    score interval (Miettinen-Nurminen), as the engine does for a few groups."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    from fairness import katz_ratio_interval
    from fairness._intervals import folded_normal_arrays as fold

    def z(c):
        return stats.norm.ppf(0.5 + c / 2)

    def difference(i, j, c):  # est, below, above (Newcombe) of p_i - p_j
        low, high = newcombe_difference_interval(x[i], n[i], x[j], n[j], confidence=c)
        est = x[i] / n[i] - x[j] / n[j]
        return est, est - low, high - est

    def ratio(i, j, c):  # the same on the log scale (Katz, corrected; or the score interval)
        interval = katz_ratio_interval(x[i], n[i], x[j], n[j], confidence=c)
        if interval is None:
            return None
        est = (np.log(interval[0]) + np.log(interval[1])) / 2
        inside = 0 < x[i] < n[i] and 0 < x[j] < n[j]
        small = min(x[i], n[i] - x[i], x[j], n[j] - x[j]) < 30
        if score and inside and small:
            low, high = confint_proportions_2indep(
                x[i], n[i], x[j], n[j], method="score", compare="ratio", alpha=1 - c
            )
            return est, est - np.log(low), np.log(high) - est
        return est, est - np.log(interval[0]), np.log(interval[1]) - est

    out = []
    for parts in (difference, ratio):
        k = len(x)
        pairs = [(i, j) for i in range(k) for j in range(k) if i != j]
        found = {p: parts(*p, 1 - alpha) for p in pairs}
        found = {p: v for p, v in found.items() if v is not None and v[0] >= 0}
        if not found:  # every rate 0: no ratio
            out.append((np.nan, np.nan, np.nan))
            continue
        value = max(v[0] for v in found.values())

        def up(est, above):  # a zero width only at a difference of 1: the bound is 1
            se = above / z(1 - alpha)
            return fold(np.array([est / se]))[1][0] * se if se > 0 else est

        high = max(up(v[0], v[2]) for v in found.values())

        def low_at(level, chosen, parts=parts):
            best = 0.0
            for p in chosen:
                est, below, _ = parts(*p, level)
                se = below / z(level)
                best = max(best, fold(np.array([est / se]), confidence=level)[0][0] * se)
            return best

        total = k * (k - 1) // 2
        tukey = 2 * stats.norm.sf(_studentized_range(k, 1 - alpha) / np.sqrt(2))
        low = low_at(1 - max(alpha / total, tukey), found)
        kappa = max(1.0, np.sqrt(np.log(n.sum())))
        binding = [p for p, v in found.items() if v[0] + kappa * v[1] / z(1 - alpha) >= value]
        if total > 1 and min(total, len(binding)) < total:
            low = max(low, low_at(1 - max(alpha / max(1, len(binding)), tukey), binding))
        out.append((value, low, high))
    return out


def test_the_pruned_pair_search_equals_every_pair_computed():
    from fairness import _bootstrap

    rng = np.random.default_rng(11)
    for dense in (_bootstrap._DENSE, 1):  # every pair at once, and the pruned search
        for _ in range(150):
            k = int(rng.integers(2, 9))
            n = rng.integers(1, 80, k).astype(float)
            kind = rng.integers(0, 3)
            if kind == 0:
                x = np.floor(rng.random(k) * (n + 1))
            elif kind == 1:  # near parity
                x = rng.binomial(n.astype(int), rng.random()).astype(float)
            else:  # rates of 0 and 1 only (every pair corrected)
                x = np.where(rng.random(k) < 0.5, 0.0, n)
            score = dense > 1  # the score interval only where every pair is computed
            (d_value, d_low, d_high), (r_value, r_low, r_high) = _brute_force(x, n, score=score)
            old = _bootstrap._DENSE
            _bootstrap._DENSE = dense
            try:
                pairs = [_bootstrap._DifferencePairs(x, n)]
                low, high = _bootstrap._metric_bounds(pairs, d_value, [n.sum()], 0.05)
                assert (low, high) == pytest.approx((d_low, d_high), abs=1e-4)
                if (x > 0).any():
                    pairs = [_bootstrap._RatioPairs(x, n, score=score)]
                    low, high = _bootstrap._metric_bounds(pairs, r_value, [n.sum()], 0.05)
                    assert (low, high) == pytest.approx((r_low, r_high), abs=1e-4)
            finally:
                _bootstrap._DENSE = old


@pytest.mark.parametrize("groups", [2, 3, 5, 12])
def test_the_range_quantile_equals_scipys_studentized_range_with_infinite_df(groups):
    from fairness._intervals import studentized_range_quantile

    for confidence in (0.95, 0.99):
        expected = stats.studentized_range.ppf(confidence, groups, np.inf)
        assert studentized_range_quantile(groups, confidence) == pytest.approx(expected, rel=1e-8)


def test_away_from_parity_only_the_pairs_near_the_maximum_adjust_the_bound_towards_parity():
    # 3 groups, one apart: the pairs (c, a) and (c, b) may realise max - min, (a, b) may not;
    # the lower bound is then adjusted over 2 pairs, not over all 3 (Bonferroni made this case
    # cover 97-98%)
    from fairness import _bootstrap

    x, n = np.array([300.0, 310.0, 400.0]), np.array([1000.0, 1000.0, 1000.0])
    pairs = _bootstrap._DifferencePairs(x, n)
    kappa = np.sqrt(np.log(3000))
    assert _bootstrap._pair_count(pairs, pairs.binding(0.1, kappa, 0.95), None, 0.1) == 2
    rows = _selection([["a", 300, 700], ["b", 310, 690], ["c", 400, 600]])
    low = rows[("g", "selection_rate_difference")]["ci_low"]
    all_pairs = newcombe_difference_interval(400, 1000, 300, 1000, confidence=1 - 0.05 / 3)[0]
    two_pairs = newcombe_difference_interval(400, 1000, 300, 1000, confidence=1 - 0.05 / 2)[0]
    assert all_pairs < two_pairs <= low < 0.1


def test_a_rare_outcome_in_small_groups_takes_the_score_interval_of_the_pair():
    from statsmodels.stats.proportion import confint_proportions_2indep

    rows = _selection([["a", 5, 95], ["b", 10, 90]])
    row = rows[("g", "selection_rate_ratio")]
    assert row["method"] == "simultaneous_score"
    low, _ = confint_proportions_2indep(5, 100, 10, 100, method="score", compare="ratio")
    # away from parity the folded bound is the pair's own bound (to the fold's 1e-5)
    assert row["value"] == 0.5 and row["ci_low"] == pytest.approx(low, rel=1e-4)
    assert row["ci_high"] == 1.0


def test_the_ratio_summary_of_a_rare_outcome_at_parity_covers_within_the_band():
    # 5 of 100 against 5 of 100: Katz pairs covered 98.2% (docs/metrics.md); the score pairs
    # bring it into 93-97% (1,000 simulations, seeded: a standard error of 0.7 points)
    from fairness import _bootstrap

    rng = np.random.default_rng(20261201)
    n = np.array([100.0, 100.0])
    covered = 0
    for _ in range(1000):
        x = rng.binomial(100, 0.05, size=2).astype(float)
        if not x.any():
            covered += 1  # both rates 0: no ratio, no interval to miss (rare: 0.3%)
            continue
        _, low, high, _ = _bootstrap._ratio_summary([(x / n, x, n)], 0.05)
        covered += low <= 1.0 <= high
    assert 0.93 <= covered / 1000 <= 0.975
