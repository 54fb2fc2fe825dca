"""Typed domain errors, and the one map from HTTP status to error code.

Services raise these; the web layer maps them to the JSON error shape under ``/api`` (and on the
``.json`` twins of pages) and to an HTML error page elsewhere. Every error response takes its code
from :func:`error_code` unless the error names a more specific one (``four_eyes``). Services never
import FastAPI.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

# The registry's codes for the statuses it answers with. Any other status gets the snake_case form
# of its standard reason phrase (429 -> "too_many_requests"), so every response has a stable code.
ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal_error",
    503: "service_unavailable",
}
UNKNOWN_STATUS_CODE = "http_error"


def error_code(status: int) -> str:
    """The error code for an HTTP status: ``ERROR_CODES``, else the reason phrase in snake_case."""
    if status in ERROR_CODES:
        return ERROR_CODES[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return UNKNOWN_STATUS_CODE
    return "_".join(phrase.lower().replace("-", " ").split())


def error_body(
    status: int,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """The one JSON error shape: ``{"error": {"code", "message", "details"}}``."""
    return {
        "error": {
            "code": code or error_code(status),
            "message": message,
            "details": list(details or []),
        }
    }


class DomainError(Exception):
    """Base class. ``details`` is a list of ``{"loc": [...], "msg": str, "type": str}`` entries.

    A subclass that sets ``status`` gets its ``code`` from :func:`error_code` unless it also sets a
    more specific one (``FourEyesViolation``); a subclass that keeps its parent's status keeps its
    parent's code too.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = error_code(400)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "status" in cls.__dict__ and "code" not in cls.__dict__:
            cls.code = error_code(cls.status)

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        return error_body(self.status, self.message, details=self.details, code=self.code)


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415


class Invalid(DomainError):
    status = 422


class ServiceUnavailable(DomainError):
    """Something this server needs for the answer is missing (a system library, say)."""

    status = 503


class PreconditionFailed(DomainError):
    status = 412


class PreconditionRequired(DomainError):
    status = 428
