"""Audits stored directly in any state (no engine run), for console and page-API tests: the
page-test world's report (one group below the small-cell threshold) on a given algorithm."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from registry.models import Account, Algorithm
from registry.models.audit import Audit, AuditKind, AuditState, AuditVisibility
from tests.pages.world import _audit

#: A count table shaped like the engine's (enough for a rerun to be queued).
COUNTS: dict[str, Any] = {
    "attributes": ["sex"],
    "has_labels": True,
    "weighted": False,
    "stats": {"sha256": None},
    "columns": ["sex", "tp", "fp", "tn", "fn"],
    "rows": [["female", 120, 80, 700, 100], ["male", 200, 60, 650, 90], ["nonbinary", 2, 1, 3, 1]],
}
FAILED_ERROR: dict[str, Any] = {
    "message": "Column 'pred' holds 'maybe' in row 17; expected 0 or 1.",
    "column": "pred",
    "row": 17,
    "field": None,
    "reason": "input",
}


def stored_audit(
    session: Session,
    algorithm: Algorithm,
    submitter: Account,
    public_id: str,
    *,
    visibility: AuditVisibility = AuditVisibility.private,
    state: AuditState = AuditState.succeeded,
    kind: AuditKind = AuditKind.independent,
) -> Audit:
    """A stored audit of ``algorithm``'s current version by ``submitter``. Queued, running and
    failed audits carry no report; a failed one carries ``FAILED_ERROR``."""
    audit = _audit(session, algorithm, submitter, public_id=public_id, visibility=visibility)
    audit.kind = kind
    audit.state = state
    if state == AuditState.succeeded:
        audit.counts = COUNTS
    else:
        audit.report = audit.verdict = audit.verdicts = None
        audit.engine_version = None
    if state == AuditState.running:
        audit.progress = {"bytes_read": 400, "bytes_total": 1000, "fraction": 0.4}
    if state == AuditState.failed:
        audit.error = FAILED_ERROR
    session.add(audit)
    session.commit()
    session.refresh(audit)
    return audit
