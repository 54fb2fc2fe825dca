"""Read-side queries for the public pages: one algorithm with its versions, audits and agency.

Everything here is what an anonymous reader may see: published or retired algorithms (never a
draft), their published card versions, and audits that finished and were published (or later
withdrawn, which stays visible with the reason; an audit withdrawn before it was ever published
stays private).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, load_only
from sqlmodel import Session, col, select

from registry.errors import NotFound
from registry.models import Agency, Algorithm, AlgorithmState, CardVersion
from registry.models.audit import Audit, AuditState, AuditVisibility
from registry.services.cards import algorithms as algorithm_service
from registry.services.cards import versions as version_service
from registry.services.cards.agencies import get_agency

ERR_AUDIT_NOT_FOUND = "No published audit with id '{audit_id}'."
ERR_NO_PUBLISHED_VERSION = "Algorithm '{public_id}' has no published version."
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PUBLIC_AUDIT_VISIBILITY = (AuditVisibility.published.value, AuditVisibility.withdrawn.value)


@dataclass
class AlgorithmRecord:
    algorithm: Algorithm
    agency: Agency
    versions: list[CardVersion]
    audits: list[Audit]

    @property
    def current(self) -> CardVersion:
        for version in self.versions:
            if version.number == self.algorithm.current_version:
                return version
        return self.versions[-1]


@dataclass
class AuditRecord:
    audit: Audit
    algorithm: Algorithm
    agency: Agency
    version: CardVersion


# Listing columns only: the report and counts can be large and are read on the audit page alone.
_LISTING = load_only(
    Audit.id,  # type: ignore[arg-type]
    Audit.public_id,  # type: ignore[arg-type]
    Audit.algorithm_id,  # type: ignore[arg-type]
    Audit.card_version_id,  # type: ignore[arg-type]
    Audit.version_number,  # type: ignore[arg-type]
    Audit.kind,  # type: ignore[arg-type]
    Audit.state,  # type: ignore[arg-type]
    Audit.visibility,  # type: ignore[arg-type]
    Audit.verdict,  # type: ignore[arg-type]
    Audit.spec_sha256,  # type: ignore[arg-type]
    Audit.sample_sha256,  # type: ignore[arg-type]
    Audit.engine_version,  # type: ignore[arg-type]
    Audit.published_at,  # type: ignore[arg-type]
    Audit.withdrawn_at,  # type: ignore[arg-type]
    Audit.withdrawn_reason,  # type: ignore[arg-type]
    Audit.response_text,  # type: ignore[arg-type]
    Audit.response_at,  # type: ignore[arg-type]
)


def public_audits_of(session: Session, algorithm_ids: list[int]) -> list[Audit]:
    """Public audits of these algorithms, newest first, without their large report columns.

    Selected through the ``algorithm_id`` index and filtered here: a per-algorithm list is short,
    while an index on state would walk every finished audit of the register.
    """
    if not algorithm_ids:
        return []
    rows = session.exec(
        select(Audit).options(_LISTING).where(Audit.algorithm_id.in_(algorithm_ids))  # type: ignore[attr-defined]
    )
    public = [
        a
        for a in rows
        if a.state == AuditState.succeeded
        and a.visibility in PUBLIC_AUDIT_VISIBILITY
        and a.published_at is not None  # withdrawn without ever being published: still private
    ]
    return sorted(public, key=lambda a: (a.published_at or EPOCH, a.id), reverse=True)


def audit_reports(session: Session, audit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The reports of these public audits by row id, in one query (lists leave the report out of
    their rows, ``_LISTING``, and read it here only where they show a headline)."""
    if not audit_ids:
        return {}
    rows = session.execute(
        select(Audit.id, Audit.report).where(
            col(Audit.id).in_(audit_ids),
            Audit.state == AuditState.succeeded,
            col(Audit.visibility).in_(PUBLIC_AUDIT_VISIBILITY),
            col(Audit.published_at).is_not(None),
        )
    )
    return {row_id: report for row_id, report in rows if row_id is not None and report}


