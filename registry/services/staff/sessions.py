"""Server-side console sessions: a random id in the cookie, its sha256 in ``staff_session``.

A session ends at sign-out, after ``idle`` without a request, ``absolute`` after sign-in, when its
account is deactivated, and when the account's password is set anew. Every request looks the
session up and checks its account is still active, so a deactivation takes effect at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.models import Account, StaffSession

# last_seen_at is written at most once a minute, so idle timeouts are accurate to a minute and a
# page view is not a database write each time.
TOUCH_RESOLUTION = timedelta(minutes=1)
MAX_USER_AGENT = 300
MAX_ADDRESS = 64


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, *, idle_minutes: int, absolute_hours: int) -> SessionPolicy:
        return cls(timedelta(minutes=idle_minutes), timedelta(hours=absolute_hours))


@dataclass(frozen=True)
class ActiveSession:
    """A valid session and its (active) account. ``key`` identifies the session to CSRF tokens."""

    row: StaffSession
    account: Account

    @property
    def key(self) -> str:
        return self.row.token_hash


def hash_session_id(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def ends_at(row: StaffSession, policy: SessionPolicy) -> datetime:
    """When the session ends if nothing else happens: the earlier of idle and absolute ends."""
    return min(row.expires_at, row.last_seen_at + policy.idle)


def _expired(row: StaffSession, policy: SessionPolicy, now: datetime) -> bool:
    return now >= ends_at(row, policy)


def purge_expired(session: Session, *, policy: SessionPolicy, now: datetime) -> None:
    """Delete every ended session (staged; no commit)."""
    session.execute(
        sa.delete(StaffSession).where(
            sa.or_(
                StaffSession.expires_at <= now,  # type: ignore[arg-type]
                StaffSession.last_seen_at <= now - policy.idle,  # type: ignore[arg-type]
            )
        )
    )


def end_sessions_of(session: Session, account_id: int) -> None:
    """Delete every session of an account (staged; no commit)."""
    session.execute(sa.delete(StaffSession).where(StaffSession.account_id == account_id))  # type: ignore[arg-type]


def start_session(
    session: Session,
    *,
    account: Account,
    policy: SessionPolicy,
    now: datetime,
    replaces: str | None = None,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> str:
    """Open a new session for ``account`` and return its id (the cookie value). Commits.

    ``replaces`` is the id the browser held before, if any: that session is deleted, so signing
    in always yields a new id (no session fixation).
    """
    if replaces:
        session.execute(
            sa.delete(StaffSession).where(StaffSession.token_hash == hash_session_id(replaces))  # type: ignore[arg-type]
        )
    purge_expired(session, policy=policy, now=now)
    plain = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=hash_session_id(plain),
            account_id=account.id,  # type: ignore[arg-type]
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
            client_address=(client_address or "")[:MAX_ADDRESS] or None,
            user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
        )
    )
    session.commit()
    return plain


def resolve_session(
    session: Session, plain: str, *, policy: SessionPolicy, now: datetime
) -> ActiveSession | None:
    """The live session behind a cookie value, or None (unknown, ended, or account deactivated).

    An ended session's row is deleted on the way; a live one's ``last_seen_at`` is refreshed.
    """
    if not plain or len(plain) > 128:
        return None
    row = session.exec(
        select(StaffSession).where(StaffSession.token_hash == hash_session_id(plain))
    ).first()
    if row is None:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active or _expired(row, policy, now):
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_RESOLUTION:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return ActiveSession(row, account)


def end_session(session: Session, plain: str) -> None:
    """Sign out: delete the session behind ``plain`` (nothing happens if there is none). Commits."""
    if not plain or len(plain) > 128:
        return
    session.execute(
        sa.delete(StaffSession).where(StaffSession.token_hash == hash_session_id(plain))  # type: ignore[arg-type]
    )
    session.commit()
