"""Algorithms, their one mutable draft card and their immutable published card versions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry.models.types import CheckedInput, StrEnumColumn, UTCDateTime

PUBLIC_ID_PATTERN = r"^alg-[0-9a-hjkmnp-tv-z]{8}$"


class AlgorithmState(StrEnum):
    draft = "draft"
    published = "published"
    retired = "retired"


class AlgorithmBase(SQLModel):
    """Fields copied from the current card (the latest published one, or the draft before that)."""

    name: str = Field(max_length=200)
    summary: str = Field(default="", max_length=2000)
    scenario: str | None = Field(default=None, max_length=40)
    risk_category: str | None = Field(default=None, max_length=40)
    lifecycle_status: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=35)


class Algorithm(AlgorithmBase, table=True):
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "source_id", name="uq_algorithm_agency_source"),
        sa.Index("ix_algorithm_import_source", "import_standard", "import_source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=12, unique=True, index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    source_id: str | None = Field(default=None, max_length=100)
    state: AlgorithmState = Field(
        default=AlgorithmState.draft, sa_type=StrEnumColumn(AlgorithmState), index=True
    )
    current_version: int | None = Field(default=None)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
    first_published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_reason: str | None = Field(default=None, max_length=2000)
    # Where an imported record came from (registry.services.records_import): the external
    # standard and its version, the record's id there and a content key, so that importing the
    # same file again creates nothing twice (the content key is unique, so two imports of the same
    # file at once cannot both create it). All None for algorithms registered here.
    import_standard: str | None = Field(default=None, max_length=200)
    import_standard_version: str | None = Field(default=None, max_length=200)
    import_source_id: str | None = Field(default=None, max_length=500)
    import_content_key: str | None = Field(default=None, max_length=128, unique=True, index=True)


class AlgorithmCreate(CheckedInput):
    CHECKED_ELSEWHERE = ("card",)

    agency: str | None = Field(
        default=None,
        max_length=64,
        description="Agency slug. Optional: an agency editor's own agency is implied.",
    )
    source_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The agency's own id for it, unique per agency (for idempotent imports).",
    )
    card: dict[str, Any] = Field(description="The model card; validated at draft level.")


class AlgorithmPublic(AlgorithmBase):
    public_id: str
    agency: str = Field(description="Slug of the responsible agency.")
    source_id: str | None
    state: AlgorithmState
    current_version: int | None = Field(description="Number of the latest published version.")
    created_at: datetime
    updated_at: datetime
    first_published_at: datetime | None
    retired_at: datetime | None
    retired_reason: str | None


class AlgorithmList(SQLModel):
    items: list[AlgorithmPublic]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page.")
    next_url: str | None = Field(description="The next page, or null on the last page.")


class RetireRequest(CheckedInput):
    reason: str = Field(min_length=1, max_length=2000, description="Why it was taken out of use.")


DRAFT_REVISION_PATTERN = r"^[0-9a-f]{64}$"


class PublishRequest(CheckedInput):
    change_summary: str = Field(
        min_length=1, max_length=2000, description="What changed and why, in plain language."
    )
    revision: str | None = Field(
        default=None,
        schema_extra={"pattern": DRAFT_REVISION_PATTERN},
        description=(
            "The draft revision you reviewed (its 'revision', or its ETag without quotes). "
            "Required here or as an If-Match header: 412 if the draft changed since."
        ),
    )


class CardDraft(SQLModel, table=True):
    __tablename__ = "card_draft"

    id: int | None = Field(default=None, primary_key=True)
    algorithm_id: int = Field(foreign_key="algorithm.id", unique=True)
    card: dict[str, Any] = Field(sa_type=sa.JSON)
    based_on_version: int | None = Field(default=None)
    last_editor_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DraftUpdate(SQLModel):
    card: dict[str, Any] = Field(description="The full model card; replaces the draft's card.")


class DraftPublic(SQLModel):
    public_id: str
    revision: str = Field(
        description=(
            "sha256 of the draft; changes with every save. Also the response's ETag. Publishing "
            "names the revision that was reviewed."
        )
    )
    card: dict[str, Any]
    based_on_version: int | None = Field(description="Published version this draft started from.")
    last_editor_id: int
    created_at: datetime
    updated_at: datetime
    missing_required_fields: list[str] = Field(
        description="Fields that must be filled before this draft can be published."
    )


class CardVersion(SQLModel, table=True):
    __tablename__ = "card_version"
    __table_args__ = (sa.UniqueConstraint("algorithm_id", "number", name="uq_card_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    algorithm_id: int = Field(foreign_key="algorithm.id", index=True)
    number: int
    card: dict[str, Any] = Field(sa_type=sa.JSON)
    card_schema_version: str = Field(max_length=20)
    change_summary: str = Field(max_length=2000)
    author_id: int = Field(foreign_key="account.id")
    publisher_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    published_at: datetime = Field(sa_type=UTCDateTime, index=True)
    sha256: str = Field(max_length=64)


class CardVersionPublic(SQLModel):
    public_id: str
    number: int
    card: dict[str, Any]
    card_schema_version: str
    change_summary: str
    author_id: int
    publisher_id: int
    created_at: datetime
    published_at: datetime
    sha256: str = Field(description="sha256 of the card's canonical JSON.")
