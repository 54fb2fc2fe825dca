"""One-time set-password links: ``registry account invite EMAIL`` or an admin in the console.

A link holds 32 random bytes; only their sha256 is stored. It expires after
``REGISTRY_INVITATION_HOURS``, works once (a guarded update marks it used, so two simultaneous
uses cannot both succeed), and issuing a new link for an account cancels its unused ones. For an
account that already has a password the same link resets it; setting a password ends all of the
account's sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.errors import Conflict, DomainError
from registry.models import Account, AccountCreate, AccountInvitation, InvitationPurpose
from registry.services.cards.accounts import ERR_DUPLICATE_EMAIL, add_account
from registry.services.cards.permissions import require_admin
from registry.services.events import record_event
from registry.services.staff.accounts import get_account
from registry.services.staff.passwords import credential_of, stage_password
from registry.services.staff.sessions import end_sessions_of
from registry.services.transactions import commit_or_conflict

SET_PASSWORD_PATH = "/console/set-password/{token}"
MAX_TOKEN_LENGTH = 128

ERR_INVITATION_UNKNOWN = "This set-password link is not valid. Check it was copied in full."
ERR_INVITATION_EXPIRED = "This set-password link has expired. Ask an admin for a new one."
ERR_INVITATION_USED = "This set-password link has already been used. Ask an admin for a new one."
ERR_INVITATION_DEACTIVATED = "This account is deactivated, so its set-password link does not work."
ERR_INVITE_DEACTIVATED = "Account '{email}' is deactivated; reactivate it before sending a link."


class InvitationNotUsable(DomainError):
    """The link cannot be used (410): ``reason`` is expired, used or deactivated; an unknown link
    is ``UnknownInvitation`` (404)."""

    status = 410
    code = "invitation_not_usable"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownInvitation(InvitationNotUsable):
    status = 404
    code = "invitation_not_usable"


@dataclass(frozen=True)
class IssuedInvitation:
    account: Account
    token: str  # the only copy of the secret: shown once
    purpose: InvitationPurpose
    expires_at: datetime

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + SET_PASSWORD_PATH.format(token=self.token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def stage_invitation(
    session: Session,
    *,
    actor: Account | None,
    account: Account,
    valid_for: timedelta,
    now: datetime,
) -> IssuedInvitation:
    """Stage a new link for ``account`` and its event, cancelling its unused ones (no commit)."""
    require_admin(actor)
    if not account.active:
        raise Conflict(ERR_INVITE_DEACTIVATED.format(email=account.email))
    session.execute(
        sa.delete(AccountInvitation).where(
            AccountInvitation.account_id == account.id,  # type: ignore[arg-type]
            AccountInvitation.used_at.is_(None),  # type: ignore[union-attr]
        )
    )
    purpose = (
        InvitationPurpose.reset
        if credential_of(session, account) is not None
        else InvitationPurpose.invite
    )
    plain = secrets.token_urlsafe(32)
    invitation = AccountInvitation(
        token_hash=_hash(plain),
        account_id=account.id,  # type: ignore[arg-type]
        purpose=purpose,
        created_at=now,
        expires_at=now + valid_for,
        created_by_id=actor.id if actor else None,
    )
    session.add(invitation)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="account.invitation_issued",
        subject_type="account",
        subject_id=account.id,  # type: ignore[arg-type]
        payload={"purpose": purpose.value, "expires_at": invitation.expires_at},
    )
    return IssuedInvitation(account, plain, purpose, invitation.expires_at)


def issue_invitation(
    session: Session,
    *,
    actor: Account | None,
    account_id: int,
    valid_for: timedelta,
    now: datetime,
) -> IssuedInvitation:
    """A new set-password link for an account (admins; ``actor`` None is the local operator).

    For an account with a password the link resets it. 404 if there is no such account, 409 if
    it is deactivated.
    """
    require_admin(actor)
    account = get_account(session, account_id)
    issued = stage_invitation(session, actor=actor, account=account, valid_for=valid_for, now=now)
    session.commit()
    return issued


def invite_new_account(
    session: Session,
    *,
    actor: Account | None,
    data: AccountCreate,
    valid_for: timedelta,
    now: datetime,
) -> IssuedInvitation:
    """Create an account and its first set-password link in one transaction (admins)."""
    account = add_account(session, actor=actor, data=data, now=now)
    issued = stage_invitation(session, actor=actor, account=account, valid_for=valid_for, now=now)
    commit_or_conflict(session, ERR_DUPLICATE_EMAIL.format(email=data.email))
    return issued


def find_invitation(
    session: Session, token: str, *, now: datetime
) -> tuple[AccountInvitation, Account]:
    """The usable invitation behind ``token`` and its account, or InvitationNotUsable."""
    row = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        row = session.exec(
            select(AccountInvitation).where(AccountInvitation.token_hash == _hash(token))
        ).first()
    account = session.get(Account, row.account_id) if row is not None else None
    if row is None or account is None:
        raise UnknownInvitation(ERR_INVITATION_UNKNOWN, reason="unknown")
    if row.used_at is not None:
        raise InvitationNotUsable(ERR_INVITATION_USED, reason="used")
    if now >= row.expires_at:
        raise InvitationNotUsable(ERR_INVITATION_EXPIRED, reason="expired")
    if not account.active:
        raise InvitationNotUsable(ERR_INVITATION_DEACTIVATED, reason="deactivated")
    return row, account


def redeem_invitation(session: Session, *, token: str, password: str, now: datetime) -> Account:
    """Set the account's password from a link, once. Raises InvitationNotUsable or Invalid (422,
    the password policy). Every session of the account ends."""
    row, account = find_invitation(session, token, now=now)
    stage_password(session, account=account, password=password, now=now)
    claimed = session.execute(
        sa.update(AccountInvitation)
        .where(
            AccountInvitation.id == row.id,  # type: ignore[arg-type]
            AccountInvitation.used_at.is_(None),  # type: ignore[union-attr]
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise InvitationNotUsable(ERR_INVITATION_USED, reason="used")
    end_sessions_of(session, account.id)  # type: ignore[arg-type]
    record_event(
        session,
        at=now,
        actor_id=account.id,
        action="account.password_set",
        subject_type="account",
        subject_id=account.id,  # type: ignore[arg-type]
        payload={"purpose": row.purpose.value},
    )
    session.commit()
    return account
