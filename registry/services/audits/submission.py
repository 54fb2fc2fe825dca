"""Audits: submit (after validating spec and header), read, list, rerun. Publication is in
``registry.services.audits.publication``.

Who may do what (see docs/audits.md):

- submit: an auditor (``independent``) or an editor of the algorithm's agency
  (``self_assessment``); the kind is derived from the account, never taken from input. Admins and
  editors of other agencies may not.
- read a private audit: its submitter, an admin, and for self-assessments the editors of the
  algorithm's agency. Everyone may read published (and withdrawn-after-publication) audits.
- publish, withdraw: the submitter (an admin may also withdraw).
- respond: an editor of the algorithm's agency, on a published audit.
- rerun: the original's submitter, or an admin. The rerun keeps the original's submitter of
  record, kind and privacy (its private view has exactly the original's private readers); the
  event names who triggered it.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.models import (
    Account,
    Algorithm,
    AlgorithmState,
    Audit,
    AuditInput,
    AuditKind,
    AuditState,
    CardVersion,
    Role,
)
from registry.services.audits.engine import check_header, resolve_spec
from registry.services.audits.staging import StagedUpload
from registry.services.audits.wakeup import notify_work_queued
from registry.services.canonical import canonical_dumps, sha256_hex
from registry.services.cards.permissions import is_editor_of
from registry.services.cards.versions import get_version
from registry.services.events import record_event

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

ERR_NOT_FOUND = "No audit with id '{public_id}'."
ERR_CANNOT_SUBMIT = (
    "Only an auditor, or an agency editor of this algorithm's agency, may submit audits of it."
)
ERR_NOT_PUBLISHED = (
    "Algorithm '{public_id}' is {state}: audits can only be submitted for a published card "
    "version{hint}."
)
ERR_RETIRED_HINT = " (it was retired; its past audits stay on record)"
ERR_DRAFT_HINT = " (publish a version of the card first)"
ERR_BAD_VERSION = "'version' must be a whole number of a published version, got {value!r}."
ERR_ONLY_SUBMITTER = "Only the account that submitted this audit may {action} it."
ERR_RERUN_NOT_SUBMITTER = (
    "Only the account that submitted this audit, or an admin, may rerun it: a rerun is the "
    "submitter's audit of record and its private view shows the true small counts."
)
ERR_RERUN_STATE = "Only a succeeded audit has stored counts to rerun; this one is {state}."

SAMPLE_FIELDS = {
    "spec": "attach the audit spec as JSON (see docs/audits.md).",
    "version": "the card version number to audit (default: the current published version).",
}


def new_public_id() -> str:
    return "aud-" + "".join(secrets.choice(CROCKFORD) for _ in range(10))


# --- who ------------------------------------------------------------------------------------------


def submission_kind(actor: Account, algorithm: Algorithm) -> AuditKind:
    """``independent`` for an auditor, ``self_assessment`` for the agency's editor; else 403."""
    if actor.role == Role.auditor:
        return AuditKind.independent
    if is_editor_of(actor, algorithm.agency_id):
        return AuditKind.self_assessment
    raise Forbidden(ERR_CANNOT_SUBMIT)


def _require_published(algorithm: Algorithm) -> None:
    if algorithm.state != AlgorithmState.published or algorithm.current_version is None:
        hint = ERR_RETIRED_HINT if algorithm.state == AlgorithmState.retired else ERR_DRAFT_HINT
        raise Conflict(
            ERR_NOT_PUBLISHED.format(
                public_id=algorithm.public_id, state=algorithm.state, hint=hint
            )
        )


def authorize_submission(session: Session, *, actor: Account, algorithm: Algorithm) -> AuditKind:
    """Check, before the body is read, that ``actor`` may submit an audit of ``algorithm`` now.

    Ends the read transaction so no database connection is held while a large body streams in.
    """
    kind = submission_kind(actor, algorithm)
    _require_published(algorithm)
    session.commit()
    return kind


def can_read(viewer: Account | None, audit: Audit, algorithm_agency_id: int) -> bool:
    if audit.published_at is not None:
        return True
    if viewer is None:
        return False
    if viewer.role == Role.admin or viewer.id == audit.submitter_id:
        return True
    return audit.kind == AuditKind.self_assessment and is_editor_of(viewer, algorithm_agency_id)


def is_private_viewer(viewer: Account | None, audit: Audit, algorithm_agency_id: int) -> bool:
    """Whether ``viewer`` sees the unsuppressed view (true small counts, job details)."""
    if viewer is None:
        return False
    if viewer.role == Role.admin or viewer.id == audit.submitter_id:
        return True
    return audit.kind == AuditKind.self_assessment and is_editor_of(viewer, algorithm_agency_id)


# --- submit ---------------------------------------------------------------------------------------


def _version_for(session: Session, algorithm: Algorithm, raw: str | None) -> CardVersion:
    if raw is None or not raw.strip():
        number = algorithm.current_version
    else:
        try:
            number = int(raw.strip())
        except ValueError:
            message = ERR_BAD_VERSION.format(value=raw)
            raise Invalid(
                message, details=[{"loc": ["version"], "msg": message, "type": "int"}]
            ) from None
    assert number is not None
    return get_version(session, algorithm, number)


def _final_path(uploads_dir: Path, public_id: str, source_format: str) -> Path:
    return uploads_dir / f"{public_id}.{source_format}"


