"""Between-group summaries equal fairlearn's; bootstrap intervals are seeded and sensible."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn import metrics as flm

from fairness import audit_counts
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


def test_summary_values_equal_fairlearn_on_raw_rows():
    sensitive, y_true, y_pred = _data()
    report = audit_counts(cell_table(sensitive, y_pred, y_true), bootstrap_replicates=200)
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


def test_interval_contains_point_and_is_seeded():
    sensitive, y_true, y_pred = _data()
    table = cell_table(sensitive, y_pred, y_true)
    first = _summaries(audit_counts(table, seed=7, bootstrap_replicates=500))
    again = _summaries(audit_counts(table, seed=7, bootstrap_replicates=500))
    other = _summaries(audit_counts(table, seed=8, bootstrap_replicates=500))
    row = first[("sex", "demographic_parity_difference")]
    assert row["ci_low"] < row["value"] < row["ci_high"]
    assert row["replicates"] == 500
    assert first == again
    assert other[("sex", "demographic_parity_difference")]["ci_low"] != row["ci_low"]
    assert other[("sex", "demographic_parity_difference")]["value"] == row["value"]


def test_zero_replicates_report_values_without_intervals():
    sensitive, y_true, y_pred = _data(n=400)
    rows = _summaries(audit_counts(cell_table(sensitive, y_pred, y_true), bootstrap_replicates=0))
    row = rows[("sex", "equalized_odds_difference")]
    assert row["value"] is not None and row["ci_low"] is None and row["ci_high"] is None


def test_summary_needs_two_defined_groups():
    # only group "a" has label positives: TPR is defined for one group, so no max-min exists
    table = cell_table({"g": ["a", "a", "b", "b"]}, y_pred=[1, 0, 1, 0], y_true=[1, 1, 0, 0])
    rows = _summaries(audit_counts(table, bootstrap_replicates=50))
    assert rows[("g", "equal_opportunity_difference")]["value"] is None
    assert rows[("g", "demographic_parity_difference")]["value"] == 0.0


def test_chained_binomial_draw_is_a_multinomial_draw():
    from fairness._bootstrap import _draw

    counts = np.array([[40.0, 10, 30, 20], [0, 0, 5, 0], [0, 0, 0, 0], [3.4, 0, 1.2, 0.6]])
    drawn = _draw(np.random.default_rng(1), counts, 40_000)
    assert drawn.shape == (4, 4, 40_000) and drawn.dtype == np.int64
    assert (drawn.sum(axis=1) == np.array([100, 5, 0, 5])[:, None]).all()
    assert (drawn[1] == [[0], [0], [5], [0]]).all() and not drawn[2].any()
    assert not drawn[:, 1][counts[:, 1] == 0].any()  # an empty confusion cell stays empty
    n, p = 100, counts[0] / 100
    mean, cov = drawn[0].mean(axis=1), np.cov(drawn[0])
    expected_cov = n * (np.diag(p) - np.outer(p, p))
    se = np.sqrt(np.diag(expected_cov) / drawn.shape[2])
    assert (np.abs(mean - n * p) < 5 * se).all()
    assert np.allclose(cov, expected_cov, rtol=0.05, atol=0.05)
    again = _draw(np.random.default_rng(1), counts, 40_000)
    assert np.array_equal(drawn, again)


def test_intervals_agree_with_a_multinomial_draw(monkeypatch):
    # the chained binomials replaced numpy's multinomial (different random numbers, same law):
    # percentile intervals of 4,000 replicates agree with the old draw to Monte Carlo error
    import fairness._bootstrap as bootstrap

    sensitive, y_true, y_pred = _data(n=4000)
    table = cell_table(sensitive, y_pred, y_true)
    new = _summaries(audit_counts(table, seed=5, bootstrap_replicates=4000))

    def multinomial(rng, counts, replicates):
        totals = counts.sum(axis=1)
        p = counts / np.where(totals > 0, totals, 1)[:, None]
        p[totals == 0, 0] = 1.0
        draws = rng.multinomial(np.rint(totals).astype(np.int64), p, size=(replicates, len(p)))
        return np.ascontiguousarray(draws.transpose(1, 2, 0))

    monkeypatch.setattr(bootstrap, "_draw", multinomial)
    old = _summaries(audit_counts(table, seed=5, bootstrap_replicates=4000))
    for key, row in new.items():
        if row["ci_low"] is None:
            assert old[key]["ci_low"] is None
            continue
        width = old[key]["ci_high"] - old[key]["ci_low"]
        assert row["value"] == old[key]["value"]
        assert abs(row["ci_low"] - old[key]["ci_low"]) < 0.15 * width + 1e-9, key
        assert abs(row["ci_high"] - old[key]["ci_high"]) < 0.15 * width + 1e-9, key
