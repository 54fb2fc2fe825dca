"""Each group against its reference: ratio (Katz), difference (Newcombe), p-value; omnibus test.

The reference of an attribute is chosen per metric by the spec's policy:

- ``most_favoured``: the eligible group best off on that metric (highest value when higher is
  better for the person, lowest otherwise), among groups with enough data; ties go to the larger
  group, then the alphabetically first.
- ``largest``: the eligible group with the most rows.
- ``overall``: the whole sample; the test then compares the group with the rest of the sample.
- a named group per attribute (``reference_groups``), which must exist.

Eligible groups are those that take part in ratios: not a small category, and not the unknown
group (which is never a reference, and is left out of ratios when the spec says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from fairness._intervals import katz_ratio_interval, newcombe_difference_interval
from fairness._metrics import INSUFFICIENT, METRICS, OK, UNDEFINED, rate_parts
from fairness._policies import LARGEST, MOST_FAVOURED, OVERALL, higher_is_better
from fairness._significance import chi_square_omnibus, two_proportion_test

OVERALL_GROUP = "overall"


@dataclass(frozen=True)
class Reference:
    """A chosen reference: its label and its numerator/denominator (and status)."""

    group: str
    numerator: float
    denominator: float
    status: str


def _status(denominator: float, min_denominator: float) -> str:
    if denominator <= 0:
        return UNDEFINED
    return OK if denominator >= min_denominator else INSUFFICIENT


def choose_reference(
    counts: pd.DataFrame,
    metric: str,
    *,
    candidates: Sequence[str],
    policy: str,
    named: str | None,
    favourable_outcome: str,
    min_denominator: float,
) -> Reference | None:
    """The reference for ``metric`` at one attribute level, or ``None`` if no group qualifies."""
    numerator, denominator = rate_parts(counts, metric)
    parts = {
        g: (float(x), float(n))
        for g, x, n in zip(counts.index, numerator, denominator, strict=True)
    }
    if named is not None:
        x, n = parts[named]
        return Reference(named, x, n, _status(n, min_denominator))
    if policy == OVERALL:
        x, n = float(numerator.sum()), float(denominator.sum())
        return Reference(OVERALL_GROUP, x, n, _status(n, min_denominator))
    sizes = (counts["pp"] + counts["pn"]).to_dict()
    candidates = [g for g in candidates if parts[g][1] > 0]
    if not candidates:
        return None
    if policy == LARGEST:
        best = sorted(candidates, key=lambda g: (-sizes[g], g))[0]
    else:
        assert policy == MOST_FAVOURED
        enough = [g for g in candidates if parts[g][1] >= min_denominator] or candidates
        sign = -1.0 if higher_is_better(metric, favourable_outcome) is not False else 1.0
        best = sorted(enough, key=lambda g: (sign * parts[g][0] / parts[g][1], -sizes[g], g))[0]
    x, n = parts[best]
    return Reference(best, x, n, _status(n, min_denominator))


def comparison_rows(
    attribute: str,
    counts: pd.DataFrame,
    metrics: Sequence[str],
    *,
    eligible: Sequence[str],
    reference_candidates: Sequence[str],
    policy: str,
    named: str | None,
    favourable_outcome: str,
    min_denominator: float,
    confidence: float,
) -> list[dict[str, object]]:
    """One row per eligible non-reference group and rate metric, vs the metric's reference.

    ``ratio`` is ``group value / reference value`` and ``difference`` is ``group - reference`` (raw,
    not oriented; checks orient them). The p-value tests equal rates on the metric's own
    denominator; ``p_adjusted`` is filled in later across the whole audit. ``eligible`` groups are
    compared; ``reference_candidates`` (eligible, never the unknown group) may be the reference.
    """
    rows: list[dict[str, object]] = []
    for metric in metrics:
        if metric not in METRICS:
            continue
        reference = choose_reference(
            counts,
            metric,
            candidates=reference_candidates,
            policy=policy,
            named=named,
            favourable_outcome=favourable_outcome,
            min_denominator=min_denominator,
        )
        if reference is None:
            continue
        numerator, denominator = rate_parts(counts, metric)
        for group, x, n in zip(counts.index, numerator, denominator, strict=True):
            if group == reference.group or group not in eligible:
                continue
            rows.append(
                _compare(
                    attribute,
                    metric,
                    str(group),
                    float(x),
                    float(n),
                    reference,
                    min_denominator=min_denominator,
                    confidence=confidence,
                    overall=policy == OVERALL and named is None,
                )
            )
    return rows


def _compare(
    attribute: str,
    metric: str,
    group: str,
    x: float,
    n: float,
    ref: Reference,
    *,
    min_denominator: float,
    confidence: float,
    overall: bool,
) -> dict[str, object]:
    status = _status(n, min_denominator)
    if UNDEFINED in (status, ref.status):
        status = UNDEFINED
    elif INSUFFICIENT in (status, ref.status):
        status = INSUFFICIENT
    row: dict[str, object] = {
        "attribute": attribute,
        "metric": metric,
        "group": group,
        "reference": ref.group,
        "value": x / n if n > 0 else None,
        "reference_value": ref.numerator / ref.denominator if ref.denominator > 0 else None,
        "ratio": None,
        "ratio_ci_low": None,
        "ratio_ci_high": None,
        "difference": None,
        "difference_ci_low": None,
        "difference_ci_high": None,
        "p_value": None,
        "p_adjusted": None,
        "test": None,
        "status": status,
    }
    if n <= 0 or ref.denominator <= 0:
        return row
    p_group, p_ref = x / n, ref.numerator / ref.denominator
    if p_ref > 0:
        row["ratio"] = p_group / p_ref
    # Katz with the zero-cell correction also bounds the ratio when one rate is 0; checks use
    # the bounds of the inverse ratio when a lower rate is better.
    interval = katz_ratio_interval(x, n, ref.numerator, ref.denominator, confidence=confidence)
    if interval is not None:
        row["ratio_ci_low"], row["ratio_ci_high"] = interval
    row["difference"] = p_group - p_ref
    row["difference_ci_low"], row["difference_ci_high"] = newcombe_difference_interval(
        x, n, ref.numerator, ref.denominator, confidence=confidence
    )
    if overall:  # test the group against the rest of the sample, which is independent of it
        tested = two_proportion_test(x, n, ref.numerator - x, ref.denominator - n)
    else:
        tested = two_proportion_test(x, n, ref.numerator, ref.denominator)
    if tested is not None:
        row["p_value"], row["test"] = tested
    return row


def omnibus_rows(
    attribute: str, counts: pd.DataFrame, metrics: Sequence[str], *, eligible: Sequence[str]
) -> list[dict[str, object]]:
    """Chi-square test per rate metric that all eligible groups of the attribute share one rate."""
    rows: list[dict[str, object]] = []
    subset = counts.loc[[g for g in counts.index if g in set(eligible)]]
    for metric in metrics:
        if metric not in METRICS:
            continue
        numerator, denominator = rate_parts(subset, metric)
        result = chi_square_omnibus(list(numerator), list(denominator))
        rows.append(
            {
                "attribute": attribute,
                "metric": metric,
                "groups": int((denominator > 0).sum()),
                "statistic": None if result is None else result[0],
                "dof": None if result is None else result[1],
                "p_value": None if result is None else result[2],
                "p_adjusted": None,
                "test": "chi_square",
            }
        )
    return rows
