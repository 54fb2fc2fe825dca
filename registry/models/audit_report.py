"""Typed shape of what an audit stores from the engine: the spec, the report and the count table.

These types document the JSON API (``/docs``) and check its answers; the data itself is produced
by ``fairness`` (``AuditReport.to_dict()``, ``AuditSpec.to_dict()``) and by
``registry.services.audits.engine``, and is described key by key in docs/report-format.md. Every
type accepts keys it does not name (``extra="allow"``), so a key the engine adds later passes
through unchanged; keys the engine leaves out of some reports (``tp`` on an unlabelled sample,
``metric_backend`` in older reports) are ``NotRequired``, so an absent key stays absent.

They are ``TypedDict``\\ s rather than models: a report can hold tens of thousands of rows, and
pydantic checks and writes plain dicts without building an object per row. Checking and writing the
public view of the 1,110-group report of benchmarks/bench_analysis.py (9 MB of JSON) took 128 ms
this way, 279 ms with models, 22 ms untyped; of the 122-group one (1 MB), 13, 16 and 2 ms.
``TypedDict`` comes from ``typing_extensions`` because pydantic needs that class on Python 3.11.

In the public view a small count, and every number built on one, is replaced by :class:`Withheld`;
those fields are typed ``number | Withheld``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict

Number = int | float  # smart union: an int stays an int, a float stays a float
Verdict = Literal["pass", "fail", "inconclusive", "not_assessed"]

_open = with_config(ConfigDict(extra="allow", use_attribute_docstrings=True))
_closed = with_config(ConfigDict(extra="forbid", use_attribute_docstrings=True))


@_closed
class Withheld(TypedDict):
    """Stands in for a number withheld from the public view (a count from 1 to k-1, or a rate,
    interval or p-value that would reveal one)."""

    suppressed: Literal[True]
    display: str
    """What to show instead, e.g. "<10"."""


MaybeNumber = Number | Withheld | None


# --- spec ---------------------------------------------------------------------------------------


@_open
class SpecColumns(TypedDict):
    """Which columns of the sample hold what (see docs/report-format.md)."""

    label: NotRequired[str | None]
    prediction: NotRequired[str | None]
    score: NotRequired[str | None]
    threshold: NotRequired[str | None]
    """`>=0.7`, `top-100` or `top-10%`."""
    weight: NotRequired[str | None]
    sensitive_features: NotRequired[list[str]]
    pos_label: NotRequired[str | int | float | bool | None]
    delimiter: NotRequired[str | None]


@_open
class SpecCheck(TypedDict):
    """A check declared before the run."""

    name: str
    metric: str
    kind: Literal["ratio", "difference"]
    threshold: Number
    band: NotRequired[Literal["one-sided", "two-sided"]]
    """`two-sided` flags a group beyond the threshold either way (absent: one-sided)."""


#: A name in each language: ``{"en": "Age band", "zh-CN": "年龄段"}`` (either may be absent).
LabelText = dict[str, str]


@_open
class SpecLabels(TypedDict):
    """The spec's `labels` block: names of attributes, groups and checks in `en` and `zh-CN`."""

    attributes: NotRequired[dict[str, LabelText]]
    """Sensitive feature -> its name."""
    groups: NotRequired[dict[str, dict[str, LabelText]]]
    """Sensitive feature -> group value (as in the data) -> its name."""
    checks: NotRequired[dict[str, LabelText]]
    """Check name -> its name for readers."""


