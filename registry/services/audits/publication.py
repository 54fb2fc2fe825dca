"""Audit publication: publish, respond, withdraw. A published audit is never changed again.

Who may do what (see docs/audits.md): publish, the submitter; withdraw, the submitter or an admin;
respond, an editor of the algorithm's agency, on a published audit. Each change is stored with its
event in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from registry.errors import Conflict, Forbidden
from registry.models import Account, Algorithm, Audit, AuditState, AuditVisibility, Role
from registry.services.audits.submission import ERR_ONLY_SUBMITTER
from registry.services.canonical import canonical_dumps, sha256_hex
from registry.services.cards.permissions import is_editor_of
from registry.services.events import record_event
from registry.services.public import search_index

ERR_PUBLISH_STATE = "Only a succeeded audit can be published; this one is {state}."
ERR_ALREADY_PUBLISHED = "This audit is already published; a published audit cannot be changed."
ERR_WITHDRAWN = "This audit was withdrawn on {at}; it cannot be changed."
ERR_RESPOND_PRIVATE = "Only a published audit can receive a response."
ERR_RESPOND_WHO = "Only an agency editor of this algorithm's agency may respond to its audits."

#: The response offered to the agency when it attaches one without text. ``{failed}`` lists the
#: checks that failed; the second form is used when none failed.
DEFAULT_RESPONSE_FAILED = (
    "We have received this audit and note that the following check(s) did not pass: {failed}. "
    "We are reviewing the disparity and what it means for the people affected, and will "
    "publish what we decide to change, or why we believe no change is needed, by our next "
    "review of this algorithm."
)
DEFAULT_RESPONSE_PASSED = (
    "We have received this audit and reviewed its findings. We will keep monitoring these "
    "measures and take them into account in our next review of this algorithm."
)


def _not_withdrawn(audit: Audit) -> None:
    if audit.visibility == AuditVisibility.withdrawn:
        at = audit.withdrawn_at.date().isoformat() if audit.withdrawn_at else "an earlier date"
        raise Conflict(ERR_WITHDRAWN.format(at=at))


def _commit_change(
    session: Session,
    audit: Audit,
    *,
    actor: Account,
    action: str,
    payload: dict[str, Any],
    now: datetime,
) -> Audit:
    """Store a change to a published or private audit with its event, in one transaction."""
    audit.updated_at = now
    session.add(audit)
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action=action,
        subject_type="audit",
        subject_id=audit.public_id,
        payload=payload,
    )
    search_index.sync(session)
    session.commit()
    return audit


def publish_audit(session: Session, *, actor: Account, audit: Audit, now: datetime) -> Audit:
    if actor.id != audit.submitter_id:
        raise Forbidden(ERR_ONLY_SUBMITTER.format(action="publish"))
    _not_withdrawn(audit)
    if audit.visibility == AuditVisibility.published:
        raise Conflict(ERR_ALREADY_PUBLISHED)
    if audit.state != AuditState.succeeded:
        raise Conflict(ERR_PUBLISH_STATE.format(state=audit.state))
    audit.visibility = AuditVisibility.published
    audit.published_at = now
    payload = {
        "verdict": audit.verdict,
        "report_sha256": sha256_hex(canonical_dumps(audit.report)),
    }
    return _commit_change(
        session, audit, actor=actor, action="audit.published", payload=payload, now=now
    )


def default_response(audit: Audit) -> str:
    failed = [v["name"] for v in audit.verdicts or [] if v.get("verdict") == "fail"]
    if failed:
        return DEFAULT_RESPONSE_FAILED.format(failed=", ".join(failed))
    return DEFAULT_RESPONSE_PASSED


def respond_to_audit(
    session: Session,
    *,
    actor: Account,
    audit: Audit,
    algorithm: Algorithm,
    text: str | None,
    now: datetime,
) -> Audit:
    if not is_editor_of(actor, algorithm.agency_id):
        raise Forbidden(ERR_RESPOND_WHO)
    if audit.published_at is None:
        raise Conflict(ERR_RESPOND_PRIVATE)
    audit.response_text = text.strip() if text and text.strip() else default_response(audit)
    audit.response_at = now
    audit.response_by_id = actor.id
    payload = {"text": audit.response_text}
    return _commit_change(
        session, audit, actor=actor, action="audit.response", payload=payload, now=now
    )


def withdraw_audit(
    session: Session, *, actor: Account, audit: Audit, reason: str, now: datetime
) -> Audit:
    if actor.id != audit.submitter_id and actor.role != Role.admin:
        raise Forbidden(ERR_ONLY_SUBMITTER.format(action="withdraw"))
    _not_withdrawn(audit)
    audit.visibility = AuditVisibility.withdrawn
    audit.withdrawn_at = now
    audit.withdrawn_reason = reason.strip()
    payload = {"reason": audit.withdrawn_reason}
    return _commit_change(
        session, audit, actor=actor, action="audit.withdrawn", payload=payload, now=now
    )
