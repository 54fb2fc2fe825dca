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
