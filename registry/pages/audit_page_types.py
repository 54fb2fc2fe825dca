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
    LogRecord,
    VerdictView,
)


class ChartBar(TypedDict):
    """One group's bar: a rate in [0, 1] and its interval; `value` null when there is no estimate
    to draw (then `note` says why)."""

    label: str
    """The group's name (its label in the spec, else its code)."""
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
    """The group's code, as in the data."""
    label: str
    """The group's name in the page's language (the spec's label; an intersection joins its
    parts' names)."""
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
    """In a ratio table: the group's rate divided by the reference group's (1 = the same rate;
    2.5 = two and a half times as often), whatever way the check is oriented. Null in a
    difference table, for the reference and where nothing was judged."""
    ratio_low: float | None
    ratio_high: float | None
    """Null when the interval has no upper bound."""
    difference_pp: float | None
    """In a difference table: the group's rate minus the reference group's, in percentage points
    (0 = the same rate). Null in a ratio table, for the reference and where nothing was judged."""
    difference_pp_low: float | None
    difference_pp_high: float | None
    p_value: float | None
    p_adjusted: float | None
    verdict: VerdictView | None
    """Null for the reference group and groups no check applied to."""


class GroupTable(TypedDict):
    """One declared check's metric for every group of one attribute, with its chart."""

    chart_id: str
    check: str
    check_label: str
    metric: str
    metric_text: str
    measure: str
    """What the comparison column shows: `ratio` (ratio to the reference, reference row 1) or
    `difference` (difference from the reference in percentage points, reference row 0), as the
    check is declared."""
    rule_text: str
    """The check's rule, in terms of the numbers this table shows."""
    title: str
    rows: list[GroupRow]
    reference: str | None
    reference_label: str | None
    threshold_rate: float | None
    suppressed: int
    """How many groups in the table are below `small_cell_k`."""
    not_assessed: str | None
    """Why the check did not assess this attribute at all (the report's `not_assessed`), in the
    page's language; null when it compared at least one group."""
    chart: RatesChart


class FailedComparison(TypedDict):
    """One comparison beyond its declared threshold, in words and in the numbers the sentence
    quotes (as the table shows them; null where withheld)."""

    check: str
    metric: str
    kind: str
    """`ratio` or `difference`."""
    attribute: str
    group: str
    reference: str
    withheld: bool
    """Numbers withheld because a group in the comparison is smaller than the small-cell limit."""
    value_text: str | None
    """The ratio, or the gap in percentage points (unsigned), as written in the table."""
    low_text: str | None
    high_text: str | None
    text: str


class Findings(TypedDict):
    """The audit's findings in sentences, in the page's language."""

    headline: str
    """The first failed comparison's sentence, or that nothing beyond the thresholds was found."""
    failed: list[FailedComparison]
    within: str | None
    """How many comparisons were within their threshold (null when none was made)."""
    not_judged: str | None
    """How many comparisons could not be judged, and why (null when all were)."""


class MeasureColumn(TypedDict):
    """A measure described for each group but not compared with a threshold."""

    measure: str
    """`f1_score`, `balanced_accuracy` or `positive_share`."""
    title: str
    meaning: str
    """What the measure tells a reader, in the page's language."""
    percent: bool
    """Shown as a percentage (the share of positive decisions) rather than a number 0 to 1."""


class MeasureCell(TypedDict):
    value: float | None
    low: float | None
    """The 95% interval (null for a share of positive decisions, which has none)."""
    high: float | None
    withheld: bool
    """Withheld because one of the group's counts is below `small_cell_k`."""
    note: str | None
    """Why the value is missing or weak (too few cases, undefined), in words."""


class MeasureRow(TypedDict):
    group: str
    label: str
    cells: list[MeasureCell]
    """One per column of the table, in order."""


class MeasuresTable(TypedDict):
    """Per-group measures reported for description only (F1 score, balanced accuracy, each
    group's share of all positive decisions)."""

    columns: list[MeasureColumn]
    rows: list[MeasureRow]


class ConditionalRow(TypedDict):
    """One comparison made within comparable cases (the strata of the control features) and
    pooled: the report's `conditional` row in words and as the table shows it."""

    attribute: str
    attribute_label: str
    metric: str
    metric_text: str
    group: str
    group_label: str
    reference: str
    reference_label: str
    withheld: bool
    """Numbers withheld because a group in the comparison is smaller than the small-cell limit."""
    ratio_text: str | None
    """The Mantel-Haenszel ratio (group over reference) as the table writes it."""
    ratio_low_text: str | None
    ratio_high_text: str | None
    difference_pp_text: str | None
    """The Mantel-Haenszel difference, group minus reference, in percentage points."""
    difference_pp_low_text: str | None
    difference_pp_high_text: str | None
    association_p: float | None
    """Cochran-Mantel-Haenszel test that the groups do not differ within cases (adjusted p)."""
    homogeneity_p: float | None
    """Breslow-Day-Tarone test that the gap is the same in every category (adjusted p)."""
    strata: int
    """Categories (combinations of the control features' values) in the sample."""
    strata_used: int
    """Categories where both groups had cases, so the comparison could be made."""
    skipped_text: str | None
    """How many categories were left out and why (null when none was)."""
    status: str
    status_text: str | None
    text: str | None
    """The finding in a sentence (null when it could not be computed or is withheld)."""


class ConditionalSection(TypedDict):
    """Within comparable cases: the comparisons of the declared checks' measures made again
    within the categories of the control features."""

    controls: list[str]
    """The control features' codes (columns)."""
    controls_label: str
    intro: str
    sentences: list[str]
    rows: list[ConditionalRow]


class ReliabilityPoint(TypedDict):
    """One reliability bin of one group: the mean score and the share who had the outcome."""

    score: float
    rate: float
    low: float | None
    high: float | None


