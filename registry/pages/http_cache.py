"""What responses tell shared caches (a reverse proxy, a CDN) and browsers.

- Public pages, their twins, feeds and the sitemap (``registry.pages.rendering.cached``):
  ``Cache-Control: public, max-age=N, stale-while-revalidate=M, stale-if-error=K`` from
  ``REGISTRY_PAGE_MAX_AGE``, ``REGISTRY_PAGE_STALE_WHILE_REVALIDATE`` and
  ``REGISTRY_PAGE_STALE_IF_ERROR``, a strong ``ETag`` and ``Last-Modified`` from the public stamp.
  They set no cookie: a shared cache must neither store nor replay one.
- Nothing private is ever cacheable (:class:`PrivateNoStoreMiddleware`, one of the outermost
  layers, so it sees every answer, error pages and redirects included): a response to a request
  that carries the staff session cookie or an ``Authorization`` header, the answer to any method
  other than ``GET``/``HEAD`` (a form's POST), and any response that sets a cookie, is
  ``Cache-Control: private, no-store`` whatever the route said.

See docs/pages.md ("Caching").
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.config import Settings

PRIVATE_NO_STORE = "private, no-store"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def public_cache_control(settings: Settings) -> str:
    """The ``Cache-Control`` of a public page or twin."""
    return (
        f"public, max-age={settings.page_max_age}, "
        f"stale-while-revalidate={settings.page_stale_while_revalidate}, "
        f"stale-if-error={settings.page_stale_if_error}"
    )


def _has_cookie(header: bytes, name: bytes) -> bool:
    for part in header.split(b";"):
        key, _, value = part.strip().partition(b"=")
        if key == name and value:
            return True
    return False


def is_private_request(scope: Scope, session_cookie: str) -> bool:
    """A request whose answer is for one person: not GET/HEAD, or signed in (session cookie,
    API token)."""
    if scope.get("method", "GET") not in SAFE_METHODS:
        return True
    name = session_cookie.encode()
    for key, value in scope.get("headers", []):
        if key == b"authorization" and value.strip():
            return True
        if key == b"cookie" and _has_cookie(value, name):
            return True
    return False


class PrivateNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a private request (see
    :func:`is_private_request`) and on every answer that sets a cookie. A public page answered
    privately also loses its ``ETag`` and ``Last-Modified`` (the public stamp's validators must not
    revalidate a copy made for one person); other answers keep theirs: the API's drafts need their
    ``ETag`` for ``If-Match`` (the reviewed revision, registry.api.preconditions)."""

    def __init__(self, app: ASGIApp, *, session_cookie: str) -> None:
        self.app = app
        self.session_cookie = session_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private_request(scope, self.session_cookie)

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if private or any(k.lower() == b"set-cookie" for k, _ in headers):
                    public = any(
                        k.lower() == b"cache-control" and v.startswith(b"public")
                        for k, v in headers
                    )
                    dropped = (
                        (b"cache-control", b"etag", b"last-modified")
                        if public
                        else (b"cache-control",)
                    )
                    headers = [(k, v) for k, v in headers if k.lower() not in dropped]
                    headers.append((b"cache-control", PRIVATE_NO_STORE.encode()))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_private)
