"""The error shape every API endpoint answers with, for the OpenAPI document.

FastAPI documents its own validation error (``{"detail": [...]}``) by default; this registry
answers every error, validation included, as ``{"error": {"code", "message", "details"}}``
(``registry.app.install_error_handlers``). ``ERROR_RESPONSES`` puts that shape in ``/docs``.
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
        "`invalid`, `payload_too_large`, `unsupported_media_type`, ...",
        examples=["invalid"],
    )
    message: str = Field(examples=["The request is not valid."])
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """Every error, from any endpoint."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "model": ErrorResponse,
        "description": "An error in the registry's one error shape (see docs/api.md).",
    }
}
