"""Words of the auditor's upload wizard, marked for translation (``registry.i18n.catalog``).

Kept apart from ``words.py`` (sign-in, accounts, tokens): each sentence that explains a choice in
plain words, and each form problem, is one constant here.
"""

from __future__ import annotations

from registry import i18n

N_ = i18n.N_

STEPS = (
    ("algorithm", N_("Algorithm")),
    ("file", N_("File")),
    ("columns", N_("Columns")),
    ("checks", N_("Checks")),
    ("summary", N_("Summary")),
)

INPUT_KINDS = {
    "sample": (
        N_("A sample of decisions"),
        N_(
            "One row per person or case: the prediction (or a score), what really happened if "
            "known, and the group attributes. CSV, gzip-compressed CSV or Parquet."
        ),
    ),
    "counts": (
        N_("A count table"),
        N_(
            "Counts already added up per group, for example columns tp, fp, tn, fn beside the "
            "group columns. Use this when the rows themselves cannot leave the agency."
        ),
    ),
}

OUTCOME_MODES = {
    "prediction": (
        N_("A prediction column (0 or 1)"),
        N_("The file already holds the decision: 1 when the person was selected or flagged."),
    ),
    "score": (
        N_("A score column and a threshold"),
        N_(
            "The file holds a score; the threshold says which scores count as selected or "
            "flagged, for example >=0.7, top-100 or top-10%."
        ),
    ),
}

FAVOURABLE = {
    "beneficial": (
        N_("Being selected is good for the person"),
        N_(
            "For example a benefit, a job offer or a school place. A group is worse off when it "
            "is selected less often."
        ),
    ),
    "adverse": (
        N_("Being selected is bad for the person"),
        N_(
            "For example a fraud flag, an inspection or a detention. A group is worse off when "
            "it is flagged more often, above all when people did nothing wrong."
        ),
    ),
}

CHECK_MODES = {
    "default": (
        N_("The standard checks"),
        N_(
            "For a good outcome: the selection-rate ratio (at least 0.8, the four-fifths rule) "
            "and, with a label, the true positive rate difference (at most 0.1). For a bad "
            "outcome: the false positive rate ratio and difference, or the flag-rate ratio "
            "without a label."
        ),
    ),
    "four-fifths": (
        N_("Preset: the four-fifths rule"),
        N_(
            "One check: every group's selection rate is at least four fifths (0.8) of the most "
            "favoured group's."
        ),
    ),
    "ll144": (
        N_("Preset: New York City Local Law 144"),
        N_(
            "The impact ratio of the selection (or scoring) rate to the most selected category, "
            "screened at 0.8; small categories are left out of the ratios. Only for selection "
            "for a benefit, such as hiring."
        ),
    ),
    "custom": (
        N_("Declare my own checks"),
        N_(
            "Choose up to three metrics, each compared to the reference group as a ratio or a "
            "difference."
        ),
    ),
}

REFERENCES = {
    "most_favoured": (
        N_("The most favoured group"),
        N_("Each group is compared with the group that fares best on that metric."),
    ),
    "largest": (
        N_("The largest group"),
        N_("Each group is compared with the group that has the most people in the sample."),
    ),
    "overall": (
        N_("Everyone together"),
        N_("Each group is compared with the whole sample."),
    ),
}

CHECK_KINDS = {
    "ratio": N_("Ratio: passes when the group's rate is at least this share of the reference's"),
    "difference": N_("Difference: passes when the group is worse off by at most this much"),
}

METRIC_NAMES = {
    "selection_rate": N_("Selection rate"),
    "true_positive_rate": N_("True positive rate"),
    "false_positive_rate": N_("False positive rate"),
    "false_negative_rate": N_("False negative rate"),
    "true_negative_rate": N_("True negative rate"),
    "precision": N_("Precision"),
    "false_discovery_rate": N_("False discovery rate"),
    "negative_predictive_value": N_("Negative predictive value"),
    "false_omission_rate": N_("False omission rate"),
    "accuracy": N_("Accuracy"),
    "scoring_rate": N_("Scoring rate"),
    "roc_auc": N_("ROC AUC"),
}

SAMPLE_KINDS = {
    "historical": N_("Historical: real decisions that were made"),
    "test": N_("Test: a set prepared to test the algorithm"),
}

IDENTIFIER_WARNINGS = {
    "name": N_("Looks like an identifier (its name): never use it as a group attribute."),
    "distinct": N_(
        "Looks like an identifier (almost every value is different): never use it as a group "
        "attribute."
    ),
}
COLUMN_KINDS = {
    "binary": N_("0 or 1"),
    "number": N_("numbers"),
    "text": N_("text"),
    "empty": N_("empty"),
}

