"""F1 score and balanced accuracy per group, each group's share of positive predictions, and the
two-sided band of a check: values against scikit-learn / fairlearn / statsmodels, intervals,
statuses, spec validation and the verdict rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import balanced_accuracy_score, f1_score
from statsmodels.stats.proportion import confint_proportions_2indep

from fairness import CellTable, SpecError, audit_counts, parse_note, wilson_interval
from fairness._extra_metrics import f1_delta_variance, f1_transform
from tests.fairness.celltables import cell_table
from tests.fairness.test_verdict_rules import _tables

EXTRA = ("f1_score", "balanced_accuracy")


def _counts(rows: dict[str, list[int]]) -> CellTable:
    """``{"g": [tp, fp, tn, fn], ...}`` -> a labelled cell table of attribute ``g``."""
    frame = pd.DataFrame(
        [{"g": g, "tp": c[0], "fp": c[1], "tn": c[2], "fn": c[3]} for g, c in rows.items()]
    )
    return CellTable(("g",), frame, has_labels=True)


def _rows_from_counts(tp, fp, tn, fn):
    """Four compressed rows (y_true, y_pred) with the counts as sample weights."""
    return np.array([1, 0, 0, 1]), np.array([1, 1, 0, 0]), np.array([tp, fp, tn, fn], float)


def _metric(report, metric, group, attribute="g"):
    (row,) = [
        r
        for r in report.tables["metrics"]
        if r["metric"] == metric and r["group"] == group and r["attribute"] == attribute
    ]
    return row


TABLE = {
    "a": [40, 10, 100, 20],
    "b": [60, 30, 80, 10],
    "c": [7, 2, 30, 9],
    "d": [0, 4, 50, 6],
    "e": [12, 0, 0, 0],
}


@pytest.mark.parametrize("backend", ["numpy", "fairlearn"])
def test_f1_and_balanced_accuracy_match_sklearn_with_counts_as_sample_weights(backend):
    report = audit_counts(_counts(TABLE), metric_backend=backend, min_denominator=1)
    for group, (tp, fp, tn, fn) in TABLE.items():
        y_true, y_pred, w = _rows_from_counts(tp, fp, tn, fn)
        f1 = _metric(report, "f1_score", group)
        expected = f1_score(y_true, y_pred, sample_weight=w, zero_division=np.nan)
        assert f1["value"] == pytest.approx(expected, abs=1e-12)
        assert (f1["numerator"], f1["denominator"]) == (2 * tp, 2 * tp + fp + fn)
        ba = _metric(report, "balanced_accuracy", group)
        if tp + fn and fp + tn:
            expected = balanced_accuracy_score(y_true, y_pred, sample_weight=w)
            assert ba["value"] == pytest.approx(expected, abs=1e-12)
        else:  # one class only: scikit-learn warns and falls back; the engine says undefined
            assert ba["value"] is None and ba["status"] == "undefined"
        assert ba["numerator"] is None
        assert ba["denominator"] == min(tp + fn, fp + tn)


def test_f1_and_balanced_accuracy_match_metricframe_on_raw_rows():
    rng = np.random.default_rng(7)
    n = 3000
    sex = rng.choice(["f", "m"], n)
    race = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(sex == "f", 0.3, 0.5)).astype(int)
    report = audit_counts(cell_table({"sex": sex, "race": race}, y_pred, y_true))
    frame = MetricFrame(
        metrics={"f1_score": f1_score, "balanced_accuracy": balanced_accuracy_score},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=pd.DataFrame({"sex": sex, "race": race}),
    )
    for (s, r), row in frame.by_group.iterrows():
        for metric in EXTRA:
            found = _metric(report, metric, f"{s} & {r}", attribute="sex & race")
            assert found["value"] == pytest.approx(row[metric], abs=1e-12)


def test_weighted_f1_and_balanced_accuracy_match_sklearn_on_weighted_rows():
    rng = np.random.default_rng(11)
    n = 800
    g = rng.choice(["x", "y"], n)
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    w = rng.random(n) * 4 + 0.1
    report = audit_counts(cell_table({"g": g}, y_pred, y_true, w))
    for group in ("x", "y"):
        mask = g == group
        args = (y_true[mask], y_pred[mask])
        f1 = f1_score(*args, sample_weight=w[mask])
        ba = balanced_accuracy_score(*args, sample_weight=w[mask])
        assert _metric(report, "f1_score", group)["value"] == pytest.approx(f1, abs=1e-12)
        assert _metric(report, "balanced_accuracy", group)["value"] == pytest.approx(ba, abs=1e-12)


def test_intervals_are_unchanged_by_scaling_every_weight():
    rng = np.random.default_rng(5)
    n = 600
    g = rng.choice(["x", "y"], n)
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    w = rng.random(n) + 0.5
    one = audit_counts(cell_table({"g": g}, y_pred, y_true, w))
    hundred = audit_counts(cell_table({"g": g}, y_pred, y_true, w * 100))
    for metric in EXTRA:
        for group in ("x", "y"):
            a, b = _metric(one, metric, group), _metric(hundred, metric, group)
            assert a["ci_low"] == pytest.approx(b["ci_low"], rel=1e-9)
            assert a["ci_high"] == pytest.approx(b["ci_high"], rel=1e-9)
            assert a["status"] == b["status"]


def test_ten_people_at_weight_100_are_still_too_few_for_f1_and_balanced_accuracy():
    g = ["x"] * 10
    y_true = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    y_pred = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0]
    report = audit_counts(cell_table({"g": g}, y_pred, y_true, [100.0] * 10))
    for metric in EXTRA:
        assert _metric(report, metric, "x")["status"] == "insufficient_data"


def test_f1_interval_is_the_wilson_interval_of_the_jaccard_ratio_mapped_to_f1():
    report = audit_counts(_counts(TABLE), min_denominator=1)
    tp, fp, _, fn = TABLE["a"]
    low, high = wilson_interval(tp, tp + fp + fn)
    row = _metric(report, "f1_score", "a")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (2 * low / (1 + low), 2 * high / (1 + high))
    )
    assert row["interval"] == "jaccard_wilson"


def test_f1_interval_agrees_with_the_delta_method_for_large_counts():
    tp, fp, fn = np.array(4000.0), np.array(1500.0), np.array(900.0)
    report = audit_counts(_counts({"a": [4000, 1500, 7000, 900]}))
    row = _metric(report, "f1_score", "a")
    half = 1.959963984540054 * math.sqrt(float(f1_delta_variance(tp, fp, fn)))
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * half, rel=0.01)
    assert row["value"] == pytest.approx(float(f1_transform(tp / (tp + fp + fn))))


def test_delta_variance_matches_a_numerical_gradient_of_f1():
    counts = np.array([40.0, 10.0, 100.0, 10.0])  # tp, fp, tn, fn
    n = counts.sum()
    p = counts / n

    def f1(q):
        return 2 * q[0] / (2 * q[0] + q[1] + q[3])

    eps = 1e-7
    grad = np.array([(f1(p + eps * np.eye(4)[i]) - f1(p - eps * np.eye(4)[i])) / (2 * eps)
                     for i in range(4)])  # fmt: skip
    covariance = (np.diag(p) - np.outer(p, p)) / n
    expected = grad @ covariance @ grad
    assert float(f1_delta_variance(*(np.array(c) for c in (40.0, 10.0, 10.0)))) == pytest.approx(
        expected, rel=1e-6
    )


def test_balanced_accuracy_interval_is_half_of_one_plus_statsmodels_newcombe_of_youden():
    report = audit_counts(_counts(TABLE), min_denominator=1)
    tp, fp, tn, fn = TABLE["b"]
    low, high = confint_proportions_2indep(
        tp, tp + fn, fp, fp + tn, method="newcomb", compare="diff"
    )
    row = _metric(report, "balanced_accuracy", "b")
    assert row["ci_low"] == pytest.approx((1 + low) / 2, abs=1e-9)
    assert row["ci_high"] == pytest.approx((1 + high) / 2, abs=1e-9)
    assert row["interval"] == "newcombe_youden"


@pytest.mark.parametrize(
    "counts",
    [[12, 0, 0, 0], [0, 4, 50, 6], [5, 0, 5, 0], [1, 0, 1, 0], [0, 3, 0, 3], [3, 0, 0, 3]],
)
def test_no_zero_width_interval_from_finite_data(counts):
    report = audit_counts(_counts({"a": counts, "b": [40, 10, 100, 20]}), min_denominator=1)
    for metric in EXTRA:
        row = _metric(report, metric, "a")
        if row["value"] is None:
            assert row["status"] == "undefined" and row["ci_low"] is None
            continue
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
        assert row["ci_high"] - row["ci_low"] > 0.01


def test_statuses_undefined_and_insufficient():
    report = audit_counts(_counts({"a": [0, 0, 50, 0], "b": [3, 2, 40, 1], "c": [0, 0, 20, 5]}))
    assert _metric(report, "f1_score", "a")["status"] == "undefined"  # no TP, FP or FN
    assert _metric(report, "f1_score", "a")["value"] is None
    assert _metric(report, "balanced_accuracy", "a")["status"] == "undefined"  # no positives
    assert _metric(report, "f1_score", "b")["status"] == "insufficient_data"
    assert _metric(report, "f1_score", "b")["value"] == pytest.approx(6 / 9)
    c = _metric(report, "f1_score", "c")  # F1 = 0: defined, but nothing was predicted positive
    assert (c["value"], c["status"]) == (0.0, "insufficient_data")


def test_reported_by_default_with_labels_and_not_compared():
    report = audit_counts(_counts(TABLE))
    assert set(EXTRA) <= set(report.spec["metrics"])
    assert not [c for c in report.tables["comparisons"] if c["metric"] in EXTRA]
    assert not [s for s in report.tables["summaries"] if set(s["metrics"]) & set(EXTRA)]


@pytest.mark.parametrize("metric", EXTRA)
def test_a_check_on_a_descriptive_measure_is_refused_naming_the_field(metric):
    with pytest.raises(SpecError) as caught:
        audit_counts(
            _counts(TABLE),
            checks=[
                {"name": "sel", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8},
                {"name": "bad", "metric": metric, "kind": "ratio", "threshold": 0.8},
            ],
        )
    (error,) = caught.value.errors
    assert error.startswith(f"checks[1].metric: {metric!r} is reported for each group")
    assert "not a single rate" in error


@pytest.mark.parametrize("metric", EXTRA)
def test_asking_for_a_descriptive_measure_without_labels_names_the_field(metric):
    frame = pd.DataFrame({"g": ["a", "b"], "pp": [30, 50], "pn": [70, 50]})
    with pytest.raises(SpecError) as caught:
        audit_counts(CellTable(("g",), frame, has_labels=False), metrics=["selection_rate", metric])
    assert caught.value.errors == [f"metrics[1]: {metric!r} needs labels, and the sample has none"]


# --- share of positive predictions -------------------------------------------------------------


def test_positive_share_is_each_groups_share_of_all_positive_predictions_at_its_level():
    frame = pd.DataFrame({"sex": ["f", "f", "m", "m"], "age": ["y", "o", "y", "o"],
                          "pp": [10, 30, 40, 20], "pn": [90, 70, 60, 80]})  # fmt: skip
    report = audit_counts(CellTable(("sex", "age"), frame, has_labels=False))
    share = {(g["attribute"], g["group"]): g["positive_share"] for g in report.tables["groups"]}
    assert share[("sex", "f")] == pytest.approx(0.4)
    assert share[("age", "o")] == pytest.approx(0.5)
    assert share[("sex & age", "m & y")] == pytest.approx(0.4)
    for attribute in ("sex", "age", "sex & age"):
        total = sum(v for (a, _), v in share.items() if a == attribute)
        assert total == pytest.approx(1.0)
    assert "positive_share" in report.to_csv_tables()["groups"].splitlines()[0]


def test_positive_share_is_null_when_no_one_was_predicted_positive():
    frame = pd.DataFrame({"g": ["a", "b"], "pp": [0, 0], "pn": [70, 50]})
    report = audit_counts(CellTable(("g",), frame, has_labels=False))
    assert [g["positive_share"] for g in report.tables["groups"]] == [None, None]


# --- the two-sided band ------------------------------------------------------------------------


def _selection(counts: dict[str, tuple[int, int]]) -> CellTable:
    frame = pd.DataFrame([{"g": g, "pp": pp, "pn": pn} for g, (pp, pn) in counts.items()])
    return CellTable(("g",), frame, has_labels=False)


def _check(kind="ratio", threshold=0.8, band="two-sided", metric="selection_rate"):
    return {"name": "c", "metric": metric, "kind": kind, "threshold": threshold, "band": band}


def _rows(report):
    return {r["group"]: r for r in report.tables["checks"]}


def test_two_sided_ratio_flags_a_group_selected_too_often():
    # "b" is selected 1.6 times as often as the reference "a" (the largest group)
    table = _selection({"a": (250, 750), "b": (320, 480)})
    one = _rows(audit_counts(table, reference="largest", checks=[_check(band="one-sided")]))
    two = _rows(audit_counts(table, reference="largest", checks=[_check()]))
    assert one["b"]["verdict"] == "pass"
    assert two["b"]["verdict"] == "fail" and two["b"]["point_estimate_verdict"] == "fail"
    assert two["b"]["band"] == "two-sided" and one["b"]["band"] == "one-sided"
    assert "is above the band 0.80 to 1.25" in two["b"]["reason"]
    assert two["b"]["value"] == pytest.approx(1.6)


def test_two_sided_ratio_still_flags_a_group_selected_too_rarely():
    table = _selection({"a": (400, 600), "b": (100, 700)})
    rows = _rows(audit_counts(table, reference="largest", checks=[_check()]))
    assert rows["b"]["verdict"] == "fail"
    assert "is below the band 0.80 to 1.25" in rows["b"]["reason"]


def test_two_sided_ratio_passes_only_when_the_whole_interval_is_in_the_band():
    inside = _selection({"a": (5000, 5000), "b": (5100, 4900)})
    rows = _rows(audit_counts(inside, reference="largest", checks=[_check()]))
    assert rows["b"]["verdict"] == "pass"
    assert "lies within the band" in rows["b"]["reason"]
    edge = _selection({"a": (100, 300), "b": (120, 280)})  # ratio 1.2, interval crosses 1.25
    rows = _rows(audit_counts(edge, reference="largest", checks=[_check()]))
    assert rows["b"]["ci_high"] > 1.25 and rows["b"]["ci_low"] < 1.25
    assert rows["b"]["verdict"] == "inconclusive"
    assert rows["b"]["point_estimate_verdict"] == "pass"
    assert "straddles an edge of the band" in rows["b"]["reason"]


def test_two_sided_difference_flags_a_gap_either_way():
    table = _selection({"a": (300, 700), "b": (450, 550), "c": (150, 850)})
    rows = _rows(
        audit_counts(table, reference="largest", checks=[_check(kind="difference", threshold=0.05)])
    )
    assert rows["b"]["verdict"] == "fail" and rows["c"]["verdict"] == "fail"
    assert "better than reference" in rows["b"]["reason"]
    assert "worse than reference" in rows["c"]["reason"]
    assert "the allowed 0.05 either way" in rows["b"]["reason"]
    one = _rows(
        audit_counts(
            table,
            reference="largest",
            checks=[_check(kind="difference", threshold=0.05, band="one-sided")],
        )
    )
    assert one["b"]["verdict"] == "pass" and one["c"]["verdict"] == "fail"


def test_two_sided_band_follows_the_small_data_rule():
    table = _selection({"a": (400, 600), "b": (9, 1)})
    rows = _rows(
        audit_counts(table, reference="largest", small_category_share=0, checks=[_check()])
    )
    assert rows["b"]["verdict"] == "inconclusive"
    assert rows["b"]["point_estimate_verdict"] is None


def test_band_is_recorded_in_the_spec_and_summary_and_the_default_is_left_out():
    table = _selection({"a": (250, 750), "b": (320, 480)})
    report = audit_counts(
        table, reference="largest", checks=[_check(), _check(band="one-sided") | {"name": "d"}]
    )
    assert report.spec["checks"][0]["band"] == "two-sided"
    assert "band" not in report.spec["checks"][1]
    summary = {s["name"]: s for s in report.tables["check_summary"]}
    assert summary["c"]["band"] == "two-sided" and summary["d"]["band"] == "one-sided"
    assert report.to_csv_tables()["check_summary"].splitlines()[0].endswith(",band")


@pytest.mark.parametrize("value", ["both", "", None, 2, True])
def test_a_bad_band_is_refused_naming_the_field(value):
    with pytest.raises(SpecError) as caught:
        audit_counts(_selection({"a": (1, 1)}), checks=[_check(band=value)])
    (error,) = caught.value.errors
    assert error.startswith("checks[0].band: expected one of 'one-sided', 'two-sided'")


# --- properties over random count tables --------------------------------------------------------


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=_tables(),
    kind=st.sampled_from(["ratio", "difference"]),
    threshold=st.sampled_from([0.05, 0.1, 0.8, 0.9]),
    reference=st.sampled_from(["largest", "overall", "most_favoured"]),
    minimum=st.sampled_from([1, 10, 30]),
)
def test_two_sided_verdicts_follow_the_band_and_the_data_rule(
    table, kind, threshold, reference, minimum
):
    check = _check(kind=kind, threshold=threshold, metric="selection_rate")
    report = audit_counts(table, reference=reference, min_denominator=minimum, checks=[check])
    low_edge, high_edge = (threshold, 1 / threshold) if kind == "ratio" else (-threshold, threshold)
    denominators = {
        (r["attribute"], r["group"]): r["denominator"]
        for r in report.table("metrics")
        if r["metric"] == "selection_rate"
    }
    for row in report.table("checks"):
        assert row["band"] == "two-sided"
        if row["verdict"] == "inconclusive":
            continue
        assert denominators[(row["attribute"], row["group"])] >= minimum
        low, high = row["ci_low"], row["ci_high"]
        if row["verdict"] == "pass":
            assert low_edge <= low and high is not None and high <= high_edge
            assert row["point_estimate_verdict"] == "pass"
        else:
            assert (high is not None and high < low_edge) or low > high_edge
            assert row["point_estimate_verdict"] == "fail"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=_tables())
def test_f1_and_balanced_accuracy_intervals_hold_their_value_and_are_never_of_width_zero(table):
    if not table.has_labels:
        return
    report = audit_counts(table, min_denominator=1)
    for row in report.table("metrics"):
        if row["metric"] not in EXTRA:
            continue
        if row["value"] is None:
            assert row["status"] == "undefined"
            continue
        assert 0 <= row["ci_low"] <= row["value"] <= row["ci_high"] <= 1
        assert row["ci_high"] > row["ci_low"]


def test_a_two_sided_check_gets_a_note_that_reads_back():
    table = _selection({"a": (250, 750), "b": (320, 480)})
    checks = [_check(), _check(band="one-sided") | {"name": "d"}]
    report = audit_counts(table, reference="largest", checks=checks)
    bands = [n for n in report.notes if "two-sided" in n]
    assert bands == [
        "Check 'c' is two-sided: a group fails it beyond the threshold in either direction, "
        "better off than its reference as well as worse off (band 0.8 to 1.25)."
    ]
    assert parse_note(bands[0]) == {
        "code": "band",
        "params": {"name": "c", "low": 0.8, "high": 1.25},
    }
    gap = audit_counts(table, reference="largest", checks=[_check("difference", 0.05)])
    (note,) = [n for n in gap.notes if "two-sided" in n]
    assert parse_note(note)["params"] == {"name": "c", "low": -0.05, "high": 0.05}
