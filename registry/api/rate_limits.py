"""Rate limits on the JSON API's writes: per client address and per account (the token's owner).

A pure ASGI middleware, so a refused request is answered before anything reads its body, and
GET/HEAD requests (every public page, every read) never touch a counter: a flood of writes cannot
slow the public register down. A refusal is ``429`` in the API's JSON error shape with
``Retry-After`` in seconds. The limits are settings (``REGISTRY_WRITE_LIMIT_PER_ADDRESS``,
``REGISTRY_WRITE_LIMIT_PER_ACCOUNT``) and the counters live in ``REGISTRY_RATE_LIMIT_STORAGE_URL``
(see ``registry.services.staff.throttle``).

The client address is the connection's (``scope["client"]``). Behind a reverse proxy, run uvicorn
with ``--proxy-headers --forwarded-allow-ips=<proxy>`` so it is the real client's.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import FastAPI, Request
from limits.storage import MemoryStorage
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from registry.db import session_scope
from registry.errors import Forbidden
from registry.services.cards.tokens import hash_token
from registry.services.staff.rate_keys import token_owner_id
from registry.services.staff.throttle import (
    PARTICIPATION_ADDRESS,
    PARTICIPATION_ALGORITHM,
    WRITE_ACCOUNT,
    WRITE_ADDRESS,
    RateLimits,
    TooManyRequests,
    Verdict,
)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
OWNER_CACHE_SIZE = 10_000
ERR_WRITES_FROM_ADDRESS = (
    "Too many write requests from this client address. Try again in {seconds} seconds."
)
ERR_WRITES_FOR_ACCOUNT = "Too many write requests for this account. Try again in {seconds} seconds."


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _bearer(scope: Scope) -> str | None:
    value = Headers(scope=scope).get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class WriteRateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # token -> owner never changes, so a cache needs no invalidation (token_hash -> id).
        self._owners: dict[str, int | None] = {}

    async def _owner(self, engine: Engine, token: str) -> int | None:
        key = hash_token(token)
        if key in self._owners:
            return self._owners[key]

        def lookup() -> int | None:
            with session_scope(engine) as session:
                return token_owner_id(session, token)

        owner = await anyio.to_thread.run_sync(lookup)
        if len(self._owners) >= OWNER_CACHE_SIZE:
            self._owners.clear()
        self._owners[key] = owner
        return owner

    @staticmethod
    async def _hit(limits: RateLimits, rule: str, key: str) -> Verdict:
        if isinstance(limits.storage, MemoryStorage):
            return limits.hit(rule, key)
        return await anyio.to_thread.run_sync(limits.hit, rule, key)  # network storage: off-loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or not scope["path"].startswith(API_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limits: RateLimits = state.rate_limits
        verdict = await self._hit(limits, WRITE_ADDRESS, client_address(scope))
        message = ERR_WRITES_FROM_ADDRESS
        token = _bearer(scope) if verdict.allowed else None
        if token is not None:
            owner = await self._owner(state.engine, token)
            if owner is not None:
                verdict = await self._hit(limits, WRITE_ACCOUNT, str(owner))
                message = ERR_WRITES_FOR_ACCOUNT
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        seconds = str(verdict.retry_after)
        body = {
            "error": {
                "code": "rate_limited",
                "message": message.format(seconds=seconds),
                "details": [],
            }
        }
        response = JSONResponse(body, status_code=429, headers={"Retry-After": seconds})
        await response(scope, receive, send)


def install_write_limits(app: FastAPI) -> None:
    """Build the app's rate limits from its settings and limit the API's writes."""
    app.state.rate_limits = RateLimits.from_settings(app.state.settings)
    app.add_middleware(WriteRateLimitMiddleware)


# --- public participation (docs/participation.md) ---------------------------------------------

ERR_PARTICIPATION_ADDRESS = (
    "Too many messages from this client address. Try again in {seconds} seconds."
)
ERR_PARTICIPATION_ALGORITHM = (
    "This algorithm is receiving too many messages right now. Try again in {seconds} seconds."
)
ERR_CROSS_SITE = "Messages can only be sent from the register's own pages."


def hit_participation_limits(request: Request, public_id: str) -> None:
    """Count one public submission against the client address and the algorithm; raise
    ``TooManyRequests`` (429, with ``retry_after``) when either limit is reached. In memory like
    the other limits (``REGISTRY_RATE_LIMIT_STORAGE_URL``); no database is touched."""
    limits: RateLimits = request.app.state.rate_limits
    checks = (
        (PARTICIPATION_ADDRESS, client_address(request.scope), ERR_PARTICIPATION_ADDRESS),
        (PARTICIPATION_ALGORITHM, public_id[:32], ERR_PARTICIPATION_ALGORITHM),
    )
    for rule, key, message in checks:
        verdict = limits.hit(rule, key)
        if not verdict.allowed:
            raise TooManyRequests(
                message.format(seconds=verdict.retry_after), retry_after=verdict.retry_after
            )


def refuse_cross_site(request: Request) -> None:
    """403 for a submission a browser sent from another site. Browsers that send
    ``Sec-Fetch-Site`` are believed (``same-origin`` and ``none``, a typed or bookmarked request,
    pass); otherwise an ``Origin`` other than this host's is refused. ``Origin: null`` (what a
    page with ``Referrer-Policy: no-referrer``, such as the status page, sends) and a request with
    neither header (a program, an old browser) pass: the public form has no session to protect
    (docs/participation.md, "CSRF")."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site not in ("same-origin", "none"):
            raise Forbidden(ERR_CROSS_SITE)
        return
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    settings = request.app.state.settings
    own = {
        str(request.base_url).rstrip("/"),
        settings.public_base_url(str(request.base_url)),
    }
    if origin.rstrip("/") not in own:
        raise Forbidden(ERR_CROSS_SITE)
