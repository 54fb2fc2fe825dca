"""Change feeds and bulk downloads of the public register.

The feed is built from the public records themselves (versions published, algorithms retired,
audits published), newest first, so it never shows a draft or a private audit. Bulk downloads
stream in batches so memory stays flat however large the register grows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit, AuditState, AuditVisibility
from registry.models.participation import ItemState, ParticipationItem

PUBLIC_STATES = [AlgorithmState.published, AlgorithmState.retired]
BATCH = 200


@dataclass(frozen=True)
class Change:
    kind: str
    """version_published, algorithm_retired, audit_published, item_published or item_answered."""
    at: datetime
    algorithm: Algorithm
    agency: Agency
    version: CardVersion | None = None
    audit: Audit | None = None
    item: ParticipationItem | None = None
    """A published question or concern from the public (never one awaiting moderation)."""


def _participation_changes(
    session: Session, scope: list[Any], agencies: dict[Any, Agency], limit: int
) -> list[Change]:
    """Published items (at publication) and their answers (at the latest answer)."""
    published = col(ParticipationItem.state) == ItemState.published
    join = col(Algorithm.id) == col(ParticipationItem.algorithm_id)
    items = session.exec(
        select(ParticipationItem, Algorithm)
        .join(Algorithm, join)
        .where(*scope, published, col(ParticipationItem.published_at).is_not(None))
        .order_by(col(ParticipationItem.published_at).desc())
        .limit(limit)
    ).all()
    answers = session.exec(
        select(ParticipationItem, Algorithm)
        .join(Algorithm, join)
        .where(*scope, published, col(ParticipationItem.answered_at).is_not(None))
        .order_by(col(ParticipationItem.answered_at).desc())
        .limit(limit)
    ).all()
    return [
        Change("item_published", i.published_at, a, agencies[a.agency_id], item=i)  # type: ignore[arg-type]
        for i, a in items
    ] + [
        Change("item_answered", i.answered_at, a, agencies[a.agency_id], item=i)  # type: ignore[arg-type]
        for i, a in answers
    ]


def recent_changes(
    session: Session,
    *,
    agency: Agency | None = None,
    algorithm: Algorithm | None = None,
    limit: int = 50,
) -> list[Change]:
    """The latest public changes, newest first (at most ``limit``), of the register, of one
    agency or of one algorithm."""
    public = Algorithm.state.in_(PUBLIC_STATES)  # type: ignore[attr-defined]
    scope = [public] + ([Algorithm.agency_id == agency.id] if agency is not None else [])
    if algorithm is not None:
        scope.append(Algorithm.id == algorithm.id)
    versions = session.exec(
        select(CardVersion, Algorithm)
        .join(Algorithm, Algorithm.id == CardVersion.algorithm_id)  # type: ignore[arg-type]
        .where(*scope)
        .order_by(CardVersion.published_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    retired = session.exec(
        select(Algorithm)
        .where(*scope, Algorithm.retired_at.is_not(None))  # type: ignore[union-attr]
        .order_by(Algorithm.retired_at.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    audits = session.exec(
        select(Audit, Algorithm)
        .join(Algorithm, Algorithm.id == Audit.algorithm_id)  # type: ignore[arg-type]
        .where(
            *scope,
            Audit.state == AuditState.succeeded,
            Audit.visibility.in_([AuditVisibility.published, AuditVisibility.withdrawn]),  # type: ignore[attr-defined]
            Audit.published_at.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Audit.published_at.desc())  # type: ignore[union-attr]
        .limit(limit)
    ).all()
    agencies = {a.id: a for a in session.exec(select(Agency))}
    changes = [
        Change("version_published", v.published_at, alg, agencies[alg.agency_id], version=v)
        for v, alg in versions
    ]
    changes += [
        Change("algorithm_retired", alg.retired_at or alg.updated_at, alg, agencies[alg.agency_id])
        for alg in retired
    ]
    changes += [
        Change(
            "audit_published",
            au.published_at or au.updated_at,
            alg,
            agencies[alg.agency_id],
            audit=au,
        )
        for au, alg in audits
    ]  # type: ignore[arg-type]
    if agency is not None or algorithm is not None:  # not in the whole register's feed
        changes += _participation_changes(session, scope, agencies, limit)
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes[:limit]


def _public_algorithms(session: Session) -> Iterator[list[Algorithm]]:
    last_id = 0
    while True:
        batch = list(
            session.exec(
                select(Algorithm)
                .where(Algorithm.state.in_(PUBLIC_STATES), Algorithm.id > last_id)  # type: ignore[attr-defined,operator]
                .order_by(Algorithm.id)  # type: ignore[arg-type]
                .limit(BATCH)
            )
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1].id  # type: ignore[assignment]


def latest_audits(session: Session, algorithm_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per algorithm, its latest standing audit (published, not withdrawn): id, verdict, date.

    The search index's rule for an algorithm's latest verdict (``search_index._latest_audits``).
    """
    rows = session.exec(
        select(Audit.algorithm_id, Audit.public_id, Audit.verdict, Audit.published_at)
        .where(
            Audit.algorithm_id.in_(algorithm_ids),  # type: ignore[attr-defined]
            Audit.visibility == AuditVisibility.published,
            Audit.state == AuditState.succeeded,
            Audit.published_at.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Audit.published_at, Audit.id)  # type: ignore[arg-type]
    ).all()
    return {
        algorithm_id: {"id": public_id, "verdict": verdict, "published_at": published_at}
        for algorithm_id, public_id, verdict, published_at in rows
    }


