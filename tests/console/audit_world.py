"""Staff with passwords and stored audits of one published algorithm, for the console's audit
tests (the permission matrix uses it too)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from registry.models import Account, Algorithm, Role
from registry.models.audit import AuditState, AuditVisibility
from tests.console.conftest import make_staff
from tests.registry.factories import make_agency, make_published_algorithm
from tests.registry.stored_audits import stored_audit

PRIVATE = "aud-00000000c1"
PUBLISHED = "aud-00000000c2"
QUEUED = "aud-00000000c3"
RUNNING = "aud-00000000c4"
FAILED = "aud-00000000c5"
TO_WITHDRAW = "aud-00000000c6"
TO_RERUN = "aud-00000000c7"


@dataclass
class AuditWorld:
    algorithm: Algorithm
    staff: dict[str, Account]  # admin, editor_same, editor_other, auditor, other_auditor


def build_audit_world(session: Session, staff: dict[str, Account] | None = None) -> AuditWorld:
    """``staff`` (if given) must hold editor_same and auditor; the others are made if missing."""
    staff = dict(staff or {})
    if "editor_same" not in staff:
        agency = make_agency(session)
        staff["editor_same"] = make_staff(session, role=Role.agency_editor, agency=agency)
    editor = staff["editor_same"]
    agency_id = editor.agency_id
    from registry.models import Agency

    agency = session.get(Agency, agency_id)
    defaults = {
        "admin": lambda: make_staff(session, role=Role.admin),
        "editor_other": lambda: make_staff(
            session, role=Role.agency_editor, agency=make_agency(session)
        ),
        "auditor": lambda: make_staff(session, role=Role.auditor),
        "other_auditor": lambda: make_staff(session, role=Role.auditor),
    }
    for name, make in defaults.items():
        if name not in staff:
            staff[name] = make()
    algorithm = make_published_algorithm(session, agency=agency, editor=editor)
    auditor = staff["auditor"]
    stored_audit(session, algorithm, auditor, PRIVATE)
    stored_audit(session, algorithm, auditor, PUBLISHED, visibility=AuditVisibility.published)
    stored_audit(session, algorithm, auditor, QUEUED, state=AuditState.queued)
    stored_audit(session, algorithm, auditor, RUNNING, state=AuditState.running)
    stored_audit(session, algorithm, auditor, FAILED, state=AuditState.failed)
    stored_audit(session, algorithm, auditor, TO_WITHDRAW)
    stored_audit(session, algorithm, auditor, TO_RERUN)
    session.refresh(algorithm)
    return AuditWorld(algorithm, staff)