@_open
class AuditSpecDocument(TypedDict):
    """The declared test as stored with the audit: the effective spec, checks resolved."""

    spec_version: NotRequired[int]
    columns: NotRequired[SpecColumns]
    sample: NotRequired[dict[str, Any] | None]
    """Free description of the sample (period, population, source, kind)."""
    preset: NotRequired[str | None]
    """`four-fifths`, `ll144` or null."""
    favourable_outcome: NotRequired[Literal["beneficial", "adverse"] | None]
    reference: NotRequired[str | None]
    """`most_favoured`, `largest` or `overall`."""
    reference_groups: NotRequired[dict[str, str] | None]
    metrics: NotRequired[list[str] | None]
    checks: NotRequired[list[SpecCheck] | None]
    min_denominator: NotRequired[Number | None]
    alpha: NotRequired[Number | None]
    correction: NotRequired[str | None]
    """`bh`, `holm` or `none`."""
    bootstrap_replicates: NotRequired[int | None]
    seed: NotRequired[int | None]
    intersection_depth: NotRequired[int | str | None]
    """1 to 16, or "all"."""
    small_category_share: NotRequired[Number | None]
    exclude_unknown_from_ratios: NotRequired[bool | None]
    metric_backend: NotRequired[str | None]
    """`numpy` (default) or `fairlearn`."""
    labels: NotRequired[SpecLabels]
    """Names readers see instead of codes (absent when the auditor gave none)."""
    score_measures: NotRequired[list[str] | None]
    """`calibration`, `roc_auc_comparison`, `ks` (absent: all the data allows)."""
    calibration_bins: NotRequired[int]
    """Bins of the reliability diagrams (absent: 10)."""


# --- report tables ------------------------------------------------------------------------------


@_open
class GroupRow(TypedDict):
    """One group of one attribute (or intersection): its size and confusion counts."""

    attribute: str
    group: str
    n: MaybeNumber
    """Rows (or weight sum) in the group."""
    share: MaybeNumber
    """Share of the sample."""
    tp: NotRequired[MaybeNumber]
    """Labelled samples only (as are fp, tn, fn)."""
    fp: NotRequired[MaybeNumber]
    tn: NotRequired[MaybeNumber]
    fn: NotRequired[MaybeNumber]
    pp: NotRequired[MaybeNumber]
    """Predicted positives."""
    pn: NotRequired[MaybeNumber]
    """Predicted negatives."""
    unknown: bool
    """The group, or one of its parts, is `unknown`."""
    small_category: bool
    in_ratios: bool
    """Takes part in comparisons, summaries and checks."""
    positive_share: NotRequired[MaybeNumber]
    """Share of all positive predictions at this attribute (schema 3 on)."""


@_open
class MetricRow(TypedDict):
    """One metric of one group, with its interval."""

    attribute: str
    group: str
    metric: str
    value: MaybeNumber
    """Null when undefined (denominator 0)."""
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    interval: str | None
    """`wilson`, `clopper_pearson`, `hanley_mcneil`, `jaccard_wilson`,
    `jaccard_clopper_pearson` or `newcombe_youden`."""
    numerator: MaybeNumber
    denominator: MaybeNumber
    status: str
    """`ok`, `insufficient_data` or `undefined`."""


@_open
class ComparisonRow(TypedDict):
    """One group against its reference on one rate metric."""

    attribute: str
    metric: str
    group: str
    reference: str
    value: MaybeNumber
    reference_value: MaybeNumber
    ratio: MaybeNumber
    """Group ÷ reference; null when the reference rate is 0."""
    ratio_ci_low: MaybeNumber
    ratio_ci_high: MaybeNumber
    difference: MaybeNumber
    """Group − reference."""
    difference_ci_low: MaybeNumber
    difference_ci_high: MaybeNumber
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    test: str | None
    """`fisher_exact` or `two_proportion_z`."""
    status: str


@_open
class OmnibusRow(TypedDict):
    """A chi-square test across all groups of one attribute on one metric."""

    attribute: str
    metric: str
    groups: int
    statistic: Number | None
    dof: int | None
    p_value: Number | None
    p_adjusted: Number | None
    test: str


@_open
class SummaryRow(TypedDict):
    """A between-groups summary (e.g. demographic parity difference) with its interval
    (simultaneous pairwise intervals; bootstrap percentiles in reports made before them)."""

    attribute: str
    summary: str
    metrics: list[str] | str
    kind: str
    """`difference` or `ratio`."""
    value: MaybeNumber
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    groups_compared: int
    replicates: int
    method: str


@_open
class CheckRow(TypedDict):
    """One declared check applied to one group."""

    name: str
    attribute: str
    metric: str
    kind: str
    group: str
    reference: str | None
    value: MaybeNumber
    """Oriented impact ratio or gap."""
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    threshold: Number
    verdict: Verdict
    """Uses the true counts, also in the public view."""
    reason: str
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    significant: bool | Withheld | None
    band: NotRequired[Literal["one-sided", "two-sided"]]
    """Schema 3 on."""