# Form problems
ALGORITHM_MISSING = N_("Choose the algorithm to audit")
SEARCH_TOO_LONG = N_("Enter at most %(max)s characters")
VERSION_MISSING = N_("Choose a published version")
INPUT_KIND_MISSING = N_("Choose what the file holds")
FILE_MISSING = N_("Choose a file to upload (the file sent was empty, or none was chosen)")
FILE_FORMAT = N_(
    "The file must be a CSV file (UTF-8, optionally gzip-compressed) or a Parquet file"
)
FILE_TOO_LARGE = N_("The file must be smaller than %(limit)s MiB")
FILE_UNREADABLE = N_("The file cannot be read: %(detail)s")
COLUMN_NOT_IN_FILE = N_("The file has no column %(column)s: choose one of its columns")
OUTCOME_MODE_MISSING = N_("Choose whether the file holds a prediction or a score")
PREDICTION_MISSING = N_("Choose the prediction column")
SCORE_MISSING = N_("Choose the score column")
THRESHOLD_MISSING = N_("Enter the threshold for the score, for example >=0.7")
THRESHOLD_INVALID = N_(
    "Enter the threshold like >=0.7 (a score), top-100 (a number of rows) or top-10% (a share)"
)
SAME_COLUMN_TWICE = N_("Choose a different column from the %(role)s column")
ATTRIBUTES_MISSING = N_("Choose at least one column of group attributes")
ATTRIBUTE_IS_IDENTIFIER = N_(
    "%(column)s looks like an identifier: grouping people by it would disclose them. Do not use "
    "it as a group attribute"
)
ATTRIBUTE_HAS_ROLE = N_(
    "%(column)s is already the %(role)s column: it cannot also be a group attribute"
)
CONTROL_IS_ATTRIBUTE = N_(
    "%(column)s is a group attribute: a column is either compared across its groups or held "
    "constant, not both"
)
CONTROL_HAS_ROLE = N_(
    "%(column)s is already the %(role)s column: it cannot also be a column to compare within"
)
COUNT_LAYOUT = N_(
    "The count table needs the count columns of one layout besides the group columns (tp, fp, "
    "tn, fn; label, prediction, count; prediction, count; or pp, pn): %(detail)s"
)
FAVOURABLE_MISSING = N_("Choose what being selected means for the person")
CHECK_MODE_MISSING = N_("Choose which checks to run")
REFERENCE_MISSING = N_("Choose the reference group")
LL144_ADVERSE = N_(
    'The Local Law 144 preset is for selection for a benefit: choose "Being selected is good for '
    'the person" or another set of checks'
)
CUSTOM_CHECKS_MISSING = N_("Declare at least one check, or choose the standard checks")
CHECK_KIND_MISSING = N_("Choose ratio or difference for this check")
CHECK_THRESHOLD_INVALID = N_(
    "Enter a number between 0 and 1 for this check's threshold, for example 0.8"
)
CHECK_METRIC_DUPLICATE = N_("Each check needs a different metric and kind")
CHECK_NEEDS_LABEL = N_(
    "%(metric)s needs a label column (what really happened); choose another metric or go back "
    "and choose the label"
)
CHECK_NEEDS_SCORE = N_("%(metric)s needs a score column; choose another metric")
SPEC_PROBLEM = N_("The audit spec was refused: %(detail)s")
STEPS_FIRST = N_("Complete the earlier steps first")

ROLE_WORDS = {
    "label": N_("label"),
    "prediction": N_("prediction"),
    "score": N_("score"),
}

SUMMARY_TERMS = {
    "label": N_("Label column"),
    "prediction": N_("Prediction column"),
    "score": N_("Score column"),
    "threshold": N_("Threshold"),
    "sensitive_features": N_("Group attributes"),
    "control_features": N_("Compared within the same"),
    "favourable_outcome": N_("Favourable outcome"),
    "reference": N_("Reference group"),
    "preset": N_("Preset"),
    "sample_period": N_("Period"),
    "sample_population": N_("Who is in the sample"),
    "sample_kind": N_("Kind of sample"),
}
CHECK_RATIO_LINE = N_("%(metric)s: each group at least %(threshold)s times the reference")
CHECK_DIFFERENCE_LINE = N_(
    "%(metric)s: each group worse off than the reference by at most %(threshold)s"
)

#: A group attribute with the names readers will see: "sex (Gender / 性别)".
ATTRIBUTE_NAMED = N_("%(column)s (%(names)s)")
