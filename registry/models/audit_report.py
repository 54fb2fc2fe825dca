"""Typed shape of what an audit stores from the engine: the spec, the report and the count table.

These models document the JSON API (``/docs``); the data itself is produced by ``fairness``
(``AuditReport.to_dict()``, ``AuditSpec.to_dict()``) and by ``registry.services.audits.engine``
and is described key by key in docs/report-format.md. Every model accepts keys it does not name
(``extra="allow"``), so a key the engine adds later passes through unchanged; keys that the engine
leaves out in some reports (``tp`` on an unlabelled sample, ``metric_backend`` on older reports)
are optional, and the API answers with ``response_model_exclude_unset`` so an absent key stays
absent rather than becoming ``null``.

In the public view a small count, and every number built on one, is replaced by
:class:`Withheld`; those fields are typed ``number | Withheld``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = int | float  # smart union: an int stays an int, a float stays a float
Verdict = Literal["pass", "fail", "inconclusive", "not_assessed"]


class Withheld(BaseModel):
    """Stands in for a number withheld from the public view (a count from 1 to k-1, or a rate,
    interval or p-value that would reveal one)."""

    model_config = ConfigDict(extra="forbid")

    suppressed: Literal[True]
    display: str = Field(description='What to show instead, e.g. "<10".', examples=["<10"])


MaybeNumber = Number | Withheld | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- spec -----------------------------------------------------------------------------------------


class SpecColumns(_Open):
    """Which columns of the sample hold what (see docs/report-format.md)."""

    label: str | None = None
    prediction: str | None = None
    score: str | None = None
    threshold: str | None = Field(None, description="`>=0.7`, `top-100` or `top-10%`.")
    weight: str | None = None
    sensitive_features: list[str] = Field(default_factory=list)
    pos_label: str | int | float | bool | None = None
    delimiter: str | None = None


class SpecCheck(_Open):
    """A check declared before the run."""

    name: str
    metric: str
    kind: Literal["ratio", "difference"]
    threshold: Number


class AuditSpecDocument(_Open):
    """The declared test as stored with the audit: the effective spec, checks resolved."""

    spec_version: int | None = None
    columns: SpecColumns | None = None
    sample: dict[str, Any] | None = Field(
        None, description="Free description of the sample (period, population, source, kind)."
    )
    preset: str | None = Field(None, description="`four-fifths`, `ll144` or null.")
    favourable_outcome: Literal["beneficial", "adverse"] | None = None
    reference: str | None = Field(None, description="`most_favoured`, `largest` or `overall`.")
    reference_groups: dict[str, str] | None = None
    metrics: list[str] | None = None
    checks: list[SpecCheck] | None = None
    min_denominator: Number | None = None
    alpha: Number | None = None
    correction: str | None = Field(None, description="`bh`, `holm` or `none`.")
    bootstrap_replicates: int | None = None
    seed: int | None = None
    intersection_depth: int | str | None = Field(None, description='1 to 16, or "all".')
    small_category_share: Number | None = None
    exclude_unknown_from_ratios: bool | None = None
    metric_backend: str | None = Field(None, description="`numpy` (default) or `fairlearn`.")


# --- report tables --------------------------------------------------------------------------------


class GroupRow(_Open):
    """One group of one attribute (or intersection): its size and confusion counts."""

    attribute: str
    group: str
    n: MaybeNumber = Field(description="Rows (or weight sum) in the group.")
    share: MaybeNumber = Field(description="Share of the sample.")
    tp: MaybeNumber = Field(None, description="Labelled samples only.")
    fp: MaybeNumber = Field(None, description="Labelled samples only.")
    tn: MaybeNumber = Field(None, description="Labelled samples only.")
    fn: MaybeNumber = Field(None, description="Labelled samples only.")
    pp: MaybeNumber = Field(None, description="Predicted positives.")
    pn: MaybeNumber = Field(None, description="Predicted negatives.")
    unknown: bool = Field(description="The group, or one of its parts, is `unknown`.")
    small_category: bool
    in_ratios: bool = Field(description="Takes part in comparisons, summaries and checks.")


class MetricRow(_Open):
    """One metric of one group, with its interval."""

    attribute: str
    group: str
    metric: str
    value: MaybeNumber = Field(description="Null when undefined (denominator 0).")
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    interval: str | None = Field(description="`wilson`, `clopper_pearson`, `hanley_mcneil`.")
    numerator: MaybeNumber
    denominator: MaybeNumber
    status: str = Field(description="`ok`, `insufficient_data` or `undefined`.")


class ComparisonRow(_Open):
    """One group against its reference on one rate metric."""

    attribute: str
    metric: str
    group: str
    reference: str
    value: MaybeNumber
    reference_value: MaybeNumber
    ratio: MaybeNumber = Field(description="Group ÷ reference; null when the reference rate is 0.")
    ratio_ci_low: MaybeNumber
    ratio_ci_high: MaybeNumber
    difference: MaybeNumber = Field(description="Group − reference.")
    difference_ci_low: MaybeNumber
    difference_ci_high: MaybeNumber
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    test: str | None = Field(description="`fisher_exact` or `two_proportion_z`.")
    status: str


class OmnibusRow(_Open):
    """A chi-square test across all groups of one attribute on one metric."""

    attribute: str
    metric: str
    groups: int
    statistic: Number | None
    dof: int | None
    p_value: Number | None
    p_adjusted: Number | None
    test: str


class SummaryRow(_Open):
    """A between-groups summary (e.g. demographic parity difference) with a bootstrap interval."""

    attribute: str
    summary: str
    metrics: list[str] | str
    kind: str = Field(description="`difference` or `ratio`.")
    value: MaybeNumber
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    groups_compared: int
    replicates: int
    method: str


class CheckRow(_Open):
    """One declared check applied to one group."""

    name: str
    attribute: str
    metric: str
    kind: str
    group: str
    reference: str | None
    value: MaybeNumber = Field(description="Oriented impact ratio or gap.")
    ci_low: MaybeNumber
    ci_high: MaybeNumber
    threshold: Number
    verdict: Verdict = Field(description="Uses the true counts, also in the public view.")
    reason: str
    p_value: MaybeNumber
    p_adjusted: MaybeNumber
    significant: bool | Withheld | None


class CheckSummaryRow(_Open):
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


# --- provenance and the report --------------------------------------------------------------------


class InputStats(_Open):
    """What was read: hash, rows read, used and dropped, unknown values per attribute."""

    sha256: str | None = Field(description="Of the raw bytes; null for an in-memory table.")
    source_format: str | None = None
    rows_read: Number | None = None
    rows_used: Number | None = None
    rows_dropped: dict[str, Number | Withheld] = Field(default_factory=dict)
    unknown: dict[str, Number | Withheld] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    columns: dict[str, Any] | None = None


class Provenance(_Open):
    """How the numbers were made: input, seed, interval level and software versions."""

    input: InputStats
    weighted: bool
    has_labels: bool
    has_scores: bool
    score_median: Number | None = None
    seed: int | None
    bootstrap_replicates: int
    confidence: Number
    metric_backend: str | None = None
    versions: dict[str, str]


class AuditReportDocument(_Open):
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


class CountTable(_Open):
    """The per-cell count table the metrics were computed from (enough to rerun the audit)."""

    attributes: list[str]
    has_labels: bool
    weighted: bool
    columns: list[str] = Field(description="The attributes, then the count columns.")
    rows: list[list[str | Number | Withheld]]
    stats: InputStats
