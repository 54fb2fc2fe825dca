"""Typed domain errors. Each carries its HTTP status and a stable code.

Services raise these; the web layer maps them to the JSON error shape under ``/api`` and to an HTML
error page elsewhere. Services never import FastAPI.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class. ``details`` is a list of ``{"loc": [...], "msg": str, "type": str}`` entries."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class PreconditionFailed(DomainError):
    status = 412
    code = "precondition_failed"


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"
