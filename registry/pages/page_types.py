"""The view-model of each public page: what its template renders and its ``.json`` twin carries.

One ``TypedDict`` per page (the shared parts are in ``registry.pages.view_types``). The JSON twin
is the view-model verbatim, so these types are a public API: ``registry.pages.twin_schemas``
publishes a JSON Schema for each, and docs/pages.md says which changes are breaking.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from typing_extensions import TypedDict

from registry.pages.view_types import (
    AgencyLink,
    AgencyRef,
    AuditSummary,
    CardSection,
    Dated,
    DisplayField,
    DisplayValue,
    ExportLink,
    LogRecord,
    OriginalLanguage,
    Pagination,
    StateView,
    Tone,
    VerdictView,
    VocabularyView,
    WithheldField,
)

# --- home and agencies ----------------------------------------------------------------------------


class ListingItem(TypedDict):
    """One algorithm in a list: name and summary in the reader's language where translated."""

    public_id: str
    name: str
    name_lang: str
    """Language tag of `name` as shown."""
    summary: str
    summary_lang: str
    shown_in_original_language: bool
    language: str
    """The card's own language."""
    agency: AgencyRef | None
    scenario: VocabularyView
    risk_category: VocabularyView
    lifecycle_status: VocabularyView
    state: StateView
    latest_verdict: VerdictView
    """Of the latest published audit; `not_audited` when there is none."""
    current_version: int | None
    updated_at: datetime


class RegisterCounts(TypedDict):
    algorithms: int
    retired: int
    audited: int
    agencies: int


class SearchEcho(TypedDict):
    """The search as understood: the words, and the chosen values of each facet."""

    q: str
    filters: dict[str, list[str]]


class FacetOption(TypedDict):
    value: str
    label: str
    label_lang: str | None
    """The language of `label` when it is not the reader's (an agency's untranslated name)."""
    count: int
    selected: bool


class Facet(TypedDict):
    name: str
    """`scenario`, `agency`, `risk_category`, `lifecycle_status` or `latest_verdict`."""
    title: str
    options: list[FacetOption]


class HomePage(TypedDict):
    """`/` and `/index.json`: headline counts, facets and one page of search results."""

    lang: str
    counts: RegisterCounts
    query: SearchEcho
    facets: list[Facet]
    total: int
    results: list[ListingItem]
    suggestion: str | None
    """Did you mean: search text that finds something when this search found nothing; else null."""
    pagination: Pagination
    next_url: str | None
    """Absolute URL of the next page of this twin; null on the last page."""
    prev_url: str | None


class AgencyListEntry(TypedDict):
    slug: str
    name: str
    name_lang: str | None
    """The language of `name` when it is not the reader's (the agency gave no translation)."""
    algorithms: int
    """Public algorithms of the agency."""
    website: str | None


class AgenciesPage(TypedDict):
    """`/agencies.json`: every public body with algorithms on the register."""

    lang: str
    agencies: list[AgencyListEntry]


class AlgorithmRef(TypedDict):
    public_id: str
    name: str
    name_lang: str | None
    """The language of `name` (the card's own) when it is not the reader's; else null."""


class AgencyAudit(AuditSummary):
    algorithm: AlgorithmRef
    response_at: datetime | None


class Responsiveness(TypedDict):
    """How the agency answers the audits of its algorithms."""

    audits: int
    responded: int
    awaiting_response: int
    median_response_days: float | None


class AgencyPage(TypedDict):
    """`/agencies/{slug}.json`: one agency, its algorithms (paginated), audits, responsiveness."""

    lang: str
    slug: str
    name: str
    name_lang: str | None
    """The language of `name` when it is not the reader's (the agency gave no translation)."""
    website: str | None
    total: int
    algorithms: list[ListingItem]
    pagination: Pagination
    audits: list[AgencyAudit]
    """The latest audits, newest first (at most 20)."""
    responsiveness: Responsiveness
    scorecard: Scorecard
    """The accountability figures first shown on the page (see `/compare/agencies`)."""
    next_url: str | None
    prev_url: str | None


# --- across agencies: audits list, scorecards, comparison ----------------------------------------


class AuditListItem(AuditSummary):
    """One public audit in the list across the register."""

    algorithm: AlgorithmRef
    agency: AgencyRef
    scenario: VocabularyView
    """The audited algorithm's scenario."""
    response_at: datetime | None


class AuditFilterOption(TypedDict):
    value: str
    label: str
    selected: bool


class AuditFilter(TypedDict):
    """One filter of the audits list, as the form shows it."""

    name: str
    """`agency`, `scenario`, `verdict` or `kind` (the query parameter)."""
    title: str
    options: list[AuditFilterOption]


