"""The request body of ``PATCH .../draft``: a JSON Merge Patch (RFC 7396) of the draft.

The patch document patches the draft as ``GET .../draft`` shows it, of which only ``card`` can be
changed: ``{"card": {"summary": "New text", "team": null}}``. Read here, not by FastAPI, because
FastAPI would take any media type and cannot tell a member sent as ``null`` from one left out:

* ``Content-Type`` must be ``application/merge-patch+json`` (or ``application/json``): 415 else;
* the body must be JSON (422 naming its position), an object, with no member but ``card``
  (422 naming each other member: they are read-only).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from registry.errors import Invalid, UnsupportedMediaType

MERGE_PATCH_TYPE = "application/merge-patch+json"
PATCH_MEDIA_TYPES = (MERGE_PATCH_TYPE, "application/json")
PATCHABLE = ("card",)

ERR_PATCH_MEDIA_TYPE = (
    "Send the patch as Content-Type: application/merge-patch+json (RFC 7396) or "
    "application/json; got {got}."
)
ERR_PATCH_NOT_JSON = "The patch is not JSON: {detail}."
ERR_PATCH_NOT_OBJECT = 'The patch must be a JSON object such as {"card": {"summary": "..."}}.'
ERR_PATCH_READ_ONLY = "'{name}' cannot be patched; only 'card' can (the rest is read-only)."

_CARD_PATCH_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "The card fields to change: a member replaces that field (arrays replace "
    "whole), an object merges into it, null removes it. Fields left out stay as they are.",
    "example": {"summary": "New summary.", "policy_areas": ["housing"]},
}
PATCH_BODY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"card": _CARD_PATCH_SCHEMA},
    "description": "A JSON Merge Patch (RFC 7396) of the draft; only `card` can be patched.",
}
#: ``openapi_extra`` of the PATCH operation: the body the dependency below reads.
PATCH_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {media_type: {"schema": PATCH_BODY_SCHEMA} for media_type in PATCH_MEDIA_TYPES},
    }
}


def _invalid(message: str, loc: list[str | int], kind: str) -> Invalid:
    return Invalid(message, details=[{"loc": loc, "msg": message, "type": kind}])


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


async def read_card_patch(request: Request) -> dict[str, Any]:
    """The patch document (an object whose only member may be ``card``); 415 or 422 otherwise."""
    content_type = request.headers.get("content-type")
    if _media_type(content_type) not in PATCH_MEDIA_TYPES:
        got = f"'{content_type}'" if content_type else "no Content-Type"
        raise UnsupportedMediaType(ERR_PATCH_MEDIA_TYPE.format(got=got))
    raw = await request.body()
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        message = ERR_PATCH_NOT_JSON.format(
            detail=f"{exc.msg} at line {exc.lineno} column {exc.colno}"
        )
        raise _invalid(message, ["body"], "json_invalid") from None
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        message = ERR_PATCH_NOT_JSON.format(detail=type(exc).__name__)
        raise _invalid(message, ["body"], "json_invalid") from None
    if not isinstance(document, dict):
        raise _invalid(ERR_PATCH_NOT_OBJECT, ["body"], "object_type")
    extra = [name for name in document if name not in PATCHABLE]
    if extra:
        raise Invalid(
            ERR_PATCH_READ_ONLY.format(name=extra[0]),
            details=[
                {
                    "loc": ["body", name],
                    "msg": ERR_PATCH_READ_ONLY.format(name=name),
                    "type": "read_only",
                }
                for name in extra
            ],
        )
    return document


CardPatchDep = Annotated[dict[str, Any], Depends(read_card_patch)]
