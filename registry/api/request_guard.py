"""Checks on write requests to the JSON API, made before the application reads their body.

FastAPI reads and parses a JSON body before it runs a route's dependencies, so the bearer token
(checked by ``registry.api.deps``) used to be looked at only after the parse: an anonymous 200 MB
POST was parsed in full before its 401. This pure ASGI middleware runs first, for every POST, PUT,
PATCH and DELETE under ``/api/``:

* a request without an ``Authorization: Bearer <token>`` header whose token has the shape of the
  registry's tokens is answered 401 without reading its body (every write needs an account; whether
  the token is valid is still decided by the route's dependency);
* the body is then read here, up to ``max_json_bytes`` (``REGISTRY_MAX_JSON_KB``): a declared
  ``Content-Length`` above the limit is refused with 413 before reading; a body that grows past it
  (no ``Content-Length``, or one that lies) is refused with 413 as soon as it does; a body within
  the limit is handed on to the application unchanged. The limit holds whatever the
  ``Content-Type`` says.
* a JSON body (``application/json``, ``*/*+json``, or no ``Content-Type``, which FastAPI reads as
  JSON) that is not UTF-8 (RFC 8259 section 8.1) or nests arrays and objects deeper than the
  parser can follow is refused with 422 naming the body. FastAPI's parser answered both with a
  bare 400 "There was an error parsing the body" (a ``UnicodeDecodeError`` or a
  ``RecursionError`` inside ``json.loads``), which named nothing and was not documented.

The audit upload routes (``UPLOAD_ROUTE``) stream their multipart body to disk under their own
limit (``REGISTRY_MAX_UPLOAD_MB``, see ``registry.api.uploads``); only the token check applies to
them here. Both answers use the JSON error shape; the security headers are added by the middleware
around this one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.api.deps import ERR_TOKEN_REQUIRED
from registry.services.cards.tokens import ERR_INVALID_TOKEN, TOKEN_PREFIX

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: ``reg_`` and 43 URL-safe characters, as made by ``registry.services.cards.tokens.add_token``.
TOKEN_SHAPE = re.compile(rf"{re.escape(TOKEN_PREFIX)}[A-Za-z0-9_-]{{43}}")
#: The routes whose body is a multipart upload streamed to disk (``registry.api.audits``, and the
#: console's upload wizard, ``registry.console.routes_audit_wizard``).
#: Writes under these paths have their body capped at ``max_json_bytes`` (API JSON, console forms;
#: and ``PUBLIC_FORM_ROUTE``).
CAPPED_PREFIXES = ("/api/", "/console/")
UPLOAD_ROUTE = re.compile(r"/api/v1/algorithms/[^/]+/audits(/counts)?|/console/uploads/file")
#: The one API write that needs no token: the public's questions and concerns
#: (``registry.api.participation``; rate limited per address and per algorithm). Its body is
#: still capped here like every JSON body.
PUBLIC_WRITE_ROUTE = re.compile(r"/api/v1/algorithms/[^/]+/participation")
#: The public pages' one form (``registry.pages.routes_participation``): no token, its body
#: capped like the console's forms.
PUBLIC_FORM_ROUTE = re.compile(r"/algorithms/[^/]+/participate")

#: Below this many ``[`` and ``{`` a body cannot be nested deep enough to exhaust the parser.
JSON_NESTING_CHECK_FROM = 500
ERR_JSON_NOT_UTF8 = (
    "The JSON body is not valid UTF-8 (byte {position} cannot be decoded); JSON must be UTF-8."
)
ERR_JSON_TOO_DEEP = "The JSON body nests arrays and objects too deeply to be read."

ERR_JSON_TOO_LARGE = (
    "The request body is larger than the limit of {limit_kb} KiB (REGISTRY_MAX_JSON_KB)."
)


def _error(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return JSONResponse(body, status_code=status, headers=headers)


def _reads_as_json(content_type: str | None) -> bool:
    """Whether FastAPI parses a body with this ``Content-Type`` as JSON."""
    if not content_type:
        return True
    media_type = content_type.split(";", 1)[0].strip().lower()
    subtype = media_type.partition("/")[2]
    return subtype == "json" or subtype.endswith("+json")


def _too_deep(body: bytes) -> bool:
    """Whether ``json.loads`` runs out of nesting depth on ``body`` (parsed only when it holds
    enough brackets to get there; any other parse error is FastAPI's to report)."""
    if body.count(b"[") + body.count(b"{") < JSON_NESTING_CHECK_FROM:
        return False
    try:
        json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False
    return False


def json_body_problem(body: bytes, content_type: str | None) -> str | None:
    """Why FastAPI could not parse ``body`` as JSON although it is within the size limit, or
    ``None`` (syntax errors are left to FastAPI, which names their position in a 422)."""
    if not body or not _reads_as_json(content_type):
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ERR_JSON_NOT_UTF8.format(position=exc.start)
    if _too_deep(body):
        return ERR_JSON_TOO_DEEP
    return None


def token_problem(authorization: str | None) -> str | None:
    """Why an ``Authorization`` header cannot carry one of our tokens, or ``None`` if it may."""
    if not authorization:
        return ERR_TOKEN_REQUIRED
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ERR_TOKEN_REQUIRED
    if not TOKEN_SHAPE.fullmatch(token.strip()):
        return ERR_INVALID_TOKEN
    return None


class WriteRequestGuard:
    """See the module docstring."""

    def __init__(self, app: ASGIApp, *, max_json_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        public_form = PUBLIC_FORM_ROUTE.fullmatch(path) is not None
        if (
            scope["type"] != "http"
            or scope["method"] not in WRITE_METHODS
            or not (path.startswith(CAPPED_PREFIXES) or public_form)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # Console forms are signed in by cookie (and checked for CSRF by their routes), and the
        # public's questions need no account, so only their size is capped here; other API
        # writes also need a bearer token of the right shape.
        tokenless = (
            path.startswith("/console/")
            or public_form
            or (scope["method"] == "POST" and PUBLIC_WRITE_ROUTE.fullmatch(path) is not None)
        )
        problem = None if tokenless else token_problem(headers.get("authorization"))
        if problem is not None:
            unauthorized = _error(401, "unauthorized", problem, {"WWW-Authenticate": "Bearer"})
            await unauthorized(scope, receive, send)
            return
        if scope["method"] == "POST" and UPLOAD_ROUTE.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_json_bytes:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away: there is no one to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_json_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = json_body_problem(body, headers.get("content-type"))
        if problem is not None:
            detail = {"loc": ["body"], "msg": problem, "type": "json_invalid"}
            await _error(422, "invalid", problem, details=[detail])(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit_kb = self.max_json_bytes // 1024
        response = _error(413, "payload_too_large", ERR_JSON_TOO_LARGE.format(limit_kb=limit_kb))
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over the buffered body once, then waits on the real one (so the
    application still learns when the client disconnects)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