class AuditQueryEcho(TypedDict):
    """The filters as understood; dates as `YYYY-MM-DD`, null when not set."""

    agency: list[str]
    scenario: list[str]
    verdict: list[str]
    kind: list[str]
    published_from: str | None
    published_to: str | None


class AuditsPage(TypedDict):
    """`/audits.json`: public audits across the register, newest first, filtered and paginated."""

    lang: str
    query: AuditQueryEcho
    filtered: bool
    """True when any filter is set."""
    filters: list[AuditFilter]
    total: int
    audits: list[AuditListItem]
    pagination: Pagination
    next_url: str | None
    prev_url: str | None


class RiskCount(TypedDict):
    risk_category: VocabularyView
    algorithms: int


class Figure(TypedDict):
    """One scorecard number and the sentence that explains it."""

    name: str
    """`in_use`, `high_risk`, `independently_audited`, `failed_audits`, `failed_responded`,
    `failed_unanswered` or `review_overdue`."""
    value: int
    label: str
    explanation: str
    tone: Tone
    """`bad` or `warn` when the number is a gap to close; words carry the meaning."""


class ResponseFigure(TypedDict):
    """One figure of the agency's timeliness and the sentence that explains it."""

    name: str
    """`received`, `answered_in_time`, `median_days_to_answer` or `open_past_target`."""
    value: float | None
    """None: nothing to measure yet (no answer for the median)."""
    label: str
    explanation: str
    tone: Tone


class ResponseTimeliness(TypedDict):
    """How promptly the agency answers questions and concerns from the public."""

    target_days: int
    """The response target, in working days after the day of receipt."""
    received: int
    """Items received about its public algorithms, whatever became of them."""
    answered: int
    answered_in_time: int
    """Of the answered items, those answered on or before the target's last day."""
    median_days_to_answer: float | None
    """Calendar days (not working days) from receipt to answer, median of the answered items."""
    open_past_target: int
    """Items still waiting for an answer (in moderation or published) past the target."""
    figures: list[ResponseFigure]


class Scorecard(TypedDict):
    """An agency's accountability figures (the same on its page and the comparison page)."""

    in_use: int
    """Public algorithms not retired."""
    retired: int
    by_risk: list[RiskCount]
    """In-use algorithms per risk category, every category listed."""
    high_risk: int
    independently_audited: int
    """In-use algorithms with at least one standing (published, not withdrawn) independent audit."""
    failed_audits: int
    """Standing audits that found a disparity beyond the declared threshold."""
    failed_responded: int
    """Of those, how many the agency answered in public."""
    review_overdue: int
    """In-use algorithms whose card's next review date has passed."""
    as_of: date
    """The day "overdue" is judged against."""
    figures: list[Figure]
    """The numbers above in reading order, each explained in words."""
    responses: ResponseTimeliness
    """Questions and concerns from the public: answered on the clock?"""


class ComparedAgency(TypedDict):
    slug: str
    name: str
    name_lang: str | None
    """The language of `name` when it is not the reader's (no translation); else null."""
    scorecard: Scorecard


class SortColumn(TypedDict):
    """A sortable column header: its link sorts by it (the other way when already sorted so)."""

    key: str
    label: str
    href: str
    """Query string of the link (`?sort=...&order=...`), relative to the page."""
    sorted: Literal["ascending", "descending", "none"]
    """As `aria-sort` says it."""


class ComparePage(TypedDict):
    """`/compare/agencies.json`: every agency's scorecard side by side, sorted as asked."""

    lang: str
    sort: str
    order: Literal["asc", "desc"]
    columns: list[SortColumn]
    agencies: list[ComparedAgency]
    as_of: date


# --- one record -----------------------------------------------------------------------------------


class VersionInfo(TypedDict):
    number: int
    published_at: datetime
    change_summary: str
    sha256: str
    """Of the version's canonical JSON: the same bytes forever."""
    is_current: bool


class CodeText(TypedDict):
    """A code and its words in the reader's language."""

    value: str
    text: str


class ParticipationAnswer(TypedDict):
    text: str
    at: datetime


class ParticipationItemView(TypedDict):
    """A published item: what someone asked or said (personal data masked) and the answer."""

    id: str
    kind: CodeText
    text: str
    display_name: str | None
    """None: the author chose to stay anonymous."""
    received_at: datetime
    published_at: datetime | None
    answer: ParticipationAnswer | None
    waiting_days: int | None
    """Whole days since it was received, while it has no answer."""
    past_target: bool
    """Still unanswered after the response target's last day."""
    target_days: int
    """The response target, in working days."""
    masked: list[str]
    """What kinds of personal data were masked in the text, in words."""


class ReasonCount(TypedDict):
    reason: CodeText
    count: int


