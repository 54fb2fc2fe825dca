"""Plain-language notes of a report: what was checked and why, and what the reader must know."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from typing import Any

from fairness._policies import ADVERSE, BENEFICIAL, RATIO, TWO_SIDED, higher_is_better
from fairness._spec import AuditSpec, Check
from fairness._table import CellTable

OUTCOME_NOTE = {
    BENEFICIAL: (
        "A positive prediction is beneficial to the person (for example a benefit or an offer): "
        "groups with higher selection and true positive rates are better off."
    ),
    ADVERSE: (
        "A positive prediction is adverse to the person (for example a fraud flag or an "
        "inspection): groups with higher flag and false positive rates are worse off; impact "
        "ratios compare the reference group's rate with the group's, so a ratio below the "
        "threshold always means the group is worse off."
    ),
}
CHECK_NOTE = "Check {name!r}: {metric} {kind}, threshold {threshold:g}; {direction}."
BAND_NOTE = (
    "Check {name!r} is two-sided: a group fails it beyond the threshold in either direction, "
    "better off than its reference as well as worse off (band {low:g} to {high:g})."
)
INCOMPATIBILITY_NOTE = (
    "The base rate (prevalence) differs between groups of {attributes} (adjusted p < {alpha:g}). "
    "When base rates differ, equal precision (predictive parity), equal false negative rates and "
    "equal false positive rates can all hold only if no group has a false positive (precision 1 "
    "and false positive rate 0 in every group) or no group has a true positive (true positive "
    "rate 0 in every group); and "
    "calibrated scores with equal average scores among label positives and among label "
    "negatives are possible only with perfect prediction. This audit's checks assess {chosen}, "
    "as declared in its spec."
)
UNKNOWN_NOTE = (
    "{count:g} row(s) have no value for {attribute}; they are reported as the group 'unknown'."
)
UNKNOWN_EXCLUDED_NOTE = " The unknown group is left out of ratio computations."
SMALL_NOTE = (
    "{count} group(s) hold less than {share:.0%} of the sample; they are reported with their "
    "counts and rates but left out of ratios, comparisons and checks."
)
NOT_ASSESSED_NOTE = (
    "Not assessed: {items}. The audit's verdict is therefore at best inconclusive; the table "
    "not_assessed gives the reason for each."
)
SMALL_REFERENCE_NOTE = (
    "The reference {reference!r} of {attribute!r} for {metric} has fewer than {minimum:g} in "
    "the rate's denominator; the reference policy names it, so it stays the reference, and "
    "its comparisons are uncertain (their intervals are wide)."
)
CALIBRATION_SKIPPED_NOTE = (
    "Calibration was not computed: it needs scores between 0 and 1, and the scores run from "
    "{low:g} to {high:g}."
)
_CALIBRATION_SKIPPED = re.compile(
    r"Calibration was not computed: it needs scores between 0 and 1, and the scores run from "
    r"(\S+) to (\S+)\."
)
WEIGHTED_NOTE = (
    "Counts are sums of weights. Intervals, tests and minimum sizes use the Kish effective sample "
    "size of each group ((sum of weights)² / sum of squared weights), so scaling the weights "
    "changes no verdict."
)
WEIGHTED_FREQUENCY_NOTE = (
    "Counts are sums of weights. The count table carries no squared weights, so intervals and "
    "tests read them as frequency weights (a weight of 3 counts as three people); for survey or "
    "sampling weights they are only approximate."
)


def audit_notes(
    spec: AuditSpec,
    checks: Sequence[Check],
    omnibus: Sequence[dict],
    groups: Sequence[dict],
    table: CellTable,
    *,
    check_rows: Sequence[dict] = (),
    not_assessed: Sequence[dict] = (),
) -> list[str]:
    """The notes of a report, in a fixed order (outcome, checks, incompatibility, gaps)."""
    notes = [OUTCOME_NOTE[spec.favourable_outcome]]
    for check in checks:
        better_high = higher_is_better(check.metric, spec.favourable_outcome) is not False
        direction = (
            "a higher rate is better for the person"
            if better_high
            else "a lower rate is better for the person"
        )
        notes.append(
            CHECK_NOTE.format(
                name=check.name,
                metric=check.metric.replace("_", " "),
                kind=check.kind,
                threshold=check.threshold,
                direction=direction,
            )
        )
        if check.band == TWO_SIDED:
            t = check.threshold
            low, high = (t, 1 / t) if check.kind == RATIO else (-t, t)
            notes.append(BAND_NOTE.format(name=check.name, low=low, high=high))
    differing = [
        row["attribute"]
        for row in omnibus
        if row["metric"] == "prevalence"
        and row["p_adjusted"] is not None
        and row["p_adjusted"] < spec.alpha
    ]
    if differing and checks:
        chosen = ", ".join(sorted({c.metric.replace("_", " ") for c in checks}))
        notes.append(
            INCOMPATIBILITY_NOTE.format(
                attributes=", ".join(repr(a) for a in differing), alpha=spec.alpha, chosen=chosen
            )
        )
    for attribute in table.attributes:
        count = sum(g["n"] for g in groups if g["attribute"] == attribute and g["unknown"])
        if count:
            note = UNKNOWN_NOTE.format(count=count, attribute=repr(attribute))
            if spec.exclude_unknown_from_ratios:
                note += UNKNOWN_EXCLUDED_NOTE
            notes.append(note)
    small = [g for g in groups if g["small_category"]]
    if small:
        notes.append(SMALL_NOTE.format(count=len(small), share=spec.small_category_share))
    gaps = [f"check {row['name']!r} on {row['attribute']!r}" for row in not_assessed if row["name"]]
    if gaps:
        notes.append(NOT_ASSESSED_NOTE.format(items="; ".join(gaps)))
    small_references = {
        (row["attribute"], row["metric"], row["reference"]): None
        for row in check_rows
        if row["small_reference"]
    }
    for attribute, metric, reference in small_references:
        notes.append(
            SMALL_REFERENCE_NOTE.format(
                reference=reference,
                attribute=attribute,
                metric=metric.replace("_", " "),
                minimum=spec.min_denominator,
            )
        )
    if table.weighted:
        notes.append(WEIGHTED_NOTE if table.squares is not None else WEIGHTED_FREQUENCY_NOTE)
    return notes


# --- reading a note back --------------------------------------------------------------------------
# A report stores its notes as English sentences. ``parse_note`` reads one back into its kind and
# values, so a reader in another language can be told the same thing in its own words (stored
# reports included). Each pattern is built from its template above, so the two cannot drift apart.
_QUOTED = r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_NUMBER = r"([0-9.e+-]+)"


def _pattern(template: str, **groups: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+(?:![a-z])?(?::[^}]*)?\})", template)
    out = []
    for part in parts:
        match = re.fullmatch(r"\{([a-z_]+)(?:![a-z])?(?::[^}]*)?\}", part)
        out.append(groups[match.group(1)] if match else re.escape(part))
    return re.compile("".join(out))


_HIGHER = "a higher rate is better for the person"
_LOWER = "a lower rate is better for the person"
_CHECK = _pattern(
    CHECK_NOTE,
    name=_QUOTED,
    metric=r"([a-z ]+)",
    kind=r"([a-z]+)",
    threshold=_NUMBER,
    direction=f"({_HIGHER}|{_LOWER})",
)
_BAND = _pattern(BAND_NOTE, name=_QUOTED, low=_NUMBER, high=_NUMBER)
_INCOMPATIBLE = _pattern(
    INCOMPATIBILITY_NOTE, attributes=r"(.+)", alpha=_NUMBER, chosen=r"([a-z ,]+)"
)
_UNKNOWN = re.compile(
    _pattern(UNKNOWN_NOTE, count=_NUMBER, attribute=_QUOTED).pattern
    + f"({re.escape(UNKNOWN_EXCLUDED_NOTE)})?"
)
_SMALL = _pattern(SMALL_NOTE, count=r"([0-9]+)", share=r"([0-9]+)%")


def _metric_code(words: str) -> str:
    return words.strip().replace(" ", "_")


def parse_note(note: str) -> dict[str, Any] | None:
    """Read a note of a report back into its kind and values; ``None`` if it is none of them.

    Parameters
    ----------
    note : str
        One entry of a report's ``notes``.

    Returns
    -------
    dict or None
        ``{"code": kind, "params": {...}}``. Kinds and their values: ``outcome``
        (``favourable_outcome``); ``check`` (``name``, ``metric``, ``kind``, ``threshold``,
        ``higher_is_better``); ``band`` (``name``, ``low``, ``high``: a two-sided check's band of
        the impact ratio or the gap); ``incompatibility`` (``attributes``, ``alpha``, ``metrics``);
        ``unknown`` (``attribute``, ``count``, ``excluded``); ``small_categories`` (``count``,
        ``share``); ``weighted`` (none); ``calibration_skipped`` (``low``, ``high``: the range of
        the scores).

    Examples
    --------
    >>> parse_note("Check 'fpr': false positive rate ratio, threshold 0.8; "
    ...            "a lower rate is better for the person.")["params"]["metric"]
    'false_positive_rate'
    """
    for outcome, text in OUTCOME_NOTE.items():
        if note == text:
            return {"code": "outcome", "params": {"favourable_outcome": outcome}}
    if note == WEIGHTED_NOTE:
        return {"code": "weighted", "params": {}}
    if m := _CHECK.fullmatch(note):
        name, metric, kind, threshold, direction = m.groups()
        return {
            "code": "check",
            "params": {
                "name": ast.literal_eval(name),
                "metric": _metric_code(metric),
                "kind": kind,
                "threshold": float(threshold),
                "higher_is_better": direction == _HIGHER,
            },
        }
    if m := _BAND.fullmatch(note):
        name, low, high = m.groups()
        return {
            "code": "band",
            "params": {"name": ast.literal_eval(name), "low": float(low), "high": float(high)},
        }
    if m := _INCOMPATIBLE.fullmatch(note):
        attributes, alpha, chosen = m.groups()
        try:
            names = ast.literal_eval(f"[{attributes}]")
        except (ValueError, SyntaxError):
            return None
        return {
            "code": "incompatibility",
            "params": {
                "attributes": [str(a) for a in names],
                "alpha": float(alpha),
                "metrics": [_metric_code(m) for m in chosen.split(",")],
            },
        }
    if m := _UNKNOWN.fullmatch(note):
        count, attribute, excluded = m.groups()
        return {
            "code": "unknown",
            "params": {
                "attribute": ast.literal_eval(attribute),
                "count": float(count),
                "excluded": bool(excluded),
            },
        }
    if m := _CALIBRATION_SKIPPED.fullmatch(note):
        low, high = m.groups()
        return {"code": "calibration_skipped", "params": {"low": float(low), "high": float(high)}}
    if m := _SMALL.fullmatch(note):
        count, share = m.groups()
        return {
            "code": "small_categories",
            "params": {"count": int(count), "share": int(share) / 100},
        }
    return None
