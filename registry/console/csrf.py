"""CSRF protection for every console form: a synchronizer token signed with itsdangerous.

A form's hidden ``csrf_token`` is the visitor's CSRF key (the session's id hash once signed in, the
pre-sign-in cookie's hash before) signed with ``REGISTRY_SECRET_KEY`` and a timestamp. A POST is
accepted only if the token's signature is valid, it is younger than the session's absolute
lifetime, and it names this visitor's key: a token from another browser, an ended session or a
forged page does not pass. The check is a dependency of the console's POST routes only; the JSON
API authenticates with bearer tokens, which a browser never sends by itself, and is not affected.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Form
from itsdangerous import BadData, URLSafeTimedSerializer

from registry.api.deps import SettingsDep
from registry.config import Settings
from registry.console.auth import Visitor, VisitorDep

CSRF_FIELD = "csrf_token"
SALT = "registry.console.csrf"


class CsrfFailed(Exception):
    """The form's token is missing, not ours, or for another visitor. ``reason``: missing,
    invalid, or no_cookie (the browser sent back none of our cookies)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def make_csrf_token(settings: Settings, visitor: Visitor) -> str:
    return str(_serializer(settings).dumps(visitor.csrf_key))


def check_csrf(settings: Settings, visitor: Visitor, token: str) -> None:
    """Raise CsrfFailed unless ``token`` was issued to this visitor by this server."""
    if visitor.new_pre is not None:  # no session and no pre-sign-in cookie came back
        raise CsrfFailed("no_cookie")
    if not token:
        raise CsrfFailed("missing")
    if len(token) > 500:
        raise CsrfFailed("invalid")
    max_age = settings.session_absolute_hours * 3600
    try:
        key = _serializer(settings).loads(token, max_age=max_age)
    except BadData as exc:
        raise CsrfFailed("invalid") from exc
    if not isinstance(key, str) or not hmac.compare_digest(key, visitor.csrf_key):
        raise CsrfFailed("invalid")


def require_csrf(
    visitor: VisitorDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form()] = "",
) -> None:
    check_csrf(settings, visitor, csrf_token)


CsrfDep = Annotated[None, Depends(require_csrf)]
