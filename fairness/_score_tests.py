"""Score-based measures per group: calibration, DeLong's AUC comparison and the KS test.

For a sample with a score column, each audited attribute and intersection gets:

- ``calibration`` (scores in [0, 1] and labels): reliability bins, Brier score, ECE and
  Spiegelhalter's z test per group (``fairness._calibration``);
- ``roc_auc`` comparisons (labels): each eligible group's AUC against the reference group's,
  DeLong's variance of each AUC (independent samples), a z test and an interval for the difference;
- ``ks`` comparisons: the two-sample Kolmogorov-Smirnov test of each eligible group's score
  distribution against the reference group's.

Cost: the scores are sorted once for the whole sample; each level then orders its rows by group
with a stable sort of small integer codes (numpy's radix sort), so every group's scores arrive
sorted and every measure is a linear pass with cumulative sums (Sun & Xu 2014 for DeLong).
``scipy.stats`` is imported only when a KS test runs (an audit without scores never loads it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from fairness._calibration import SPIEGELHALTER, calibration
from fairness._intervals import _z
from fairness._metrics import INSUFFICIENT, JOIN, OK, UNDEFINED
from fairness._significance import adjust_families
from fairness._table import ScoreTable

CALIBRATION = "calibration"
AUC_COMPARISON = "roc_auc_comparison"
KS = "ks"
#: The score measures a spec can ask for (``score_measures``), in report order.
SCORE_MEASURES = (CALIBRATION, AUC_COMPARISON, KS)

DELONG = "delong"
KS_2SAMP = "ks_2samp"
KS_WEIGHTED = "ks_weighted"
#: The ``family`` of each measure's p-values (adjusted within it with the spec's correction).
FAMILIES = {CALIBRATION: "calibration", AUC_COMPARISON: "roc_auc_delong", KS: "ks"}
#: The ``measure`` of a row of ``score_comparisons``.
ROC_AUC_MEASURE = "roc_auc"
KS_MEASURE = "ks"


@dataclass(frozen=True)
class GroupScores:
    """One group's rows, scores sorted ascending; ``weights`` is ``None`` when unweighted."""

    name: str
    scores: np.ndarray
    labels: np.ndarray | None
    weights: np.ndarray | None

    @property
    def n(self) -> float:
        return float(len(self.scores)) if self.weights is None else float(self.weights.sum())


def _kish(w: np.ndarray | None, count: int) -> float:
    if w is None:
        return float(count)
    square = float(np.dot(w, w))
    return float(w.sum()) ** 2 / square if square > 0 else 0.0


# -- DeLong ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DelongAuc:
    """A group's AUC and DeLong's variance of it (``nan`` when it has no positive or negative)."""

    auc: float
    variance: float
    positives: float  # Kish effective sizes (the row counts when unweighted)
    negatives: float


