"""Conditional parity (``control_features``): the Mantel-Haenszel comparisons within strata.

The vectorised arithmetic of ``fairness._stratified`` is checked against statsmodels'
``StratifiedTable`` (pooled risk ratio, Cochran-Mantel-Haenszel test, Breslow-Day test with
Tarone's correction) and ``Table2x2`` (a single stratum's risk ratio interval: the
Greenland-Robins variance reduces to Katz's); the reader and audit behaviours are tested on
samples with a ``region`` column.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2

from fairness import (
    AuditSpec,
    FairnessInputError,
    SpecError,
    audit,
    audit_count_file,
    read_counts,
    read_sample,
    write_counts_csv,
)
from fairness._intervals import katz_ratio_arrays
from fairness._stratified import mantel_haenszel

CONFIDENCE = 0.95


def _tables(x1, n1, x0, n0) -> np.ndarray:
    """statsmodels' 2 x 2 x K layout: rows group / reference, columns event / no event."""
    return np.array([[x1, n1 - x1], [x0, n0 - x0]], dtype=float)


def _random_strata(seed: int, comparisons: int, strata: int):
    rng = np.random.default_rng(seed)
    n1 = rng.integers(5, 400, (comparisons, strata)).astype(float)
    n0 = rng.integers(5, 400, (comparisons, strata)).astype(float)
    p1 = rng.uniform(0.05, 0.9, (comparisons, strata))
    p0 = rng.uniform(0.05, 0.9, (comparisons, strata))
    x1 = rng.binomial(n1.astype(int), p1).astype(float)
    x0 = rng.binomial(n0.astype(int), p0).astype(float)
    return x1, n1, x0, n0


def test_pooled_ratio_and_both_tests_match_statsmodels_for_many_comparisons_at_once():
    x1, n1, x0, n0 = _random_strata(7, comparisons=60, strata=5)
    ours = mantel_haenszel(x1, n1, x0, n0, confidence=CONFIDENCE)
    for i in range(len(x1)):
        table = StratifiedTable(_tables(x1[i], n1[i], x0[i], n0[i]))
        assert ours["ratio"][i] == pytest.approx(table.riskratio_pooled, rel=1e-12)
        null = table.test_null_odds(correction=False)
        assert ours["association_statistic"][i] == pytest.approx(null.statistic, rel=1e-10)
        assert ours["association_p_value"][i] == pytest.approx(null.pvalue, rel=1e-8, abs=1e-15)
        equal = table.test_equal_odds(adjust=True)
        assert ours["homogeneity_statistic"][i] == pytest.approx(equal.statistic, rel=1e-9)
        assert ours["homogeneity_p_value"][i] == pytest.approx(equal.pvalue, rel=1e-7, abs=1e-15)
        assert ours["homogeneity_dof"][i] == 4
    assert (ours["strata_used"] == 5).all()


def test_one_stratum_gives_the_katz_interval_of_statsmodels_table2x2():
    x1, n1, x0, n0 = 30.0, 120.0, 45.0, 110.0
    ours = mantel_haenszel(
        np.array([[x1]]), np.array([[n1]]), np.array([[x0]]), np.array([[n0]]),
        confidence=CONFIDENCE,
    )  # fmt: skip
    table = Table2x2(np.array([[x1, n1 - x1], [x0, n0 - x0]]))
    low, high = table.riskratio_confint(alpha=0.05)
    assert ours["ratio"][0] == pytest.approx(table.riskratio, rel=1e-12)
    assert (ours["ratio_ci_low"][0], ours["ratio_ci_high"][0]) == pytest.approx((low, high))
    # the pooled difference of one stratum is the plain difference
    assert ours["difference"][0] == pytest.approx(x1 / n1 - x0 / n0, rel=1e-12)


