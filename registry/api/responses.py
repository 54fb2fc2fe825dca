"""The error answers of each API operation, for the OpenAPI document.

Every error, validation included, is answered as ``{"error": {"code", "message", "details"}}``
(``registry.app.install_error_handlers``). Each operation lists the statuses it can really answer
(``errors(...)``, which replaces FastAPI's own ``{"detail": [...]}`` 422), so a client knows what
to handle and schemathesis can tell an undocumented status from a documented one
(tests/registry/test_api_schemathesis.py).

Some answers apply to every operation of a kind and are added here, not at each route:

* 422 to every operation: a query parameter holding a control character is refused before any
  route runs (``registry.api.deps.refuse_forbidden_url_characters``);
* 401, 413 and 429 to every write (``WRITE_ERRORS``): a write without a token-shaped bearer is
  refused before routing (``registry.api.request_guard``), its JSON body is capped there, and
  writes are rate limited (``registry.api.rate_limits``).

Security requirements: a public read declares its token optional (anonymous or bearer:
``ANONYMOUS_TOO`` or ``OPTIONAL_AUTH``); where the read looks at the token, it shows its owner what
only they may see and an invalid one is a 401. Every other operation requires a token (FastAPI
derives that from the ``CurrentAccount`` dependency).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """One offending field and what was expected of it."""

    loc: list[str | int] = Field(examples=[["body", "change_summary"]])
    msg: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class ErrorBody(BaseModel):
    code: str = Field(
        description="Stable machine code: `unauthorized`, `forbidden`, `not_found`, `conflict`, "
        "`invalid`, `payload_too_large`, `unsupported_media_type`, `precondition_failed`, "
        "`precondition_required`, `rate_limited`, ...",
        examples=["invalid"],
    )
    message: str = Field(examples=["The request is not valid."])
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """Every error, from any endpoint."""

    error: ErrorBody


#: What each error status means in this API, as the OpenAPI response description.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The multipart body ended before its closing boundary (a cut-off upload).",
    401: "No valid API token: none sent where one is required, or the one sent is not valid "
    "(unknown, revoked, expired, or its account deactivated).",
    403: "The token's account may not do this.",
    404: "Nothing is registered at this address, or it is not visible to you.",
    409: "The change conflicts with the current state (already taken, already done, or not in "
    "the state this action needs).",
    412: "The draft is no longer the revision named (If-Match or `revision`): read it again.",
    413: "The request body is larger than the limit (REGISTRY_MAX_JSON_KB, or "
    "REGISTRY_MAX_UPLOAD_MB for uploads).",
    415: "The body is not the media type this operation reads.",
    422: "A parameter or the body is not valid; `details` names each field and what was expected.",
    428: "Publishing must name the reviewed draft revision (If-Match or `revision`).",
    429: "Too many writes from this client address or for this account; see Retry-After.",
}
#: The 404 of an operation whose body or query names an agency by slug.
ERR_NO_SUCH_AGENCY = "No agency has the slug {where} names."
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "How to authenticate: `Bearer` (RFC 6750).",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before writing again.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}

#: Every operation: a query parameter with a control character is refused before routing.
ANY_OPERATION_ERRORS = (422,)
#: Every write: refused without a token-shaped bearer, body capped, rate limited.
WRITE_ERRORS = (401, 413, 429)
#: ``openapi_extra`` of a public read whose viewer is an ``OptionalAccount``: FastAPI already lists
#: the bearer scheme for it (FastAPI appends lists), this adds the anonymous alternative.
ANONYMOUS_TOO: dict[str, Any] = {"security": [{}]}
#: ``openapi_extra`` of a public read that never looks at a token: anonymous or bearer, alike.
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}, {"HTTPBearer": []}]}


def errors(
    *statuses: int | tuple[int, str], write: bool = False
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of an operation that can answer ``statuses`` (besides its success).

    A status is an ``int`` (described by ``ERROR_DESCRIPTIONS``) or ``(status, description)``
    where the operation's reason is more specific. ``write=True`` adds ``WRITE_ERRORS``; every
    operation gets ``ANY_OPERATION_ERRORS``.
    """
    described = dict(status if isinstance(status, tuple) else (status, "") for status in statuses)
    for status in (*ANY_OPERATION_ERRORS, *(WRITE_ERRORS if write else ())):
        described.setdefault(status, "")
    unknown = set(described) - set(ERROR_DESCRIPTIONS)
    if unknown:
        raise ValueError(f"No description for error status {sorted(unknown)}")
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(described):
        entry: dict[str, Any] = {
            "model": ErrorResponse,
            "description": described[status] or ERROR_DESCRIPTIONS[status],
        }
        if status in _HEADERS:
            entry["headers"] = _HEADERS[status]
        responses[status] = entry
    return responses
