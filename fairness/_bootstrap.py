"""Between-group summaries (max-min difference, min/max ratio) with multinomial bootstrap intervals.

A row bootstrap of a count-based metric only changes how many rows fall in each confusion cell, so
it is drawn directly: for every finest cell of the sample (one combination of sensitive values),
``rng.multinomial(n, p, size=B)`` over its confusion cells, with ``n`` the cell's row count and
``p`` its observed cell shares. Group sizes stay fixed (a stratified bootstrap), so no group
disappears from a replicate. Every attribute and intersection aggregates the same replicates, and
each summary is computed per replicate; the interval is the percentile interval. Cost is
O(cells × B), independent of the number of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairness._metrics import METRICS

#: Replicates drawn per chunk are capped so the draws hold at most this many integers in memory.
_MAX_DRAWN_VALUES = 20_000_000

BOOTSTRAP = "multinomial_bootstrap"


@dataclass(frozen=True)
class SummaryDef:
    """A named between-groups summary over one or two metrics.

    ``kind`` ``"difference"``: the largest minus the smallest group value (0 = equal, up to 1).
    ``kind`` ``"ratio"``: the smallest over the largest group value (1 = equal, down to 0).
    With two metrics (equalized odds) the worse of the two is taken: the larger difference, the
    smaller ratio, as fairlearn does.
    """

    name: str
    metrics: tuple[str, ...]
    kind: str


NAMED_SUMMARIES = (
    SummaryDef("demographic_parity_difference", ("selection_rate",), "difference"),
    SummaryDef("demographic_parity_ratio", ("selection_rate",), "ratio"),
    SummaryDef(
        "equalized_odds_difference", ("true_positive_rate", "false_positive_rate"), "difference"
    ),
    SummaryDef("equalized_odds_ratio", ("true_positive_rate", "false_positive_rate"), "ratio"),
    SummaryDef("equal_opportunity_difference", ("true_positive_rate",), "difference"),
    SummaryDef("equal_opportunity_ratio", ("true_positive_rate",), "ratio"),
    SummaryDef("predictive_parity_difference", ("precision",), "difference"),
    SummaryDef("predictive_parity_ratio", ("precision",), "ratio"),
)

#: Draw groups: each is a set of count columns partitioning the same rows of a cell.
_LABELLED_DRAW = ("tp", "fp", "tn", "fn")
_UNLABELLED_DRAW = ("pp", "pn")
_SCORE_DRAW = ("above", "not_above")


@dataclass(frozen=True)
class Level:
    """One attribute or intersection: its name, each cell's group index, and the groups that
    take part in between-group summaries (``eligible``, a boolean per group)."""

    attribute: str
    cell_group: np.ndarray
    groups: tuple[str, ...]
    eligible: np.ndarray


def summary_definitions(metrics: Sequence[str]) -> list[SummaryDef]:
    """The named summaries whose metrics are all available, then max-min / min-max per metric."""
    available = set(metrics)
    out = [s for s in NAMED_SUMMARIES if set(s.metrics) <= available]
    for metric in metrics:
        if metric in METRICS:
            out.append(SummaryDef(f"{metric}_difference", (metric,), "difference"))
            out.append(SummaryDef(f"{metric}_ratio", (metric,), "ratio"))
    return out


def _named(counts: np.ndarray, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Count arrays by column name, with ``pp``/``pn`` derived from TP/FP/TN/FN when labelled."""
    named = {c: counts[..., i] for i, c in enumerate(columns)}
    if "tp" in named:
        named["pp"] = named["tp"] + named["fp"]
        named["pn"] = named["tn"] + named["fn"]
    return named


def _rates(named: dict[str, np.ndarray], metric: str) -> np.ndarray:
    """Metric per (replicate, group); NaN where the denominator is 0."""
    definition = METRICS[metric]
    numerator = sum(named[c] for c in definition.numerator)
    denominator = sum(named[c] for c in definition.denominator)
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, np.nan)


def _summary(rates_by_metric: list[np.ndarray], kind: str) -> np.ndarray:
    """Summary per replicate from rates shaped (B, groups); NaN unless two groups are defined."""
    values = []
    for rates in rates_by_metric:
        defined = ~np.isnan(rates)
        high = np.where(defined, rates, -np.inf).max(axis=1)
        low = np.where(defined, rates, np.inf).min(axis=1)
        enough = defined.sum(axis=1) >= 2
        if kind == "difference":
            value = np.where(enough, high - low, np.nan)
        else:
            ok = enough & (high > 0)
            value = np.where(ok, low / np.where(ok, high, 1.0), np.nan)
        values.append(value)
    stacked = np.stack(values)
    undefined = np.isnan(stacked).any(axis=0)
    worst = stacked.max(axis=0) if kind == "difference" else stacked.min(axis=0)
    return np.where(undefined, np.nan, worst)