def submit_audit(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    upload: StagedUpload,
    input_kind: AuditInput,
    uploads_dir: Path,
    now: datetime,
) -> Audit:
    """Validate spec and header, then store the audit as ``queued`` with its sample file.

    Any error leaves nothing behind: the staging file is removed, no row is written.
    """
    final: Path | None = None
    try:
        kind = submission_kind(actor, algorithm)
        _require_published(algorithm)
        version = _version_for(session, algorithm, upload.fields.get("version"))
        spec = resolve_spec(upload.fields["spec"], card=version.card, input_kind=input_kind.value)
        check_header(upload.path, spec, input_kind.value)
        public_id = new_public_id()
        final = _final_path(uploads_dir, public_id, upload.source_format)
        audit = Audit(
            public_id=public_id,
            algorithm_id=algorithm.id,  # type: ignore[arg-type]
            card_version_id=version.id,  # type: ignore[arg-type]
            algorithm_public_id=algorithm.public_id,
            version_number=version.number,
            submitter_id=actor.id,  # type: ignore[arg-type]
            submitter_name=actor.display_name,
            kind=kind,
            input_kind=input_kind,
            spec=spec,
            spec_sha256=sha256_hex(canonical_dumps(spec)),
            sample_sha256=upload.sha256,
            sample_bytes=upload.size,
            sample_format=upload.source_format,
            sample_path=final.name,
            created_at=now,
            updated_at=now,
        )
        session.add(audit)
        session.flush()
        record_event(
            session,
            at=now,
            actor_id=actor.id,
            action="audit.submitted",
            subject_type="audit",
            subject_id=public_id,
            payload={
                "algorithm": algorithm.public_id,
                "version": version.number,
                "kind": kind.value,
                "input": input_kind.value,
                "spec_sha256": audit.spec_sha256,
                "sample_sha256": upload.sha256,
            },
        )
        upload.path.replace(final)
        session.commit()
        notify_work_queued()
        return audit
    except BaseException:
        upload.discard()
        if final is not None:
            with contextlib.suppress(OSError):
                final.unlink(missing_ok=True)
        raise


# --- read -----------------------------------------------------------------------------------------


def get_audit(
    session: Session, public_id: str, *, viewer: Account | None
) -> tuple[Audit, Algorithm]:
    """The audit and its algorithm if ``viewer`` may read it; else 404 (private stays hidden)."""
    audit = session.exec(select(Audit).where(Audit.public_id == public_id)).first()
    if audit is None:
        raise NotFound(ERR_NOT_FOUND.format(public_id=public_id))
    algorithm = session.get(Algorithm, audit.algorithm_id)
    assert algorithm is not None
    if not can_read(viewer, audit, algorithm.agency_id):
        raise NotFound(ERR_NOT_FOUND.format(public_id=public_id))
    return audit, algorithm


def list_audits(session: Session, *, algorithm: Algorithm, viewer: Account | None) -> list[Audit]:
    """Audits of ``algorithm`` that ``viewer`` may read, newest first."""
    query = select(Audit).where(Audit.algorithm_id == algorithm.id).order_by(Audit.id.desc())  # type: ignore[union-attr]
    return [a for a in session.exec(query) if can_read(viewer, a, algorithm.agency_id)]


def require_can_rerun(actor: Account, audit: Audit) -> None:
    """Only the audit's submitter, or an admin, may rerun it (the rerun stays the submitter's)."""
    if actor.role != Role.admin and actor.id != audit.submitter_id:
        raise Forbidden(ERR_RERUN_NOT_SUBMITTER)


def check_rerun(actor: Account, audit: Audit) -> None:
    """403 unless submitter or admin; 409 unless the audit succeeded and kept its counts."""
    require_can_rerun(actor, audit)
    if audit.state != AuditState.succeeded or audit.counts is None:
        raise Conflict(ERR_RERUN_STATE.format(state=audit.state))


def rerun_audit(
    session: Session, *, actor: Account, audit: Audit, algorithm: Algorithm, now: datetime
) -> Audit:
    """Queue a new audit recomputed from ``audit``'s stored counts with the same spec.

    The rerun is the original submitter's audit of record: it keeps the original's submitter,
    kind and so its privacy (``is_private_viewer`` gives the same answer for both). The event
    records who triggered it (``actor_id``) and on whose behalf (``submitter_id``).
    """
    check_rerun(actor, audit)
    new = Audit(
        public_id=new_public_id(),
        algorithm_id=audit.algorithm_id,
        card_version_id=audit.card_version_id,
        algorithm_public_id=audit.algorithm_public_id,
        version_number=audit.version_number,
        submitter_id=audit.submitter_id,
        submitter_name=audit.submitter_name,
        kind=AuditKind(audit.kind),
        input_kind=AuditInput.rerun,
        rerun_of_id=audit.id,
        rerun_of=audit.public_id,
        spec=audit.spec,
        spec_sha256=audit.spec_sha256,
        sample_sha256=audit.sample_sha256,
        sample_bytes=audit.sample_bytes,
        sample_format=audit.sample_format,
        sample_path=None,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action="audit.submitted",
        subject_type="audit",
        subject_id=new.public_id,
        payload={
            "rerun_of": audit.public_id,
            "kind": str(audit.kind),
            "submitter_id": audit.submitter_id,
            "input": "rerun",
            "spec_sha256": new.spec_sha256,
        },
    )
    session.commit()
    notify_work_queued()
    return new
