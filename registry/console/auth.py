"""Who is asking: the console's session cookie, the pre-sign-in cookie, and the staff dependencies.

Cookies (names depend on whether they are ``Secure``, which they are outside development):

- the session cookie (``__Host-registry_session``) holds a random session id; the server keeps its
  sha256 (``registry.services.staff.sessions``). HttpOnly, SameSite=Lax, Path=/, no Max-Age (it
  ends with the browser; the server ends it earlier on idle or absolute timeout);
- the pre-sign-in cookie (``__Host-registry_pre``) holds a random value that CSRF tokens of forms
  shown to visitors who are not signed in (sign-in, set password) are tied to. It is dropped at
  sign-in, when tokens become tied to the session instead.

SameSite=Lax rather than Strict: a staff member following a link to a console page from e-mail or
chat arrives signed in, while cross-site POSTs still carry no cookie; every state change is a POST
that also needs a CSRF token (``registry.console.csrf``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.config import Settings
from registry.models import Account, Role
from registry.services.staff.sessions import ActiveSession, SessionPolicy, resolve_session

MAX_COOKIE_LENGTH = 128


@dataclass(frozen=True)
class CookieNames:
    session: str
    pre: str
    secure: bool


def cookie_names(settings: Settings) -> CookieNames:
    """``__Host-`` names (Secure, Path=/, no Domain) outside development; plain names over HTTP."""
    secure = settings.environment != "development"
    prefix = "__Host-" if secure else ""
    return CookieNames(f"{prefix}registry_session", f"{prefix}registry_pre", secure)


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy.of(
        idle_minutes=settings.session_idle_minutes,
        absolute_hours=settings.session_absolute_hours,
    )


@dataclass(frozen=True)
class StaffSnapshot:
    """The signed-in account's details, read while the request's database session is open (error
    pages are rendered after it has closed)."""

    id: int
    email: str
    display_name: str
    role: Role


@dataclass
class Visitor:
    """The console's view of one request."""

    active: ActiveSession | None
    session_id: str | None  # the cookie value, when it names a live session
    csrf_key: str  # what this visitor's CSRF tokens are tied to
    new_pre: str | None  # a pre-sign-in value to send as a cookie (the browser had none)
    stale_session: bool  # the browser sent a session cookie that no longer works: clear it

    staff: StaffSnapshot | None = None

    @property
    def account(self) -> Account | None:
        return self.active.account if self.active else None


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def get_visitor(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Visitor:
    """Resolve the session cookie on every request (a deactivated account is out at once)."""
    cached: Visitor | None = getattr(request.state, "console_visitor", None)
    if cached is not None:
        return cached
    names = cookie_names(settings)
    plain = request.cookies.get(names.session)
    active = None
    if plain and len(plain) <= MAX_COOKIE_LENGTH:
        active = resolve_session(session, plain, policy=session_policy(settings), now=clock.now())
    if active is not None:
        account = active.account
        snapshot = StaffSnapshot(account.id, account.email, account.display_name, account.role)  # type: ignore[arg-type]
        visitor = Visitor(active, plain, "s:" + active.key, None, False, snapshot)
    else:
        pre = request.cookies.get(names.pre)
        new_pre = None
        if not pre or len(pre) > MAX_COOKIE_LENGTH:
            pre = new_pre = secrets.token_urlsafe(32)
        key = "p:" + hashlib.sha256(pre.encode("utf-8")).hexdigest()
        visitor = Visitor(None, None, key, new_pre, plain is not None)
    request.state.console_visitor = visitor
    return visitor


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


class SignInRequired(Exception):
    """Raised for an anonymous visitor on a staff page: answered with a redirect to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class AdminOnly(Exception):
    """Raised for signed-in staff who are not admins on an admin page: a 403 page."""


def require_staff(request: Request, visitor: VisitorDep) -> Account:
    if visitor.account is None:
        path = request.url.path
        if request.method == "GET" and request.url.query:
            path += "?" + request.url.query
        raise SignInRequired(path)
    return visitor.account


StaffDep = Annotated[Account, Depends(require_staff)]


def require_admin(staff: StaffDep) -> Account:
    if staff.role != Role.admin:
        raise AdminOnly()
    return staff


AdminDep = Annotated[Account, Depends(require_admin)]


def safe_next(value: str | None) -> str:
    """A console path to go to after sign-in; anything else (another site, odd characters) is
    replaced by the console home, so the parameter cannot redirect elsewhere."""
    if (
        value
        and len(value) <= 500
        and (value == "/console" or value.startswith(("/console/", "/console?")))
        and "\\" not in value
        and "//" not in value
        and all(" " < ch < "\x7f" for ch in value)
    ):
        return value
    return "/console"


def _cookie_options(names: CookieNames) -> dict[str, object]:
    return {"path": "/", "secure": names.secure, "httponly": True, "samesite": "lax"}


def set_session_cookie(response: Response, settings: Settings, session_id: str) -> None:
    names = cookie_names(settings)
    response.set_cookie(names.session, session_id, **_cookie_options(names))  # type: ignore[arg-type]
    response.delete_cookie(names.pre, **_cookie_options(names))  # type: ignore[arg-type]


def clear_session_cookie(response: Response, settings: Settings) -> None:
    names = cookie_names(settings)
    response.delete_cookie(names.session, **_cookie_options(names))  # type: ignore[arg-type]


def apply_visitor_cookies(request: Request, response: Response) -> None:
    """Send the pre-sign-in cookie if the visitor had none; clear a session cookie that died."""
    visitor: Visitor | None = getattr(request.state, "console_visitor", None)
    if visitor is None:
        return
    settings: Settings = request.app.state.settings
    names = cookie_names(settings)
    if visitor.new_pre is not None:
        response.set_cookie(names.pre, visitor.new_pre, **_cookie_options(names))  # type: ignore[arg-type]
    if visitor.stale_session:
        clear_session_cookie(response, settings)
