"""Routes of the auditor's upload wizard: algorithm, file, columns, checks, names (optional),
summary; submitting opens the audit's page (``console_audit``), which shows the run's progress.

Who may use it is the API's rule for submitting audits (``submission.submission_kind``): auditors
for any published algorithm, agency editors for their own agency's (a self-assessment); admins and
other editors get 403. The upload step streams its multipart body to disk with the API's code
(``registry.api.uploads.receive_multipart``: size cap, sniffing, sha256) and checks the form's CSRF
token from the streamed fields; the file is then kept as a wizard draft
(``services/audits/wizard_drafts``) until it is submitted, discarded or expires. Submitting calls
the API's ``submit_audit``, so its refusals are the API's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.api.uploads import receive_multipart
from registry.config import Settings
from registry.console import vm_audit_wizard as vm
from registry.console import words_wizard as W
from registry.console.auth import StaffDep, VisitorDep
from registry.console.csrf import CsrfDep, check_csrf
from registry.console.forms import FormErrors
from registry.console.rendering import lang_of, redirect, render
from registry.errors import DomainError, Invalid
from registry.models import Account, AuditInput
from registry.services.audits import submission, wizard_choices, wizard_drafts
from registry.services.audits.staging import StagedUpload
from registry.services.audits.wizard_drafts import WizardDraft

router = APIRouter(prefix="/console/uploads", include_in_schema=False)

UPLOAD_FIELDS = {
    "csrf_token": "the form's security code.",
    "version": "the card version to audit.",
    "input_kind": "what the file holds: sample or counts.",
}


def _staff_may_submit(staff: StaffDep) -> Account:
    wizard_choices.require_may_submit(staff)
    return staff


SubmitterDep = Annotated[Account, Depends(_staff_may_submit)]


def _id(staff: Account) -> int:
    assert staff.id is not None
    return staff.id


async def _form(request: Request) -> dict[str, Any]:
    """The urlencoded form as a dict (lists for ``sensitive_features`` and
    ``control_features``)."""
    form = await request.form()
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    for key in ("sensitive_features", "control_features"):
        data[key] = [v for v in form.getlist(key) if isinstance(v, str)]
    return data


FormDep = Annotated[dict[str, Any], Depends(_form)]


def _draft(
    draft_id: str, staff: SubmitterDep, settings: SettingsDep, clock: ClockDep
) -> WizardDraft:
    return wizard_drafts.load_draft(
        settings.uploads_dir,
        account_id=_id(staff),
        draft_id=draft_id,
        now=clock.now(),
    )


DraftDep = Annotated[WizardDraft, Depends(_draft)]


def _step(request: Request, step: str, draft: WizardDraft) -> str:
    return request.app.url_path_for(f"console_upload_{step}", draft_id=draft.draft_id)


def _step_saved(
    request: Request, settings: Settings, draft: WizardDraft, step: str, next_step: str
) -> Response:
    """A step's answers are kept: its earlier problems are cleared, the draft is saved and the
    clerk goes on to ``next_step``."""
    draft.problems = {k: v for k, v in draft.problems.items() if not k.startswith(f"{step}:")}
    wizard_drafts.save_draft(settings.uploads_dir, draft)
    return redirect(request, _step(request, next_step, draft))


# --- step 1: the algorithm ------------------------------------------------------------------------


@router.get("", name="console_upload_start")
def choose_algorithm(
    request: Request, staff: SubmitterDep, session: SessionDep, q: str = ""
) -> Response:
    """Step 1: choose the published algorithm to audit (with a search)."""
    lang = lang_of(request)
    errors = vm.search_problem(q, lang=lang)
    query = "" if errors else q
    choices = wizard_choices.auditable_algorithms(session, actor=staff, q=query)
    page = vm.algorithm_page(choices, lang=lang, q=q[: vm.MAX_SEARCH], errors=errors)
    return render(
        request, "console/wizard/algorithm.html", dict(page), status=422 if errors else 200
    )


# --- step 2: the file -----------------------------------------------------------------------------


@router.get("/file", name="console_upload_file")
def file_form(
    request: Request,
    staff: SubmitterDep,
    session: SessionDep,
    settings: SettingsDep,
    algorithm: str = "",
) -> Response:
    """Step 2: the version, what the file holds, and the file."""
    lang = lang_of(request)
    if not algorithm:
        errors = FormErrors()
        errors.add("algorithm", vm.t(lang, W.ALGORITHM_MISSING))
        choices = wizard_choices.auditable_algorithms(session, actor=staff)
        first = vm.algorithm_page(choices, lang=lang, q="", errors=errors)
        return render(request, "console/wizard/algorithm.html", dict(first), status=422)
    found, agency, versions = wizard_choices.auditable_algorithm(
        session, actor=staff, public_id=algorithm[:20]
    )
    page = vm.file_page(found, agency, versions, lang=lang, max_upload_mb=settings.max_upload_mb)
    return render(request, "console/wizard/file.html", dict(page))


@dataclass
class Received:
    upload: StagedUpload | None
    error: DomainError | None


def _chosen(staff: SubmitterDep, session: SessionDep, algorithm: str = "") -> tuple[Any, ...]:
    """Permission first (403/404/409 before a byte of the body is read), as in the API."""
    return wizard_choices.auditable_algorithm(session, actor=staff, public_id=algorithm[:20])


ChosenDep = Annotated[tuple[Any, ...], Depends(_chosen)]


async def _received(
    request: Request, settings: SettingsDep, _chosen: ChosenDep
) -> AsyncIterator[Received]:
    length = request.headers.get("content-length")
    try:
        upload = await receive_multipart(
            request.stream(),
            content_type=request.headers.get("content-type"),
            content_length=int(length) if length and length.isdigit() else None,
            uploads_dir=settings.uploads_dir,
            max_bytes=settings.max_upload_mb * 1024 * 1024,
            text_fields=UPLOAD_FIELDS,
            required_fields=(),  # a missing token is a CSRF failure (403), checked next
        )
    except DomainError as exc:  # already removed: shown next to the file field
        yield Received(None, exc)
        return
    try:
        yield Received(upload, None)
    finally:
        upload.discard()  # a no-op once the draft holds the file


@router.post("/file", name="console_upload_receive")
def receive_file(
    request: Request,
    staff: SubmitterDep,
    visitor: VisitorDep,
    settings: SettingsDep,
    clock: ClockDep,
    chosen: ChosenDep,
    received: Annotated[Received, Depends(_received)],
) -> Response:
    """Receive the file (streamed, capped, sniffed, hashed) and keep it as a wizard draft."""
    lang = lang_of(request)
    algorithm, agency, versions = chosen
    upload = received.upload
    if upload is None:
        assert received.error is not None
        errors = vm.upload_refusal(received.error, lang=lang, limit_mb=settings.max_upload_mb)
        page = vm.file_page(
            algorithm,
            agency,
            versions,
            lang=lang,
            max_upload_mb=settings.max_upload_mb,
            errors=errors,
        )
        return render(request, "console/wizard/file.html", dict(page), status=422)
    check_csrf(settings, visitor, upload.fields.get("csrf_token", ""))
    version, kind, errors = vm.parse_file_fields(upload.fields, versions, lang=lang)
    if not errors:
        errors = vm.unreadable_file(upload.path, upload.source_format, lang=lang)
    if errors or version is None or kind is None:
        page = vm.file_page(
            algorithm,
            agency,
            versions,
            lang=lang,
            max_upload_mb=settings.max_upload_mb,
            form=upload.fields,
            errors=errors,
        )
        return render(request, "console/wizard/file.html", dict(page), status=422)
    draft = wizard_drafts.create_draft(
        settings.uploads_dir,
        account_id=_id(staff),
        upload=upload,
        algorithm=algorithm.public_id,
        version=version,
        input_kind=kind,
        now=clock.now(),
    )
    return redirect(
        request, request.app.url_path_for("console_upload_columns", draft_id=draft.draft_id)
    )


# --- step 3: columns ------------------------------------------------------------------------------


@router.get("/drafts/{draft_id}/columns", name="console_upload_columns")
def columns_form(
    request: Request,
    staff: SubmitterDep,
    session: SessionDep,
    settings: SettingsDep,
    draft: DraftDep,
) -> Response:
    """Step 3: the proposed column mapping, with example values and identifier warnings."""
    algorithm, _card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    proposal = vm.proposal_for(settings.uploads_dir, draft)
    page = vm.columns_page(draft, algorithm, proposal, lang=lang_of(request))
    return render(request, "console/wizard/columns.html", dict(page))


@router.post("/drafts/{draft_id}/columns", name="console_upload_columns_save")
def columns_save(
    request: Request,
    staff: SubmitterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    draft: DraftDep,
    form: FormDep,
) -> Response:
    """Accept or change the mapping; go on to the checks."""
    lang = lang_of(request)
    algorithm, _card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    proposal = vm.proposal_for(settings.uploads_dir, draft)
    entered, columns, errors = vm.parse_columns(
        form, proposal, counts=draft.input_kind == "counts", lang=lang
    )
    if columns is None:
        page = vm.columns_page(draft, algorithm, proposal, lang=lang, form=entered, errors=errors)
        return render(request, "console/wizard/columns.html", dict(page), status=422)
    draft.columns = columns
    return _step_saved(request, settings, draft, "columns", "checks")


# --- step 4: checks -------------------------------------------------------------------------------


@router.get("/drafts/{draft_id}/checks", name="console_upload_checks")
def checks_form(
    request: Request, staff: SubmitterDep, session: SessionDep, draft: DraftDep
) -> Response:
    """Step 4: preset or declared checks, reference group, favourable outcome, the sample."""
    algorithm, card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    if draft.columns is None:
        return redirect(
            request, request.app.url_path_for("console_upload_columns", draft_id=draft.draft_id)
        )
    page = vm.checks_page(draft, algorithm, card, lang=lang_of(request))
    return render(request, "console/wizard/checks.html", dict(page))


@router.post("/drafts/{draft_id}/checks", name="console_upload_checks_save")
def checks_save(
    request: Request,
    staff: SubmitterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    draft: DraftDep,
    form: FormDep,
) -> Response:
    """Keep the chosen checks; go on to the names."""
    lang = lang_of(request)
    algorithm, card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    entered, errors = vm.parse_checks(form, draft, lang=lang)
    if errors:
        page = vm.checks_page(draft, algorithm, card, lang=lang, form=entered, errors=errors)
        return render(request, "console/wizard/checks.html", dict(page), status=422)
    draft.choices = entered
    return _step_saved(request, settings, draft, "checks", "names")


# --- step 5: names the public will read -----------------------------------------------------------


@router.get("/drafts/{draft_id}/names", name="console_upload_names")
def names_form(
    request: Request,
    staff: SubmitterDep,
    session: SessionDep,
    settings: SettingsDep,
    draft: DraftDep,
) -> Response:
    """Step 5 (optional): the names readers will see for each attribute and each of its groups,
    in English and Chinese; they start as a previous audit's of this algorithm, if any."""
    algorithm, _card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    if draft.columns is None:
        return redirect(request, _step(request, "columns", draft))
    previous = wizard_choices.previous_labels(session, actor=staff, algorithm=algorithm)
    groups = wizard_drafts.draft_groups(settings.uploads_dir, draft)
    page = vm.names_page(draft, algorithm, groups, lang=lang_of(request), previous=previous)
    return render(request, "console/wizard/names.html", dict(page))


