"""Policies: which direction of each metric is better for a person, default checks, presets.

A positive prediction is either ``beneficial`` to the person (a benefit, a job offer, a school
place) or ``adverse`` (a fraud flag, an inspection, a detention). That decides, per metric, whether
a higher group value means the group is better off, and so which group is the "most favoured"
reference and which way a check's ratio points. ``docs/metrics.md`` has the table in words.
"""

from __future__ import annotations

from dataclasses import dataclass

BENEFICIAL = "beneficial"
ADVERSE = "adverse"
FAVOURABLE_OUTCOMES = (BENEFICIAL, ADVERSE)

MOST_FAVOURED = "most_favoured"
LARGEST = "largest"
OVERALL = "overall"
REFERENCE_POLICIES = (MOST_FAVOURED, LARGEST, OVERALL)

RATIO = "ratio"
DIFFERENCE = "difference"
CHECK_KINDS = (RATIO, DIFFERENCE)
#: A check's band: one-sided flags a group worse off than its reference beyond the threshold;
#: two-sided (Aequitas's band) flags it beyond the threshold either way: a ratio outside
#: ``[threshold, 1 / threshold]``, a gap larger than the threshold in either direction.
ONE_SIDED = "one-sided"
TWO_SIDED = "two-sided"
BANDS = (ONE_SIDED, TWO_SIDED)

FOUR_FIFTHS = "four-fifths"
LL144 = "ll144"
PRESETS = (FOUR_FIFTHS, LL144)

#: Metrics that are the share of a set of people who receive a *positive* prediction.
_POSITIVE_DECISION_RATES = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "scoring_rate",
)
#: Metrics that are the share of a set of people who receive a *negative* prediction.
_NEGATIVE_DECISION_RATES = ("false_negative_rate", "true_negative_rate")
#: Correctness metrics: higher is better whatever the decision means.
_HIGHER_CORRECT = (
    "precision",
    "negative_predictive_value",
    "accuracy",
    "roc_auc",
    "f1_score",
    "balanced_accuracy",
)
#: Error shares among decisions: lower is better whatever the decision means.
_LOWER_CORRECT = ("false_discovery_rate", "false_omission_rate")
#: Metrics that describe the labels, not the decisions: they cannot be checked.
UNCHECKABLE = ("prevalence",)

#: Complementary rates (``1 - the other`` on the same denominator): comparing one between two
#: groups is the same significance test as comparing the other, so each pair is one test.
_COMPLEMENT_OF = {
    "false_negative_rate": "true_positive_rate",
    "true_negative_rate": "false_positive_rate",
    "false_discovery_rate": "precision",
    "false_omission_rate": "negative_predictive_value",
}


def shared_test_metric(metric: str) -> str:
    """The metric whose test a comparison of ``metric`` is: itself, or its complement's name.

    Examples
    --------
    >>> shared_test_metric("false_negative_rate"), shared_test_metric("selection_rate")
    ('true_positive_rate', 'selection_rate')
    """
    return _COMPLEMENT_OF.get(metric, metric)


def higher_is_better(metric: str, favourable_outcome: str) -> bool | None:
    """Whether a higher value of ``metric`` means the group is better off; ``None`` if neither.

    Decision rates follow the meaning of the decision: with a beneficial outcome, a higher
    selection, true positive or false positive rate means more people of the group receive the
    benefit (better off); with an adverse outcome it means more are flagged (worse off), and the
    false negative and true negative rates turn the other way. Correctness metrics (precision,
    negative predictive value, accuracy, ROC AUC) are better higher, error shares among decisions
    (false discovery and false omission rates) better lower, whatever the outcome. Prevalence is a
    property of the labels and has no direction.

    Parameters
    ----------
    metric : str
        A metric name.
    favourable_outcome : {"beneficial", "adverse"}
        What a positive prediction means for the person.

    Returns
    -------
    bool or None

    Examples
    --------
    >>> higher_is_better("selection_rate", "beneficial")
    True
    >>> higher_is_better("selection_rate", "adverse")
    False
    >>> higher_is_better("false_positive_rate", "adverse")
    False
    """
    beneficial = favourable_outcome == BENEFICIAL
    if metric in _POSITIVE_DECISION_RATES:
        return beneficial
    if metric in _NEGATIVE_DECISION_RATES:
        return not beneficial
    if metric in _HIGHER_CORRECT:
        return True
    if metric in _LOWER_CORRECT:
        return False
    return None


@dataclass(frozen=True)
class CheckTemplate:
    """A check before it is bound to data: name, metric, kind, threshold."""

    name: str
    metric: str
    kind: str
    threshold: float


