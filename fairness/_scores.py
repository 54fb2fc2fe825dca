"""The score path of the reader: keep the scores (for score metrics) and reduce the rows to cells.

Predictions come from the threshold rule applied to all kept scores at once, or, when the sample
has its own prediction column and no rule, from that column (the scores then serve AUC and the
LL144 scoring rate only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairness._arguments import Plan
from fairness._cells import CellAccumulator
from fairness._columns import GroupEncoder

#: Per chunk: group codes (rows x attributes), scores, label codes (or empty), weights (or None),
#: prediction codes from the prediction column (or empty when a threshold rule derives them).
ScoreParts = list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]]


def finish_scores(
    parts: ScoreParts,
    groups: list[GroupEncoder],
    cells: CellAccumulator,
    plan: Plan,
    label_map: np.ndarray,
    warnings: list[str],
    *,
    has_labels: bool,
) -> pd.DataFrame:
    """Add the rows to ``cells`` and return the score frame (``ScoreTable.frame``).

    With a threshold rule, predictions are the rule applied to all scores (a top-k cut with ties
    selects more rows, with a warning); without one, they are the prediction column's codes."""
    threshold = plan.threshold
    k = len(groups)
    codes = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, k), np.int32)
    scores = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    weights = (
        np.concatenate([p[3] for p in parts])  # type: ignore[misc]
        if plan.weight is not None and parts
        else None
    )
    if threshold is not None:
        predicted, wanted = threshold.apply(scores)
        selected = int(predicted.sum())
        if wanted is not None and selected > wanted:
            warnings.append(
                f"Threshold {threshold.to_str()} asked for {wanted} rows; {selected} were "
                f"selected because rows with a score equal to the cut are all selected."
            )
        outcome = predicted.astype(np.int64)
    else:
        outcome = (
            np.concatenate([p[4] for p in parts]).astype(np.int64)
            if parts
            else np.zeros(0, np.int64)
        )
    labels = None
    if has_labels:
        raw_labels = np.concatenate([p[2] for p in parts]).astype(np.int64)
        labels = label_map[raw_labels]
        outcome = raw_labels * 2 + outcome
    sizes = [len(g.values) for g in groups]
    cells.add([codes[:, j] for j in range(k)], sizes, outcome, weights)
    frame: dict[str, object] = {}
    for j, g in enumerate(groups):
        frame[g.column] = pd.Categorical.from_codes(codes[:, j], categories=g.values)
    frame["score"] = scores.astype(np.float64)
    if labels is not None:
        frame["label"] = labels.astype(np.int8)
    if weights is not None:
        frame["weight"] = weights.astype(np.float64)
    return pd.DataFrame(frame)
