"""Citizen participation: what the public says about an algorithm, and the agency's answer.

An item's public text is the submitted text with personal data masked
(``registry.personal_data.mask_personal_data``); the original text is never stored. The contact
address lives in its own table (``ParticipationContact``) so it can be deleted on request or after
the retention period without touching the item or the ledger. The tracking code is stored only as
its sha256. See docs/participation.md.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry.models.types import CheckedInput, StrEnumColumn, UTCDateTime

ITEM_TEXT_MAX = 4000
DISPLAY_NAME_MAX = 80
ANSWER_MAX = 4000
EMAIL_MAX = 254
ITEM_ID_PATTERN = r"^itm-[0-9a-hjkmnp-tv-z]{8}$"


class ItemKind(StrEnum):
    question = "question"
    concern = "concern"  # a concern about a decision that affected me
    record_error = "record_error"  # an error in this record
    suggestion = "suggestion"


class ItemState(StrEnum):
    pending = "pending"  # awaiting moderation: never public
    published = "published"  # public, answered or awaiting an answer
    merged = "merged"  # folded into another published item
    declined = "declined"  # not published; counted publicly by reason


class DeclineReason(StrEnum):
    """The published list of reasons an item is not published (docs/participation.md)."""

    abusive = "abusive"
    personal_data = "personal_data"  # personal data that cannot be masked
    off_topic = "off_topic"  # not about this algorithm
    duplicate = "duplicate"


class ParticipationItem(SQLModel, table=True):
    __tablename__ = "participation_item"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=12, unique=True, index=True)
    algorithm_id: int = Field(foreign_key="algorithm.id", index=True)
    kind: ItemKind = Field(sa_type=StrEnumColumn(ItemKind))
    text: str = Field(max_length=ITEM_TEXT_MAX, description="The masked text (never the original).")
    text_sha256: str = Field(max_length=64, index=True, description="Of the normalised text.")
    masked_kinds: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    display_name: str | None = Field(default=None, max_length=DISPLAY_NAME_MAX)
    tracking_sha256: str = Field(max_length=64, unique=True)
    state: ItemState = Field(
        default=ItemState.pending, sa_type=StrEnumColumn(ItemState), index=True
    )
    decline_reason: DeclineReason | None = Field(default=None, sa_type=StrEnumColumn(DeclineReason))
    merged_into_id: int | None = Field(default=None, foreign_key="participation_item.id")
    answer: str | None = Field(default=None, max_length=ANSWER_MAX)
    answered_by_id: int | None = Field(default=None, foreign_key="account.id")
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ParticipationContact(SQLModel, table=True):
    """A submitter's contact address: shown to the agency only; deleted on request or when the
    retention period (``REGISTRY_PARTICIPATION_CONTACT_DAYS``) has passed."""

    __tablename__ = "participation_contact"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="participation_item.id", unique=True)
    email: str = Field(max_length=EMAIL_MAX)
    stored_at: datetime = Field(sa_type=UTCDateTime, index=True)


# --- API input models ---------------------------------------------------------------------------


class ItemSubmit(CheckedInput):
    kind: ItemKind = Field(description="question, concern, record_error or suggestion.")
    text: str = Field(description=f"What you want to say (up to {ITEM_TEXT_MAX} characters).")
    contact_email: str | None = Field(
        default=None, description="For a reply; shown to the agency only, never published."
    )
    display_name: str | None = Field(
        default=None, description="A name to show with the text; leave out to stay anonymous."
    )


class ItemPublish(CheckedInput):
    answer: str | None = Field(
        default=None, max_length=ANSWER_MAX, description="The answer; leave out to answer later."
    )


class ItemAnswer(CheckedInput):
    answer: str = Field(min_length=1, max_length=ANSWER_MAX, description="The agency's answer.")


class ItemMerge(CheckedInput):
    into: str = Field(
        schema_extra={"pattern": ITEM_ID_PATTERN}, description="The published item it repeats."
    )


class ItemDecline(CheckedInput):
    reason: DeclineReason = Field(description="One of the published reasons.")


# --- API answers --------------------------------------------------------------------------------


class ItemPublic(SQLModel):
    """A published item, as anyone may read it."""

    id: str
    kind: ItemKind
    text: str = Field(description="Personal data masked.")
    display_name: str | None = Field(description="Null: anonymous.")
    masked_kinds: list[str] = Field(description="Kinds of personal data masked in the text.")
    received_at: datetime
    published_at: datetime | None
    answer: str | None
    answered_at: datetime | None


class ItemsPublic(SQLModel):
    items: list[ItemPublic] = Field(description="Published items, newest first.")
    declined: dict[str, int] = Field(description="Items not published, by reason.")
    merged: int = Field(description="Items merged into a published one.")


class ItemStatus(SQLModel):
    """The private status of one item (whoever holds its tracking code)."""

    id: str
    algorithm: str
    kind: ItemKind
    state: ItemState
    text: str
    display_name: str | None
    masked_kinds: list[str]
    received_at: datetime
    published_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    decline_reason: DeclineReason | None
    merged_into: str | None
    has_contact: bool


class ItemReceived(SQLModel):
    tracking_code: str = Field(description="Shown once: keep it to read the status.")
    status_url: str = Field(description="The private status page.")
    status: ItemStatus


class ItemModeration(ItemStatus):
    """An item as its agency's editors see it: the contact address too."""

    contact_email: str | None
