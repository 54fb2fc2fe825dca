"""Typed answers of the audit API: the private and the public view of an audit, and the list.

The views are built as plain dicts by ``registry.services.audits.disclosure`` (the pages use the
same code); these models give them a type for validation and for the OpenAPI document. Which view
a caller gets depends on who asks: the submitter, an admin, and (for a self-assessment) the
agency's editors get :class:`AuditPrivateView`; everyone else gets :class:`AuditPublicView`, with
small cells withheld. The two are told apart by ``suppression``: null in the private view, the
rule in the public one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from registry.models.audit import AuditInput, AuditKind, AuditState, AuditVisibility
from registry.models.audit_report import (
    AuditReportDocument,
    AuditSpecDocument,
    CheckSummaryRow,
    CountTable,
    Verdict,
    Withheld,
)

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Withdrawal(_View):
    """Why and when the audit was withdrawn; the record stays."""

    at: Timestamp | None
    reason: str | None


class AgencyResponse(_View):
    """The agency's public response to a published audit."""

    text: str
    at: Timestamp | None


class SampleInfo(_View):
    """The uploaded sample: its fingerprint and description (the file itself is never served)."""

    sha256: str
    bytes: int
    format: str = Field(description="`csv`, `csv.gz`, `parquet` or `counts`.")
    description: dict[str, Any] = Field(
        description="The spec's `sample` block: period, population, source, kind."
    )


class JobProgress(BaseModel):
    """How far the run has got (empty until the worker reports)."""

    model_config = ConfigDict(extra="allow")

    bytes_read: int | None = None
    bytes_total: int | None = None
    fraction: int | float | None = Field(None, ge=0, le=1)


class Job(_View):
    """The run: attempts, heartbeat and progress."""

    attempts: int
    started_at: Timestamp | None
    heartbeat_at: Timestamp | None
    progress: JobProgress


class AuditError(BaseModel):
    """Why a run failed: the engine's message, naming the column, row or field where it can."""

    model_config = ConfigDict(extra="allow")

    message: str
    column: str | None = None
    row: int | None = None
    field: str | None = None
    reason: str = Field(description="`input`, `spec`, `engine` or `internal`.")


class Suppression(_View):
    """The small-cell rule applied to this public view."""

    k: int = Field(description="Counts from 1 to k-1 are withheld.")
    rule: str
    shape: Withheld = Field(description="What a withheld number looks like.")


class _AuditFields(_View):
    id: str = Field(examples=["aud-7k2m9q4x1c"])
    url: str = Field(description="The public page (once published).")
    api_url: str
    algorithm: str = Field(description="The algorithm's permanent id.")
    version: int = Field(description="The card version audited.")
    kind: AuditKind
    submitted_by: str
    input: AuditInput
    rerun_of: str | None = Field(description="The audit this one recomputes, if a rerun.")
    state: AuditState
    visibility: AuditVisibility
    submitted_at: Timestamp
    finished_at: Timestamp | None
    published_at: Timestamp | None
    withdrawn: Withdrawal | None
    response: AgencyResponse | None
    sample: SampleInfo
    spec_sha256: str
    verdict: Verdict | None = Field(description="Null until the run succeeds.")
    checks: list[CheckSummaryRow] = Field(description="One verdict per declared check.")
    engine_version: str | None


class _PrivateFields(_AuditFields):
    suppression: None = Field(description="Always null: this view shows the true counts.")
    job: Job
    error: AuditError | None
    sample_kept: bool = Field(description="Whether the raw sample file is still stored.")


class _PublicFields(_AuditFields):
    suppression: Suppression


class AuditPrivateSummary(_PrivateFields):
    """An audit in a list, for its submitter and admins: no spec, report or counts."""


class AuditPublicSummary(_PublicFields):
    """A published audit in a list: no spec, report or counts."""


class AuditPrivateView(_PrivateFields):
    """Everything about an audit, for its submitter and admins: true counts, job state, errors."""

    spec: AuditSpecDocument
    report: AuditReportDocument | None = Field(description="Null until the run succeeds.")
    counts: CountTable | None


class AuditPublicView(_PublicFields):
    """A published (or withdrawn) audit for everyone, with small cells withheld."""

    spec: AuditSpecDocument
    report: AuditReportDocument | None
    counts: CountTable | None


def _audience(value: Any) -> str:
    suppression = (
        value.get("suppression") if isinstance(value, dict) else getattr(value, "suppression", None)
    )
    return "public" if suppression else "private"


AuditView = Annotated[
    Annotated[AuditPrivateView, Tag("private")] | Annotated[AuditPublicView, Tag("public")],
    Discriminator(_audience),
]
AuditSummary = Annotated[
    Annotated[AuditPrivateSummary, Tag("private")] | Annotated[AuditPublicSummary, Tag("public")],
    Discriminator(_audience),
]


class AuditList(BaseModel):
    """Audits of one algorithm, newest first: each in the view its reader may see."""

    items: list[AuditSummary]
