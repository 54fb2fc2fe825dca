"""Who a write request counts against: the owner of its bearer token (for per-account limits)."""

from __future__ import annotations

from sqlmodel import Session, select

from registry.models import ApiToken
from registry.services.cards.tokens import hash_token


def token_owner_id(session: Session, plain: str) -> int | None:
    """The account id behind a token (revoked or not: a limit counts attempts), or None."""
    if not plain or len(plain) > 256:
        return None
    return session.exec(
        select(ApiToken.account_id).where(ApiToken.token_hash == hash_token(plain))
    ).first()
