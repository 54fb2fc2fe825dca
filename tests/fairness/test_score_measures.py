"""Score measures: calibration within groups, DeLong's AUC comparison, the KS test.

Every hand-written computation is checked against a library (sklearn, scipy, statsmodels) or a
brute-force definition on small data.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.proportion import proportion_confint

import fairness
from fairness import AuditSpec, SpecError, parse_note
from fairness._calibration import calibration, spiegelhalter_z
from fairness._score_tests import GroupScores, delong_auc, delong_difference, ks_test
from fairness._significance import adjust_p_array


def _probabilities(n: int, seed: int, *, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = np.sort(rng.beta(2, 3, n))  # the functions read one group's scores sorted
    if ties:
        s = np.round(s, 1)  # many scores exactly on the bin edges 0.1, 0.2, ...
    return s, (rng.random(n) < s).astype(int)


# -- calibration ----------------------------------------------------------------------------------
@pytest.mark.parametrize("ties", [False, True])
def test_reliability_bins_match_sklearn_calibration_curve(ties):
    s, y = _probabilities(3000, 1, ties=ties)
    c = calibration(s, y, None, bins=10)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
    assert [b["observed_rate"] for b in c.bins] == pytest.approx(prob_true, abs=1e-12)
    assert [b["mean_score"] for b in c.bins] == pytest.approx(prob_pred, abs=1e-12)
    assert sum(b["n"] for b in c.bins) == len(s)


def test_bin_intervals_are_wilson_intervals_of_the_bin():
    s, y = _probabilities(800, 2)
    for b in calibration(s, y, None, bins=5, confidence=0.9).bins:
        k = round(b["observed_rate"] * b["n"])
        low, high = proportion_confint(k, b["n"], alpha=0.1, method="wilson")
        assert (b["ci_low"], b["ci_high"]) == pytest.approx((low, high), abs=1e-9)


def test_brier_score_matches_sklearn_with_and_without_weights():
    s, y = _probabilities(500, 3)
    w = np.random.default_rng(3).uniform(0.2, 3.0, len(s))
    assert calibration(s, y, None).brier == pytest.approx(brier_score_loss(y, s))
    assert calibration(s, y, w).brier == pytest.approx(brier_score_loss(y, s, sample_weight=w))


def test_ece_is_the_weighted_mean_gap_of_the_bins():
    s, y = _probabilities(700, 4)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], s), minlength=10)
    counts = counts[counts > 0]
    expected = float(np.sum(counts * np.abs(prob_true - prob_pred)) / len(s))
    assert calibration(s, y, None).ece == pytest.approx(expected)


def test_spiegelhalter_z_matches_a_direct_scipy_computation():
    s, y = _probabilities(400, 5)
    numerator = sum((yi - si) * (1 - 2 * si) for si, yi in zip(s, y, strict=True))
    variance = sum((1 - 2 * si) ** 2 * si * (1 - si) for si in s)
    z = numerator / math.sqrt(variance)
    got_z, got_p = spiegelhalter_z(s, y)
    assert got_z == pytest.approx(z)
    assert got_p == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_miscalibrated_scores_are_detected_and_calibrated_ones_are_not():
    rng = np.random.default_rng(6)
    s = np.sort(rng.uniform(0.05, 0.95, 20_000))
    honest = (rng.random(len(s)) < s).astype(int)
    inflated = (rng.random(len(s)) < s * 0.7).astype(int)
    assert calibration(s, honest, None).p_value > 0.01
    low = calibration(s, inflated, None)
    assert low.p_value < 1e-6
    assert low.ece > 0.1


def test_spiegelhalter_z_is_undefined_when_every_score_is_a_half_or_certain():
    z, p = spiegelhalter_z(np.array([0.0, 0.5, 1.0]), np.array([0, 1, 1]))
    assert math.isnan(z) and math.isnan(p)


def test_integer_weights_give_the_means_of_repeated_rows_and_scaling_changes_nothing():
    s, y = _probabilities(300, 7)
    w = np.random.default_rng(7).integers(1, 4, len(s)).astype(float)
    weighted = calibration(s, y, w)
    repeated = calibration(np.repeat(s, w.astype(int)), np.repeat(y, w.astype(int)), None)
    assert weighted.brier == pytest.approx(repeated.brier)
    assert weighted.ece == pytest.approx(repeated.ece)
    assert [b["n"] for b in weighted.bins] == [b["n"] for b in repeated.bins]
    scaled = calibration(s, y, w * 17.5)
    assert scaled.statistic == pytest.approx(weighted.statistic)
    assert [b["ci_low"] for b in scaled.bins] == pytest.approx([b["ci_low"] for b in weighted.bins])


# -- DeLong ---------------------------------------------------------------------------------------
def _brute_force_delong(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """AUC and DeLong's variance by the O(n²) placement values of DeLong et al. (1988)."""
    x, z = s[y == 1], s[y == 0]
    psi = np.array([[1.0 if a > b else 0.5 if a == b else 0.0 for b in z] for a in x])
    auc = psi.mean()
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return auc, v10.var(ddof=1) / len(x) + v01.var(ddof=1) / len(z)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delong_matches_brute_force_placement_values_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = (rng.random(60) < 0.4).astype(int)
    s = np.round(rng.random(60) * 0.6 + 0.3 * y, 1)  # coarse scores: many ties across classes
    result = delong_auc(s, y)
    auc, variance = _brute_force_delong(s, y)
    assert result.auc == pytest.approx(auc)
    assert result.auc == pytest.approx(roc_auc_score(y, s))
    assert result.variance == pytest.approx(variance)


