"""The numpy backend (default) and the fairlearn backend (the definition) give the same report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm

from fairness import AuditSpec, CellTable, SpecError, audit, audit_count_file, audit_counts
from tests.fairness.celltables import cell_table, score_sample
from tests.fairness.test_metrics import RAW_FUNCTIONS

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "predictions"


def _raw(seed=3, n=2500):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m", "unknown"], n, p=[0.45, 0.5, 0.05])
    race = rng.choice(["a", "b", "c", "d"], n, p=[0.6, 0.3, 0.08, 0.02])
    y_true = rng.integers(0, 2, n)
    y_pred = (rng.random(n) < np.where(sex == "f", 0.15, 0.3)).astype(int)
    return {"sex": list(sex), "race": list(race)}, y_true, y_pred, rng


def _fixtures():
    sensitive, y_true, y_pred, rng = _raw()
    weights = rng.random(len(y_true)) * 3
    scores = rng.random(len(y_true)) + 0.3 * y_true
    selection = pd.DataFrame({"g": ["m", "f", "x", "unknown"], "pp": [400, 300, 5, 40],
                              "pn": [600, 700, 10, 40]})  # fmt: skip
    zero_cells = cell_table(
        {"g": ["a"] * 40 + ["b"] * 40 + ["c"] * 3},
        y_pred=[1, 0] * 40 + [0] * 3,
        y_true=[1] * 40 + [0] * 40 + [1] * 3,
    )
    return {
        "labelled": (cell_table(sensitive, y_pred, y_true), {"bootstrap_replicates": 100}),
        "weighted_adverse": (
            cell_table(sensitive, y_pred, y_true, weights),
            {"favourable_outcome": "adverse", "reference": "overall", "bootstrap_replicates": 50},
        ),
        "unlabelled": (cell_table(sensitive, y_pred), {"preset": "four-fifths"}),
        "ll144": (CellTable(("g",), selection, has_labels=False), {"preset": "ll144"}),
        "scores": (score_sample(sensitive, scores, y_true, 0.8), {"bootstrap_replicates": 50}),
        "zero_cells": (zero_cells, {"reference": "largest", "bootstrap_replicates": 20}),
    }


def _without_backend(report) -> str:
    data = json.loads(report.to_json())
    assert data["provenance"].pop("metric_backend") in ("numpy", "fairlearn")
    data["spec"].pop("metric_backend", None)
    return json.dumps(data, sort_keys=True)


@pytest.mark.parametrize("name", list(_fixtures()))
def test_backends_give_byte_identical_reports(name):
    data, overrides = _fixtures()[name]
    fast = audit_counts(data, **overrides)
    slow = audit_counts(data, metric_backend="fairlearn", **overrides)
    assert fast.provenance["metric_backend"] == "numpy"
    assert slow.provenance["metric_backend"] == "fairlearn"
    assert slow.spec["metric_backend"] == "fairlearn" and "metric_backend" not in fast.spec
    assert _without_backend(fast) == _without_backend(slow)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no samples/predictions")
@pytest.mark.parametrize(
    "spec", sorted(SAMPLES.glob("*.spec.json")) if SAMPLES.is_dir() else [], ids=lambda p: p.name
)
def test_backends_agree_on_the_sample_files(spec):
    stem = spec.name[: -len(".spec.json")]
    (data,) = [p for p in SAMPLES.glob(stem + ".*") if p != spec]
    run = audit_count_file if data.name.endswith(".counts.csv") else audit
    fast, slow = run(data, spec), run(data, spec, metric_backend="fairlearn")
    assert _without_backend(fast) == _without_backend(slow)


def test_per_metric_summaries_equal_metricframe_difference_and_ratio():
    sensitive, y_true, y_pred, _ = _raw(seed=8, n=4000)
    report = audit_counts(cell_table(sensitive, y_pred, y_true), bootstrap_replicates=0)
    rows = {(r["attribute"], r["summary"]): r["value"] for r in report.table("summaries")}
    for attribute in ("sex", "race"):
        frame = flm.MetricFrame(
            metrics=RAW_FUNCTIONS, y_true=y_true, y_pred=y_pred,
            sensitive_features=pd.Series(sensitive[attribute], name=attribute),
        )  # fmt: skip
        difference, ratio = frame.difference(), frame.ratio()
        for metric in RAW_FUNCTIONS:
            assert rows[(attribute, f"{metric}_difference")] == pytest.approx(
                difference[metric], abs=1e-11
            )
            assert rows[(attribute, f"{metric}_ratio")] == pytest.approx(ratio[metric], abs=1e-11)
    value = flm.equalized_odds_ratio(y_true, y_pred, sensitive_features=sensitive["race"])
    assert rows[("race", "equalized_odds_ratio")] == pytest.approx(value, abs=1e-11)


def test_metric_backend_is_a_validated_spec_field_left_out_when_default():
    assert "metric_backend" not in AuditSpec().to_dict()
    spec = AuditSpec.from_dict({"metric_backend": "fairlearn"})
    assert spec.to_dict()["metric_backend"] == "fairlearn"
    assert AuditSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecError) as info:
        AuditSpec.from_dict({"metric_backend": "sklearn"})
    assert info.value.errors == [
        "metric_backend: expected one of 'numpy', 'fairlearn', got 'sklearn'"
    ]
