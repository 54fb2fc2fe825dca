"""API tokens: ``reg_`` + 43 random URL-safe characters. Only the sha256 is stored; shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from registry.errors import Conflict, Forbidden, NotFound, Unauthorized
from registry.models import Account, ApiToken, ApiTokenCreated, ApiTokenPublic, Role
from registry.services.events import record_event

TOKEN_PREFIX = "reg_"
DISPLAY_PREFIX_LENGTH = 12
# last_used_at is a hint for humans; writing it on every request would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)

ERR_INVALID_TOKEN = "The bearer token is not valid."
ERR_REVOKED_TOKEN = "The bearer token has been revoked."
ERR_INACTIVE_ACCOUNT = "The account of this token is deactivated."
ERR_TOKEN_NOT_FOUND = "No API token with id {token_id}."
ERR_NOT_YOUR_TOKEN = "Only the token's owner or an admin may revoke it."
ERR_ALREADY_REVOKED = "This token was already revoked."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(
    session: Session, *, account: Account, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """Stage a new token for ``account`` (no commit). Returns the row and the plain token."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        account_id=account.id,  # type: ignore[arg-type]
        token_hash=hash_token(plain),
        prefix=plain[:DISPLAY_PREFIX_LENGTH],
        created_at=now,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=account.id,
        action="token.created",
        subject_type="api_token",
        subject_id=token.id,  # type: ignore[arg-type]
        payload={"account_id": account.id, "name": name, "prefix": token.prefix},
    )
    return token, plain


def create_token(
    session: Session, *, account: Account, name: str, now: datetime
) -> ApiTokenCreated:
    """Create a token for ``account``; the plain token is in the result and nowhere else."""
    token, plain = add_token(session, account=account, name=name, now=now)
    session.commit()
    return ApiTokenCreated.model_validate(token, update={"token": plain})


def list_tokens(session: Session, *, account: Account) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)  # type: ignore[arg-type]
    return list(session.exec(query))


def revoke_token(
    session: Session, *, actor: Account | None, token_id: int, now: datetime
) -> ApiToken:
    """Revoke a token: its owner or an admin. 409 if it is already revoked."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(ERR_TOKEN_NOT_FOUND.format(token_id=token_id))
    if actor is not None and actor.role != Role.admin and token.account_id != actor.id:
        raise Forbidden(ERR_NOT_YOUR_TOKEN)
    if token.revoked_at is not None:
        raise Conflict(ERR_ALREADY_REVOKED)
    token.revoked_at = now
    session.add(token)
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="token.revoked",
        subject_type="api_token",
        subject_id=token_id,
        payload={"account_id": token.account_id, "prefix": token.prefix},
    )
    session.commit()
    return token


def authenticate(session: Session, plain: str, *, now: datetime) -> Account:
    """The active account behind a bearer token, or Unauthorized.

    Touches last_used_at at most once a minute.
    """
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))).first()
    if token is None:
        raise Unauthorized(ERR_INVALID_TOKEN)
    if token.revoked_at is not None:
        raise Unauthorized(ERR_REVOKED_TOKEN)
    account = session.get(Account, token.account_id)
    if account is None or not account.active:
        raise Unauthorized(ERR_INACTIVE_ACCOUNT)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        session.commit()
    return account


def token_public(token: ApiToken) -> ApiTokenPublic:
    return ApiTokenPublic.model_validate(token)