@_open
class CheckSummaryRow(TypedDict):
    """One declared check over every group it was applied to."""

    name: str
    metric: str
    kind: str
    threshold: Number
    verdict: Verdict
    comparisons: int
    passed: int
    failed: int
    inconclusive: int
    band: NotRequired[Literal["one-sided", "two-sided"]]
    """Schema 3 on."""


@_open
class CalibrationBinRow(TypedDict):
    """One reliability bin of one group: mean score and observed outcome rate (schema 3)."""

    attribute: str
    group: str
    bin: int
    bin_low: Number
    bin_high: Number
    n: MaybeNumber
    mean_score: MaybeNumber
    observed_rate: MaybeNumber
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    interval: str


@_open
class CalibrationRow(TypedDict):
    """One group's calibration: Brier score, ECE, Spiegelhalter's z test (schema 3)."""

    attribute: str
    group: str
    n: MaybeNumber
    positives: MaybeNumber
    mean_score: MaybeNumber
    observed_rate: MaybeNumber
    brier: MaybeNumber
    ece: MaybeNumber
    bins: int
    statistic: MaybeNumber
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    family: str
    test: str
    status: str


@_open
class ScoreComparisonRow(TypedDict):
    """A group against the score reference: ROC AUC (DeLong) or KS test (schema 3)."""

    attribute: str
    measure: str
    """`roc_auc` or `ks`."""
    group: str
    reference: str
    value: MaybeNumber
    reference_value: MaybeNumber
    difference: MaybeNumber
    difference_ci_low: MaybeNumber
    difference_ci_high: MaybeNumber
    statistic: MaybeNumber
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    family: str
    test: str
    status: str


# --- provenance and the report ------------------------------------------------------------------


@_open
class InputStats(TypedDict):
    """What was read: hash, rows read, used and dropped, unknown values per attribute."""

    sha256: str | None
    """Of the raw bytes; null for an in-memory table."""
    source_format: NotRequired[str | None]
    rows_read: NotRequired[Number | None]
    rows_used: NotRequired[Number | None]
    rows_dropped: NotRequired[dict[str, Number | Withheld]]
    """Reason -> rows."""
    unknown: NotRequired[dict[str, Number | Withheld]]
    """Attribute -> rows with an unknown value (reported as their own group)."""
    warnings: NotRequired[list[str]]
    columns: NotRequired[dict[str, Any] | None]


@_open
class Provenance(TypedDict):
    """How the numbers were made: input, seed, interval level and software versions."""

    input: InputStats
    weighted: bool
    has_labels: bool
    has_scores: bool
    score_median: NotRequired[Number | None]
    score_measures: NotRequired[list[str]]
    seed: int | None
    bootstrap_replicates: int
    confidence: Number
    metric_backend: NotRequired[str]
    versions: dict[str, str]


@_open
class AuditReportDocument(TypedDict):
    """The engine's report (docs/report-format.md): the same input, spec and seed give the same."""

    schema_version: int
    verdict: Verdict
    notes: list[str]
    sample: dict[str, Any]
    spec: AuditSpecDocument
    provenance: Provenance
    groups: list[GroupRow]
    metrics: list[MetricRow]
    comparisons: list[ComparisonRow]
    omnibus: list[OmnibusRow]
    summaries: list[SummaryRow]
    checks: list[CheckRow]
    check_summary: list[CheckSummaryRow]
    calibration_bins: NotRequired[list[CalibrationBinRow]]
    calibration: NotRequired[list[CalibrationRow]]
    score_comparisons: NotRequired[list[ScoreComparisonRow]]


@_open
class CountTable(TypedDict):
    """The per-cell count table the metrics were computed from (enough to rerun the audit)."""

    attributes: list[str]
    has_labels: bool
    weighted: bool
    columns: list[str]
    """The attributes, then the count columns."""
    rows: list[list[str | Number | Withheld]]
    stats: InputStats
