"""Rendering console pages: the shared page context plus the signed-in account and a CSRF token.

Every response under ``/console`` is ``Cache-Control: private, no-store`` with ``Vary: Cookie``
(``NoStoreMiddleware``): pages for signed-in staff must never be kept by a shared cache, nor by the
browser's back-forward history after sign-out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.console import words
from registry.console.auth import Visitor, apply_visitor_cookies
from registry.console.csrf import make_csrf_token
from registry.models import Role
from registry.pages.rendering import page_context, remember_lang, request_lang

CONSOLE_PREFIX = "/console"
NO_STORE = "private, no-store"


def _staff_view(visitor: Visitor | None, lang: str) -> dict[str, Any] | None:
    staff = visitor.staff if visitor else None
    if staff is None:
        return None
    return {
        "name": staff.display_name,
        "email": staff.email,
        "role": staff.role.value,
        "role_text": words.role_name(staff.role.value, lang),
        "is_admin": staff.role == Role.admin,
    }


def console_context(request: Request) -> dict[str, Any]:
    context = page_context(request)
    visitor: Visitor | None = getattr(request.state, "console_visitor", None)
    context["console"] = {
        "staff": _staff_view(visitor, context["lang"]),
        "csrf_token": (
            make_csrf_token(request.app.state.settings, visitor) if visitor is not None else ""
        ),
        "section": request.url.path,
    }
    return context


def render(
    request: Request,
    template: str,
    vm: Mapping[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a console page (``templates/console/...``) from its view-model."""
    context = console_context(request)
    context["vm"] = vm
    html = request.app.state.page_templates.get_template(template).render(context)
    response = HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Language": context["lang"], **(headers or {})},
    )
    apply_visitor_cookies(request, response)
    remember_lang(request, response)
    return response


def redirect(request: Request, url: str) -> Response:
    """``303 See Other`` (after a POST the browser follows with a GET)."""
    response = RedirectResponse(url, status_code=303)
    apply_visitor_cookies(request, response)
    return response


def lang_of(request: Request) -> str:
    return request_lang(request)


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` and ``Vary: Cookie`` on every /console response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
                ]
                headers.append((b"cache-control", NO_STORE.encode()))
                vary = [v for k, v in headers if k.lower() == b"vary"]
                if not any(b"cookie" in v.lower() for v in vary):
                    headers.append((b"vary", b"Cookie"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_no_store)