@router.post("/drafts/{draft_id}/names", name="console_upload_names_save")
def names_save(
    request: Request,
    staff: SubmitterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    draft: DraftDep,
    form: FormDep,
) -> Response:
    """Keep the names (all optional); go on to the summary."""
    lang = lang_of(request)
    algorithm, _card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    if draft.columns is None:
        return redirect(request, _step(request, "columns", draft))
    groups = wizard_drafts.draft_groups(settings.uploads_dir, draft)
    entered, labels, errors = vm.parse_names(form, groups, lang=lang)
    if errors:
        page = vm.names_page(draft, algorithm, groups, lang=lang, form=entered, errors=errors)
        return render(request, "console/wizard/names.html", dict(page), status=422)
    draft.labels = labels
    return _step_saved(request, settings, draft, "names", "summary")


# --- step 6: summary and submit -------------------------------------------------------------------


def _step_url(request: Request, draft: WizardDraft) -> Any:
    def step_url(step: str, field_id: str) -> str:
        if step == "file":
            path = request.app.url_path_for("console_upload_file") + f"?algorithm={draft.algorithm}"
        else:
            path = request.app.url_path_for(f"console_upload_{step}", draft_id=draft.draft_id)
        return f"{path}#{field_id}" if field_id else path

    return step_url


@router.get("/drafts/{draft_id}/summary", name="console_upload_summary")
def summary(
    request: Request, staff: SubmitterDep, session: SessionDep, draft: DraftDep
) -> Response:
    """Step 6: what will be pre-registered (the exact spec, in words and as JSON)."""
    algorithm, card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    page = vm.summary_page(
        draft, algorithm, card, lang=lang_of(request), step_url=_step_url(request, draft)
    )
    return render(request, "console/wizard/summary.html", dict(page))


