"""The append-only, hash-chained event ledger. Every state change writes one row here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry.models.types import UTCDateTime


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    content_hash: str = Field(max_length=64, description="sha256 of the canonical payload JSON.")
    prev_hash: str = Field(max_length=64, unique=True, description="hash of the previous event.")
    hash: str = Field(
        max_length=64, unique=True, description="sha256 over this event and prev_hash."
    )


class EventPublic(SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]
    content_hash: str
    prev_hash: str
    hash: str