def algorithm_record(session: Session, public_id: str) -> AlgorithmRecord:
    """A public algorithm with all its published versions (oldest first) and public audits."""
    # Algorithm and agency in one query (what get_algorithm(viewer=None) and a get would read).
    found = session.exec(
        select(Algorithm, Agency)
        .join(Agency, Agency.id == Algorithm.agency_id)  # type: ignore[arg-type]
        .where(Algorithm.public_id == public_id)
    ).first()
    if found is None or found[0].state == AlgorithmState.draft:
        raise NotFound(algorithm_service.ERR_ALGORITHM_NOT_FOUND.format(public_id=public_id))
    algorithm, agency = found
    versions = version_service.list_versions(session, algorithm)
    if not versions:
        raise NotFound(ERR_NO_PUBLISHED_VERSION.format(public_id=public_id))
    audits = public_audits_of(session, [algorithm.id])  # type: ignore[list-item]
    return AlgorithmRecord(algorithm=algorithm, agency=agency, versions=versions, audits=audits)


def audit_record(session: Session, audit_public_id: str) -> AuditRecord:
    # One query for the audit (without its per-cell counts, which pages never show), its
    # algorithm, card version and agency.
    found = session.execute(
        select(Audit, Algorithm, CardVersion, Agency)
        .options(defer(Audit.counts))  # type: ignore[arg-type]
        .join(Algorithm, Algorithm.id == Audit.algorithm_id)  # type: ignore[arg-type]
        .join(CardVersion, CardVersion.id == Audit.card_version_id)  # type: ignore[arg-type]
        .join(Agency, Agency.id == Algorithm.agency_id)  # type: ignore[arg-type]
        .where(
            Audit.public_id == audit_public_id,
            Audit.state == AuditState.succeeded,
            Audit.visibility.in_(PUBLIC_AUDIT_VISIBILITY),  # type: ignore[attr-defined]
            Audit.published_at.is_not(None),  # type: ignore[union-attr]
        )
    ).first()
    if found is None or found[1].state == AlgorithmState.draft:
        raise NotFound(ERR_AUDIT_NOT_FOUND.format(audit_id=audit_public_id))
    audit, algorithm, version, agency = found
    return AuditRecord(audit=audit, algorithm=algorithm, agency=agency, version=version)


@dataclass
class AgencyRecord:
    agency: Agency
    algorithms: list[Algorithm]
    audits: list[tuple[Audit, Algorithm]]
    responded: int
    median_response_days: float | None
    awaiting_response: int


def agency_record(session: Session, slug: str) -> AgencyRecord:
    """An agency, its public algorithms (by name) and audits (newest first), and response times."""
    agency = get_agency(session, slug)
    algorithms = list(
        session.exec(
            select(Algorithm)
            .where(
                Algorithm.agency_id == agency.id,
                Algorithm.state.in_([AlgorithmState.published, AlgorithmState.retired]),  # type: ignore[attr-defined]
            )
            .order_by(Algorithm.name, Algorithm.id)  # type: ignore[arg-type]
        )
    )
    by_id = {a.id: a for a in algorithms}
    audits = [
        (audit, by_id[audit.algorithm_id])
        for audit in public_audits_of(session, [i for i in by_id if i is not None])
    ]
    days = [
        (audit.response_at - audit.published_at).total_seconds() / 86400
        for audit, _alg in audits
        if audit.response_at is not None and audit.published_at is not None
    ]
    return AgencyRecord(
        agency=agency,
        algorithms=algorithms,
        audits=audits,
        responded=len(days),
        median_response_days=round(statistics.median(days), 1) if days else None,
        awaiting_response=sum(1 for audit, _alg in audits if audit.response_at is None),
    )


def agency_list(session: Session) -> list[tuple[Agency, int]]:
    """Every agency with its number of public algorithms, by name."""
    public = Algorithm.state.in_([AlgorithmState.published, AlgorithmState.retired])  # type: ignore[attr-defined]
    counts: dict[int, int] = dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(col(Algorithm.agency_id), sa.func.count())
            .where(public)
            .group_by(col(Algorithm.agency_id))
        ).all()
    )
    agencies = session.exec(select(Agency).order_by(Agency.name)).all()  # type: ignore[arg-type]
    return [(agency, int(counts.get(agency.id or 0, 0))) for agency in agencies]