@router.post("/drafts/{draft_id}/submit", name="console_upload_submit")
def submit(
    request: Request,
    staff: SubmitterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    draft: DraftDep,
) -> Response:
    """Submit the audit with the API's service; a refusal is shown linked to its step's field."""
    lang = lang_of(request)
    algorithm, card = wizard_choices.draft_subject(
        session, actor=staff, public_id=draft.algorithm, version=draft.version
    )
    fields = {"spec": json.dumps(vm.spec_document(draft)), "version": str(draft.version)}
    try:
        if draft.columns is None or draft.choices is None:
            raise Invalid(vm.t(lang, W.STEPS_FIRST), details=[])
        upload = wizard_drafts.staged_for_submission(settings.uploads_dir, draft, fields=fields)
        audit = submission.submit_audit(
            session,
            actor=staff,
            algorithm=algorithm,
            upload=upload,
            input_kind=AuditInput(draft.input_kind),
            uploads_dir=settings.uploads_dir,
            now=clock.now(),
        )
    except Invalid as exc:
        session.rollback()
        page = vm.summary_page(
            draft,
            algorithm,
            card,
            lang=lang,
            step_url=_step_url(request, draft),
            refused=exc if exc.details else None,
        )
        vm.store_problems(draft, page["problems"])
        wizard_drafts.save_draft(settings.uploads_dir, draft)
        return render(request, "console/wizard/summary.html", dict(page), status=422)
    wizard_drafts.discard_draft(settings.uploads_dir, draft)
    return redirect(request, request.app.url_path_for("console_audit", audit_id=audit.public_id))


@router.post("/drafts/{draft_id}/discard", name="console_upload_discard")
def discard(
    request: Request,
    _staff: SubmitterDep,
    _csrf: CsrfDep,
    settings: SettingsDep,
    draft: DraftDep,
) -> Response:
    """Abandon the upload: its file is removed at once."""
    wizard_drafts.discard_draft(settings.uploads_dir, draft)
    return redirect(request, request.app.url_path_for("console_upload_start"))


# --- the job page's old address ------------------------------------------------------------------


@router.get("/{audit_id}/progress", name="console_upload_progress")
def progress(request: Request, audit_id: str, staff: StaffDep, session: SessionDep) -> Response:
    """The job page's old address: ``303`` to the audit's page (``console_audit``), which shows
    the run's progress; 404 for anyone who may not read the audit, as there."""
    audit, _algorithm = submission.get_audit(session, audit_id[:20], viewer=staff)
    return redirect(request, request.app.url_path_for("console_audit", audit_id=audit.public_id))
