"""Staff sign-in: password credentials, console sessions and set-password invitations.

Secrets are never stored: a session id and an invitation token are random strings whose sha256 is
kept; a password is kept as an argon2 hash. These tables are not exported (see export_import).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from registry.models.types import StrEnumColumn, UTCDateTime


class AccountCredential(SQLModel, table=True):
    """The password of an account that has set one (accounts without a row cannot sign in)."""

    __tablename__ = "account_credential"

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """A signed-in console session. The cookie holds the id; only its sha256 is stored."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    # The absolute end (created_at + session_absolute_hours); the idle end is computed from
    # last_seen_at so that changing the setting applies to open sessions too.
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    client_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class InvitationPurpose(StrEnum):
    invite = "invite"  # the account has no password yet
    reset = "reset"  # the account has one: the link replaces it


class AccountInvitation(SQLModel, table=True):
    """A one-time link to set an account's password: expires, works once, stored hashed."""

    __tablename__ = "account_invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    purpose: InvitationPurpose = Field(sa_type=StrEnumColumn(InvitationPurpose))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
