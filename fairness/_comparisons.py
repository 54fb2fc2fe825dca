"""Each group against its reference: ratio (Miettinen-Nurminen score), difference (Newcombe),
p-value; omnibus test.

The reference of an attribute is chosen per metric by the spec's policy:

- ``most_favoured``: the eligible group best off on that metric (highest value when higher is
  better for the person, lowest otherwise), among groups with enough data; ties go to the larger
  group, then the alphabetically first. Under a preset (four-fifths, LL144) the rule names the
  reference: the best-off group whatever its size (``any_size``).
- ``largest``: the eligible group with the most rows.
- ``overall``: the whole sample; the test then compares the group with the rest of the sample.
- a named group per attribute (``reference_groups``), which must exist.

Eligible groups are those that take part in ratios: not a small category, and not the unknown
group (which is never a reference, and is left out of ratios when the spec says so).

Everything is computed with array operations over all comparisons of the audit at once (ratios,
score and Newcombe intervals, z tests); only Fisher's exact test runs per table, for the few tables
with a small expected cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import special

from fairness._intervals import newcombe_difference_arrays, score_ratio_arrays
from fairness._metrics import (
    INSUFFICIENT,
    METRICS,
    OK,
    UNDEFINED,
    GroupTable,
    count_parts,
    status_array,
)
from fairness._policies import LARGEST, MOST_FAVOURED, OVERALL, higher_is_better
from fairness._significance import CHI_SQUARE, chi_square_statistic, two_proportion_arrays

OVERALL_GROUP = "overall"

#: The interval of each ratio to the reference, recorded in the report's provenance
#: (``ratio_interval``; reports without it used the Katz log interval).
RATIO_INTERVAL = "miettinen_nurminen"


def _reference(
    x: np.ndarray,
    n: np.ndarray,
    sizes: np.ndarray,
    candidates: np.ndarray,
    *,
    policy: str,
    sign: float,
    min_denominator: float,
    any_size: bool = False,
) -> int | None:
    """Position of the reference among one level's groups (sorted by value), or ``None``.

    ``any_size``: the most favoured group whatever its denominator (a preset's rule); otherwise
    among groups with at least ``min_denominator`` when there are any."""
    usable = np.flatnonzero(candidates & (n > 0))
    if not len(usable):
        return None
    if policy == LARGEST:
        return int(usable[np.lexsort((usable, -sizes[usable]))[0]])
    assert policy == MOST_FAVOURED
    enough = usable[n[usable] >= min_denominator]
    if len(enough) and not any_size:
        usable = enough
    rate = sign * x[usable] / n[usable]
    return int(usable[np.lexsort((usable, -sizes[usable], rate))[0]])


def comparison_columns(
    table: GroupTable,
    metrics: Sequence[str],
    *,
    eligible: np.ndarray,
    candidates: np.ndarray,
    policy: str,
    named: Mapping[str, str],
    favourable_outcome: str,
    min_denominator: float,
    confidence: float,
    any_size: bool = False,
) -> dict[str, np.ndarray]:
    """One row per eligible non-reference group and rate metric, vs the metric's reference.

    The reference of each level and metric follows ``policy`` (or the level's ``named`` group):
    ``most_favoured`` is the candidate best off on the metric among those with enough data (ties:
    the larger group, then alphabetical), or among all candidates with ``any_size`` (a preset's
    rule: the highest-rate category, however small; its comparisons say so), ``largest`` the
    candidate with most rows, ``overall`` the whole level. ``ratio`` is
    ``group value / reference value`` and ``difference`` is ``group - reference`` (raw, not
    oriented; checks orient them). The p-value tests equal rates on the metric's own denominator
    (with ``overall``, the group against the rest of the sample); ``p_adjusted`` is filled in
    later, family by family. Rows are ordered by level,
    metric, group. ``eligible`` groups are compared; ``candidates`` may be the reference.
    Columns starting with ``_`` (denominators) are for the checks, not the report.
    """
    sizes = table.column("pp") + table.column("pn")
    index, metric_of, ref_label, xr, nr, overall = [], [], [], [], [], []
    raw_ref: list[np.ndarray] = []  # the reference's rate, from the weighted counts
    for level, name in enumerate(table.names):
        span = table.span(level)
        groups = table.group[span]
        position = {g: i for i, g in enumerate(groups)} if name in named else {}
        for metric in metrics:
            if metric not in METRICS:
                continue
            numerator, denominator = table.effective_parts(metric)
            x, n = numerator[span], denominator[span]
            is_overall, best = False, None
            if name in named:
                best = position[named[name]]
            elif policy == OVERALL:
                is_overall = True
            else:
                sign = -1.0 if higher_is_better(metric, favourable_outcome) is not False else 1.0
                best = _reference(
                    x,
                    n,
                    sizes[span],
                    candidates[span],
                    policy=policy,
                    sign=sign,
                    min_denominator=min_denominator,
                    any_size=any_size,
                )
                if best is None:
                    continue
            raw_x, raw_n = (part[span] for part in table.parts(metric))
            if is_overall:
                label, ref_x, ref_n = OVERALL_GROUP, float(x.sum()), float(n.sum())
                ref_rate = float(raw_x.sum()) / float(raw_n.sum()) if raw_n.sum() > 0 else np.nan
                if table.squares is not None:  # the Kish size of the union of the groups
                    square = float(count_parts(table.squares[span], metric)[1].sum())
                    ref_n = float(raw_n.sum()) ** 2 / square if square > 0 else 0.0
                    ref_x = ref_rate * ref_n if ref_n > 0 else 0.0
            else:
                assert best is not None  # set by `named` or `_reference` unless `is_overall`
                label, ref_x, ref_n = groups[best], float(x[best]), float(n[best])
                ref_rate = float(raw_x[best]) / float(raw_n[best]) if raw_n[best] > 0 else np.nan
            compared = np.flatnonzero(eligible[span] & (groups != label)) + span.start
            index.append(compared)
            count = len(compared)
            metric_of.append(np.full(count, metric, dtype=object))
            ref_label.append(np.full(count, label, dtype=object))
            xr.append(np.full(count, ref_x))
            nr.append(np.full(count, ref_n))
            raw_ref.append(np.full(count, ref_rate))
            overall.append(np.full(count, is_overall))
    rows = np.concatenate(index) if index else np.empty(0, np.int64)
    metric_col = np.concatenate(metric_of) if metric_of else np.empty(0, object)
    x, n, rate = np.empty(len(rows)), np.empty(len(rows)), np.empty(len(rows))
    weighted_rest = np.full((len(rows), 2), np.nan)
    for name in dict.fromkeys(metric_col.tolist()):
        at = metric_col == name
        numerator, denominator = table.effective_parts(name)
        x[at], n[at] = numerator[rows[at]], denominator[rows[at]]
        if table.squares is not None:
            raw_x, raw_n = table.parts(name)
            with np.errstate(invalid="ignore", divide="ignore"):
                rate[at] = np.where(raw_n[rows[at]] > 0, raw_x[rows[at]] / raw_n[rows[at]], np.nan)
            weighted_rest[at] = _kish_rest(table, name, rows[at])
    columns = _compare(
        table.attribute[rows],
        metric_col,
        table.group[rows],
        _cat(ref_label, object),
        x,
        n,
        _cat(xr, float),
        _cat(nr, float),
        _cat(overall, bool),
        min_denominator=min_denominator,
        confidence=confidence,
        **(
            {"rest_x": weighted_rest[:, 0], "rest_n": weighted_rest[:, 1]}
            if table.squares is not None
            else {}
        ),
    )
    if table.squares is not None:  # weighted: rates as weighted, not as rebuilt from the Kish sizes
        columns["value"], columns["reference_value"] = rate, _cat(raw_ref, float)
        with np.errstate(invalid="ignore", divide="ignore"):
            valid = ~np.isnan(columns["ratio"]) | ~np.isnan(columns["difference"])
            columns["ratio"] = np.where(
                valid & (columns["reference_value"] > 0),
                columns["value"] / columns["reference_value"],
                np.nan,
            )
            columns["difference"] = np.where(
                ~np.isnan(columns["difference"]),
                columns["value"] - columns["reference_value"],
                np.nan,
            )
    return columns


def _kish_rest(table: GroupTable, metric: str, rows: np.ndarray) -> np.ndarray:
    """``(rows, 2)``: effective numerator and denominator of the rows of each group's level that
    are outside the group (the rest of the sample, for the test against ``overall``)."""
    assert table.squares is not None
    raw_x, raw_n = table.parts(metric)
    _, squares = count_parts(table.squares, metric)
    level = np.searchsorted(table.starts, rows, side="right") - 1
    level_x = np.add.reduceat(raw_x, table.starts[:-1])[level]
    level_n = np.add.reduceat(raw_n, table.starts[:-1])[level]
    level_sq = np.add.reduceat(squares, table.starts[:-1])[level]
    rest_x, rest_n = level_x - raw_x[rows], level_n - raw_n[rows]
    rest_sq = level_sq - squares[rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(rest_sq > 0, rest_n * rest_n / rest_sq, 0.0)
        share = np.clip(np.where(rest_n > 0, rest_x / rest_n, 0.0), 0.0, 1.0)
    return np.stack([share * effective, effective], axis=1)


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def _compare(
    attribute,
    metric,
    group,
    reference,
    x,
    n,
    xr,
    nr,
    overall,
    *,
    min_denominator,
    confidence,
    rest_x=None,
    rest_n=None,
) -> dict[str, np.ndarray]:
    status = status_array(n, min_denominator)
    ref_status = status_array(nr, min_denominator)
    undefined = (status == UNDEFINED) | (ref_status == UNDEFINED)
    status[(status == INSUFFICIENT) | (ref_status == INSUFFICIENT)] = INSUFFICIENT
    status[undefined] = UNDEFINED
    nan = np.full(len(x), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(n > 0, x / n, np.nan)
        reference_value = np.where(nr > 0, xr / nr, np.nan)
    valid = (n > 0) & (nr > 0)
    ratio, difference = nan.copy(), nan.copy()
    ratio_low, ratio_high, diff_low, diff_high = nan.copy(), nan.copy(), nan.copy(), nan.copy()
    p_value, test = nan.copy(), np.full(len(x), None, dtype=object)
    if valid.any():
        a, b, c, d = x[valid], n[valid], xr[valid], nr[valid]
        p_group, p_ref = value[valid], reference_value[valid]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio[valid] = np.where(p_ref > 0, p_group / p_ref, np.nan)
        # The score interval also bounds the ratio when one rate is 0 (from 0, or up to inf when
        # the reference's is); checks use the bounds of the inverse ratio when a lower rate is
        # better.
        ratio_low[valid], ratio_high[valid] = score_ratio_arrays(a, b, c, d, confidence=confidence)
        difference[valid] = p_group - p_ref
        diff_low[valid], diff_high[valid] = newcombe_difference_arrays(
            a, b, c, d, confidence=confidence
        )
        rest = overall[valid]  # with the overall reference, test the group against the rest
        if rest_x is None:  # counts: the rest is the whole minus the group
            rest_x, rest_n = xr - x, nr - n
        p_value[valid], test[valid] = two_proportion_arrays(
            a, b, np.where(rest, rest_x[valid], c), np.where(rest, rest_n[valid], d)
        )
    return {
        "attribute": attribute,
        "metric": metric,
        "group": group,
        "reference": reference,
        "value": value,
        "reference_value": reference_value,
        "ratio": ratio,
        "ratio_ci_low": ratio_low,
        "ratio_ci_high": ratio_high,
        "difference": difference,
        "difference_ci_low": diff_low,
        "difference_ci_high": diff_high,
        "p_value": p_value,
        "p_adjusted": nan.copy(),
        "test": test,
        "status": status,
        "_denominator": n,
        "_reference_denominator": nr,
    }


def omnibus_columns(
    table: GroupTable, metrics: Sequence[str], *, eligible: np.ndarray
) -> dict[str, np.ndarray]:
    """Chi-square test per level and rate metric that all eligible groups share one rate."""
    attribute, metric_of, groups, statistic, dof = [], [], [], [], []
    for level, name in enumerate(table.names):
        span = table.span(level)
        keep = np.flatnonzero(eligible[span]) + span.start
        for metric in metrics:
            if metric not in METRICS:
                continue
            numerator, denominator = table.effective_parts(metric)
            stat, degrees = chi_square_statistic(numerator[keep], denominator[keep])
            attribute.append(name)
            metric_of.append(metric)
            groups.append(int((denominator[keep] > 0).sum()))
            statistic.append(stat)
            dof.append(degrees)
    statistic_array = np.array(statistic, dtype=np.float64)
    dof_array = np.array(dof, dtype=np.int64)
    tested = ~np.isnan(statistic_array)
    p_value = np.full(len(statistic_array), np.nan)
    p_value[tested] = special.chdtrc(dof_array[tested], statistic_array[tested])
    dof_column = dof_array.astype(object)
    dof_column[~tested] = None
    return {
        "attribute": np.array(attribute, dtype=object),
        "metric": np.array(metric_of, dtype=object),
        "groups": np.array(groups, dtype=np.int64),
        "statistic": statistic_array,
        "dof": dof_column,
        "p_value": p_value,
        "p_adjusted": np.full(len(statistic_array), np.nan),
        "test": np.full(len(statistic_array), CHI_SQUARE, dtype=object),
    }


__all__ = ["OK", "OVERALL_GROUP", "RATIO_INTERVAL", "comparison_columns", "omnibus_columns"]
