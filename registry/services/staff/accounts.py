"""Deactivating and reactivating accounts, and the account overview the console's admins see.

A deactivated account's sessions are deleted and its unused set-password links cancelled in the
same transaction; its API tokens stay but every request checks the account is active, so they stop
working at once and work again only if an admin reactivates the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from registry.errors import Conflict, NotFound
from registry.models import Account, AccountCredential, AccountInvitation, Agency
from registry.services.cards.permissions import require_admin
from registry.services.events import record_event
from registry.services.staff.sessions import end_sessions_of

ERR_ACCOUNT_ID_NOT_FOUND = "No account with id {account_id}."
ERR_CANNOT_DEACTIVATE_SELF = "You cannot deactivate your own account; ask another admin."
ERR_ALREADY_DEACTIVATED = "This account is already deactivated."
ERR_ALREADY_ACTIVE = "This account is already active."


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(ERR_ACCOUNT_ID_NOT_FOUND.format(account_id=account_id))
    return account


def agency_of(session: Session, account: Account) -> Agency | None:
    return session.get(Agency, account.agency_id) if account.agency_id else None


def set_account_active(
    session: Session, *, actor: Account | None, account_id: int, active: bool, now: datetime
) -> Account:
    """Deactivate or reactivate an account (admins). 404 if there is none; 409 if it is already
    so, or if an admin tries to deactivate themselves."""
    require_admin(actor)
    account = get_account(session, account_id)
    if not active and actor is not None and actor.id == account.id:
        raise Conflict(ERR_CANNOT_DEACTIVATE_SELF)
    if account.active == active:
        raise Conflict(ERR_ALREADY_ACTIVE if active else ERR_ALREADY_DEACTIVATED)
    account.active = active
    session.add(account)
    if not active:
        end_sessions_of(session, account.id)  # type: ignore[arg-type]
        session.execute(
            sa.delete(AccountInvitation).where(
                AccountInvitation.account_id == account.id,  # type: ignore[arg-type]
                AccountInvitation.used_at.is_(None),  # type: ignore[union-attr]
            )
        )
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="account.reactivated" if active else "account.deactivated",
        subject_type="account",
        subject_id=account.id,  # type: ignore[arg-type]
        payload={"role": account.role.value},
    )
    session.commit()
    session.refresh(account)
    return account


@dataclass(frozen=True)
class AccountOverview:
    account: Account
    agency: Agency | None
    has_password: bool
    link_expires_at: datetime | None  # an unused, unexpired set-password link


def accounts_overview(
    session: Session, *, actor: Account | None, now: datetime
) -> list[AccountOverview]:
    """Every account with its agency, whether it has a password, and any open link (admins)."""
    require_admin(actor)
    accounts = list(session.exec(select(Account).order_by(Account.email)))  # type: ignore[arg-type]
    agencies = {a.id: a for a in session.exec(select(Agency))}
    with_password = set(session.exec(select(AccountCredential.account_id)))
    open_links: dict[int, datetime] = {}
    for invitation in session.exec(
        select(AccountInvitation).where(
            AccountInvitation.used_at.is_(None),  # type: ignore[union-attr]
            AccountInvitation.expires_at > now,  # type: ignore[arg-type]
        )
    ):
        open_links[invitation.account_id] = invitation.expires_at
    return [
        AccountOverview(
            account=a,
            agency=agencies.get(a.agency_id) if a.agency_id else None,
            has_password=a.id in with_password,
            link_expires_at=open_links.get(a.id),  # type: ignore[arg-type]
        )
        for a in accounts
    ]
