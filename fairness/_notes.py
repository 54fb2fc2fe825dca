"""Plain-language notes of a report: what was checked and why, and what the reader must know."""

from __future__ import annotations

from collections.abc import Sequence

from fairness._policies import ADVERSE, BENEFICIAL, higher_is_better
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
    if table.weighted:
        notes.append(WEIGHTED_NOTE if table.squares is not None else WEIGHTED_FREQUENCY_NOTE)
    return notes
