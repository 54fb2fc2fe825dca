"""Audits of a published card version: declared spec, sample hash, job state and results.

One row is both the audit and its job: a submission writes the row in state ``queued``; a worker
claims it (``running``, with a claim token and heartbeats) and writes the report, the per-cell
counts and the verdicts in one transaction at the end (``succeeded``), or the engine's message
(``failed``).
Publication is a separate axis (``private`` -> ``published`` -> optionally ``withdrawn``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from registry.models.types import CheckedInput, UTCDateTime

AUDIT_PUBLIC_ID_PATTERN = r"^aud-[0-9a-hjkmnp-tv-z]{10}$"


class AuditState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class AuditVisibility(StrEnum):
    private = "private"
    published = "published"
    withdrawn = "withdrawn"


class AuditKind(StrEnum):
    independent = "independent"
    self_assessment = "self_assessment"


class AuditInput(StrEnum):
    sample = "sample"  # one row per decision (CSV, gzip CSV, Parquet)
    counts = "counts"  # a pre-aggregated count table
    rerun = "rerun"  # recomputed from another audit's stored counts


class Audit(SQLModel, table=True):
    __table_args__ = (
        sa.Index("ix_audit_state_id", "state", "id"),
        # Added by migration 0003_search: the change feed.
        sa.Index("ix_audit_published_at", "published_at"),
        # Added by migration 0008: the public audits list and scorecards read only the index.
        sa.Index(
            "ix_audit_public_listing",
            "visibility",
            "state",
            "published_at",
            "id",
            "algorithm_id",
            "kind",
            "verdict",
            "withdrawn_at",
            "response_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True, index=True)
    algorithm_id: int = Field(foreign_key="algorithm.id", index=True)
    card_version_id: int = Field(foreign_key="card_version.id", index=True)
    algorithm_public_id: str = Field(max_length=12)  # copied: the audit's URL needs no join
    version_number: int
    submitter_id: int = Field(foreign_key="account.id", index=True)
    submitter_name: str = Field(max_length=200)  # display name at submission ("who ran it")
    kind: AuditKind = Field(sa_type=sa.String(20))
    input_kind: AuditInput = Field(sa_type=sa.String(10))
    rerun_of_id: int | None = Field(default=None, foreign_key="audit.id")
    rerun_of: str | None = Field(default=None, max_length=16)  # the original's public id

    # the declared test, fixed at submission
    spec: dict[str, Any] = Field(sa_type=sa.JSON)
    spec_sha256: str = Field(max_length=64)
    sample_sha256: str = Field(max_length=64)
    sample_bytes: int = Field(sa_type=sa.BigInteger)
    sample_format: str = Field(max_length=16)
    sample_path: str | None = Field(
        default=None, max_length=300
    )  # relative to uploads_dir; None once deleted

    # the job
    state: AuditState = Field(default=AuditState.queued, sa_type=sa.String(12))
    attempts: int = Field(default=0)
    claim_token: str | None = Field(default=None, max_length=32)
    worker_id: str | None = Field(default=None, max_length=100)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    error: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)

    # results, written together at the end of a successful run
    report: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    counts: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    verdict: str | None = Field(default=None, max_length=20)
    verdicts: list[dict[str, Any]] | None = Field(default=None, sa_type=sa.JSON)
    engine_version: str | None = Field(default=None, max_length=40)

    # publication
    visibility: AuditVisibility = Field(
        default=AuditVisibility.private, sa_type=sa.String(12), index=True
    )
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = Field(default=None, max_length=2000)
    response_text: str | None = Field(default=None, max_length=4000)  # English, else zh-CN
    # The response in each language it was written in: {"en": ..., "zh-CN": ...} (0007).
    response_texts: dict[str, str] | None = Field(default=None, sa_type=sa.JSON)
    response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_by_id: int | None = Field(default=None, foreign_key="account.id")

    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WithdrawRequest(CheckedInput):
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the audit is withdrawn; shown publicly."
    )


class ResponseTexts(CheckedInput):
    """The response in each interface language; a language left out is not shown in it (readers
    of that language see the other text, marked with its language)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)  # type: ignore[assignment]

    en: str | None = Field(default=None, min_length=1, max_length=4000, description="English.")
    zh_CN: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        alias="zh-CN",
        description="Simplified Chinese.",
    )

    def by_language(self) -> dict[str, str]:
        return {lang: text for lang, text in (("en", self.en), ("zh-CN", self.zh_CN)) if text}


class ResponseRequest(CheckedInput):
    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="The response in English (kept for older scripts; `texts.en` is the same). "
        "Omit both `text` and `texts` to use the default wording in both languages.",
    )
    texts: ResponseTexts | None = Field(
        default=None, description="The response in English (`en`) and Chinese (`zh-CN`)."
    )
