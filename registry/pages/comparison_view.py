"""What an audit page's comparison column shows, and the check's rule in the same terms.

A ratio check's table shows the group's rate divided by the reference group's (reference row
1.00); a difference check's table shows the group's rate minus the reference group's in
percentage points (reference row 0.0). Both come from the report's comparison rows, never from the
check's oriented value (an impact ratio of 0.40 for a group flagged 2.48 times as often): the
check's direction is stated in its rule instead ("a group's rate may be at most 1.25 times the
reference group's").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import TypedDict

import fairness
from registry import i18n
from registry.pages import numbers

N_ = i18n.N_

RATIO = "ratio"
DIFFERENCE = "difference"
#: (kind, higher is better) -> the rule in the direction the table reads.
RULES: dict[tuple[str, bool], str] = {
    (RATIO, True): N_("a group's rate must be at least %(threshold)s times the reference group's"),
    (RATIO, False): N_(
        "a group's rate may be at most %(limit)s times the reference group's (the reference's "
        "rate at least %(threshold)s of the group's)"
    ),
    (DIFFERENCE, True): N_(
        "a group's rate may be at most %(points)s percentage points below the reference group's"
    ),
    (DIFFERENCE, False): N_(
        "a group's rate may be at most %(points)s percentage points above the reference group's"
    ),
}
OTHER_RULE = N_("threshold %(threshold)s")
TWO_SIDED = "two-sided"
#: A two-sided check's rule (Aequitas's band): the same both ways, whichever way is better.
BAND_RULES: dict[str, str] = {
    RATIO: N_(
        "a group's rate must be between %(threshold)s and %(limit)s times the reference "
        "group's: neither much lower nor much higher"
    ),
    DIFFERENCE: N_(
        "a group's rate may differ from the reference group's by at most %(points)s percentage "
        "points, above or below"
    ),
}


class ComparisonCells(TypedDict):
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    difference_pp: float | None
    difference_pp_low: float | None
    difference_pp_high: float | None


NO_CELLS: ComparisonCells = {
    "ratio": None,
    "ratio_low": None,
    "ratio_high": None,
    "difference_pp": None,
    "difference_pp_low": None,
    "difference_pp_high": None,
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def higher_is_better(metric: str, favourable_outcome: str | None) -> bool:
    """Whether a higher rate leaves a group better off (True for a metric with no direction)."""
    return fairness.higher_is_better(metric, favourable_outcome or "beneficial") is not False


def cells(kind: str | None, comparison: Mapping[str, Any] | None) -> ComparisonCells:
    """The comparison column of one group: ratio fields for a ratio check, difference fields
    (in percentage points) for a difference check; nulls where there is nothing to show."""
    if not comparison:
        return dict(NO_CELLS)  # type: ignore[return-value]
    out = dict(NO_CELLS)
    if kind == RATIO:
        out["ratio"] = _num(comparison.get("ratio"))
        out["ratio_low"] = _num(comparison.get("ratio_ci_low"))
        out["ratio_high"] = _num(comparison.get("ratio_ci_high"))
    elif kind == DIFFERENCE:
        for key, source in (
            ("difference_pp", "difference"),
            ("difference_pp_low", "difference_ci_low"),
            ("difference_pp_high", "difference_ci_high"),
        ):
            value = _num(comparison.get(source))
            out[key] = None if value is None else value * 100
    return out  # type: ignore[return-value]


def rule_text(
    kind: str | None,
    metric: str,
    threshold: Any,
    favourable_outcome: str | None,
    lang: str,
    band: str | None = None,
) -> str:
    """The check's rule in words, in the direction its table reads (both directions for a
    two-sided ``band``)."""
    t = _num(threshold)
    if kind not in (RATIO, DIFFERENCE) or t is None:
        return i18n.gettext(lang, OTHER_RULE) % {"threshold": threshold}
    better_high = higher_is_better(metric, favourable_outcome)
    if band == TWO_SIDED:
        template = i18n.gettext(lang, BAND_RULES[kind])
    else:
        template = i18n.gettext(lang, RULES[(kind, better_high)])
    return template % {
        "threshold": numbers.short_text(t, lang),
        "limit": numbers.short_text(1 / t, lang) if t else "∞",
        "points": numbers.short_text(t * 100, lang),
    }


def threshold_rate(
    kind: str | None,
    metric: str,
    threshold: Any,
    favourable_outcome: str | None,
    reference_rate: float | None,
    band: str | None = None,
) -> float | None:
    """The rate at the check's threshold, for the chart's line (4/5 of the reference's rate for
    a four-fifths rule where higher is better, 5/4 of it where lower is better); None for a
    two-sided check, whose band has two edges (its rule says both)."""
    t = _num(threshold)
    if reference_rate is None or t is None or kind not in (RATIO, DIFFERENCE):
        return None
    if band == TWO_SIDED:
        return None
    better_high = higher_is_better(metric, favourable_outcome)
    if kind == RATIO:
        if better_high:
            return reference_rate * t
        return reference_rate / t if t else None
    return reference_rate - t if better_high else reference_rate + t