def test_greenland_robins_variance_reduces_to_inverse_variance_pooling_in_large_strata():
    # In large strata the Greenland-Robins variance of log RR equals the delta-method variance
    # of the Mantel-Haenszel weighted mean (weights x0·n1/N, each stratum's Katz variance).
    x1 = np.array([[3000.0, 1200.0, 800.0]])
    n1 = np.array([[10000.0, 6000.0, 2000.0]])
    x0 = np.array([[2500.0, 2000.0, 500.0]])
    n0 = np.array([[10000.0, 8000.0, 1500.0]])
    ours = mantel_haenszel(x1, n1, x0, n0, confidence=CONFIDENCE)
    z = stats.norm.ppf(0.975)
    gr_var = (np.log(ours["ratio_ci_high"][0]) - np.log(ours["ratio"][0])) / z
    weights = (x0 * n1 / (n1 + n0))[0]
    katz = (1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)[0]
    delta = np.sqrt((weights**2 * katz).sum() / weights.sum() ** 2)
    assert gr_var == pytest.approx(delta, rel=0.02)
    # Sato's risk-difference variance against the large-strata (Greenland-Robins) formula
    w = (n1 * n0 / (n1 + n0))[0]
    var_k = (x1 * (n1 - x1) / n1**3 + x0 * (n0 - x0) / n0**3)[0]
    large = np.sqrt((w**2 * var_k).sum() / w.sum() ** 2)
    sato = (ours["difference_ci_high"][0] - ours["difference"][0]) / z
    assert sato == pytest.approx(large, rel=0.02)


def test_strata_that_cannot_compare_are_counted_not_used():
    # stratum 2: the group has no case; stratum 3: the reference has none
    x1 = np.array([[10.0, 0.0, 4.0, 12.0]])
    n1 = np.array([[50.0, 0.0, 20.0, 40.0]])
    x0 = np.array([[5.0, 7.0, 0.0, 6.0]])
    n0 = np.array([[50.0, 30.0, 0.0, 40.0]])
    ours = mantel_haenszel(x1, n1, x0, n0, confidence=CONFIDENCE)
    assert ours["strata_used"][0] == 2
    assert ours["strata_without_group"][0] == 1
    assert ours["strata_without_reference"][0] == 1
    assert ours["group_denominator"][0] == 90 and ours["reference_denominator"][0] == 90
    used = StratifiedTable(_tables(x1[0, [0, 3]], n1[0, [0, 3]], x0[0, [0, 3]], n0[0, [0, 3]]))
    assert ours["ratio"][0] == pytest.approx(used.riskratio_pooled)
    assert ours["homogeneity_dof"][0] == 1


def test_no_reference_event_gives_no_ratio_and_no_zero_width_interval():
    ours = mantel_haenszel(
        np.array([[3.0, 2.0]]), np.array([[20.0, 20.0]]),
        np.array([[0.0, 0.0]]), np.array([[20.0, 20.0]]), confidence=CONFIDENCE,
    )  # fmt: skip
    # no ratio, but (as Katz's with its zero-cell correction) an interval from the strata with
    # 0.5 added to every cell, never of width 0
    assert np.isnan(ours["ratio"][0])
    assert 0 < ours["ratio_ci_low"][0] < ours["ratio_ci_high"][0]
    assert ours["ratio_ci_high"][0] > 5
    assert np.isnan(ours["homogeneity_statistic"][0])  # pooled odds ratio infinite
    assert ours["difference_ci_low"][0] < ours["difference"][0] < ours["difference_ci_high"][0]


# -- spec ------------------------------------------------------------------------------------------


def test_control_features_round_trip_and_are_left_out_when_empty():
    spec = AuditSpec.from_dict(
        {"columns": {"sensitive_features": ["sex"], "control_features": ["region"]}}
    )
    assert spec.columns.control_features == ("region",)
    assert spec.to_dict()["columns"]["control_features"] == ["region"]
    assert AuditSpec.from_dict(spec.to_dict()) == spec
    plain = AuditSpec.from_dict({"columns": {"sensitive_features": ["sex"]}})
    assert "control_features" not in plain.to_dict()["columns"]
    assert plain.with_overrides(control_features="region, area").columns.control_features == (
        "region",
        "area",
    )


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            {"sensitive_features": ["sex", "region"], "control_features": ["region"]},
            "columns.control_features: 'region' is also a sensitive feature",
        ),
        (
            {"sensitive_features": ["sex"], "label": "y", "control_features": ["y"]},
            "columns.control_features: 'y' is already the label column",
        ),
        (
            {"sensitive_features": ["sex"], "control_features": ["region", "region"]},
            "columns.control_features: expected a list of distinct column names",
        ),
        (
            {"sensitive_features": ["sex"], "control_features": [3]},
            "columns.control_features: expected a list of distinct column names",
        ),
    ],
)
def test_bad_control_features_are_spec_errors_naming_the_field(columns, message):
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict({"columns": columns})
    assert any(e.startswith(message) for e in info.value.errors), info.value.errors