def delong_auc(
    scores: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    presorted: bool = False,
) -> DelongAuc:
    """AUC and DeLong's variance from sorted ``scores`` in one linear pass (Sun & Xu 2014).

    The placement value of a positive is the share of negatives scored below it (ties count one
    half), ``V10_i = (N_below + N_tied / 2) / N``; of a negative, the share of positives scored
    above it, ``V01_j``. These are Sun & Xu's midrank differences ``(T_Z - T_X) / n`` and
    ``1 - (T_Z - T_Y) / m``, read here from the tie blocks of the sorted scores (weighted sums of
    each block), so weights enter as they do in ``sklearn.metrics.roc_auc_score``. Then
    ``AUC = Σ w_i V10_i / Σ w_i`` and (DeLong, DeLong & Clarke-Pearson 1988)
    ``Var = S10 / m + S01 / n`` with ``S10 = Σ (V10_i - AUC)² / (m - 1)``; weighted,
    ``S10 / m`` is ``Σ w_i² (V10_i - AUC)² / (Σ w_i)² · m / (m - 1)`` with ``m`` the Kish
    effective number of positives (the same formula when every weight is 1). All rows of a tie
    block share one placement value, so every sum runs over blocks: ``Σ w_i² (V10_i - AUC)²`` is
    ``Σ_b (Σ_{i in b} w_i²) (V10_b - AUC)²``. ``presorted``: the caller vouches that ``scores``
    ascend (otherwise they are checked, and sorted when they do not).

    Examples
    --------
    >>> r = delong_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    >>> r.auc
    0.75
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels) == 1
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if not presorted and len(s) > 1 and np.any(s[1:] < s[:-1]):
        order = np.argsort(s, kind="stable")
        s, y = s[order], y[order]
        w = w[order] if w is not None else None
    if not len(s):
        return DelongAuc(math.nan, math.nan, 0.0, 0.0)
    new_block = np.empty(len(s), dtype=bool)
    new_block[0] = True
    np.not_equal(s[1:], s[:-1], out=new_block[1:])
    starts = np.flatnonzero(new_block)
    # per tie block: the weight of its positives and negatives, and of their squared weights
    if w is None:
        ends = np.append(starts[1:], len(s)) - 1
        pos_block = np.diff(np.cumsum(y, dtype=np.int64)[ends], prepend=0).astype(np.float64)
        neg_block = np.diff(np.append(starts, len(s))) - pos_block
        pos_squares, neg_squares = pos_block, neg_block
    else:
        wp = np.where(y, w, 0.0)
        wn = w - wp
        pos_block, neg_block = np.add.reduceat(wp, starts), np.add.reduceat(wn, starts)
        pos_squares = np.add.reduceat(wp * wp, starts)
        neg_squares = np.add.reduceat(wn * wn, starts)
    pos_total, neg_total = float(pos_block.sum()), float(neg_block.sum())
    square_pos, square_neg = float(pos_squares.sum()), float(neg_squares.sum())
    m = pos_total**2 / square_pos if square_pos > 0 else 0.0  # Kish; the count when unweighted
    n = neg_total**2 / square_neg if square_neg > 0 else 0.0
    if not (pos_total > 0 and neg_total > 0):
        return DelongAuc(math.nan, math.nan, m, n)
    # placement values, one per tie block (every row of a block shares its block's value)
    v10 = (np.cumsum(neg_block) - neg_block / 2) / neg_total
    v01 = (pos_total - np.cumsum(pos_block) + pos_block / 2) / pos_total
    auc = float(np.dot(pos_block, v10) / pos_total)
    variance = math.nan
    if m > 1 and n > 1:
        s10 = float(np.dot(pos_squares, (v10 - auc) ** 2)) / pos_total**2 * m / (m - 1)
        s01 = float(np.dot(neg_squares, (v01 - auc) ** 2)) / neg_total**2 * n / (n - 1)
        variance = s10 + s01
    return DelongAuc(auc, variance, m, n)


def delong_difference(
    group: DelongAuc, reference: DelongAuc, *, confidence: float
) -> tuple[float, float, float, float, float]:
    """``(difference, low, high, z, p)`` for ``AUC_group - AUC_reference`` of independent groups:
    ``z = d / sqrt(Var_g + Var_r)``, two-sided normal p-value and a Wald interval (``nan`` where
    undefined)."""
    difference = group.auc - reference.auc
    variance = group.variance + reference.variance
    if not (math.isfinite(variance) and variance > 0):
        return difference, math.nan, math.nan, math.nan, math.nan
    se = math.sqrt(variance)
    half = _z(confidence) * se
    z = difference / se
    return difference, difference - half, difference + half, z, float(2 * special.ndtr(-abs(z)))


# -- Kolmogorov-Smirnov ---------------------------------------------------------------------------
#: Up to this many rows a side, unweighted KS p-values are exact (ks_2samp's own limit).
KS_EXACT_ROWS = 10_000


def ks_test(group: GroupScores, reference: GroupScores) -> tuple[float, float, str]:
    """``(D, p, test)``: the two-sample KS test of the two groups' score distributions.

    Unweighted, the result of ``scipy.stats.ks_2samp``: up to 10,000 rows a side it is called
    (exact p-value); beyond, where ks_2samp uses Smirnov's asymptotic p-value
    ``scipy.stats.kstwo.sf(D, round(n_1 n_2 / (n_1 + n_2)))``, the same is computed here from D
    read off the groups' already sorted scores in one merge (ks_2samp would sort and search
    them again; the tests check both agree). Weighted, ``D = max |F_g - F_r|`` over the
    weighted empirical distribution functions and the same asymptotic p-value with the Kish
    effective sizes.
    """
    from scipy import stats  # ~0.4 s to import: only audits with scores need it

    n1 = _kish(group.weights, len(group.scores))
    n2 = _kish(reference.weights, len(reference.scores))
    weighted = group.weights is not None or reference.weights is not None
    if not weighted and max(n1, n2) <= KS_EXACT_ROWS:
        result = stats.ks_2samp(group.scores, reference.scores)
        return float(result.statistic), float(result.pvalue), KS_2SAMP
    d = weighted_ks_statistic(group.scores, group.weights, reference.scores, reference.weights)
    effective = max(1.0, float(np.round(n1 * n2 / (n1 + n2))))
    p = float(np.clip(stats.kstwo.sf(d, effective), 0, 1))
    return d, p, KS_WEIGHTED if weighted else KS_2SAMP


def weighted_ks_statistic(
    a: np.ndarray, wa: np.ndarray | None, b: np.ndarray, wb: np.ndarray | None
) -> float:
    """``max |F_a(x) - F_b(x)|`` of the (weighted) empirical distributions of sorted ``a``, ``b``
    (ks_2samp's statistic when unweighted).

    The two sorted arrays are merged by a stable sort of their concatenation (timsort: one merge
    of two runs, linear), the two distribution functions are cumulative sums over the merged
    order, and they are compared at the last of each run of equal scores.

    Examples
    --------
    >>> a, b = np.array([1.0, 2.0]), np.array([2.0, 3.0])
    >>> weighted_ks_statistic(a, None, b, np.array([1.0, 3.0]))
    0.75
    """
    every = np.concatenate((a, b))
    merged = np.argsort(every, kind="stable")
    values = every[merged]
    mass_a = np.ones(len(a)) / len(a) if wa is None else wa / wa.sum()
    mass_b = np.ones(len(b)) / len(b) if wb is None else wb / wb.sum()
    step = np.concatenate((mass_a, -mass_b))[merged]
    gap = np.cumsum(step)  # F_a - F_b after each merged score
    last = np.append(values[1:] != values[:-1], True)
    return float(np.max(np.abs(gap[last]))) if len(gap) else 0.0


# -- the tables -----------------------------------------------------------------------------------
def score_order(table: ScoreTable) -> np.ndarray:
    """The rows of the sample sorted by score (stable): the one sort of the score measures."""
    return np.argsort(table.frame["score"].to_numpy(dtype=np.float64), kind="stable")


class SortedScores:
    """The sample sorted by score once: scores, labels, weights and each attribute's group codes
    in score order. A level's groups then come from a stable radix sort of small integer codes,
    which keeps each group's scores in order, and each group's rows are read in ascending
    positions. Each group's AUC and DeLong variance is computed once (the metrics table's ROC
    AUC rows and the AUC comparisons read the same). A level's groups are not kept: at 10M rows
    each level's copy of the scores is large."""

    def __init__(self, table: ScoreTable) -> None:
        frame = table.frame
        order = score_order(table)
        self.scores = frame["score"].to_numpy(dtype=np.float64)[order]
        self.labels = frame["label"].to_numpy()[order] if "label" in frame.columns else None
        self.weights = (
            frame["weight"].to_numpy(dtype=np.float64)[order] if "weight" in frame.columns else None
        )
        self.codes: dict[str, np.ndarray] = {}
        self.categories: dict[str, list[str]] = {}
        for column in table.attributes:
            values = frame[column]
            if not isinstance(values.dtype, pd.CategoricalDtype):
                values = values.astype(str).astype("category")
            self.categories[column] = [str(c) for c in values.cat.categories]
            self.codes[column] = values.cat.codes.to_numpy()[order]
        self._auc: dict[tuple[tuple[str, ...], str], DelongAuc] = {}

    def groups(self, level: Sequence[str]) -> list[GroupScores]:
        """The groups of ``level`` (attributes), each with its scores sorted, in code order."""
        sizes = [max(len(self.categories[c]), 1) for c in level]
        codes = np.zeros(len(self.scores), dtype=np.int64)
        for column, size in zip(level, sizes, strict=True):
            codes *= size
            codes += self.codes[column]
        small = codes.astype(np.int16) if int(np.prod(sizes)) < 2**15 else codes
        by_group = np.argsort(small, kind="stable")  # radix sort for 16-bit codes
        ordered = codes[by_group]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        stops = [*starts[1:].tolist(), len(ordered)]
        out = []
        for start, stop in zip(starts.tolist(), stops, strict=True):
            index = by_group[start:stop]
            parts = np.unravel_index(int(ordered[start]), sizes)
            name = JOIN.join(self.categories[c][int(p)] for c, p in zip(level, parts, strict=True))
            out.append(
                GroupScores(
                    name=name,
                    scores=self.scores[index],
                    labels=self.labels[index] if self.labels is not None else None,
                    weights=self.weights[index] if self.weights is not None else None,
                )
            )
        return out

    def auc(self, level: Sequence[str], group: GroupScores) -> DelongAuc:
        key = (tuple(level), group.name)
        if key not in self._auc:
            assert group.labels is not None
            self._auc[key] = delong_auc(group.scores, group.labels, group.weights, presorted=True)
        return self._auc[key]


