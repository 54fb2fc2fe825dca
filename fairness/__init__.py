"""fairness: count-based group-disparity audits with intervals, significance tests and verdicts.

Read a prediction sample once into per-cell counts, then assess and disclose disparities between
groups: per-group metrics with intervals, comparisons with a reference group, significance tests
with multiple-comparison corrections, bootstrap intervals for between-group summaries, and checks
with ``pass`` / ``fail`` / ``inconclusive`` verdicts.

Independent of the registry: it imports no web framework or database package.

Examples
--------
>>> import fairness
>>> report = fairness.audit("sample.csv", label="hired", prediction="selected",
...                         sensitive_features=["sex", "ethnicity"], preset="four-fifths")
... # doctest: +SKIP
>>> report.verdict  # doctest: +SKIP
'fail'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real names for type checkers; at run time __getattr__ loads them lazily
    from fairness._audit import audit, audit_count_file, audit_counts, read_for_spec
    from fairness._columns import MISSING_TOKENS
    from fairness._counts_input import (
        count_table_layout,
        counts_from_frame,
        read_counts,
        write_counts_csv,
    )
    from fairness._engines import count_in_engine
    from fairness._errors import (
        FairnessError,
        FairnessInputError,
        FileFormatError,
        missing_columns_message,
    )
    from fairness._intervals import (
        clopper_pearson_interval,
        katz_ratio_interval,
        newcombe_difference_interval,
        rate_interval,
        score_ratio_interval,
        wilson_interval,
    )
    from fairness._notes import parse_note
    from fairness._policies import higher_is_better
    from fairness._read import read_sample
    from fairness._report import SCHEMA_VERSION, AuditReport
    from fairness._significance import adjust_p_values, chi_square_omnibus, two_proportion_test
    from fairness._sniff import sniff_format
    from fairness._source import read_header
    from fairness._spec import AuditSpec
    from fairness._spec_labels import LABEL_CONTROL, LABEL_MAX, validate_labels
    from fairness._spec_parts import Check, Columns, SampleDescription, SpecError
    from fairness._sql import CountQuery, count_query
    from fairness._table import UNKNOWN, CellTable, ReadStats, Sample, ScoreTable
    from fairness._threshold import ThresholdRule

#: Public name -> private module that defines it. Loaded on first use, so ``import fairness``
#: (and the CLI's ``--help``) stays fast; numpy, pandas and scipy load only when needed.
_EXPORTS = {
    "audit": "_audit",
    "audit_count_file": "_audit",
    "audit_counts": "_audit",
    "read_for_spec": "_audit",
    "MISSING_TOKENS": "_columns",
    "count_table_layout": "_counts_input",
    "counts_from_frame": "_counts_input",
    "read_counts": "_counts_input",
    "write_counts_csv": "_counts_input",
    "count_in_engine": "_engines",
    "FairnessError": "_errors",
    "FairnessInputError": "_errors",
    "FileFormatError": "_errors",
    "missing_columns_message": "_errors",
    "clopper_pearson_interval": "_intervals",
    "katz_ratio_interval": "_intervals",
    "newcombe_difference_interval": "_intervals",
    "rate_interval": "_intervals",
    "score_ratio_interval": "_intervals",
    "wilson_interval": "_intervals",
    "parse_note": "_notes",
    "higher_is_better": "_policies",
    "read_sample": "_read",
    "SCHEMA_VERSION": "_report",
    "AuditReport": "_report",
    "adjust_p_values": "_significance",
    "chi_square_omnibus": "_significance",
    "two_proportion_test": "_significance",
    "sniff_format": "_sniff",
    "read_header": "_source",
    "AuditSpec": "_spec",
    "LABEL_CONTROL": "_spec_labels",
    "LABEL_MAX": "_spec_labels",
    "validate_labels": "_spec_labels",
    "Check": "_spec_parts",
    "Columns": "_spec_parts",
    "SampleDescription": "_spec_parts",
    "SpecError": "_spec_parts",
    "CountQuery": "_sql",
    "count_query": "_sql",
    "UNKNOWN": "_table",
    "CellTable": "_table",
    "ReadStats": "_table",
    "Sample": "_table",
    "ScoreTable": "_table",
    "ThresholdRule": "_threshold",
}

__version__ = "0.1.0"

#: Names of every per-group metric the engine can report (same order as the report).
METRICS = (
    "selection_rate",
    "prevalence",
    "true_positive_rate",
    "false_negative_rate",
    "false_positive_rate",
    "true_negative_rate",
    "precision",
    "false_discovery_rate",
    "negative_predictive_value",
    "false_omission_rate",
    "accuracy",
    "scoring_rate",
    "roc_auc",
)

__all__ = [
    "LABEL_CONTROL",
    "LABEL_MAX",
    "METRICS",
    "MISSING_TOKENS",
    "SCHEMA_VERSION",
    "UNKNOWN",
    "AuditReport",
    "AuditSpec",
    "CellTable",
    "Check",
    "Columns",
    "CountQuery",
    "FairnessError",
    "FairnessInputError",
    "FileFormatError",
    "ReadStats",
    "Sample",
    "SampleDescription",
    "ScoreTable",
    "SpecError",
    "ThresholdRule",
    "__version__",
    "adjust_p_values",
    "audit",
    "audit_count_file",
    "audit_counts",
    "chi_square_omnibus",
    "clopper_pearson_interval",
    "count_in_engine",
    "count_query",
    "count_table_layout",
    "counts_from_frame",
    "higher_is_better",
    "katz_ratio_interval",
    "missing_columns_message",
    "newcombe_difference_interval",
    "parse_note",
    "rate_interval",
    "read_counts",
    "read_for_spec",
    "read_header",
    "read_sample",
    "score_ratio_interval",
    "sniff_format",
    "two_proportion_test",
    "validate_labels",
    "wilson_interval",
    "write_counts_csv",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'fairness' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"fairness.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
