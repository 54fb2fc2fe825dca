"""The view-model of the public audit page (``/audits/{id}`` and its ``.json`` twin), including the
input of each chart: the view-model computes every number and word a chart shows, and the template
only renders it (``registry.pages.svg_charts.render_rates_chart``).

Small cells: a group with fewer than ``small_cell_k`` cases has ``suppressed: true``, ``n: null``
and none of its rates, intervals or p-values; its verdict in words stays (computed from the true
counts). See ``registry.services.audits.disclosure``.
"""

from __future__ import annotations

from datetime import datetime

from typing_extensions import TypedDict

from registry.pages.view_types import (
    AgencyRef,
    AuditKindView,
    Dated,
    DisplayField,
    VerdictView,
)


class ChartBar(TypedDict):
    """One group's bar: a rate in [0, 1] and its interval; `value` null when there is no estimate
    to draw (then `note` says why)."""

    label: str
    value: float | None
    low: float | None
    high: float | None
    note: str
    """Words shown instead of, or beside, the bar: "fewer than 10 cases", "insufficient data"."""


class RatesChart(TypedDict):
    """Input of one server-drawn SVG chart: group rates, interval whiskers, the threshold line."""

    id: str
    """Prefix of the SVG's element ids (for `aria-labelledby`)."""
    title: str
    desc: str
    """Text alternative: every group's rate in words."""
    threshold: float | None
    """The rate that meets the check's threshold (e.g. 4/5 of the reference's), if one applies."""
    threshold_label: str
    bars: list[ChartBar]


class GroupRow(TypedDict):
    """One group in one per-group table."""

    group: str
    is_reference: bool
    unknown: bool
    small_category: bool
    suppressed: bool
    """Fewer than `small_cell_k` cases: size, rates and comparisons are withheld."""
    n: float | None
    rate_withheld: bool
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    status: str | None
    """`ok`, `insufficient_data` or `undefined` (from the engine)."""
    comparison_withheld: bool
    ratio: float | None
    """Ratio to the reference group, oriented as the check reads it."""
    ratio_low: float | None
    ratio_high: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: VerdictView | None
    """Null for the reference group and groups no check applied to."""


class GroupTable(TypedDict):
    """One declared check's metric for every group of one attribute, with its chart."""

    chart_id: str
    check: str
    metric: str
    metric_text: str
    title: str
    rows: list[GroupRow]
    reference: str | None
    threshold_rate: float | None
    suppressed: int
    """How many groups in the table are below `small_cell_k`."""
    not_assessed: str | None
    """Why the check did not assess this attribute at all (the report's `not_assessed`), in the
    page's language; null when it compared at least one group."""
    chart: RatesChart


class AttributeSection(TypedDict):
    attribute: str
    tables: list[GroupTable]


class CheckCounts(TypedDict):
    comparisons: int
    passed: int
    failed: int
    inconclusive: int


class DeclaredCheck(TypedDict):
    """A check the auditor declared before the run, and its result over all groups."""

    name: str
    metric: str
    metric_text: str
    kind: str | None
    """`ratio` or `difference`."""
    threshold: float | None
    rule_text: str
    verdict: VerdictView
    counts: CheckCounts


class SampleShown(TypedDict):
    """The sample as described by the auditor, with the rows used and left out. A count below
    `small_cell_k` is the words "fewer than k" rather than a number."""

    period: str | None
    population: str | None
    source: str | None
    kind: str | None
    rows_used: float | None
    rows_dropped: dict[str, float | str]
    unknown: dict[str, float | str]


class AuditedVersion(TypedDict):
    public_id: str
    name: DisplayField
    version_number: int


class FavourableOutcome(TypedDict):
    value: str | None
    """`beneficial` or `adverse`."""
    text: str | None
    meaning: str | None


class ReferencePolicy(TypedDict):
    value: str | None
    text: str | None
    named: dict[str, str]
    """Attribute -> reference group named in advance."""


class AuditProvenance(TypedDict):
    """What a reader needs to check the numbers: the sample's fingerprint, engine and seed."""

    sample_sha256: str | None
    engine_version: str | None
    versions: dict[str, str]
    seed: int | None
    bootstrap_replicates: int | None
    confidence: float | None


class AgencyResponse(TypedDict):
    text: str
    """In the reader's language if the agency wrote one, else in the other language."""
    lang: str
    """The language of `text` (`en` or `zh-CN`)."""
    at: datetime | None


class AuditPage(TypedDict):
    """`/audits/{id}.json`: what was tested and why, verdicts in words, per-group tables."""

    lang: str
    id: str
    small_cell_k: int
    algorithm: AuditedVersion
    agency: AgencyRef
    kind: AuditKindView
    independent: bool
    published_at: datetime | None
    withdrawn: Dated | None
    verdict: VerdictView
    favourable_outcome: FavourableOutcome
    reference_policy: ReferencePolicy
    min_denominator: float | None
    alpha: float | None
    correction: str | None
    checks: list[DeclaredCheck]
    sample: SampleShown
    attributes: list[AttributeSection]
    notes: list[str]
    """The engine's notes, in English."""
    provenance: AuditProvenance
    response: AgencyResponse | None