def test_weighted_delong_auc_matches_sklearn_and_unit_weights_change_nothing():
    rng = np.random.default_rng(4)
    y = (rng.random(500) < 0.3).astype(int)
    s = np.round(rng.random(500) + 0.4 * y, 2)
    w = rng.uniform(0.1, 5, 500)
    assert delong_auc(s, y, w).auc == pytest.approx(roc_auc_score(y, s, sample_weight=w))
    plain, unit = delong_auc(s, y), delong_auc(s, y, np.ones(500))
    assert (unit.auc, unit.variance) == pytest.approx((plain.auc, plain.variance))
    scaled = delong_auc(s, y, w * 9)
    assert scaled.variance == pytest.approx(delong_auc(s, y, w).variance)


def test_weighted_delong_variance_matches_weighted_placement_values_by_brute_force():
    rng = np.random.default_rng(15)
    y = (rng.random(80) < 0.4).astype(int)
    s = np.round(rng.random(80) * 0.6 + 0.3 * y, 1)
    w = rng.uniform(0.2, 4, 80)
    x, z, wx, wz = s[y == 1], s[y == 0], w[y == 1], w[y == 0]
    psi = np.array([[1.0 if a > b else 0.5 if a == b else 0.0 for b in z] for a in x])
    v10, v01 = psi @ wz / wz.sum(), wx @ psi / wx.sum()
    auc = float(wx @ v10 / wx.sum())
    m, n = wx.sum() ** 2 / (wx @ wx), wz.sum() ** 2 / (wz @ wz)
    variance = (wx**2 @ (v10 - auc) ** 2) / wx.sum() ** 2 * m / (m - 1) + (
        wz**2 @ (v01 - auc) ** 2
    ) / wz.sum() ** 2 * n / (n - 1)
    result = delong_auc(s, y, w)
    assert (result.auc, result.variance) == (pytest.approx(auc), pytest.approx(variance))
    assert (result.positives, result.negatives) == (pytest.approx(m), pytest.approx(n))


def test_delong_auc_is_undefined_without_both_classes():
    assert math.isnan(delong_auc(np.array([0.1, 0.2]), np.array([1, 1])).auc)


def test_delong_difference_is_a_z_test_of_independent_aucs():
    rng = np.random.default_rng(9)
    y1, y2 = (rng.random(400) < 0.5).astype(int), (rng.random(300) < 0.5).astype(int)
    a = delong_auc(rng.random(400) + 0.8 * y1, y1)
    b = delong_auc(rng.random(300) + 0.3 * y2, y2)
    d, low, high, z, p = delong_difference(a, b, confidence=0.95)
    se = math.sqrt(a.variance + b.variance)
    assert d == pytest.approx(a.auc - b.auc)
    assert z == pytest.approx(d / se)
    assert p == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert (low, high) == pytest.approx((d - stats.norm.ppf(0.975) * se, d + 1.959964 * se))


# -- KS -------------------------------------------------------------------------------------------
def _group(scores, weights=None) -> GroupScores:
    order = np.argsort(scores, kind="stable")
    w = None if weights is None else np.asarray(weights, dtype=float)[order]
    return GroupScores("g", np.asarray(scores, dtype=float)[order], None, w)


def test_unweighted_ks_is_scipy_ks_2samp():
    rng = np.random.default_rng(10)
    a, b = rng.normal(0, 1, 300), rng.normal(0.3, 1, 250)
    d, p, test = ks_test(_group(a), _group(b))
    expected = stats.ks_2samp(a, b)
    assert (d, p, test) == (
        pytest.approx(expected.statistic),
        pytest.approx(expected.pvalue),
        "ks_2samp",
    )


