"""What the register's bulk exports read: the current published version of every public
algorithm, with its agency and public audits, in batches (a long register is never held whole).

Drafts are never read: an algorithm in state ``draft`` has no public version; retired algorithms
stay public, with their last version.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col, select

from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit
from registry.services.public.records import public_audits_of

BATCH = 200


def public_current_versions(
    session: Session, *, batch: int = BATCH
) -> Iterator[tuple[Algorithm, Agency, CardVersion, list[Audit]]]:
    """(algorithm, agency, current version, its public audits), by public id."""
    last = ""
    while True:
        rows = session.exec(
            select(Algorithm, Agency, CardVersion)
            .join(Agency, Agency.id == Algorithm.agency_id)  # type: ignore[arg-type]
            .join(
                CardVersion,
                (CardVersion.algorithm_id == Algorithm.id)  # type: ignore[arg-type]
                & (CardVersion.number == Algorithm.current_version),
            )
            .where(
                col(Algorithm.state).in_([AlgorithmState.published, AlgorithmState.retired]),
                Algorithm.public_id > last,
            )
            .order_by(col(Algorithm.public_id))
            .limit(batch)
        ).all()
        if not rows:
            return
        audits: dict[int, list[Audit]] = {}
        for audit in public_audits_of(session, [a.id for a, _, _ in rows if a.id is not None]):
            audits.setdefault(audit.algorithm_id, []).append(audit)
        for algorithm, agency, version in rows:
            yield algorithm, agency, version, audits.get(algorithm.id or 0, [])
        last = rows[-1][0].public_id
