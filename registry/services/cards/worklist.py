"""What an agency's editors (and admins) work on: algorithms with their draft, latest published
card and published audits still awaiting the agency's response; and a draft's preview record.

Read-only. Editors see their own agency's algorithms, admins every agency's; auditors have no
worklist (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from registry.errors import Forbidden
from registry.models import (
    Account,
    Agency,
    Algorithm,
    CardDraft,
    CardVersion,
    ReviewRequest,
    Role,
)
from registry.models.audit import Audit
from registry.services.cards.permissions import is_editor_of
from registry.services.public.records import AlgorithmRecord, public_audits_of

ERR_EDITORS_AND_ADMINS = "Only agency editors and admins work with algorithm cards."
ERR_NOT_YOURS = "Only the editors of this algorithm's agency and admins may open this page."


@dataclass
class AlgorithmWork:
    algorithm: Algorithm
    agency: Agency
    draft: CardDraft | None
    current: CardVersion | None  # the latest published version
    awaiting_response: list[Audit]  # published, not withdrawn, no agency response yet
    review: ReviewRequest | None = None  # the latest review request, if any was asked


def require_editor_or_admin(viewer: Account) -> None:
    if viewer.role not in (Role.admin, Role.agency_editor):
        raise Forbidden(ERR_EDITORS_AND_ADMINS)


def require_can_view(viewer: Account, algorithm: Algorithm) -> None:
    """Editors of the algorithm's agency and admins; 403 for everyone else."""
    if viewer.role != Role.admin and not is_editor_of(viewer, algorithm.agency_id):
        raise Forbidden(ERR_NOT_YOURS)


def _work(session: Session, algorithms: list[Algorithm]) -> list[AlgorithmWork]:
    ids = [a.id for a in algorithms if a.id is not None]
    if not ids:
        return []
    agencies = {a.id: a for a in session.exec(select(Agency))}
    drafts = {
        d.algorithm_id: d
        for d in session.exec(select(CardDraft).where(col(CardDraft.algorithm_id).in_(ids)))
    }
    versions: dict[int, CardVersion] = {}
    for version in session.exec(select(CardVersion).where(col(CardVersion.algorithm_id).in_(ids))):
        best = versions.get(version.algorithm_id)
        if best is None or version.number > best.number:
            versions[version.algorithm_id] = version
    awaiting: dict[int, list[Audit]] = {}
    for audit in public_audits_of(session, ids):
        if audit.response_at is None and audit.withdrawn_at is None:
            awaiting.setdefault(audit.algorithm_id, []).append(audit)
    reviews: dict[int, ReviewRequest] = {}
    for request in session.exec(
        select(ReviewRequest)
        .where(col(ReviewRequest.algorithm_id).in_(ids))
        .order_by(col(ReviewRequest.id))
    ):
        reviews[request.algorithm_id] = request  # the newest wins
    return [
        AlgorithmWork(
            algorithm=a,
            agency=agencies[a.agency_id],
            draft=drafts.get(a.id),  # type: ignore[arg-type]
            current=versions.get(a.id),  # type: ignore[arg-type]
            awaiting_response=awaiting.get(a.id, []),  # type: ignore[arg-type]
            review=reviews.get(a.id),  # type: ignore[arg-type]
        )
        for a in algorithms
    ]


def algorithms_of(session: Session, *, viewer: Account) -> list[AlgorithmWork]:
    """The viewer's agency's algorithms (every agency's for admins), by name."""
    require_editor_or_admin(viewer)
    query = select(Algorithm).order_by(Algorithm.name, Algorithm.id)  # type: ignore[arg-type]
    if viewer.role != Role.admin:
        query = query.where(Algorithm.agency_id == viewer.agency_id)
    return _work(session, list(session.exec(query)))


def algorithm_work(session: Session, *, viewer: Account, algorithm: Algorithm) -> AlgorithmWork:
    """One algorithm's worklist entry, for its agency's editors and admins."""
    require_can_view(viewer, algorithm)
    return _work(session, [algorithm])[0]


def preview_record(session: Session, *, viewer: Account, algorithm: Algorithm) -> AlgorithmRecord:
    """The algorithm's public record as it stands (published versions, public audits), also for a
    never-published algorithm: what a draft's preview is built on."""
    require_can_view(viewer, algorithm)
    agency = session.get(Agency, algorithm.agency_id)
    assert agency is not None  # a foreign key
    versions = list(
        session.exec(
            select(CardVersion)
            .where(CardVersion.algorithm_id == algorithm.id)
            .order_by(CardVersion.number)  # type: ignore[arg-type]
        )
    )
    audits = public_audits_of(session, [algorithm.id])  # type: ignore[list-item]
    return AlgorithmRecord(algorithm=algorithm, agency=agency, versions=versions, audits=audits)