def _draw(rng: np.random.Generator, counts: np.ndarray, replicates: int) -> np.ndarray:
    """Multinomial replicates of each cell's counts: shape (B, cells, k)."""
    totals = counts.sum(axis=1)
    n = np.rint(totals).astype(np.int64)
    p = np.where(totals[:, None] > 0, counts / np.where(totals > 0, totals, 1)[:, None], 0.0)
    p[totals == 0, 0] = 1.0  # an empty cell draws 0 rows; pvals must still sum to 1
    p = p / p.sum(axis=1, keepdims=True)
    per_chunk = max(1, _MAX_DRAWN_VALUES // max(1, counts.size))
    chunks = []
    for start in range(0, replicates, per_chunk):
        size = min(per_chunk, replicates - start)
        chunks.append(rng.multinomial(n, p, size=(size, len(counts))))
    return np.concatenate(chunks, axis=0).astype(np.float64)


def bootstrap_summaries(
    cells: pd.DataFrame,
    levels: Sequence[Level],
    metrics: Sequence[str],
    *,
    has_labels: bool,
    replicates: int,
    seed: int,
    confidence: float,
) -> list[dict[str, object]]:
    """Between-group summaries per level, each with a seeded percentile bootstrap interval.

    The point value is the summary on the observed counts; with ``B`` replicates the interval is
    the ``(1-confidence)/2`` and ``(1+confidence)/2`` percentiles of the replicate summaries that
    are defined. Weighted counts are rounded to whole rows per cell before drawing (weights are
    read as frequency weights).

    Parameters
    ----------
    cells : DataFrame
        The normalised cell frame (``_metrics.normalise_cells``), one row per finest cell.
    levels : sequence of Level
        The attributes and intersections to summarise.
    metrics : sequence of str
        Rate metrics reported by the audit; summaries needing others are skipped.
    has_labels : bool, keyword-only
        Whether TP/FP/TN/FN are known (else only PP/PN).
    replicates : int, keyword-only
        Bootstrap replicates ``B`` (0 disables intervals).
    seed : int, keyword-only
        Seed of ``numpy.random.default_rng``.
    confidence : float, keyword-only
        Coverage of the percentile intervals.

    Returns
    -------
    list of dict
        Rows: attribute, summary, metrics, kind, value, ci_low, ci_high, groups_compared,
        replicates, method.
    """
    definitions = [s for s in summary_definitions(metrics) if s.metrics[0] in METRICS]
    if not definitions:
        return []
    draw_columns = _LABELLED_DRAW if has_labels else _UNLABELLED_DRAW
    wants_scores = any("scoring_rate" in s.metrics for s in definitions)
    columns = draw_columns + (_SCORE_DRAW if wants_scores else ())
    observed = cells[list(columns)].to_numpy(dtype=np.float64)[None, :, :]
    rng = np.random.default_rng(seed)
    drawn = None
    if replicates > 0:
        drawn = _draw(rng, cells[list(draw_columns)].to_numpy(dtype=np.float64), replicates)
        if wants_scores:
            scored = _draw(rng, cells[list(_SCORE_DRAW)].to_numpy(dtype=np.float64), replicates)
            drawn = np.concatenate([drawn, scored], axis=2)
    lower, upper = 50 * (1 - confidence), 50 * (1 + confidence)
    rows: list[dict[str, object]] = []
    for level in levels:
        # sum cells into groups with a sorted segment sum: O(B x cells), no dense indicator
        order = np.argsort(level.cell_group, kind="stable")
        starts = np.searchsorted(level.cell_group[order], np.arange(len(level.groups)))
        point_counts = np.add.reduceat(observed[:, order, :], starts, axis=1)[:, level.eligible]
        draw_counts = (
            None
            if drawn is None
            else np.add.reduceat(drawn[:, order, :], starts, axis=1)[:, level.eligible]
        )
        point_named = _named(point_counts, columns)
        draw_named = None if draw_counts is None else _named(draw_counts, columns)
        for definition in definitions:
            point_rates = [_rates(point_named, m) for m in definition.metrics]
            value = float(_summary(point_rates, definition.kind)[0])
            row: dict[str, object] = {
                "attribute": level.attribute,
                "summary": definition.name,
                "metrics": list(definition.metrics),
                "kind": definition.kind,
                "value": None if np.isnan(value) else value,
                "ci_low": None,
                "ci_high": None,
                "groups_compared": int(
                    min((~np.isnan(r[0])).sum() for r in point_rates) if point_rates else 0
                ),
                "replicates": replicates,
                "method": BOOTSTRAP,
            }
            if draw_named is not None and not np.isnan(value):
                reps = _summary(
                    [_rates(draw_named, m) for m in definition.metrics], definition.kind
                )
                reps = reps[~np.isnan(reps)]
                if len(reps):
                    row["ci_low"] = float(np.percentile(reps, lower))
                    row["ci_high"] = float(np.percentile(reps, upper))
            rows.append(row)
    return rows
