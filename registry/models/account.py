"""Accounts (staff and auditors) and their API tokens. Only a token's sha256 is stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from registry.models.agency import EMAIL_PATTERN, EmailAddress, PersonName
from registry.models.types import CheckedInput, StrEnumColumn, UTCDateTime


class Role(StrEnum):
    admin = "admin"
    agency_editor = "agency_editor"
    auditor = "auditor"


class AccountBase(SQLModel):
    email: str = Field(max_length=254, schema_extra={"pattern": EMAIL_PATTERN})
    display_name: str = Field(min_length=1, max_length=200)
    role: Role


class Account(AccountBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=200)
    role: Role = Field(sa_type=StrEnumColumn(Role))
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class AccountCreate(AccountBase, CheckedInput):
    email: EmailAddress = Field(max_length=254, description="Checked with email-validator.")
    display_name: PersonName = Field(min_length=1, max_length=200)
    agency: str | None = Field(
        default=None,
        max_length=64,
        description="Slug of the agency; required for agency_editor, not allowed for other roles.",
    )


class AccountUpdate(CheckedInput):
    display_name: PersonName | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class AccountPublic(AccountBase):
    id: int
    agency: str | None = Field(description="Slug of the editor's agency; null for other roles.")
    active: bool
    created_at: datetime


class ApiTokenBase(SQLModel):
    name: str = Field(default="default", min_length=1, max_length=100)


class ApiToken(ApiTokenBase, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenCreate(ApiTokenBase, CheckedInput):
    pass


class ApiTokenPublic(ApiTokenBase):
    id: int
    prefix: str = Field(description="First characters of the token, to recognise it; not a secret.")
    account_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The token itself. Shown only in this response; store it now.")
