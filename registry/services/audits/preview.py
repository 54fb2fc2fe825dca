"""Reads for the staff console's audit pages: the audits a staff member works with, one audit as
its public page will show it (published or not), and which actions its reader may take.

Who sees what follows the API (``submission.can_read``): a private audit is read by its
submitter, admins and, for a self-assessment, the editors of the algorithm's agency; anyone else
gets 404, so its existence stays hidden. The actions ask the same ``check_*`` functions the
services run before a change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import defer
from sqlmodel import Session, select

from registry.errors import Conflict, DomainError, NotFound
from registry.models import Account, Agency, Algorithm, CardVersion, Role
from registry.models.audit import Audit, AuditState, AuditVisibility
from registry.services.audits import publication
from registry.services.audits.submission import ERR_NOT_FOUND, can_read, check_rerun
from registry.services.public.records import AuditRecord

#: How many audits the console's list shows (newest first).
LIST_LIMIT = 500
ERR_NO_PAGE_YET = (
    "Audit '{public_id}' is {state}: its page exists once the run has succeeded. Follow the "
    "run at GET /api/v1/audits/{public_id}."
)
ACTIONS = ("publish", "withdraw", "rerun", "respond")


@dataclass
class AuditListing:
    audit: Audit
    algorithm: Algorithm
    version: CardVersion


def staff_record(session: Session, audit_public_id: str, *, viewer: Account | None) -> AuditRecord:
    """The audit with its algorithm, audited card version and agency, in any state, if
    ``viewer`` may read it; else 404 (a private audit's existence is not revealed)."""
    found = session.execute(
        select(Audit, Algorithm, CardVersion, Agency)
        .join(Algorithm, Algorithm.id == Audit.algorithm_id)  # type: ignore[arg-type]
        .join(CardVersion, CardVersion.id == Audit.card_version_id)  # type: ignore[arg-type]
        .join(Agency, Agency.id == Algorithm.agency_id)  # type: ignore[arg-type]
        .where(Audit.public_id == audit_public_id)
    ).first()
    if found is None or not can_read(viewer, found[0], found[1].agency_id):
        raise NotFound(ERR_NOT_FOUND.format(public_id=audit_public_id))
    audit, algorithm, version, agency = found
    return AuditRecord(audit=audit, algorithm=algorithm, agency=agency, version=version)


def require_page(record: AuditRecord) -> AuditRecord:
    """409 unless the audit's run succeeded (before that there is no report to show)."""
    audit = record.audit
    if audit.state != AuditState.succeeded:
        raise Conflict(ERR_NO_PAGE_YET.format(public_id=audit.public_id, state=audit.state))
    return record


def allowed_actions(actor: Account, audit: Audit, algorithm: Algorithm) -> list[str]:
    """The actions ``actor`` may take on ``audit`` now (each is also checked when taken)."""
    checks = {
        "publish": lambda: publication.check_publish(actor, audit),
        "withdraw": lambda: publication.check_withdraw(actor, audit),
        "rerun": lambda: check_rerun(actor, audit),
        "respond": lambda: publication.check_respond(actor, audit, algorithm),
    }
    allowed = []
    for name in ACTIONS:
        try:
            checks[name]()
        except DomainError:
            continue
        allowed.append(name)
    return allowed


def staff_audits(
    session: Session,
    *,
    viewer: Account,
    state: AuditState | None = None,
    visibility: AuditVisibility | None = None,
) -> list[AuditListing]:
    """The audits ``viewer`` works with, newest first: an admin's, all; an auditor's, those they
    submitted; an agency editor's, those of the agency's algorithms they may read."""
    query = (
        select(Audit, Algorithm, CardVersion)
        .options(defer(Audit.report), defer(Audit.counts), defer(Audit.spec))  # type: ignore[arg-type]
        .join(Algorithm, Algorithm.id == Audit.algorithm_id)  # type: ignore[arg-type]
        .join(CardVersion, CardVersion.id == Audit.card_version_id)  # type: ignore[arg-type]
        .order_by(Audit.id.desc())  # type: ignore[union-attr]
    )
    if viewer.role == Role.auditor:
        query = query.where(Audit.submitter_id == viewer.id)
    elif viewer.role == Role.agency_editor:
        query = query.where(Algorithm.agency_id == viewer.agency_id)
    if state is not None:
        query = query.where(Audit.state == state.value)
    if visibility is not None:
        query = query.where(Audit.visibility == visibility.value)
    rows = session.execute(query.limit(LIST_LIMIT)).all()
    return [
        AuditListing(audit, algorithm, version)
        for audit, algorithm, version in rows
        if can_read(viewer, audit, algorithm.agency_id)
    ]
