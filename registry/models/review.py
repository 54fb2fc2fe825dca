"""Four-eyes review requests: an editor asks the agency's other editors to review a draft revision.

A request names the draft revision it asks about; the reviewer publishes exactly that revision (a
save after the request makes it "changed since review was asked" and publishing is refused), or
returns it with a comment the author reads. See docs/console.md ("Four-eyes review").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from registry.models.algorithm import DRAFT_REVISION_PATTERN
from registry.models.types import CheckedInput, StrEnumColumn, UTCDateTime

REVIEW_NOTE_MAX = 2000


class ReviewState(StrEnum):
    open = "open"  # waiting for a reviewer
    returned = "returned"  # a reviewer sent it back with a comment
    published = "published"  # the revision asked about was published
    withdrawn = "withdrawn"  # the author took the request back
    superseded = "superseded"  # a newer request, another published revision, or no draft any more


class ReviewRequest(SQLModel, table=True):
    __tablename__ = "review_request"

    id: int | None = Field(default=None, primary_key=True)
    algorithm_id: int = Field(foreign_key="algorithm.id", index=True)
    revision: str = Field(max_length=64, description="The draft revision asked about.")
    requested_by_id: int = Field(foreign_key="account.id")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", max_length=REVIEW_NOTE_MAX)
    state: ReviewState = Field(
        default=ReviewState.open, sa_type=StrEnumColumn(ReviewState), index=True
    )
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    comment: str = Field(default="", max_length=REVIEW_NOTE_MAX)
    published_version: int | None = Field(default=None)


class ReviewAsk(CheckedInput):
    note: str = Field(
        default="",
        max_length=REVIEW_NOTE_MAX,
        description="What changed and what to look at, for the reviewer (optional).",
    )
    revision: str | None = Field(
        default=None,
        schema_extra={"pattern": DRAFT_REVISION_PATTERN},
        description=(
            "The draft revision to review (its ETag without quotes). Optional: without it, the "
            "current draft; with it, 412 if the draft changed since."
        ),
    )


class ReviewReturn(CheckedInput):
    comment: str = Field(
        min_length=1,
        max_length=REVIEW_NOTE_MAX,
        description="What the author should change before asking again.",
    )


class ReviewRequestPublic(SQLModel):
    id: int
    public_id: str = Field(description="The algorithm the draft belongs to.")
    revision: str = Field(description="The draft revision asked about.")
    requested_by_id: int
    requested_at: datetime
    note: str
    state: ReviewState
    draft_changed: bool = Field(
        description=(
            "True when the draft is no longer the revision asked about (saved again, or gone): "
            "publishing it under this request is refused until the author asks again."
        )
    )
    decided_by_id: int | None
    decided_at: datetime | None
    comment: str = Field(description="The reviewer's comment when returned.")
    published_version: int | None = Field(description="The version number, once published.")


class ReviewPublish(CheckedInput):
    change_summary: str = Field(
        min_length=1,
        max_length=REVIEW_NOTE_MAX,
        description="What changed and why, in plain language (shown in the version history).",
    )