def register_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every public algorithm with its current published card and latest audit, in id order."""
    agencies = {a.id: a for a in session.exec(select(Agency))}
    for batch in _public_algorithms(session):
        latest = latest_audits(session, [a.id for a in batch if a.id is not None])
        versions = {
            v.algorithm_id: v
            for v in session.exec(
                select(CardVersion).where(
                    CardVersion.algorithm_id.in_([a.id for a in batch])  # type: ignore[attr-defined]
                )
            )
            if any(a.id == v.algorithm_id and a.current_version == v.number for a in batch)
        }
        for algorithm in batch:
            version = versions.get(algorithm.id)  # type: ignore[arg-type]
            if version is None:
                continue
            yield {
                "public_id": algorithm.public_id,
                "agency": agencies[algorithm.agency_id].slug,
                "agency_name": agencies[algorithm.agency_id].name,
                "state": str(algorithm.state),
                "current_version": algorithm.current_version,
                "first_published_at": algorithm.first_published_at,
                "retired_at": algorithm.retired_at,
                "retired_reason": algorithm.retired_reason,
                "published_at": version.published_at,
                "sha256": version.sha256,
                "latest_audit": latest.get(algorithm.id),  # type: ignore[arg-type]
                "card": version.card,
            }


def history_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every published version of every public algorithm, oldest first within each algorithm."""
    for batch in _public_algorithms(session):
        by_id = {a.id: a for a in batch}
        query = (
            select(CardVersion)
            .where(CardVersion.algorithm_id.in_(list(by_id)))  # type: ignore[attr-defined]
            .order_by(CardVersion.algorithm_id, CardVersion.number)  # type: ignore[arg-type]
        )
        for version in session.exec(query):
            yield {
                "public_id": by_id[version.algorithm_id].public_id,
                "number": version.number,
                "published_at": version.published_at,
                "change_summary": version.change_summary,
                "card_schema_version": version.card_schema_version,
                "sha256": version.sha256,
                "card": version.card,
            }


def sitemap_paths(session: Session) -> Iterator[tuple[str, datetime | None]]:
    """Every public page worth a crawler's visit, as (path, last modified): each public
    algorithm, each of its published versions, each published (or withdrawn) audit, and each
    agency with a public algorithm. Plain column selects, streamed in one pass per table."""
    public = col(Algorithm.state).in_(PUBLIC_STATES)
    agencies = session.exec(
        select(Agency.slug, sa.func.max(Algorithm.updated_at))
        .join(Algorithm, col(Algorithm.agency_id) == col(Agency.id))
        .where(public)
        .group_by(Agency.slug)
        .order_by(Agency.slug)
    )
    for slug, updated in agencies:
        yield f"/agencies/{slug}", updated
    algorithms = session.exec(
        select(Algorithm.public_id, Algorithm.updated_at).where(public).order_by(col(Algorithm.id))
    )
    for public_id, updated in algorithms:
        yield f"/algorithms/{public_id}", updated
        yield f"/algorithms/{public_id}/versions", updated
    versions = session.exec(
        select(Algorithm.public_id, CardVersion.number, CardVersion.published_at)
        .join(Algorithm, col(Algorithm.id) == col(CardVersion.algorithm_id))
        .where(public)
        .order_by(col(CardVersion.algorithm_id), col(CardVersion.number))
    )
    for public_id, number, published in versions:
        yield f"/algorithms/{public_id}/versions/{number}", published
    audits = session.exec(
        select(Audit.public_id, Audit.published_at, Audit.withdrawn_at)
        .join(Algorithm, col(Algorithm.id) == col(Audit.algorithm_id))
        .where(
            public,
            col(Audit.state) == AuditState.succeeded,
            col(Audit.visibility).in_([AuditVisibility.published, AuditVisibility.withdrawn]),
        )
        .order_by(col(Audit.id))
    )
    for audit_id, audit_published, withdrawn in audits:
        yield f"/audits/{audit_id}", withdrawn or audit_published