def default_checks(
    favourable_outcome: str, *, has_labels: bool, has_scores: bool
) -> list[CheckTemplate]:
    """The checks run when a spec declares none and names no preset.

    Beneficial outcome: the selection-rate impact ratio (at least 0.8, the four-fifths rule) and,
    with labels, the true positive rate difference (at most 0.1: qualified people of a group miss
    out on the benefit no more than 10 points more often than the reference group).

    Adverse outcome with labels: the false positive rate ratio (at least 0.8 when oriented, i.e.
    innocent people of a group are flagged at most 1.25 times as often as in the reference group)
    and the false positive rate difference (at most 0.1). Without labels, error rates are unknown
    and the flag-rate (selection rate) impact ratio is checked instead.

    ``has_scores`` is accepted for symmetry with the presets; no default check reads scores.

    Examples
    --------
    >>> [c.name for c in default_checks("adverse", has_labels=True, has_scores=False)]
    ['false_positive_rate_ratio', 'false_positive_rate_difference']
    """
    del has_scores
    if favourable_outcome == BENEFICIAL or not has_labels:
        checks = [CheckTemplate("selection_rate_ratio", "selection_rate", RATIO, 0.8)]
        if has_labels:
            checks.append(
                CheckTemplate(
                    "true_positive_rate_difference", "true_positive_rate", DIFFERENCE, 0.1
                )
            )
        return checks
    return [
        CheckTemplate("false_positive_rate_ratio", "false_positive_rate", RATIO, 0.8),
        CheckTemplate("false_positive_rate_difference", "false_positive_rate", DIFFERENCE, 0.1),
    ]


def preset_checks(preset: str, *, has_scores: bool) -> list[CheckTemplate]:
    """The checks a preset adds when the spec declares none.

    ``four-fifths``: the selection-rate impact ratio against the most favoured group, at least 0.8.
    ``ll144``: the impact ratio of the selection rate, or of the scoring rate when scores were
    given, to the most selected category; Local Law 144 sets no pass mark, so the preset screens
    with the four-fifths threshold 0.8 and the report discloses every ratio regardless.
    """
    if preset == FOUR_FIFTHS:
        return [CheckTemplate("four_fifths", "selection_rate", RATIO, 0.8)]
    metric = "scoring_rate" if has_scores else "selection_rate"
    return [CheckTemplate("ll144_impact_ratio", metric, RATIO, 0.8)]


#: What each preset's rule says, in the report's ``rule.statement``: the rule as its source states
#: it, how this engine applies it, and what is the engine's own extension.
RULE_STATEMENTS = {
    FOUR_FIFTHS: (
        "US EEOC Uniform Guidelines rule of thumb (29 CFR 1607.4(D)): a selection rate for any "
        "group below four-fifths (80%) of the rate of the group with the highest rate is "
        "generally regarded as evidence of adverse impact. The reference is the group with the "
        "highest selection rate among the groups in ratios, whatever its size. The rule's own "
        "finding reads the point estimate of each impact ratio (point_estimate_verdict); the "
        "statistical verdict also asks that the {confidence} interval of the impact ratio lie "
        "wholly below 0.8 for a fail or wholly at or above it for a pass, and is inconclusive "
        "otherwise."
    ),
    LL144: (
        "New York City Local Law 144 (bias audits of automated employment decision tools, "
        "6 RCNY 5-301): impact ratio = a category's selection rate (or scoring rate) divided by "
        "the rate of the most selected category, for each category and intersectional category "
        "not excluded for holding less than 2% of the data; the unknown category is counted. "
        "The reference is the category with the highest rate among those not excluded, whatever "
        "its size. The law sets no pass mark: screening the ratios with 0.8 (the four-fifths "
        "threshold) is this engine's choice, read both on the point estimate "
        "(point_estimate_verdict) and, for the statistical verdict, on the {confidence} interval."
    ),
}
ADVERSE_EXTENSION = (
    " Here a positive prediction is adverse, so the impact ratio is the reference's (least "
    "flagged) rate divided by the group's: applying the rule to adverse outcomes is this "
    "engine's extension, not part of the rule."
)
DECLARED_RULE = (
    "The checks declared in the spec (or the engine's defaults): a check passes when the "
    "{confidence} interval of its impact ratio or gap lies wholly on the acceptable side of its "
    "threshold, fails when it lies wholly on the other side, and is inconclusive otherwise; "
    "point_estimate_verdict reads the threshold on the point estimate alone."
)


def rule_statement(
    preset: str | None, *, policy: str, favourable_outcome: str, confidence: float
) -> str:
    """The sentence the report gives as ``rule.statement`` (see ``RULE_STATEMENTS``).

    A preset whose reference policy the spec replaced (``largest``, ``overall``, named groups)
    no longer applies its rule's reference, and the statement says so.
    """
    level = f"{confidence:.0%}"
    if preset not in RULE_STATEMENTS:
        return DECLARED_RULE.format(confidence=level)
    text = RULE_STATEMENTS[preset].format(confidence=level)
    if policy != MOST_FAVOURED:
        text += (
            f" This spec replaced the rule's reference with the {policy!r} policy, so the "
            "ratios are not the rule's."
        )
    if favourable_outcome == ADVERSE:
        text += ADVERSE_EXTENSION
    return text


def rule_names_reference(preset: str | None, policy: str) -> bool:
    """Whether the reference is the rule's own: the best-off group among those in ratios,
    whatever its size (the presets with the ``most_favoured`` policy). Otherwise the most
    favoured reference is chosen among groups with at least ``min_denominator`` in the metric's
    denominator when there are any."""
    return preset in PRESETS and policy == MOST_FAVOURED


#: Spec fields a preset sets when the spec does not give them.
PRESET_DEFAULTS: dict[str, dict[str, object]] = {
    FOUR_FIFTHS: {"reference": MOST_FAVOURED},
    LL144: {
        "reference": MOST_FAVOURED,
        "small_category_share": 0.02,
        "intersection_depth": "all",
        "exclude_unknown_from_ratios": True,
    },
}
