"""What the console's upload wizard offers: the algorithms an account may audit, and their versions.

The rule is the API's (``submission.submission_kind``): an auditor may audit any published
algorithm; an agency editor only their own agency's (a self-assessment); admins and others none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from registry.errors import Forbidden, NotFound
from registry.models import (
    Account,
    Agency,
    Algorithm,
    AlgorithmState,
    Audit,
    AuditVisibility,
    CardVersion,
    Role,
)
from registry.services.audits.submission import ERR_CANNOT_SUBMIT, authorize_submission
from registry.services.cards.algorithms import get_algorithm
from registry.services.cards.versions import list_versions

MAX_LISTED = 200


@dataclass(frozen=True)
class Choice:
    algorithm: Algorithm
    agency: Agency


def require_may_submit(actor: Account) -> None:
    """Refuse (403) an account that may submit no audit at all."""
    if actor.role == Role.auditor:
        return
    if actor.role == Role.agency_editor and actor.agency_id is not None:
        return
    raise Forbidden(ERR_CANNOT_SUBMIT)


def auditable_algorithms(session: Session, *, actor: Account, q: str = "") -> list[Choice]:
    """Published algorithms ``actor`` may submit an audit of, matching ``q``, by name."""
    require_may_submit(actor)
    query = (
        select(Algorithm, Agency)
        .join(Agency, col(Agency.id) == col(Algorithm.agency_id))
        .where(Algorithm.state == AlgorithmState.published)
    )
    if actor.role != Role.auditor:
        query = query.where(Algorithm.agency_id == actor.agency_id)
    if q.strip():
        escaped = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            sa.or_(
                col(Algorithm.name).ilike(pattern, escape="\\"),
                col(Algorithm.public_id).ilike(pattern, escape="\\"),
                col(Agency.name).ilike(pattern, escape="\\"),
            )
        )
    query = query.order_by(col(Algorithm.name), col(Algorithm.id)).limit(MAX_LISTED)
    return [Choice(a, g) for a, g in session.exec(query)]


def auditable_algorithm(
    session: Session, *, actor: Account, public_id: str
) -> tuple[Algorithm, Agency, list[CardVersion]]:
    """The algorithm (404 if unknown), after the API's submission check (403, or 409 when not
    published), with its published versions, newest first. Ends the read transaction."""
    algorithm = get_algorithm(session, public_id, viewer=actor)
    agency = session.get(Agency, algorithm.agency_id)
    assert agency is not None
    versions = sorted(list_versions(session, algorithm), key=lambda v: -v.number)
    authorize_submission(session, actor=actor, algorithm=algorithm)
    return algorithm, agency, versions


ERR_NO_VERSION = "Algorithm '{public_id}' has no published version {number}."


def draft_subject(
    session: Session, *, actor: Account, public_id: str, version: int
) -> tuple[Algorithm, dict[str, Any]]:
    """A wizard draft's algorithm (checked as ``auditable_algorithm`` does, at every step) and the
    card of its chosen version."""
    algorithm, _agency, versions = auditable_algorithm(session, actor=actor, public_id=public_id)
    chosen = next((v for v in versions if v.number == version), None)
    if chosen is None:
        raise NotFound(ERR_NO_VERSION.format(public_id=public_id, number=version))
    return algorithm, chosen.card


#: How many of an algorithm's latest audits are looked at for names to start from.
PREVIOUS_AUDITS_LOOKED_AT = 20


@dataclass(frozen=True)
class PreviousLabels:
    audit: str  # public id of the audit the names come from
    labels: dict[str, Any]  # its spec's ``labels`` block


def previous_labels(
    session: Session, *, actor: Account, algorithm: Algorithm
) -> PreviousLabels | None:
    """The names (a spec's ``labels``) of the latest audit of ``algorithm`` that has some, among
    those ``actor`` may read them from: published ones, and ``actor``'s own. None when none has."""
    query = (
        select(Audit.public_id, Audit.spec)
        .where(Audit.algorithm_id == algorithm.id)
        .where(
            sa.or_(
                col(Audit.visibility) == AuditVisibility.published,
                col(Audit.submitter_id) == actor.id,
            )
        )
        .order_by(col(Audit.created_at).desc(), col(Audit.id).desc())
        .limit(PREVIOUS_AUDITS_LOOKED_AT)
    )
    for public_id, spec in session.exec(query):
        labels = (spec or {}).get("labels")
        if isinstance(labels, dict) and (labels.get("attributes") or labels.get("groups")):
            return PreviousLabels(public_id, labels)
    return None
