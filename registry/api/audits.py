"""Audits: submit a sample or a count table, follow the run, publish, respond, withdraw, rerun.

The upload endpoints stream the multipart body to disk in an async dependency (see
``registry.api.uploads``); the handlers themselves are sync and call one service each.
Permission is checked before a byte of the body is read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import RootModel

from registry.api.deps import (
    AlgorithmDep,
    ClockDep,
    CurrentAccount,
    OptionalAccount,
    SessionDep,
    SettingsDep,
)
from registry.api.responses import ANONYMOUS_TOO, errors
from registry.api.uploads import receive_multipart
from registry.models import Account, Algorithm, AuditInput, AuditKind
from registry.models.audit import ResponseRequest, WithdrawRequest
from registry.models.audit_view import AuditList, AuditPrivateView, AuditView
from registry.pages import vm_audits
from registry.pages.twins import MEDIA_TYPES, json_bytes
from registry.services.audits import preview, publication
from registry.services.audits import submission as audits
from registry.services.audits.disclosure import private_audit_view, public_audit_view
from registry.services.audits.staging import StagedUpload

router = APIRouter(tags=["audits"])

_EXAMPLE_SPEC = {
    "columns": {"sensitive_features": ["sex"], "prediction": "selected", "label": "outcome"},
    "checks": [
        {"name": "four_fifths", "metric": "selection_rate", "kind": "ratio", "threshold": 0.8}
    ],
    "sample": {"period": "2024", "population": "Applications decided in 2024"},
}


def _upload_body(file_text: str) -> dict[str, Any]:
    """The multipart request body, for the OpenAPI document (the handler streams it itself)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "spec"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "contentMediaType": "application/octet-stream",
                                "description": file_text,
                            },
                            "spec": {
                                "type": "string",
                                "description": "The audit spec as JSON text: columns, checks, "
                                "reference, sample description (docs/report-format.md). The "
                                "favourable outcome defaults to the card's.",
                                "example": json.dumps(_EXAMPLE_SPEC),
                            },
                            "version": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "The published card version to audit; default: "
                                "the current one.",
                            },
                        },
                    },
                    "encoding": {"spec": {"contentType": "application/json"}},
                }
            },
        }
    }


SAMPLE_BODY = _upload_body(
    "The prediction sample, one row per decision: CSV (UTF-8, optionally gzip-compressed) or "
    "Parquet, with the columns the spec names. Judged by content, not by name."
)
COUNTS_BODY = _upload_body(
    "A pre-aggregated count table (CSV): the group columns the spec names, beside tp,fp,tn,fn; "
    "label,prediction,count; prediction,count; or pp,pn (docs/audits.md)."
)

#: An upload: a cut-off body (400), no permission (403), no such algorithm (404), not published
#: (409), too large (413), not multipart (415), a bad spec or file (422).
UPLOAD_ERRORS = errors(400, 403, 404, 409, 415, write=True)
#: A change to an existing audit: not allowed (403), not visible (404), wrong state (409).
AUDIT_CHANGE_ERRORS = errors(403, 404, 409, write=True)

AuditId = Annotated[str, Path(max_length=16, description="The audit's id, e.g. aud-7k2m9q4x1c.")]


def _authorize(session: SessionDep, actor: CurrentAccount, algorithm: AlgorithmDep) -> AuditKind:
    return audits.authorize_submission(session, actor=actor, algorithm=algorithm)


async def _staged(
    request: Request, settings: SettingsDep, _kind: Annotated[AuditKind, Depends(_authorize)]
) -> AsyncIterator[StagedUpload]:
    length = request.headers.get("content-length")
    upload = await receive_multipart(
        request.stream(),
        content_type=request.headers.get("content-type"),
        content_length=int(length) if length and length.isdigit() else None,
        uploads_dir=settings.uploads_dir,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        text_fields=audits.SAMPLE_FIELDS,
    )
    try:
        yield upload
    finally:
        upload.discard()  # a no-op once the service has moved the file into place


StagedDep = Annotated[StagedUpload, Depends(_staged)]


def _view(audit: Any, algorithm: Algorithm, viewer: Account | None, k: int) -> dict[str, Any]:
    """The private view for who may see true counts, else the public one (see audit_view)."""
    if audits.is_private_viewer(viewer, audit, algorithm.agency_id):
        return private_audit_view(audit)
    return public_audit_view(audit, k=k)


def _submit(
    kind: AuditInput, response: Response, session: SessionDep, settings: SettingsDep,
    clock: ClockDep, actor: Account, algorithm: Algorithm, upload: StagedUpload,
) -> dict[str, Any]:  # fmt: skip
    audit = audits.submit_audit(
        session, actor=actor, algorithm=algorithm, upload=upload, input_kind=kind,
        uploads_dir=settings.uploads_dir, now=clock.now(),
    )  # fmt: skip
    response.headers["Location"] = f"/api/v1/audits/{audit.public_id}"
    return private_audit_view(audit)


@router.post(
    "/algorithms/{public_id}/audits",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AuditPrivateView,
    responses=UPLOAD_ERRORS,
    openapi_extra=SAMPLE_BODY,
)
def submit_sample_audit(
    response: Response, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    actor: CurrentAccount, algorithm: AlgorithmDep, upload: StagedDep,
) -> dict[str, Any]:  # fmt: skip
    """Upload a prediction sample (multipart: ``file``, ``spec``, optional ``version``)."""
    return _submit(AuditInput.sample, response, session, settings, clock, actor, algorithm, upload)


