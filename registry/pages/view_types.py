"""Typed parts that several page view-models share: words for states and verdicts, a card field
ready to display, agency and audit summaries, pagination.

View-models are ``TypedDict``\\ s: plain dicts at run time (the pages were tuned and a typed dict
costs nothing), checked by mypy where they are built, and the source of each ``.json`` twin's
published JSON Schema (``registry.pages.twin_schemas``). A string under a field is its description
in that schema. ``TypedDict`` comes from ``typing_extensions`` because pydantic reads these types to
write the schemas and needs that class on Python 3.11.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from typing_extensions import TypedDict

from registry.cards.fields_meta import Tier

Tone = Literal["ok", "bad", "warn", "neutral", "info"]


# --- words for controlled values ----------------------------------------------------------------


class VerdictView(TypedDict):
    """An audit verdict in words. We assess and disclose disparities; no verdict says "fair"."""

    value: str
    """`pass`, `fail`, `inconclusive`, `not_assessed` or `not_audited`."""
    text: str
    explanation: str
    tone: Tone
    """Colour that reinforces the words (the words alone carry the meaning)."""


class StateView(TypedDict):
    """A record's state (`published` or `retired`) in words."""

    value: str
    text: str
    tone: Tone


class AuditKindView(TypedDict):
    """Who ran an audit: `independent` or `self_assessment`."""

    value: str
    text: str
    explanation: str


class VocabularyView(TypedDict):
    """A controlled card value (scenario, risk category, status) and its words."""

    value: str | None
    text: str | None


# --- a card field, ready to display ------------------------------------------------------------


class TextValue(TypedDict):
    kind: Literal["text"]
    text: str
    lang: str | None
    """The language of `text` when it is the agency's own words in a language other than the
    reader's (no translation); null otherwise."""


class ChoiceValue(TypedDict):
    """A controlled value or a yes/no, with its words."""

    kind: Literal["choice"]
    value: str | bool
    text: str


class DateValue(TypedDict):
    """A date (`2024-05-01`) or month (`2024-05`) and its words in the reader's language."""

    kind: Literal["date"]
    value: str
    text: str


class LinkValue(TypedDict):
    """A web address or e-mail address; only `http(s)` and `mailto` ever become links."""

    kind: Literal["link"]
    url: str
    text: str


class ListValue(TypedDict):
    kind: Literal["list"]
    items: list[DisplayValue]


class RecordEntry(TypedDict):
    name: str
    label: str
    value: DisplayValue


class RecordValue(TypedDict):
    """A structured value (contact, data source...) as labelled entries."""

    kind: Literal["record"]
    entries: list[RecordEntry]


DisplayValue = TextValue | ChoiceValue | DateValue | LinkValue | ListValue | RecordValue


class WithheldInfo(TypedDict):
    """Why the agency withholds a field, in its own stated terms."""

    reason: str | None
    reason_text: str | None
    explanation: str | None
    legal_reference: str | None


class WithheldField(WithheldInfo):
    field: str
    label: str


class DisplayField(TypedDict):
    """One model card field ready to show. An empty must-show field is `not_provided`, never
    hidden; a withheld one carries the agency's reason."""

    name: str
    label: str
    help: str
    tier: Tier
    value_lang: str
    """Language tag of the value as shown (a translation, or the card's own language)."""
    shown_in_original_language: bool
    """True when the reader's language has no translation and the original is shown."""
    withheld: WithheldInfo | None
    state: Literal["provided", "withheld", "not_provided"]
    value: DisplayValue | None
    """Null unless `state` is `provided`."""


class CardSection(TypedDict):
    key: str
    title: str
    fields: list[DisplayField]


# --- records, agencies, audits -----------------------------------------------------------------


class AgencyRef(TypedDict):
    slug: str
    name: str
    """In the reader's language when the agency gave a translation."""
    name_lang: str | None
    """The language of `name` when it is not the reader's (no translation: the agency's own
    name, shown as it is); null when `name` is in the reader's language."""


class AgencyLink(AgencyRef):
    website: str | None
    """Only an `http(s)` address; null otherwise."""


class AuditSummary(TypedDict):
    """A published audit in a list."""

    id: str
    verdict: VerdictView
    headline: str | None
    """The first of the audit's findings in a sentence, or that no disparity beyond the declared
    thresholds was found (registry.pages.findings); null without a report."""
    kind: AuditKindView
    independent: bool
    version_number: int
    published_at: datetime | None
    withdrawn: bool
    withdrawn_reason: str | None
    has_response: bool


class Pagination(TypedDict):
    page: int
    per_page: int
    pages: int
    next_page: int | None
    prev_page: int | None


def pagination(page: int, per_page: int, total: int) -> Pagination:
    """Page ``page`` of ``total`` items, ``per_page`` a page."""
    pages = max(1, -(-total // per_page))
    return {
        "page": page,
        "per_page": per_page,
        "pages": pages,
        "next_page": page + 1 if page < pages else None,
        "prev_page": page - 1 if page > 1 else None,
    }


class OriginalLanguage(TypedDict):
    """The card's own language when the reader reads another one: its text is shown as written."""

    tag: str
    """BCP 47 tag of the card's language (``nl``), for the ``lang`` attribute."""
    name: str
    """The language's name in the reader's language ("Dutch", "荷兰语")."""


class ExportLink(TypedDict):
    """One published version in one other register's format."""

    format: str
    """The format's id, as in the URL."""
    title: str
    standard: str
    standard_version: str
    url: str
    filename: str
    media_type: str
    register_url: str
    """The whole register (every public algorithm's current version) in this format, as a zip."""
    missing_required: list[str]
    """Fields the target standard requires that this version does not give (left empty in the
    file and listed in it, never invented)."""


class Dated(TypedDict):
    """A dated statement: a withdrawal's or retirement's reason, or the agency's response."""

    at: datetime | None
    reason: str | None


class LogRecord(TypedDict):
    """Where a published fact sits in the public transparency log (docs/verification.md)."""

    index: int
    proof_url: str
    """Its inclusion proof against the latest signed checkpoint."""
    checkpoint_url: str


def log_record(index: int | None) -> LogRecord | None:
    if index is None:
        return None
    return {
        "index": index,
        "proof_url": f"/api/v1/log/proof/inclusion?index={index}",
        "checkpoint_url": "/log/checkpoint",
    }