def test_large_unweighted_ks_reads_the_sorted_scores_and_agrees_with_ks_2samp():
    rng = np.random.default_rng(14)
    a, b = np.round(rng.normal(0, 1, 30_000), 2), np.round(rng.normal(0.02, 1, 12_000), 2)
    d, p, test = ks_test(_group(a), _group(b))  # beyond 10,000 rows a side: asymptotic
    expected = stats.ks_2samp(a, b)
    assert (d, p, test) == (
        pytest.approx(expected.statistic),
        pytest.approx(expected.pvalue),
        "ks_2samp",
    )


def test_weighted_ks_statistic_is_that_of_the_repeated_rows():
    rng = np.random.default_rng(11)
    a, b = np.round(rng.normal(0, 1, 200), 1), np.round(rng.normal(0.2, 1, 150), 1)
    wa, wb = rng.integers(1, 4, 200), rng.integers(1, 4, 150)
    d, p, test = ks_test(_group(a, wa), _group(b, wb))
    expected = stats.ks_2samp(np.repeat(a, wa), np.repeat(b, wb)).statistic
    assert d == pytest.approx(expected)
    assert test == "ks_weighted"
    assert 0 <= p <= 1


# -- through the audit ----------------------------------------------------------------------------
def _sample(tmp_path: Path, *, score_scale: float = 1.0, weights: bool = False) -> Path:
    rng = np.random.default_rng(12)
    n = 4000
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    score = rng.beta(2, 3, n)
    truth = np.where(group == "b", score * 0.6, score)  # b's scores overstate its outcome rate
    frame = pd.DataFrame(
        {
            "group": group,
            "outcome": (rng.random(n) < truth).astype(int),
            "score": (score * score_scale).round(6),
        }
    )
    if weights:
        frame["w"] = rng.uniform(0.5, 2, n).round(3)
    path = tmp_path / "sample.csv"
    frame.to_csv(path, index=False)
    return path


def _spec(**extra) -> dict:
    columns = {
        "label": "outcome",
        "score": "score",
        "threshold": ">=0.5",
        "sensitive_features": ["group"],
    }
    return {"columns": columns, "bootstrap_replicates": 0, **extra}


def test_audit_reports_the_score_measures_against_the_largest_group(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec())
    calibration_rows = {r["group"]: r for r in report.table("calibration")}
    assert set(calibration_rows) == {"a", "b", "c"}
    assert calibration_rows["b"]["p_value"] < 0.05 < calibration_rows["a"]["p_value"]
    assert calibration_rows["b"]["ece"] > 0.1 > calibration_rows["a"]["ece"]
    assert {r["group"] for r in report.table("calibration_bins")} == {"a", "b", "c"}
    comparisons = report.table("score_comparisons")
    assert {(r["measure"], r["group"], r["reference"]) for r in comparisons} == {
        ("roc_auc", "b", "a"), ("roc_auc", "c", "a"), ("ks", "b", "a"), ("ks", "c", "a"),
    }  # fmt: skip
    assert report.provenance["score_measures"] == ["calibration", "roc_auc_comparison", "ks"]
    assert report.to_dict()["schema_version"] == 3


def test_a_named_reference_group_is_the_reference_of_the_score_comparisons(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec(reference_groups={"group": "c"}))
    assert {r["reference"] for r in report.table("score_comparisons")} == {"c"}


def test_p_values_are_adjusted_within_each_measure_family(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec(correction="holm"))
    rows = report.table("calibration")
    p = np.array([r["p_value"] for r in rows])
    assert [r["p_adjusted"] for r in rows] == pytest.approx(
        adjust_p_array(p, method="holm").tolist()
    )
    assert {r["family"] for r in report.table("score_comparisons")} == {"roc_auc_delong", "ks"}


def test_weighted_audit_reads_weights_in_every_measure(tmp_path):
    report = fairness.audit(_sample(tmp_path, weights=True), _spec(columns={
        "label": "outcome", "score": "score", "threshold": ">=0.5", "weight": "w",
        "sensitive_features": ["group"],
    }))  # fmt: skip
    assert {r["test"] for r in report.table("score_comparisons")} == {"delong", "ks_weighted"}
    raw = pd.read_csv(tmp_path / "sample.csv")
    a = raw[raw.group == "a"]
    row = next(r for r in report.table("calibration") if r["group"] == "a")
    assert row["brier"] == pytest.approx(brier_score_loss(a.outcome, a.score, sample_weight=a.w))