def test_labels_may_name_control_features():
    spec = AuditSpec.from_dict(
        {
            "columns": {"sensitive_features": ["sex"], "control_features": ["region"]},
            "labels": {"attributes": {"region": {"en": "Region", "zh-CN": "地区"}}},
        }
    )
    assert spec.labels["attributes"]["region"]["zh-CN"] == "地区"


# -- reading and auditing -------------------------------------------------------------------------


def _confounded(n: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Women are over-represented in the north, where everyone is flagged more often."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    sex = np.where(rng.random(n) < np.where(region == "north", 0.75, 0.3), "f", "m")
    rate = np.select([region == "north", region == "south"], [0.6, 0.3], 0.2)
    pred = (rng.random(n) < rate).astype(int)
    label = (rng.random(n) < 0.4).astype(int)
    return pd.DataFrame({"sex": sex, "region": region, "pred": pred, "label": label})


def _csv(frame: pd.DataFrame) -> io.BytesIO:
    return io.BytesIO(frame.to_csv(index=False).encode())


SPEC = {"columns": {"label": "label", "prediction": "pred", "sensitive_features": ["sex"]}}
CONTROLLED = {"columns": {**SPEC["columns"], "control_features": ["region"]}}


def test_the_reader_keeps_control_columns_as_cell_dimensions_not_attributes():
    frame = _confounded()
    frame.loc[:4, "region"] = ""
    sample = read_sample(
        _csv(frame), label="label", prediction="pred", sensitive_features=["sex"],
        control_features=["region"],
    )  # fmt: skip
    cells = sample.cells
    assert cells.attributes == ("sex",) and cells.controls == ("region",)
    assert list(cells.frame.columns) == ["sex", "region", "tp", "fp", "tn", "fn"]
    assert set(cells.frame["region"]) == {"north", "south", "east", "unknown"}
    assert sample.stats.unknown == {"sex": 0}
    assert sample.stats.columns["control_features"] == ["region"]
    plain = read_sample(_csv(frame), label="label", prediction="pred", sensitive_features=["sex"])
    pd.testing.assert_frame_equal(cells.collapsed().frame, plain.cells.frame)
    assert "control_features" not in plain.stats.columns


def test_a_missing_control_column_names_it():
    with pytest.raises(FairnessInputError) as info:
        read_sample(
            _csv(_confounded()), label="label", prediction="pred", sensitive_features=["sex"],
            control_features=["area"],
        )  # fmt: skip
    assert info.value.column == "area"


def test_a_column_both_sensitive_and_control_is_refused_by_the_counts_reader():
    with pytest.raises(FairnessInputError) as info:
        read_counts(
            io.BytesIO(b"sex,pp,pn\nf,1,2\n"), sensitive_features=["sex"], control_features=["sex"]
        )
    assert info.value.field == "control_features"


def test_controls_add_the_conditional_table_and_change_no_other_table():
    frame = _confounded()
    controlled = json.loads(audit(_csv(frame), CONTROLLED).to_json())
    plain = json.loads(audit(_csv(frame), SPEC).to_json())
    for key in plain:
        if key not in ("spec", "provenance", "conditional"):
            assert controlled[key] == plain[key], key
    assert plain["conditional"] == []
    assert "control_features" not in plain["spec"]["columns"]
    assert {r["attribute"] for r in controlled["groups"]} == {"sex"}
    rows = {r["metric"]: r for r in controlled["conditional"]}
    assert "prevalence" not in rows and "selection_rate" in rows
    selection = rows["selection_rate"]
    marginal = next(
        r for r in plain["comparisons"] if r["metric"] == "selection_rate" and r["group"] == "m"
    )
    # the marginal gap is mostly the regions': within regions the ratio is near 1
    assert marginal["ratio"] < 0.8
    assert selection["ratio_ci_low"] < 1 < selection["ratio_ci_high"]
    assert selection["association_p_value"] > 0.01
    assert selection["strata"] == 3 and selection["strata_used"] == 3
    assert selection["controls"] == "region" and selection["status"] == "ok"


def test_the_count_table_round_trip_keeps_the_strata():
    frame = _confounded()
    sample = read_sample(
        _csv(frame), label="label", prediction="pred", sensitive_features=["sex"],
        control_features=["region"],
    )  # fmt: skip
    buffer = io.BytesIO()
    write_counts_csv(sample.cells, buffer)
    assert buffer.getvalue().startswith(b"sex,region,tp,fp,tn,fn\n")
    spec = {"columns": {"sensitive_features": ["sex"], "control_features": ["region"]}}
    from_counts = audit_count_file(io.BytesIO(buffer.getvalue()), spec).table("conditional")
    from_rows = audit(_csv(frame), CONTROLLED).table("conditional")
    assert from_counts == from_rows


def test_weighted_rows_enter_as_effective_sizes_so_scaling_weights_changes_nothing():
    frame = _confounded(n=1500)
    frame["w"] = np.random.default_rng(0).uniform(0.5, 2.0, len(frame))
    spec = {"columns": {**CONTROLLED["columns"], "weight": "w"}}
    once = audit(_csv(frame), spec).table("conditional")
    frame["w"] *= 100
    scaled = audit(_csv(frame), spec).table("conditional")
    for a, b in zip(once, scaled, strict=True):
        assert a["status"] == b["status"]
        for key in ("ratio", "ratio_ci_low", "ratio_ci_high", "association_p_value"):
            assert a[key] == pytest.approx(b[key], rel=1e-9), key


def test_a_score_sample_is_stratified_on_the_rate_metrics_its_cells_carry():
    frame = _confounded()
    frame["score"] = np.random.default_rng(1).random(len(frame))
    columns = {"label": "label", "score": "score", "threshold": ">=0.5",
               "sensitive_features": ["sex"], "control_features": ["region"]}  # fmt: skip
    rows = audit(_csv(frame), {"columns": columns}).table("conditional")
    assert {r["metric"] for r in rows} >= {"selection_rate", "true_positive_rate"}
    assert "scoring_rate" not in {r["metric"] for r in rows}


def test_association_p_values_are_adjusted_per_family_each_test_once():
    rows = audit(_csv(_confounded()), CONTROLLED).table("conditional")
    by_metric = {r["metric"]: r for r in rows}
    # true positive and false negative rate comparisons are one test: the same adjusted p
    tpr, fnr = by_metric["true_positive_rate"], by_metric["false_negative_rate"]
    assert tpr["association_p_value"] == fnr["association_p_value"]
    assert tpr["association_p_adjusted"] == fnr["association_p_adjusted"]
    assert all(r["association_p_adjusted"] >= r["association_p_value"] for r in rows)
    assert by_metric["selection_rate"]["family"] == "checks"
    assert fnr["family"] == tpr["family"]


def test_the_cli_takes_control_columns_for_audits_and_count_tables(tmp_path):
    from fairness.cli import EXIT_OK, main

    sample = tmp_path / "sample.csv"
    _confounded().to_csv(sample, index=False)
    mapping = ["--label", "label", "--prediction", "pred", "--sensitive", "sex"]
    direct = tmp_path / "direct.json"
    args = ["audit", str(sample), *mapping, "--control", "region", "--format", "json"]
    assert main([*args, "--output", str(direct)]) == EXIT_OK
    counts = tmp_path / "counts.csv"
    assert main(["counts", str(sample), *mapping, "--control", "region",
                 "--output", str(counts)]) == EXIT_OK  # fmt: skip
    assert counts.read_text().startswith("sex,region,tp,fp,tn,fn\n")
    from_counts = tmp_path / "from_counts.json"
    assert main(["audit", str(counts), "--counts", "--sensitive", "sex", "--control", "region",
                 "--format", "json", "--output", str(from_counts)]) == EXIT_OK  # fmt: skip
    rows = json.loads(direct.read_text())["conditional"]
    assert rows and rows == json.loads(from_counts.read_text())["conditional"]


def test_against_overall_a_group_is_compared_with_the_rest_within_each_stratum():
    frame = _confounded()
    rows = audit(_csv(frame), {**CONTROLLED, "reference": "overall"}).table("conditional")
    row = next(r for r in rows if r["metric"] == "selection_rate" and r["group"] == "f")
    assert row["reference"] == "overall"
    tables = []
    for _, part in frame.groupby("region"):
        f, m = part[part["sex"] == "f"], part[part["sex"] == "m"]
        tables.append(_tables(f["pred"].sum(), len(f), m["pred"].sum(), len(m)))
    expected = StratifiedTable(np.dstack(tables))
    assert row["ratio"] == pytest.approx(expected.riskratio_pooled, rel=1e-9)
    null = expected.test_null_odds(correction=False)
    assert row["association_statistic"] == pytest.approx(null.statistic, rel=1e-9)


def test_a_control_column_with_too_many_values_is_refused_as_a_control():
    frame = _confounded(n=400)
    frame["region"] = [f"r{i}" for i in range(len(frame))]
    with pytest.raises(FairnessInputError) as info:
        read_sample(
            _csv(frame), label="label", prediction="pred", sensitive_features=["sex"],
            control_features=["region"], max_groups=100,
        )  # fmt: skip
    assert info.value.column == "region"
    assert info.value.message.startswith("Control column 'region' has more than 100 distinct")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 40), st.integers(0, 40)),
        min_size=1,
        max_size=6,
    )
)
def test_random_strata_give_statsmodels_ratio_and_no_zero_width_interval(strata):
    """Random strata, empty sides and zero events included: the strata used are those where
    both sides have cases; the ratio is statsmodels' on them; an interval is never of width 0."""
    x1 = np.array([[min(a, b) for a, b, _, _ in strata]], dtype=float)
    n1 = np.array([[b for _, b, _, _ in strata]], dtype=float)
    x0 = np.array([[min(c, d) for _, _, c, d in strata]], dtype=float)
    n0 = np.array([[d for _, _, _, d in strata]], dtype=float)
    ours = mantel_haenszel(x1, n1, x0, n0, confidence=CONFIDENCE)
    used = (n1[0] > 0) & (n0[0] > 0)
    assert ours["strata_used"][0] == used.sum()
    assert ours["strata_used"][0] + ours["strata_without_group"][0] + ours[
        "strata_without_reference"
    ][0] == len(strata)
    low, high = ours["ratio_ci_low"][0], ours["ratio_ci_high"][0]
    if not np.isnan(low):
        assert low < high
    d_low, d_high = ours["difference_ci_low"][0], ours["difference_ci_high"][0]
    if not np.isnan(d_low):
        assert d_low < d_high or d_low == d_high == 1.0 or d_low == d_high == -1.0
    s = (x0[0] * n1[0] / np.where(used, n1[0] + n0[0], 1.0))[used].sum()
    if used.any() and s > 0:
        table = StratifiedTable(_tables(x1[0, used], n1[0, used], x0[0, used], n0[0, used]))
        assert ours["ratio"][0] == pytest.approx(table.riskratio_pooled, rel=1e-9)
    else:
        assert np.isnan(ours["ratio"][0])


def test_all_events_on_both_sides_give_an_interval_around_one_not_a_point():
    ours = mantel_haenszel(
        np.array([[3.0, 5.0]]), np.array([[3.0, 5.0]]),
        np.array([[4.0, 2.0]]), np.array([[4.0, 2.0]]), confidence=CONFIDENCE,
    )  # fmt: skip
    assert ours["ratio"][0] == 1.0
    assert ours["ratio_ci_low"][0] < 1.0 < ours["ratio_ci_high"][0]
    assert ours["difference_ci_low"][0] < 0.0 < ours["difference_ci_high"][0]
    katz_low, katz_high = katz_ratio_arrays(
        np.array([3.0]), np.array([3.0]), np.array([4.0]), np.array([4.0])
    )
    single = mantel_haenszel(
        np.array([[3.0]]), np.array([[3.0]]), np.array([[4.0]]), np.array([[4.0]]),
        confidence=CONFIDENCE,
    )  # fmt: skip
    # one stratum: the same corrected interval as the comparisons' Katz interval
    assert single["ratio_ci_low"][0] == pytest.approx(katz_low[0])
    assert single["ratio_ci_high"][0] == pytest.approx(katz_high[0])
