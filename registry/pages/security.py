"""Security headers on every response (a pure ASGI middleware, so streaming bodies pass through).

The content security policy allows only same-origin resources: no inline script, no inline style,
no third-party requests. A response that sets its own policy keeps it: the API docs page
(``registry.api.docs_page``) needs inline script for Swagger UI, still from this origin only.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)
_CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())


def with_security_headers(response: Response) -> Response:
    """Add the security headers a response does not set itself.

    For answers made outside the middleware below: Starlette's outermost layer, which turns an
    unhandled exception into a 500, runs outside every middleware the application adds.
    """
    for name, value in (*SECURITY_HEADERS, _CSP):
        if name.decode() not in response.headers:
            response.headers[name.decode()] = value.decode()
    return response


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                if _CSP[0] not in present:
                    extra.append(_CSP)
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