class ReliabilitySeries(TypedDict):
    """One group's line in a reliability diagram (bins resting on fewer than k people left out)."""

    label: str
    points: list[ReliabilityPoint]


class ReliabilityChart(TypedDict):
    """Input of a server-drawn reliability diagram: per group, the observed outcome rate against
    the mean score of each score bin; the diagonal is where the two agree."""

    id: str
    title: str
    desc: str
    """Text alternative: every group's calibration in words."""
    x_label: str
    y_label: str
    diagonal_label: str
    series: list[ReliabilitySeries]


class CalibrationRow(TypedDict):
    """One group's calibration, as the table shows it (null where withheld or undefined)."""

    group: str
    label: str
    n: float | None
    suppressed: bool
    mean_score: float | None
    observed_rate: float | None
    brier: float | None
    ece: float | None
    p_value: float | None
    p_adjusted: float | None
    status: str


class ScoreComparisonRow(TypedDict):
    """One group against the score reference: its ROC AUC compared with DeLong's test, and the
    Kolmogorov-Smirnov test of its scores (null where not computed, undefined or withheld)."""

    group: str
    label: str
    withheld: bool
    """Withheld to protect privacy: the group or the reference has fewer than k people."""
    auc: float | None
    reference_auc: float | None
    auc_difference: float | None
    auc_difference_low: float | None
    auc_difference_high: float | None
    auc_p_adjusted: float | None
    auc_status: str | None
    ks_points: float | None
    """The KS statistic in percentage points: the largest gap between the shares of the two
    groups scoring at or below any score."""
    ks_p_adjusted: float | None
    ks_status: str | None


class ScoreSection(TypedDict):
    """What the scores themselves show for one attribute: calibration, AUC and KS, in words,
    tables and a reliability diagram."""

    reference: str | None
    reference_label: str | None
    sentences: list[str]
    """The findings about the scores in sentences (a sentence before a number)."""
    calibration: list[CalibrationRow]
    chart: ReliabilityChart | None
    comparisons: list[ScoreComparisonRow]
    has_auc: bool
    """Whether the comparisons hold ROC AUC (they need labels)."""
    has_ks: bool


class AttributeSection(TypedDict):
    attribute: str
    """The attribute's code (a column, or columns joined by `&` for an intersection)."""
    label: str
    """Its name in the page's language."""
    tables: list[GroupTable]
    measures: MeasuresTable | None
    """Descriptive measures by group; null when the report has none (unlabelled samples have
    only the share of positive decisions; reports before schema 3 none)."""
    scores: ScoreSection | None
    """The score measures (calibration, AUC compared with DeLong's test, KS); null without
    scores."""


class CheckCounts(TypedDict):
    comparisons: int
    passed: int
    failed: int
    inconclusive: int


class DeclaredCheck(TypedDict):
    """A check the auditor declared before the run, and its result over all groups."""

    name: str
    label: str
    """The check's name in the page's language (the spec's label, else measure and kind)."""
    metric: str
    metric_text: str
    kind: str | None
    """`ratio` or `difference`."""
    threshold: float | None
    band: str
    """`one-sided` (a group worse off beyond the threshold) or `two-sided` (beyond it either
    way: Aequitas's band)."""
    rule_text: str
    """The rule in words, in the direction a reader reads the tables ("a group's rate may be at
    most 1.25 times the reference group's")."""
    verdict: VerdictView
    counts: CheckCounts


class CountShown(TypedDict):
    """A count keyed by a code (a drop reason, an attribute), with the code in words."""

    value: str
    text: str
    n: float | str


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
    rows_dropped_shown: list[CountShown]
    """`rows_dropped` with each reason in words."""
    unknown_shown: list[CountShown]
    """`unknown` with each attribute's name."""


class AuditedVersion(TypedDict):
    public_id: str
    name: DisplayField
    version_number: int


class FavourableOutcome(TypedDict):
    value: str | None
    """`beneficial` or `adverse`."""
    text: str | None
    meaning: str | None


class NamedReference(TypedDict):
    attribute: str
    attribute_label: str
    group: str
    group_label: str


class ReferencePolicy(TypedDict):
    value: str | None
    text: str | None
    named: dict[str, str]
    """Attribute -> reference group named in advance (codes)."""
    named_shown: list[NamedReference]
    """The same, with names."""


class SettingWords(TypedDict):
    value: str
    """The code in the report (`bh`, `wilson`, `four-fifths`)."""
    text: str


class StatSettings(TypedDict):
    """The statistical settings in words."""

    alpha: float | None
    correction: SettingWords | None
    methods: list[SettingWords]
    """The interval methods and tests the report used."""
    preset: SettingWords | None


class EngineNote(TypedDict):
    code: str | None
    """The note's kind (`outcome`, `check`, `incompatibility`, `unknown`, `small_categories`,
    `weighted`, `band`, `calibration_skipped`); null for a note the page shows as the engine wrote
    it."""
    text: str
    lang: str
    """The language of `text`: the page's, or `en` for a note shown as written."""


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
    statistics: StatSettings
    findings: Findings
    """The findings in sentences (from the same comparisons the tables show)."""
    conditional: ConditionalSection | None
    """Within comparable cases (the spec's control features); null when none was named."""
    checks: list[DeclaredCheck]
    sample: SampleShown
    attributes: list[AttributeSection]
    notes: list[str]
    """The engine's notes as the report stores them, in English (superseded by `notes_shown`)."""
    notes_shown: list[EngineNote]
    """The engine's notes in the page's language, naming attributes and checks by their names."""
    provenance: AuditProvenance
    response: AgencyResponse | None
    log_entry: LogRecord | None
    """The audit's publication in the public transparency log (null before it is published)."""
