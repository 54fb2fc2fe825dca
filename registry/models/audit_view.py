"""Typed answers of the audit API: the private and the public view of an audit, and the list.

The views are built as plain dicts by ``registry.services.audits.disclosure`` (the pages use the
same code); these types describe them for the OpenAPI document and check them on the way out (a
key the views gain without its type is refused, not silently dropped). Which view a caller gets
depends on who asks: the submitter, an admin and (for a self-assessment) the agency's editors get
:class:`AuditPrivateView`; everyone else gets :class:`AuditPublicView`, with small cells withheld.
The two are told apart by ``suppression``: null in the private view, the rule in the public one.

``TypedDict``\\ s like the report they carry (see ``registry.models.audit_report`` for why).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Field, Tag, with_config
from typing_extensions import TypedDict

from registry.models.audit import AuditInput, AuditKind, AuditState, AuditVisibility
from registry.models.audit_report import (
    AuditReportDocument,
    AuditSpecDocument,
    CheckSummaryRow,
    CountTable,
    Number,
    Verdict,
    Withheld,
)

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
_closed = with_config(ConfigDict(extra="forbid", use_attribute_docstrings=True))
_open = with_config(ConfigDict(extra="allow", use_attribute_docstrings=True))


@_closed
class Withdrawal(TypedDict):
    """Why and when the audit was withdrawn; the record stays."""

    at: Timestamp | None
    reason: str | None


@_closed
class AgencyResponse(TypedDict):
    """The agency's public response to a published audit."""

    text: str
    """The English text, else the Chinese one (the older single-language field)."""
    texts: dict[str, str]
    """The response by language: `en`, `zh-CN` (each only if written)."""
    at: Timestamp | None


@_closed
class SampleInfo(TypedDict):
    """The uploaded sample: its fingerprint and description (the file itself is never served)."""

    sha256: str
    bytes: int
    format: str
    """`csv`, `csv.gz`, `parquet` or `counts`."""
    description: dict[str, Any]
    """The spec's `sample` block: period, population, source, kind."""


@_open
class JobProgress(TypedDict, total=False):
    """How far the run has got (empty until the worker reports)."""

    bytes_read: int
    bytes_total: int | None
    fraction: Number | None


@_closed
class Job(TypedDict):
    """The run: attempts, heartbeat and progress."""

    attempts: int
    started_at: Timestamp | None
    heartbeat_at: Timestamp | None
    progress: JobProgress


@_open
class AuditError(TypedDict):
    """Why a run failed: the engine's message, naming the column, row or field where it can."""

    message: str
    column: str | None
    row: int | None
    field: str | None
    reason: str
    """`input`, `spec`, `engine` or `internal`."""


@_closed
class Suppression(TypedDict):
    """The small-cell rule applied to this public view."""

    k: int
    """Counts from 1 to k-1 are withheld."""
    rule: str
    shape: Withheld
    """What a withheld number looks like."""


class _AuditFields(TypedDict):
    id: str
    url: str
    """The public page (once published)."""
    api_url: str
    algorithm: str
    """The algorithm's permanent id."""
    version: int
    """The card version audited."""
    kind: AuditKind
    submitted_by: str
    input: AuditInput
    rerun_of: str | None
    """The audit this one recomputes, if a rerun."""
    state: AuditState
    visibility: AuditVisibility
    submitted_at: Timestamp
    finished_at: Timestamp | None
    published_at: Timestamp | None
    withdrawn: Withdrawal | None
    response: AgencyResponse | None
    sample: SampleInfo
    spec_sha256: str
    verdict: Verdict | None
    """Null until the run succeeds."""
    checks: list[CheckSummaryRow]
    """One verdict per declared check."""
    engine_version: str | None


class _PrivateFields(_AuditFields):
    suppression: None
    """Always null: this view shows the true counts."""
    job: Job
    error: AuditError | None
    sample_kept: bool
    """Whether the raw sample file is still stored."""


class _PublicFields(_AuditFields):
    suppression: Suppression


@_closed
class AuditPrivateSummary(_PrivateFields):
    """An audit in a list, for its submitter and admins: no spec, report or counts."""


@_closed
class AuditPublicSummary(_PublicFields):
    """A published audit in a list: no spec, report or counts."""


@_closed
class AuditPrivateView(_PrivateFields):
    """Everything about an audit, for its submitter and admins: true counts, job state, errors."""

    spec: AuditSpecDocument
    report: AuditReportDocument | None
    """Null until the run succeeds."""
    counts: CountTable | None


@_closed
class AuditPublicView(_PublicFields):
    """A published (or withdrawn) audit for everyone, with small cells withheld."""

    spec: AuditSpecDocument
    report: AuditReportDocument | None
    counts: CountTable | None


def _audience(value: Any) -> str:
    return "public" if isinstance(value, dict) and value.get("suppression") else "private"


AuditView = Annotated[
    Annotated[AuditPrivateView, Tag("private")] | Annotated[AuditPublicView, Tag("public")],
    Discriminator(_audience),
]
AuditSummary = Annotated[
    Annotated[AuditPrivateSummary, Tag("private")] | Annotated[AuditPublicSummary, Tag("public")],
    Discriminator(_audience),
]


@_closed
class AuditList(TypedDict):
    """Audits of one algorithm, newest first: each in the view its reader may see."""

    items: list[AuditSummary]