def score_range(table: ScoreTable) -> tuple[float, float]:
    """The lowest and highest score of the sample (``nan`` for an empty one)."""
    scores = table.frame["score"].to_numpy(dtype=np.float64)
    if not len(scores):
        return math.nan, math.nan
    return float(scores.min()), float(scores.max())


def score_measure_tables(
    table: ScoreTable,
    levels: Sequence[tuple[str, ...]],
    names: Sequence[str],
    *,
    measures: Sequence[str],
    references: Mapping[str, str | None],
    eligible: Mapping[str, set[str]],
    bins: int,
    min_denominator: float,
    confidence: float,
    correction: str,
    sorted_scores: SortedScores | None = None,
) -> dict[str, list[dict[str, object]]]:
    """The ``calibration_bins``, ``calibration`` and ``score_comparisons`` tables.

    ``references`` maps each level's name to its reference group (``None``: no comparison);
    ``eligible`` to the groups compared with it. P-values are adjusted with ``correction``
    within each measure's family (``FAMILIES``) across all attributes. ``sorted_scores``: the
    sample sorted by score and the AUCs already computed, when the caller has them.
    """
    ordered = sorted_scores if sorted_scores is not None else SortedScores(table)
    bin_rows: list[dict[str, object]] = []
    calibration_rows: list[dict[str, object]] = []
    comparison_rows: list[dict[str, object]] = []
    for level, attribute in zip(levels, names, strict=True):
        groups = ordered.groups(level)
        if CALIBRATION in measures:
            for g in groups:
                assert g.labels is not None
                c = calibration(g.scores, g.labels, g.weights, bins=bins, confidence=confidence)
                status = OK if c.effective_n >= min_denominator else INSUFFICIENT
                calibration_rows.append(
                    {
                        "attribute": attribute,
                        "group": g.name,
                        "n": c.n,
                        "positives": c.positives,
                        "mean_score": c.mean_score,
                        "observed_rate": c.observed_rate,
                        "brier": c.brier,
                        "ece": c.ece,
                        "bins": bins,
                        "statistic": c.statistic,
                        "p_value": c.p_value,
                        "p_adjusted": math.nan,
                        "family": FAMILIES[CALIBRATION],
                        "test": SPIEGELHALTER,
                        "status": status,
                    }
                )
                bin_rows += [{"attribute": attribute, "group": g.name, **b} for b in c.bins]
        reference_name = references.get(attribute)
        by_name = {g.name: g for g in groups}
        reference = by_name.get(reference_name) if reference_name is not None else None
        if reference is None:
            continue
        others = [g for g in groups if g.name != reference.name and g.name in eligible[attribute]]
        if AUC_COMPARISON in measures:
            ref_auc = ordered.auc(level, reference)
            for g in others:
                auc = ordered.auc(level, g)
                comparison_rows.append(
                    _auc_row(attribute, g.name, reference.name, auc, ref_auc, min_denominator,
                             confidence)
                )  # fmt: skip
        if KS in measures:
            n_ref = _kish(reference.weights, len(reference.scores))
            for g in others:
                d, p, test = ks_test(g, reference)
                n = _kish(g.weights, len(g.scores))
                comparison_rows.append(
                    {
                        "attribute": attribute,
                        "measure": KS_MEASURE,
                        "group": g.name,
                        "reference": reference.name,
                        "value": d,
                        "reference_value": math.nan,
                        "difference": math.nan,
                        "difference_ci_low": math.nan,
                        "difference_ci_high": math.nan,
                        "statistic": d,
                        "p_value": p,
                        "p_adjusted": math.nan,
                        "family": FAMILIES[KS],
                        "test": test,
                        "status": OK if min(n, n_ref) >= min_denominator else INSUFFICIENT,
                    }
                )
    _adjust(calibration_rows, ("attribute", "group"), correction)
    _adjust(comparison_rows, ("attribute", "measure", "group"), correction)
    return {
        "calibration_bins": bin_rows,
        "calibration": calibration_rows,
        "score_comparisons": comparison_rows,
    }