@router.post(
    "/algorithms/{public_id}/audits/counts",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AuditPrivateView,
    responses=UPLOAD_ERRORS,
    openapi_extra=COUNTS_BODY,
)
def submit_counts_audit(
    response: Response, session: SessionDep, settings: SettingsDep, clock: ClockDep,
    actor: CurrentAccount, algorithm: AlgorithmDep, upload: StagedDep,
) -> dict[str, Any]:  # fmt: skip
    """Upload a pre-aggregated count table (multipart: ``file``, ``spec``, optional ``version``)."""
    return _submit(AuditInput.counts, response, session, settings, clock, actor, algorithm, upload)


@router.get(
    "/algorithms/{public_id}/audits",
    response_model=AuditList,
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def list_algorithm_audits(
    session: SessionDep, settings: SettingsDep, viewer: OptionalAccount, algorithm: AlgorithmDep
) -> dict[str, Any]:
    """Audits of an algorithm: published ones for everyone, private ones for who may read them."""
    items = audits.list_audits(session, algorithm=algorithm, viewer=viewer)
    k = settings.small_cell_k
    return {"items": [_summary(_view(a, algorithm, viewer, k)) for a in items]}


def _summary(view: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in view.items() if key not in ("report", "counts", "spec")}


@router.get(
    "/audits/{audit_id}",
    response_model=AuditView,
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def get_audit(
    session: SessionDep, settings: SettingsDep, viewer: OptionalAccount, audit_id: AuditId
) -> dict[str, Any]:
    """One audit: state and progress while it runs, then the report and verdicts."""
    audit, algorithm = audits.get_audit(session, audit_id, viewer=viewer)
    return _view(audit, algorithm, viewer, settings.small_cell_k)


class AuditPageDocument(RootModel[dict[str, Any]]):
    """The audit page's view-model: the document ``/audits/{id}.json`` serves once the audit is
    published. Its JSON Schema is ``/api/v1/schema/pages/audit.json``."""


@router.get(
    "/audits/{audit_id}/page",
    response_model=AuditPageDocument,
    responses=errors(401, 404, 409),
    openapi_extra=ANONYMOUS_TOO,
)
def get_audit_page(
    session: SessionDep, settings: SettingsDep, viewer: OptionalAccount, audit_id: AuditId,
    lang: Annotated[
        str, Query(pattern="^(en|zh-CN)$", description="The page's language: en or zh-CN.")
    ] = "en",
) -> Response:  # fmt: skip
    """The audit's page as the public sees (or will see) it, small cells withheld: the same
    document as ``/audits/{id}.json``. Before publication only the submitter, admins and (for a
    self-assessment) the agency's editors may read it; 409 until the run has succeeded."""
    record = preview.require_page(preview.staff_record(session, audit_id, viewer=viewer))
    vm = vm_audits.audit_page_of(
        record,
        lang=lang,
        k=settings.small_cell_k,
        log_entry=vm_audits.audit_log_entry(session, audit_id),
    )
    return Response(json_bytes(vm), media_type=MEDIA_TYPES["json"])


@router.post(
    "/audits/{audit_id}/publish",
    response_model=AuditPrivateView,
    responses=AUDIT_CHANGE_ERRORS,
)
def publish_audit(
    session: SessionDep, clock: ClockDep, actor: CurrentAccount, audit_id: AuditId
) -> dict[str, Any]:
    """Make a succeeded audit public. Only its submitter may; a published audit is immutable."""
    audit, _ = audits.get_audit(session, audit_id, viewer=actor)
    return private_audit_view(
        publication.publish_audit(session, actor=actor, audit=audit, now=clock.now())
    )


@router.post("/audits/{audit_id}/response", response_model=AuditView, responses=AUDIT_CHANGE_ERRORS)
def respond_to_audit(
    session: SessionDep, settings: SettingsDep, clock: ClockDep, actor: CurrentAccount,
    audit_id: AuditId,
    body: ResponseRequest | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Attach or replace the agency's public response to a published audit, in English and
    Chinese (``texts``; ``text`` is the English one). Default wording in both if no text."""
    audit, algorithm = audits.get_audit(session, audit_id, viewer=actor)
    updated = publication.respond_to_audit(
        session, actor=actor, audit=audit, algorithm=algorithm, now=clock.now(),
        text=body.text if body else None,
        texts=body.texts.by_language() if body and body.texts else None,
    )  # fmt: skip
    return _view(updated, algorithm, actor, settings.small_cell_k)


@router.post(
    "/audits/{audit_id}/withdraw",
    response_model=AuditPrivateView,
    responses=AUDIT_CHANGE_ERRORS,
)
def withdraw_audit(
    session: SessionDep, clock: ClockDep, actor: CurrentAccount, audit_id: AuditId,
    body: WithdrawRequest,
) -> dict[str, Any]:  # fmt: skip
    """Withdraw an audit with a reason; the record and the reason stay."""
    audit, _ = audits.get_audit(session, audit_id, viewer=actor)
    updated = publication.withdraw_audit(
        session, actor=actor, audit=audit, reason=body.reason, now=clock.now()
    )
    return private_audit_view(updated)


@router.post(
    "/audits/{audit_id}/rerun",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AuditPrivateView,
    responses=AUDIT_CHANGE_ERRORS,
)
def rerun_audit(
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: CurrentAccount,
    audit_id: AuditId,
) -> dict[str, Any]:
    """Recompute from the stored counts with the current engine and the same spec (a new audit)."""
    audit, algorithm = audits.get_audit(session, audit_id, viewer=actor)
    new = audits.rerun_audit(
        session, actor=actor, audit=audit, algorithm=algorithm, now=clock.now()
    )
    response.headers["Location"] = f"/api/v1/audits/{new.public_id}"
    return private_audit_view(new)
