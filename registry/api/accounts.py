"""Accounts: admins create, list, deactivate and reactivate them; everyone can see their own."""

from __future__ import annotations

from fastapi import APIRouter, status

from registry.api.deps import ClockDep, CurrentAccount, RowId, SessionDep
from registry.api.responses import ERR_NO_SUCH_AGENCY, errors
from registry.models import AccountCreate, AccountPublic
from registry.services.cards import accounts as service
from registry.services.staff import accounts as staff

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("/me", response_model=AccountPublic, responses=errors(401))
def me(session: SessionDep, account: CurrentAccount) -> AccountPublic:
    """The account behind the bearer token."""
    return service.account_public(session, account)


@router.get("", response_model=list[AccountPublic], responses=errors(401, 403))
def list_accounts(session: SessionDep, actor: CurrentAccount) -> list[AccountPublic]:
    """Every account (admin only)."""
    return [service.account_public(session, a) for a in service.list_accounts(session, actor=actor)]


@router.post(
    "",
    response_model=AccountPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, (404, ERR_NO_SUCH_AGENCY.format(where="`agency`")), 409, write=True),
)
def create_account(
    body: AccountCreate, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> AccountPublic:
    """Create an account (admin only). Only an agency_editor names an agency, and must."""
    account = service.create_account(session, actor=actor, data=body, now=clock.now())
    return service.account_public(session, account)


@router.post(
    "/{account_id}/deactivate",
    response_model=AccountPublic,
    responses=errors(403, 404, 409, write=True),
)
def deactivate_account(
    account_id: RowId, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> AccountPublic:
    """Deactivate an account (admin only): its sessions and API tokens stop working at once."""
    account = staff.set_account_active(
        session, actor=actor, account_id=account_id, active=False, now=clock.now()
    )
    return service.account_public(session, account)


@router.post(
    "/{account_id}/reactivate",
    response_model=AccountPublic,
    responses=errors(403, 404, 409, write=True),
)
def reactivate_account(
    account_id: RowId, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> AccountPublic:
    """Reactivate a deactivated account (admin only); its unrevoked tokens work again."""
    account = staff.set_account_active(
        session, actor=actor, account_id=account_id, active=True, now=clock.now()
    )
    return service.account_public(session, account)
