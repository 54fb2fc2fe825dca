"""API tokens: create and list your own; revoke your own (admins: anyone's)."""

from __future__ import annotations

from fastapi import APIRouter, status

from registry.api.deps import ClockDep, CurrentAccount, RowId, SessionDep
from registry.api.responses import errors
from registry.models import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic
from registry.services.cards import tokens as service

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=list[ApiTokenPublic], responses=errors(401))
def list_tokens(session: SessionDep, account: CurrentAccount) -> list[ApiTokenPublic]:
    """Your tokens, without their secret part."""
    return [service.token_public(t) for t in service.list_tokens(session, account=account)]


@router.post(
    "",
    response_model=ApiTokenCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(write=True),
)
def create_token(
    body: ApiTokenCreate, session: SessionDep, account: CurrentAccount, clock: ClockDep
) -> ApiTokenCreated:
    """Create a token for yourself. The response holds the token; it is never shown again."""
    return service.create_token(session, account=account, name=body.name, now=clock.now())


@router.delete(
    "/{token_id}", response_model=ApiTokenPublic, responses=errors(403, 404, 409, write=True)
)
def revoke_token(
    token_id: RowId, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ApiTokenPublic:
    """Revoke a token: your own, or any token if you are an admin. 409 if already revoked."""
    return service.token_public(
        service.revoke_token(session, actor=actor, token_id=token_id, now=clock.now())
    )
