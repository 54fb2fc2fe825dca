"""Agencies: the public bodies that register algorithms."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry.models.types import CheckedInput, UTCDateTime

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class AgencyBase(SQLModel):
    slug: str = Field(
        max_length=64,
        schema_extra={"pattern": SLUG_PATTERN},
        description="Short stable id used in URLs: lower-case letters, digits and hyphens.",
    )
    name: str = Field(min_length=1, max_length=200, description="Official name of the public body.")
    name_translations: dict[str, str] = Field(
        default_factory=dict,
        description="Name in other languages, keyed by language tag (e.g. zh-CN).",
    )
    website: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(
        default=None, max_length=254, schema_extra={"pattern": EMAIL_PATTERN}
    )


class Agency(AgencyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    name_translations: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(sa_type=UTCDateTime)


class AgencyCreate(AgencyBase, CheckedInput):
    pass


class AgencyUpdate(CheckedInput):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_translations: dict[str, str] | None = None
    website: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(
        default=None, max_length=254, schema_extra={"pattern": EMAIL_PATTERN}
    )


class AgencyPublic(AgencyBase):
    created_at: datetime
