"""Test factories: build CellTables (and ScoreTables) from raw arrays with a pandas group-by."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from fairness import CellTable, ReadStats, Sample, ScoreTable


def rows_frame(
    sensitive: Mapping[str, Sequence[str]],
    y_pred: Sequence[int],
    y_true: Sequence[int] | None = None,
) -> pd.DataFrame:
    frame = pd.DataFrame({k: list(v) for k, v in sensitive.items()})
    frame["y_pred"] = np.asarray(y_pred, dtype=int)
    if y_true is not None:
        frame["y_true"] = np.asarray(y_true, dtype=int)
    return frame


def cell_table(
    sensitive: Mapping[str, Sequence[str]],
    y_pred: Sequence[int],
    y_true: Sequence[int] | None = None,
    weight: Sequence[float] | None = None,
) -> CellTable:
    """Per-cell confusion counts of raw rows, the way the reader reduces a file."""
    frame = rows_frame(sensitive, y_pred, y_true)
    attributes = list(sensitive)
    w = np.ones(len(frame)) if weight is None else np.asarray(weight, dtype=float)
    p = frame["y_pred"].to_numpy() == 1
    if y_true is None:
        frame["pp"], frame["pn"] = np.where(p, w, 0), np.where(p, 0, w)
        columns = ["pp", "pn"]
    else:
        t = frame["y_true"].to_numpy() == 1
        frame["tp"] = np.where(p & t, w, 0)
        frame["fp"] = np.where(p & ~t, w, 0)
        frame["tn"] = np.where(~p & ~t, w, 0)
        frame["fn"] = np.where(~p & t, w, 0)
        columns = ["tp", "fp", "tn", "fn"]
    cells = frame.groupby(attributes, sort=True, as_index=False)[columns].sum()
    squares = None
    if weight is None:
        cells[columns] = cells[columns].astype("int64")
    else:  # sums of squared weights, as the reader keeps them (Kish effective sizes)
        squared = frame.copy()
        squared[columns] = (frame[columns].to_numpy(dtype=float) * w[:, None]).astype(float)
        squares = squared.groupby(attributes, sort=True, as_index=False)[columns].sum()
    return CellTable(
        tuple(attributes),
        cells,
        has_labels=y_true is not None,
        weighted=weight is not None,
        squares=squares,
    )


def score_sample(
    sensitive: Mapping[str, Sequence[str]],
    scores: Sequence[float],
    y_true: Sequence[int],
    threshold: float,
) -> Sample:
    """A Sample with a ScoreTable: predictions are ``score >= threshold``."""
    y_pred = (np.asarray(scores) >= threshold).astype(int)
    cells = cell_table(sensitive, y_pred, y_true)
    frame = pd.DataFrame({k: list(v) for k, v in sensitive.items()})
    frame["score"] = np.asarray(scores, dtype=float)
    frame["label"] = np.asarray(y_true, dtype="int8")
    n = len(frame)
    stats = ReadStats(sha256=None, source_format="csv", rows_read=n, rows_used=n)
    return Sample(cells=cells, scores=ScoreTable(cells.attributes, frame), stats=stats)
