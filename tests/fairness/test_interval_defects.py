"""Regressions of the review's interval defects 6, 7 and 8 (numbers as the review gave them), and
property tests over random count tables: no interval of width zero from finite data, and verdicts
that do not depend on how weights are scaled."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fairness
from fairness import CellTable, audit_counts, katz_ratio_interval
from fairness._notes import INCOMPATIBILITY_NOTE
from tests.fairness.celltables import cell_table, score_sample


def _confusion_table(rows):
    frame = pd.DataFrame(rows, columns=["g", "tp", "fp", "tn", "fn"])
    return CellTable(("g",), frame, has_labels=True)


def _selection_table(rows):
    return CellTable(("g",), pd.DataFrame(rows, columns=["g", "pp", "pn"]), has_labels=False)


# -- defect 6: weights turn too little data into a verdict ------------------------------------


def _weighted_csv(weight: float | None) -> io.BytesIO:
    rows = [("a", int(i < 9)) for i in range(10)] + [("b", int(i < 3)) for i in range(10)]
    frame = pd.DataFrame(rows, columns=["g", "pred"])
    if weight is not None:
        frame["w"] = weight
    return io.BytesIO(frame.to_csv(index=False).encode())


@pytest.mark.parametrize("weight", [100.0, 1.0, 0.01, 3.7])
def test_defect_6_ten_people_per_group_at_weight_100_are_inconclusive_like_unweighted(weight):
    unweighted = fairness.audit(
        _weighted_csv(None), prediction="pred", sensitive_features=["g"], preset="four-fifths"
    )
    weighted = fairness.audit(
        _weighted_csv(weight),
        prediction="pred",
        sensitive_features=["g"],
        weight="w",
        preset="four-fifths",
    )
    assert unweighted.verdict == weighted.verdict == "inconclusive"
    check = weighted.to_dict()["checks"][0]
    assert "has 10 rows, fewer than the minimum of 30" in check["reason"]
    metrics = weighted.to_dict()["metrics"]
    assert {m["status"] for m in metrics} == {"insufficient_data"}
    # the interval is that of 3 out of 10 people, not of 300 out of 1,000
    b = next(m for m in metrics if m["group"] == "b" and m["metric"] == "selection_rate")
    assert b["value"] == pytest.approx(0.3)
    assert b["ci_low"] < 0.1 and b["ci_high"] > 0.6


def test_defect_6_unequal_weights_count_as_their_kish_effective_size():
    # 40 rows per group, alternately at weight 1 and 9: Kish size (20·1 + 20·9)² / (20·1 + 20·81)
    # = 24.4 people, below the minimum of 30 although 40 rows were read
    w = np.tile([1.0, 9.0], 40)
    groups = ["a"] * 40 + ["b"] * 40
    pred = np.tile([1, 0, 0, 1], 20)
    report = audit_counts(cell_table({"g": groups}, pred, weight=w), preset="four-fifths")
    assert {r["status"] for r in report.to_dict()["metrics"]} == {"insufficient_data"}
    assert (
        "has 24.3902 rows, fewer than the minimum of 30" in report.to_dict()["checks"][0]["reason"]
    )
    equal = audit_counts(cell_table({"g": groups}, pred, weight=np.full(80, 5.0)))
    assert {r["status"] for r in equal.to_dict()["metrics"]} == {"ok"}  # equal weights: 40 rows


# -- defect 7: zero-width intervals at rate 1 --------------------------------------------------


def test_defect_7_katz_interval_of_3_of_3_vs_3_of_3_has_width():
    low, high = katz_ratio_interval(3, 3, 3, 3)
    assert low < 1 < high


def test_defect_7_one_of_one_vs_one_of_one_does_not_pass_four_fifths():
    table = _selection_table([["a", 1, 0], ["b", 1, 0]])
    report = audit_counts(table, preset="four-fifths", min_denominator=1)
    check = report.to_dict()["checks"][0]
    assert check["ci_low"] < 0.8 and check["verdict"] == "inconclusive"
    assert report.verdict == "inconclusive"


def test_defect_7_roc_auc_of_1_on_40_and_40_has_an_interval_below_1():
    scores = np.concatenate([np.linspace(0.6, 0.99, 40), np.linspace(0.01, 0.4, 40)])
    labels = np.array([1] * 40 + [0] * 40)
    sample = score_sample({"g": ["a"] * 80}, scores, labels, 0.5)
    rows = audit_counts(sample, metrics=["roc_auc"]).to_dict()["metrics"]
    auc = next(r for r in rows if r["metric"] == "roc_auc")
    assert auc["value"] == 1.0 and auc["status"] == "ok"
    assert 0.9 < auc["ci_low"] < auc["ci_high"] == 1.0


# -- defect 8: the impossibility note states its exact conditions ------------------------------


def test_defect_8_counterexample_precision_1_fpr_0_all_three_criteria_hold():
    table = _confusion_table([["a", 250, 0, 500, 250], ["b", 100, 0, 800, 100]])
    report = audit_counts(table, favourable_outcome="adverse")
    data = report.to_dict()
    by = {(c["metric"], c["group"]): c for c in data["comparisons"]}
    for metric in ("precision", "false_positive_rate", "false_negative_rate"):
        (row,) = [c for (m, _), c in by.items() if m == metric]
        assert row["difference"] == 0.0, metric  # equal in both groups, predictions not perfect
    prevalence = next(o for o in data["omnibus"] if o["metric"] == "prevalence")
    assert prevalence["p_value"] < 0.05  # base rates differ (0.5 vs 0.2)
    note = next(n for n in data["notes"] if n.startswith("The base rate"))
    assert "unless predictions are perfect" not in note
    assert "only if no group has a false positive" in note
    assert "no group has a true positive" in note
    assert note.startswith(INCOMPATIBILITY_NOTE.split("{attributes}")[0])


# -- properties over random count tables ------------------------------------------------------

_counts = st.integers(min_value=0, max_value=60)
_group = st.tuples(_counts, _counts, _counts, _counts).filter(lambda c: sum(c) > 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    groups=st.lists(_group, min_size=2, max_size=4),
    min_denominator=st.sampled_from([1, 5, 30]),
    outcome=st.sampled_from(["beneficial", "adverse"]),
)
def test_no_interval_of_width_zero_from_finite_data(groups, min_denominator, outcome):
    rows = [[f"g{i}", *c] for i, c in enumerate(groups)]
    data = audit_counts(
        _confusion_table(rows),
        min_denominator=min_denominator,
        favourable_outcome=outcome,
        preset="four-fifths" if outcome == "beneficial" else None,
    ).to_dict()
    spans = [(r["ci_low"], r["ci_high"]) for r in data["metrics"] + data["summaries"]]
    spans += [(r["ci_low"], r["ci_high"]) for r in data["checks"]]
    spans += [(r["ratio_ci_low"], r["ratio_ci_high"]) for r in data["comparisons"]]
    spans += [(r["difference_ci_low"], r["difference_ci_high"]) for r in data["comparisons"]]
    for low, high in spans:
        if low is not None and high is not None:
            assert low < high
    for row in data["summaries"]:
        if row["value"] is not None:
            assert row["ci_low"] <= row["value"] <= row["ci_high"]


_weighted_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.integers(0, 1),
        st.integers(0, 1),
        st.sampled_from([0.5, 1.0, 2.0, 3.0, 7.5]),
    ),
    min_size=4,
    max_size=400,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=_weighted_rows,
    factor=st.sampled_from([0.25, 8.0, 100.0, 0.001]),
    min_denominator=st.sampled_from([1, 10, 30]),
)
def test_verdicts_do_not_change_when_every_weight_is_multiplied_by_a_constant(
    rows, factor, min_denominator
):
    groups, y_true, y_pred, weights = (list(column) for column in zip(*rows, strict=True))
    w = np.array(weights)
    spec = {"preset": "four-fifths", "min_denominator": min_denominator}
    first = audit_counts(cell_table({"g": groups}, y_pred, y_true, weight=w), **spec).to_dict()
    scaled = audit_counts(
        cell_table({"g": groups}, y_pred, y_true, weight=w * factor), **spec
    ).to_dict()
    assert first["verdict"] == scaled["verdict"]
    assert [c["verdict"] for c in first["checks"]] == [c["verdict"] for c in scaled["checks"]]
    assert [m["status"] for m in first["metrics"]] == [m["status"] for m in scaled["metrics"]]
    for one, two in zip(first["checks"], scaled["checks"], strict=True):
        for key in ("ci_low", "ci_high"):
            assert (one[key] is None) == (two[key] is None)
            if one[key] is not None:
                assert one[key] == pytest.approx(two[key], rel=1e-9)


@pytest.mark.parametrize("reference", ["overall", "largest", "most_favoured"])
def test_equal_weights_give_the_unweighted_report_numbers(reference):
    rng = np.random.default_rng(4)
    groups = list(rng.choice(["a", "b", "c"], 600))
    y_true, y_pred = rng.integers(0, 2, 600), rng.integers(0, 2, 600)
    plain = audit_counts(cell_table({"g": groups}, y_pred, y_true), reference=reference).to_dict()
    weighted = audit_counts(
        cell_table({"g": groups}, y_pred, y_true, weight=np.full(600, 2.5)), reference=reference
    ).to_dict()
    assert plain["verdict"] == weighted["verdict"]
    for table in ("metrics", "comparisons", "summaries", "checks", "omnibus"):
        for one, two in zip(plain[table], weighted[table], strict=True):
            for key, value in one.items():
                if isinstance(value, float) and key not in ("numerator", "denominator"):
                    assert two[key] == pytest.approx(value, rel=1e-9, abs=1e-12), (table, key)
