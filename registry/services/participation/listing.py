"""The public side: an algorithm's published items with their answers, and how many items were
declined (by reason) or merged. Items awaiting moderation are never read here."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.models.participation import DeclineReason, ItemState, ParticipationItem


@dataclass(frozen=True)
class PublicItems:
    published: list[ParticipationItem]
    declined: dict[DeclineReason, int]
    merged: int


def public_items(session: Session, algorithm_id: int) -> PublicItems:
    """Published items newest first, declined counts by reason, merged count (two queries)."""
    published = list(
        session.exec(
            select(ParticipationItem)
            .where(
                ParticipationItem.algorithm_id == algorithm_id,
                ParticipationItem.state == ItemState.published,
            )
            .order_by(col(ParticipationItem.published_at).desc(), col(ParticipationItem.id).desc())
        )
    )
    counts = session.execute(
        sa.select(
            col(ParticipationItem.state), col(ParticipationItem.decline_reason), sa.func.count()
        )
        .where(
            col(ParticipationItem.algorithm_id) == algorithm_id,
            col(ParticipationItem.state).in_([ItemState.declined, ItemState.merged]),
        )
        .group_by(col(ParticipationItem.state), col(ParticipationItem.decline_reason))
    ).all()
    declined: dict[DeclineReason, int] = {}
    merged = 0
    for state, reason, count in counts:
        if state == ItemState.merged:
            merged += int(count)
        elif reason is not None:
            declined[DeclineReason(reason)] = int(count)
    return PublicItems(published=published, declined=declined, merged=merged)


def merged_target(session: Session, item: ParticipationItem) -> ParticipationItem | None:
    if item.merged_into_id is None:
        return None
    return session.get(ParticipationItem, item.merged_into_id)


def agency_published_items(session: Session, agency_id: int) -> list[tuple[ParticipationItem, str]]:
    """An agency's published items about its public algorithms, oldest first, each with its
    algorithm's public id (one query; for the agency's CSV)."""
    from registry.models import Algorithm
    from registry.services.public.audit_listing import PUBLIC_ALGORITHM_STATES

    rows = session.execute(
        sa.select(ParticipationItem, col(Algorithm.public_id))
        .join(Algorithm, col(Algorithm.id) == col(ParticipationItem.algorithm_id))
        .where(
            col(Algorithm.agency_id) == agency_id,
            col(Algorithm.state).in_(PUBLIC_ALGORITHM_STATES),
            col(ParticipationItem.state) == ItemState.published,
        )
        .order_by(col(ParticipationItem.received_at), col(ParticipationItem.id))
    ).all()
    return [(item, public_id) for item, public_id in rows]
