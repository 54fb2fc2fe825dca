"""Conditional requests on drafts: the ``If-Match`` header (RFC 9110 section 13.1.1) and ETags.

A draft's ETag is its revision in quotes. ``If-Match`` uses the strong comparison, so a weak tag
(``W/"..."``) never matches; it is kept as written and simply compares unequal to every revision.
"""

from __future__ import annotations

import re

from fastapi import Response

from registry.errors import Invalid
from registry.services.cards.drafts import ANY_REVISION, ERR_REVISIONS_DISAGREE

ERR_IF_MATCH_SYNTAX = (
    'If-Match must be * or a comma-separated list of quoted entity tags such as "<revision>".'
)
ERR_IF_MATCH_ONE = (
    "Publishing names one reviewed revision; If-Match lists {n}. Send the ETag of the draft you "
    "reviewed."
)

_TAG = re.compile(r'\s*(\*|(?:W/)?"[\x21\x23-\x7e\x80-\uffff]*")\s*(?:,|$)')
IF_MATCH_LOC = ["header", "If-Match"]


def _invalid(message: str, loc: list[str], kind: str) -> Invalid:
    return Invalid(message, details=[{"loc": loc, "msg": message, "type": kind}])


def parse_if_match(value: str | None) -> list[str] | None:
    """The listed entity tags: a strong tag without its quotes, a weak one as written, or ``*``.

    None when the header is absent; 422 naming the header when it is not valid syntax.
    """
    if value is None:
        return None
    tags: list[str] = []
    position = 0
    text = value.strip()
    while position < len(text):
        match = _TAG.match(text, position)
        if match is None or match.end() == position:
            raise _invalid(ERR_IF_MATCH_SYNTAX, IF_MATCH_LOC, "if_match")
        tag = match.group(1)
        tags.append(tag[1:-1] if tag.startswith('"') else tag)
        position = match.end()
    if not tags or (ANY_REVISION in tags and len(tags) > 1):
        raise _invalid(ERR_IF_MATCH_SYNTAX, IF_MATCH_LOC, "if_match")
    return tags


def reviewed_revision(if_match: str | None, body_revision: str | None) -> str | None:
    """The one revision a publish names, from ``If-Match`` or the body's ``revision`` (or both,
    if they agree). None when neither is given (the service answers 428)."""
    tags = parse_if_match(if_match)
    if tags is not None and len(tags) > 1:
        raise _invalid(ERR_IF_MATCH_ONE.format(n=len(tags)), IF_MATCH_LOC, "if_match")
    header = tags[0] if tags else None
    if header is not None and body_revision is not None and header != body_revision:
        raise _invalid(ERR_REVISIONS_DISAGREE, ["body", "revision"], "revision")
    return body_revision if body_revision is not None else header


def set_etag(response: Response, revision: str) -> None:
    """Send ``revision`` as the response's strong ETag."""
    response.headers["ETag"] = f'"{revision}"'
