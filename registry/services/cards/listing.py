"""Listing and searching algorithms with keyset pagination (newest change first).

The cursor is opaque to clients: URL-safe base64 of ``[updated_at, id]`` of the last row served.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.errors import Invalid
from registry.models import Account, Agency, Algorithm, AlgorithmState, Role
from registry.services.canonical import iso
from registry.services.cards.agencies import get_agency

ERR_BAD_CURSOR = "The cursor is not valid; use the next_cursor value of a previous page."
MAX_QUERY_LENGTH = 200
ERR_QUERY_TOO_LONG = f"'q' is longer than {MAX_QUERY_LENGTH} characters."


@dataclass(frozen=True)
class AlgorithmFilters:
    agency: str | None = None
    scenario: str | None = None
    risk_category: str | None = None
    state: AlgorithmState | None = None
    lifecycle_status: str | None = None
    q: str | None = None
    source_id: str | None = None


@dataclass(frozen=True)
class AlgorithmPage:
    items: list[Algorithm]
    next_cursor: str | None


def encode_cursor(algorithm: Algorithm) -> str:
    raw = json.dumps([iso(algorithm.updated_at), algorithm.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, row_id = json.loads(raw)
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError(cursor)
        return at, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid(
            ERR_BAD_CURSOR,
            details=[{"loc": ["query", "cursor"], "msg": ERR_BAD_CURSOR, "type": "value_error"}],
        ) from None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _visibility(viewer: Account | None) -> sa.ColumnElement[bool]:
    public = col(Algorithm.state).in_([AlgorithmState.published, AlgorithmState.retired])
    if viewer is not None and viewer.role == Role.admin:
        return sa.true()
    if viewer is not None and viewer.role == Role.agency_editor and viewer.agency_id is not None:
        return sa.or_(public, col(Algorithm.agency_id) == viewer.agency_id)
    return public


def list_algorithms(
    session: Session,
    *,
    viewer: Account | None,
    filters: AlgorithmFilters,
    limit: int,
    cursor: str | None = None,
) -> AlgorithmPage:
    """One page of the algorithms ``viewer`` may see, matching ``filters``."""
    query = select(Algorithm).where(_visibility(viewer))
    if filters.agency:
        agency: Agency = get_agency(session, filters.agency)
        query = query.where(Algorithm.agency_id == agency.id)
    if filters.scenario:
        query = query.where(Algorithm.scenario == filters.scenario)
    if filters.risk_category:
        query = query.where(Algorithm.risk_category == filters.risk_category)
    if filters.lifecycle_status:
        query = query.where(Algorithm.lifecycle_status == filters.lifecycle_status)
    if filters.state:
        query = query.where(Algorithm.state == filters.state)
    if filters.source_id:
        query = query.where(Algorithm.source_id == filters.source_id)
    if filters.q and filters.q.strip():
        if len(filters.q) > MAX_QUERY_LENGTH:
            raise Invalid(
                ERR_QUERY_TOO_LONG,
                details=[{"loc": ["query", "q"], "msg": ERR_QUERY_TOO_LONG, "type": "too_long"}],
            )
        pattern = _like_pattern(filters.q.strip())
        query = query.where(
            sa.or_(
                col(Algorithm.name).ilike(pattern, escape="\\"),
                col(Algorithm.summary).ilike(pattern, escape="\\"),
            )
        )
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        query = query.where(
            sa.or_(
                col(Algorithm.updated_at) < after_at,
                sa.and_(col(Algorithm.updated_at) == after_at, col(Algorithm.id) < after_id),
            )
        )
    query = query.order_by(col(Algorithm.updated_at).desc(), col(Algorithm.id).desc()).limit(
        limit + 1
    )
    rows = list(session.exec(query))
    has_more = len(rows) > limit
    items = rows[:limit]
    return AlgorithmPage(
        items=items, next_cursor=encode_cursor(items[-1]) if has_more and items else None
    )