class ParticipationLimits(TypedDict):
    """The longest text and display name the form accepts, in characters."""

    text: int
    display_name: int


class ParticipationSection(TypedDict):
    """What the public asked and said about the algorithm, and the agency's answers."""

    items: list[ParticipationItemView]
    declined: list[ReasonCount]
    """Items not published, counted by reason (every published reason, zero included)."""
    merged: int
    kinds: list[CodeText]
    """The kinds of message the form offers."""
    limits: ParticipationLimits
    appeal_route: str | None
    """The card's route to object or appeal, shown next to answers to concerns."""


class AlgorithmPage(TypedDict):
    """`/algorithms/{id}.json` and `/algorithms/{id}/versions/{n}.json`: one published card, with
    its plain-language key facts first and every section after."""

    lang: str
    public_id: str
    name: DisplayField
    agency: AgencyLink
    state: StateView
    retired: Dated | None
    version: VersionInfo
    """The version shown (the current one on the record page)."""
    current_version: int
    versions_count: int
    review_overdue: bool
    """The card's next review date has passed (never for a retired record)."""
    key_facts: list[DisplayField]
    latest_audit: AuditSummary | None
    audits: list[AuditSummary]
    version_audits: list[AuditSummary]
    """Audits of the version shown."""
    sections: list[CardSection]
    withheld: list[WithheldField]
    card_language: str
    participation: ParticipationSection | None
    """On the current record only: published questions and concerns with their answers."""
    log_entry: LogRecord | None
    """The version shown in the public transparency log (null for a draft preview)."""
    original_language: OriginalLanguage | None
    """Set when the card is in another language than the reader's: its text is shown as the
    agency wrote it (marked with ``lang``) until a translation is added."""
    exports: list[ExportLink]
    """The version shown in other registers' formats (``registry.formats``), each with what the
    target standard requires and this version does not give."""


class VersionsPage(TypedDict):
    """`/algorithms/{id}/versions.json`: every published version, newest first."""

    lang: str
    public_id: str
    name: DisplayField
    agency: AgencyLink
    state: StateView
    current_version: int
    versions: list[VersionInfo]


class DiffVersion(TypedDict):
    number: int
    published_at: datetime
    sha256: str


class DiffToVersion(DiffVersion):
    change_summary: str


class TextSegment(TypedDict):
    op: Literal["equal", "delete", "insert"]
    text: str


class TextDiff(TypedDict):
    """A changed text word by word: `old` with its removed words (`delete`), `new` with its added
    words (`insert`); joining the texts of either list gives that version's whole text."""

    old: list[TextSegment]
    new: list[TextSegment]


class CardChange(TypedDict):
    path: str
    """Dotted path of the changed value, e.g. `data_sources.0.role`. A list item's index is its
    index in the newer card (in the older one for a removed item); items are matched by name."""
    field: str
    label: str
    """The path in words: `Data sources › Claims database › Retention`."""
    item: str | None
    """The name of the list item the change is about (an input, a data source's name)."""
    section: str
    """The card section of the field (`identity`, `responsibility`, ... `risk`)."""
    section_title: str
    group: str
    """The heading the change is shown under: `key` (the changes that matter most), a section
    key, or `translations` (shown last)."""
    importance: Literal["key", "normal", "translation"]
    kind: Literal["added", "removed", "changed"]
    kind_text: str
    old: DisplayValue | None
    new: DisplayValue | None
    text_diff: TextDiff | None
    """Word-level differences when a text was changed and the two versions share words."""


class ChangeGroup(TypedDict):
    key: str
    title: str
    count: int


class DiffPage(TypedDict):
    """`/algorithms/{id}/diff.json?from=1&to=3`: field-by-field changes between two versions."""

    lang: str
    public_id: str
    name: DisplayField
    agency: AgencyLink
    from_version: DiffVersion
    to_version: DiffToVersion
    version_numbers: list[int]
    changes: list[CardChange]
    """In reading order: the changes that matter most, then by section, translations last."""
    groups: list[ChangeGroup]
    """The headings over `changes`, in order; each covers the next `count` changes."""


# --- explanatory pages ----------------------------------------------------------------------------


class MetricExplained(TypedDict):
    name: str
    title: str
    formula: str
    denominator: str
    meaning: str


class MethodsPage(TypedDict):
    """`/methods.json`: every metric and every verdict, in words."""

    lang: str
    metrics: list[MetricExplained]
    verdicts: list[VerdictView]


class Endpoint(TypedDict):
    path: str
    description: str


class AboutPage(TypedDict):
    """`/about.json`: the register's open data and API."""

    lang: str
    base_url: str
    endpoints: list[Endpoint]
