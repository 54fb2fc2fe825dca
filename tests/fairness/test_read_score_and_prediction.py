"""A sample with its own predictions AND a score column: counts come from the predictions, the
scores are kept for the score metrics (AUC, LL144 scoring rate) instead of being ignored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import fairness


def _sample(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    n = 600
    label = rng.random(n) < 0.4
    score = rng.random(n) * 0.5 + 0.4 * label
    frame = pd.DataFrame(
        {
            "group": rng.choice(["a", "b"], size=n),
            "outcome": label.astype(int),
            "flag": (rng.random(n) < 0.3).astype(int),  # predictions unrelated to the score
            "score": score.round(6),
        }
    )
    path = tmp_path / "sample.csv"
    frame.to_csv(path, index=False)
    return path


def test_counts_come_from_the_prediction_column_and_scores_are_kept(tmp_path):
    path = _sample(tmp_path)
    raw = pd.read_csv(path)
    sample = fairness.read_sample(
        path, label="outcome", prediction="flag", score="score", sensitive_features=["group"]
    )
    expected = (
        raw.assign(
            tp=(raw.outcome == 1) & (raw.flag == 1),
            fp=(raw.outcome == 0) & (raw.flag == 1),
            tn=(raw.outcome == 0) & (raw.flag == 0),
            fn=(raw.outcome == 1) & (raw.flag == 0),
        )
        .groupby("group")[["tp", "fp", "tn", "fn"]]
        .sum()
        .reset_index()
    )
    got = sample.cells.frame[["group", "tp", "fp", "tn", "fn"]].reset_index(drop=True)
    assert got.astype({"group": object}).equals(expected.astype({"group": object}))
    assert sample.scores is not None
    assert len(sample.scores.frame) == len(raw)
    assert sorted(sample.scores.frame["score"]) == sorted(raw["score"])


def test_audit_reports_score_metrics_when_predictions_are_given(tmp_path):
    path = _sample(tmp_path)
    spec = {
        "columns": {
            "label": "outcome",
            "prediction": "flag",
            "score": "score",
            "sensitive_features": ["group"],
        }
    }
    metrics = {row["metric"] for row in fairness.audit(path, spec).to_dict()["metrics"]}
    assert {"roc_auc", "scoring_rate", "selection_rate"} <= metrics
