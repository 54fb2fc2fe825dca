"""Accounts: admins create them; an agency editor belongs to one agency, other roles to none."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from registry.errors import Conflict, Invalid, NotFound
from registry.models import Account, AccountCreate, AccountPublic, Agency, Role
from registry.services.cards.agencies import get_agency
from registry.services.cards.permissions import require_admin
from registry.services.events import record_event
from registry.services.transactions import commit_or_conflict

ERR_DUPLICATE_EMAIL = "An account with email '{email}' already exists."
ERR_EDITOR_NEEDS_AGENCY = "An agency_editor account must name its agency (an agency slug)."
ERR_AGENCY_ONLY_FOR_EDITORS = (
    "Only agency_editor accounts belong to an agency; leave 'agency' empty."
)
ERR_ACCOUNT_NOT_FOUND = "No account with email '{email}'."


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def get_account_by_email(session: Session, email: str) -> Account:
    account = session.exec(select(Account).where(Account.email == _normalise_email(email))).first()
    if account is None:
        raise NotFound(ERR_ACCOUNT_NOT_FOUND.format(email=email))
    return account


def list_accounts(session: Session, *, actor: Account | None) -> list[Account]:
    require_admin(actor)
    return list(session.exec(select(Account).order_by(Account.id)))  # type: ignore[arg-type]


def add_account(
    session: Session, *, actor: Account | None, data: AccountCreate, now: datetime
) -> Account:
    """Stage a new account and its event (no commit)."""
    require_admin(actor)
    email = _normalise_email(data.email)
    agency: Agency | None = None
    if data.role == Role.agency_editor:
        if not data.agency:
            raise Invalid(
                ERR_EDITOR_NEEDS_AGENCY,
                details=[
                    {"loc": ["body", "agency"], "msg": ERR_EDITOR_NEEDS_AGENCY, "type": "missing"}
                ],
            )
        agency = get_agency(session, data.agency)
    elif data.agency:
        raise Invalid(
            ERR_AGENCY_ONLY_FOR_EDITORS,
            details=[
                {
                    "loc": ["body", "agency"],
                    "msg": ERR_AGENCY_ONLY_FOR_EDITORS,
                    "type": "value_error",
                }
            ],
        )
    if session.exec(select(Account.id).where(Account.email == email)).first() is not None:
        raise Conflict(ERR_DUPLICATE_EMAIL.format(email=email))
    account = Account(
        email=email,
        display_name=data.display_name,
        role=data.role,
        agency_id=agency.id if agency else None,
        active=True,
        created_at=now,
    )
    session.add(account)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="account.created",
        subject_type="account",
        subject_id=account.id,  # type: ignore[arg-type]
        # The ledger is public: it names the role and agency, never the email address.
        payload={"role": account.role, "agency": agency.slug if agency else None},
    )
    return account


def create_account(
    session: Session, *, actor: Account | None, data: AccountCreate, now: datetime
) -> Account:
    """Create an account (admin only). 409 if the email is taken, 422 on a role/agency mismatch."""
    account = add_account(session, actor=actor, data=data, now=now)
    commit_or_conflict(session, ERR_DUPLICATE_EMAIL.format(email=data.email))
    return account


def account_public(session: Session, account: Account) -> AccountPublic:
    agency = session.get(Agency, account.agency_id) if account.agency_id else None
    return AccountPublic.model_validate(account, update={"agency": agency.slug if agency else None})