def test_scores_outside_0_1_skip_calibration_with_a_note(tmp_path):
    report = fairness.audit(_sample(tmp_path, score_scale=10), _spec())
    assert report.table("calibration") == [] and report.table("calibration_bins") == []
    assert report.table("score_comparisons")
    notes = [parse_note(n) for n in report.notes]
    skipped = [n for n in notes if n and n["code"] == "calibration_skipped"]
    assert skipped and skipped[0]["params"]["high"] > 1


def test_asking_for_calibration_with_scores_outside_0_1_names_the_entry(tmp_path):
    with pytest.raises(SpecError) as caught:
        fairness.audit(
            _sample(tmp_path, score_scale=10), _spec(score_measures=["ks", "calibration"])
        )
    assert caught.value.errors[0].startswith(
        "score_measures[1]: 'calibration' needs scores between 0 and 1"
    )


def test_asking_for_a_score_measure_without_scores_names_the_entry(tmp_path):
    path = tmp_path / "s.csv"
    pd.DataFrame({"g": ["a", "b"] * 20, "y": [0, 1] * 20, "p": [1, 0] * 20}).to_csv(
        path, index=False
    )
    spec = {"columns": {"label": "y", "prediction": "p", "sensitive_features": ["g"]},
            "score_measures": ["roc_auc_comparison"], "bootstrap_replicates": 0}  # fmt: skip
    with pytest.raises(SpecError, match=r"score_measures\[0\]: 'roc_auc_comparison' needs a score"):
        fairness.audit(path, spec)


def test_only_the_measures_asked_for_are_computed(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec(score_measures=["ks"], calibration_bins=4))
    assert report.table("calibration") == []
    assert {r["measure"] for r in report.table("score_comparisons")} == {"ks"}


def test_calibration_bins_follow_the_spec(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec(calibration_bins=4))
    assert {r["bins"] for r in report.table("calibration")} == {4}
    assert {r["bin_high"] for r in report.table("calibration_bins")} <= {0.25, 0.5, 0.75, 1.0}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("calibration_bins", 1, "calibration_bins: expected a whole number from 2 to 100"),
        ("calibration_bins", 10.5, "calibration_bins: expected a whole number from 2 to 100"),
        ("score_measures", ["gini"], "score_measures[0]: expected one of 'calibration'"),
        ("score_measures", "ks", "score_measures: expected a list of distinct score measure names"),
        ("score_measures", ["ks", "ks"], "score_measures: expected a list of distinct"),
    ],
)
def test_bad_score_measure_settings_name_the_field(field, value, message):
    with pytest.raises(SpecError) as caught:
        AuditSpec.from_dict({field: value})
    assert any(e.startswith(message) for e in caught.value.errors)


def test_spec_round_trips_and_leaves_the_defaults_out():
    assert "score_measures" not in AuditSpec().to_dict()
    assert "calibration_bins" not in AuditSpec().to_dict()
    spec = AuditSpec.from_dict({"score_measures": ["ks"], "calibration_bins": 5})
    assert AuditSpec.from_dict(spec.to_dict()) == spec


def test_groups_of_an_intersection_each_get_their_sorted_scores(tmp_path):
    rng = np.random.default_rng(13)
    n = 2000
    frame = pd.DataFrame({
        "x": rng.choice(["p", "q"], n), "z": rng.choice(["u", "v", "w"], n),
        "y": (rng.random(n) < 0.4).astype(int), "s": rng.random(n).round(3),
    })  # fmt: skip
    path = tmp_path / "i.csv"
    frame.to_csv(path, index=False)
    columns = {"label": "y", "score": "s", "threshold": ">=0.5", "sensitive_features": ["x", "z"]}
    spec = {"columns": columns, "bootstrap_replicates": 0}
    report = fairness.audit(path, spec)
    for row in report.table("calibration"):
        if row["attribute"] != "x & z":
            continue
        x, z = row["group"].split(" & ")
        part = frame[(frame.x == x) & (frame.z == z)]
        assert row["brier"] == pytest.approx(brier_score_loss(part.y, part.s))
    for row in report.table("score_comparisons"):
        if row["attribute"] == "x & z" and row["measure"] == "roc_auc":
            x, z = row["group"].split(" & ")
            part = frame[(frame.x == x) & (frame.z == z)]
            assert row["value"] == pytest.approx(roc_auc_score(part.y, part.s))


def test_every_pair_of_small_groups_is_compared_exactly_once(tmp_path):
    report = fairness.audit(_sample(tmp_path), _spec())
    keys = [(r["measure"], r["group"]) for r in report.table("score_comparisons")]
    assert len(keys) == len(set(keys)) == len(list(itertools.product(["roc_auc", "ks"], "bc")))
