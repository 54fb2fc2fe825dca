"""Routes of the console's audit pages: the list; one audit (its page as the public will see it,
or the run's progress or error) and its JSON; the run's status as JSON (polled by the progress
page's script); publish, withdraw, rerun and the agency's response, each a confirmation page or
form (GET) and the change (POST, CSRF, then 303 to the audit).

Who may do what is decided by the services the JSON API calls (``check_*``, ``can_read``): a
private audit is 404 for anyone who may not read it; an action someone may not take is 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.console import vm_audits_console as vm_audits
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.pages.twins import MEDIA_TYPES, json_bytes, with_query
from registry.pages.vm_audits import audit_log_entry
from registry.services.audits import preview, publication
from registry.services.audits import submission as audits

router = APIRouter(prefix="/console/audits", include_in_schema=False)
FormText = Annotated[str, Form()]
AuditId = Annotated[str, Path(max_length=16)]


def _to_audit(request: Request, audit_id: str, done: str) -> Response:
    target = request.app.url_path_for("console_audit", audit_id=audit_id)
    return redirect(request, with_query(str(target), {"done": done}))


@router.get("", name="console_audits")
def audit_list(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    state: str = "",
    visibility: str = "",
) -> Response:
    """The audits you work with, filtered by run and publication state."""
    vm = vm_audits.list_page(
        session, viewer=staff, lang=lang_of(request), state=state, visibility=visibility
    )
    return render(request, "console/audits/list.html", vm)


@router.get("/{audit_id}.json", name="console_audit.json")
def audit_json(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The page's view-model as JSON (for a private audit: only who may read it)."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    vm = vm_audits.audit_page(
        record,
        viewer=staff,
        lang=lang_of(request),
        k=settings.small_cell_k,
        log_entry=audit_log_entry(session, audit_id),
    )
    return Response(json_bytes(vm), media_type=MEDIA_TYPES["json"])


@router.get("/{audit_id}/status.json", name="console_audit_status")
def audit_status(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep
) -> Response:
    """The run's state and progress, polled by ``static/job-progress.js`` on the progress page
    (the same readers as the page; ``no-store`` like every console response)."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    status = vm_audits.job_status(record.audit, lang=lang_of(request))
    return Response(json_bytes(status), media_type=MEDIA_TYPES["json"])


@router.get("/{audit_id}", name="console_audit")
def audit_detail(
    request: Request,
    audit_id: AuditId,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    done: str = "",
    refresh: str = "",
) -> Response:
    """The audit's page exactly as the public sees (or will see) it, or its run's progress: with
    JavaScript, ``static/job-progress.js`` polls ``status.json`` and reloads the page when the run
    has finished; without it, a ``<noscript>`` meta refresh every few seconds. ``?refresh=off``
    stops both (WCAG 2.2.1)."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    vm = vm_audits.audit_page(
        record,
        viewer=staff,
        lang=lang_of(request),
        k=settings.small_cell_k,
        notice=done,
        auto_refresh=refresh != "off",
        log_entry=audit_log_entry(session, audit_id),
    )
    template = "console/audits/page.html" if "attributes" in vm else "console/audits/job.html"
    return render(request, template, dict(vm))


# --- publish ----------------------------------------------------------------------------------


@router.get("/{audit_id}/publish", name="console_audit_publish")
def publish_confirm(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep
) -> Response:
    """Confirm publishing: what the public will see, and that it cannot be undone."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    publication.check_publish(staff, record.audit)
    vm = vm_audits.confirm_page(record, lang=lang_of(request))
    return render(request, "console/audits/publish.html", vm)