def _auc_row(
    attribute: str,
    group: str,
    reference: str,
    auc: DelongAuc,
    ref: DelongAuc,
    min_denominator: float,
    confidence: float,
) -> dict[str, object]:
    row: dict[str, object] = {
        "attribute": attribute,
        "measure": ROC_AUC_MEASURE,
        "group": group,
        "reference": reference,
        "value": auc.auc,
        "reference_value": ref.auc,
        "difference": math.nan,
        "difference_ci_low": math.nan,
        "difference_ci_high": math.nan,
        "statistic": math.nan,
        "p_value": math.nan,
        "p_adjusted": math.nan,
        "family": FAMILIES[AUC_COMPARISON],
        "test": DELONG,
        "status": UNDEFINED,
    }
    if not (math.isfinite(auc.auc) and math.isfinite(ref.auc)):
        return row
    difference, low, high, z, p = delong_difference(auc, ref, confidence=confidence)
    smallest = min(auc.positives, auc.negatives, ref.positives, ref.negatives)
    row.update(
        difference=difference,
        difference_ci_low=low,
        difference_ci_high=high,
        statistic=z,
        p_value=p,
        status=OK if smallest >= min_denominator else INSUFFICIENT,
    )
    return row


def _adjust(rows: list[dict[str, object]], key: tuple[str, ...], correction: str) -> None:
    if not rows:
        return
    p = np.array([float(r["p_value"]) for r in rows])  # type: ignore[arg-type]
    family = np.array([r["family"] for r in rows], dtype=object)
    tests = [tuple(r[k] for k in key) for r in rows]
    for row, value in zip(rows, adjust_families(p, family, tests, method=correction), strict=True):
        row["p_adjusted"] = float(value)
