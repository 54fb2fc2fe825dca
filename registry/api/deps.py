"""Request dependencies as ``Annotated`` aliases, defined once: session, settings, clock, accounts,
and load-or-404 lookups. Handlers declare what they need and never repeat 401/403/404 blocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from registry.cards.value_types import (
    ERR_FORBIDDEN_CHARACTER,
    FORBIDDEN_CHARACTERS,
    find_forbidden_character,
)
from registry.config import Settings
from registry.db import MAX_INTEGER, session_scope
from registry.errors import NotFound, Unauthorized
from registry.models import Account, Agency, Algorithm
from registry.services import transparency
from registry.services.cards.agencies import get_agency
from registry.services.cards.algorithms import get_algorithm
from registry.services.cards.tokens import authenticate
from registry.services.clock import Clock, SystemClock

ERR_TOKEN_REQUIRED = "This endpoint needs an API token: send 'Authorization: Bearer <token>'."
ERR_PATH_CHARACTER = (
    "Nothing is registered at this address: it holds a control character or non-character "
    "({found}), which no id or name can contain."
)

_bearer = HTTPBearer(auto_error=False, description="An API token created with POST /api/v1/tokens.")
_system_clock = SystemClock()


def _unauthorized(message: str) -> HTTPException:
    """A 401 telling the client how to authenticate (RFC 6750), in the JSON error shape."""
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_clock(request: Request) -> Clock:
    """The app's clock (``app.state.clock`` if set, else the wall clock). Tests override this."""
    return getattr(request.app.state, "clock", None) or _system_clock


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as session:
        # Publications sign the transparency log's checkpoint with the configured key.
        session.info[transparency.SETTINGS_KEY] = request.app.state.settings
        yield session


def _visible(text: str) -> str:
    """``text`` with each forbidden character written as an escape, safe to echo back."""
    return FORBIDDEN_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def refuse_forbidden_url_characters(request: Request) -> None:
    """App-wide dependency: the character rule for path and query parameters, before any lookup.

    A path parameter holding a forbidden character names nothing that can exist (404). A query
    parameter holding one is invalid (422 naming the parameter). Both are answered in the JSON
    error shape under /api and as the HTML error page elsewhere. Without this, a NUL byte reached
    PostgreSQL, which cannot hold one in text, and every such request was a 500.
    """
    for value in request.path_params.values():
        if isinstance(value, str) and (found := find_forbidden_character(value)):
            raise NotFound(ERR_PATH_CHARACTER.format(found=found.describe()))
    errors = []
    for name, value in request.query_params.multi_items():
        found = find_forbidden_character(name) or find_forbidden_character(value)
        if found is not None:
            errors.append(
                {
                    "loc": ("query", _visible(name)),
                    "msg": ERR_FORBIDDEN_CHARACTER.format(found=found.describe()),
                    "type": "forbidden_character",
                }
            )
    if errors:
        raise RequestValidationError(errors)


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ClockDep = Annotated[Clock, Depends(get_clock)]


def get_optional_account(
    session: SessionDep,
    clock: ClockDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Account | None:
    if credentials is None:
        return None
    try:
        return authenticate(session, credentials.credentials, now=clock.now())
    except Unauthorized as exc:
        raise _unauthorized(exc.message) from exc


OptionalAccount = Annotated[Account | None, Depends(get_optional_account)]


def get_current_account(account: OptionalAccount) -> Account:
    if account is None:
        raise _unauthorized(ERR_TOKEN_REQUIRED)
    return account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def load_agency(session: SessionDep, slug: Annotated[str, Path(max_length=64)]) -> Agency:
    return get_agency(session, slug)


def load_algorithm(
    session: SessionDep,
    viewer: OptionalAccount,
    public_id: Annotated[str, Path(max_length=32, description="The algorithm's permanent id.")],
) -> Algorithm:
    return get_algorithm(session, public_id, viewer=viewer)


#: A numeric id in a path (an account's, a token's): out of the database's range it is a 422 naming
#: the parameter, where PostgreSQL would fail the lookup with a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_INTEGER, description="A numeric id.")]

AgencyDep = Annotated[Agency, Depends(load_agency)]
AlgorithmDep = Annotated[Algorithm, Depends(load_algorithm)]

__all__ = [
    "AgencyDep",
    "AlgorithmDep",
    "ClockDep",
    "CurrentAccount",
    "OptionalAccount",
    "RowId",
    "SessionDep",
    "SettingsDep",
    "get_clock",
]