@router.post("/{audit_id}/publish", name="console_audit_publish_post")
def publish(
    request: Request,
    audit_id: AuditId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Publish the audit (its submitter only, as in the API)."""
    audit, _ = audits.get_audit(session, audit_id, viewer=staff)
    publication.publish_audit(session, actor=staff, audit=audit, now=clock.now())
    return _to_audit(request, audit_id, "published")


# --- withdraw ---------------------------------------------------------------------------------


@router.get("/{audit_id}/withdraw", name="console_audit_withdraw")
def withdraw_form(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep
) -> Response:
    """The form to withdraw the audit with a reason (shown publicly)."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    publication.check_withdraw(staff, record.audit)
    return render(
        request,
        "console/audits/withdraw.html",
        vm_audits.withdraw_page(record, lang=lang_of(request)),
    )


@router.post("/{audit_id}/withdraw", name="console_audit_withdraw_post")
def withdraw(
    request: Request,
    audit_id: AuditId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    reason: FormText = "",
) -> Response:
    """Withdraw the audit (its submitter or an admin); the record and the reason stay."""
    lang = lang_of(request)
    record = preview.staff_record(session, audit_id, viewer=staff)
    publication.check_withdraw(staff, record.audit)
    checked, errors = vm_audits.parse_withdrawal(reason, lang=lang)
    if checked is None:
        vm = vm_audits.withdraw_page(record, lang=lang, reason=reason, errors=errors)
        return render(request, "console/audits/withdraw.html", vm, status=422)
    publication.withdraw_audit(
        session, actor=staff, audit=record.audit, reason=checked, now=clock.now()
    )
    return _to_audit(request, audit_id, "withdrawn")


# --- rerun ------------------------------------------------------------------------------------


@router.get("/{audit_id}/rerun", name="console_audit_rerun")
def rerun_confirm(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep
) -> Response:
    """Confirm a rerun: a new audit from the stored counts with the same declared test."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    audits.check_rerun(staff, record.audit)
    vm = vm_audits.confirm_page(record, lang=lang_of(request))
    return render(request, "console/audits/rerun.html", vm)


@router.post("/{audit_id}/rerun", name="console_audit_rerun_post")
def rerun(
    request: Request,
    audit_id: AuditId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Queue the rerun (the submitter or an admin) and go to the new audit's page."""
    audit, algorithm = audits.get_audit(session, audit_id, viewer=staff)
    new = audits.rerun_audit(
        session, actor=staff, audit=audit, algorithm=algorithm, now=clock.now()
    )
    return _to_audit(request, new.public_id, "rerun")


# --- the agency's response ----------------------------------------------------------------------


@router.get("/{audit_id}/response", name="console_audit_response")
def response_form(
    request: Request, audit_id: AuditId, staff: StaffDep, session: SessionDep
) -> Response:
    """The agency's response in English and Chinese, starting from the default wording."""
    record = preview.staff_record(session, audit_id, viewer=staff)
    publication.check_respond(staff, record.audit, record.algorithm)
    vm = vm_audits.response_page(record, lang=lang_of(request))
    return render(request, "console/audits/response.html", vm)


@router.post("/{audit_id}/response", name="console_audit_response_post")
def respond(
    request: Request,
    audit_id: AuditId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    response_en: FormText = "",
    response_zh: FormText = "",
) -> Response:
    """Publish or replace the agency's response (an editor of the algorithm's agency)."""
    lang = lang_of(request)
    record = preview.staff_record(session, audit_id, viewer=staff)
    publication.check_respond(staff, record.audit, record.algorithm)
    form = {"response_en": response_en, "response_zh": response_zh}
    texts, errors = vm_audits.parse_response(form, lang=lang)
    if texts is None:
        shown = {code: form[field] for code, field in vm_audits.LANG_FIELDS.items()}
        vm = vm_audits.response_page(record, lang=lang, texts=shown, errors=errors)
        return render(request, "console/audits/response.html", vm, status=422)
    publication.respond_to_audit(
        session,
        actor=staff,
        audit=record.audit,
        algorithm=record.algorithm,
        texts=texts,
        now=clock.now(),
    )
    return _to_audit(request, audit_id, "responded")
