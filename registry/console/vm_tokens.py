"""View-models of "Your API tokens" and of the page that shows a new token once."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from registry.console import words
from registry.console.forms import FormErrors
from registry.models import Account, ApiTokenCreated
from registry.services.cards.tokens import list_tokens

MAX_TOKEN_NAME = 100


def tokens_page(
    session: Session,
    *,
    account: Account,
    lang: str,
    notice: str | None = None,
    name: str = "",
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    tokens = [
        {
            "id": t.id,
            "name": t.name,
            "prefix": t.prefix,
            "created_at": t.created_at.isoformat(),
            "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in reversed(list_tokens(session, account=account))
    ]
    return {
        "tokens": tokens,
        "active_count": sum(1 for t in tokens if t["revoked_at"] is None),
        "name": name,
        "max_name": MAX_TOKEN_NAME,
        "notice": words.text(lang, words.NOTICES[notice]) if notice in words.NOTICES else None,
        **(errors or FormErrors()).view(),
    }


def token_name_errors(name: str, *, lang: str) -> FormErrors:
    errors = FormErrors()
    if not name.strip():
        errors.add("name", words.text(lang, words.TOKEN_NAME_MISSING))
    elif len(name.strip()) > MAX_TOKEN_NAME:
        errors.add("name", words.text(lang, words.TOKEN_NAME_TOO_LONG, max=MAX_TOKEN_NAME))
    return errors


def token_created_page(created: ApiTokenCreated, *, base_url: str) -> dict[str, Any]:
    return {
        "name": created.name,
        "token": created.token,
        "prefix": created.prefix,
        "example_url": base_url.rstrip("/") + "/api/v1/accounts/me",
    }
