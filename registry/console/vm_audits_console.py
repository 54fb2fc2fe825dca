"""View-models of the console's audit pages: the list, one audit (its public page as the public
will see it, or the run's progress or failure), and the forms to publish, withdraw, rerun and
answer it. The page of a finished audit is ``registry.pages.vm_audits.audit_page_of`` itself,
with a ``staff`` part added: the preview cannot differ from the public page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from typing_extensions import TypedDict

from registry.console import words_audits as words
from registry.console.forms import FormErrors
from registry.models import Account, Audit, AuditKind, AuditState, AuditVisibility, agency_name
from registry.models.audit import ResponseTexts, WithdrawRequest
from registry.pages import card_view
from registry.pages import words as page_words
from registry.pages.audit_page_types import AuditPage
from registry.pages.view_types import LogRecord
from registry.pages.vm_audits import audit_page_of
from registry.services.audits import preview, publication
from registry.services.public.records import AuditRecord

REASON_MAX = 2000
RESPONSE_MAX = 4000
REFRESH_SECONDS = 5
LANG_FIELDS = {"en": "response_en", "zh-CN": "response_zh"}


class StaffPanel(TypedDict):
    """What the console adds above an audit's page: state, who may see it, actions."""

    state: dict[str, str]
    visibility: dict[str, str]
    private: bool
    banner: str | None
    banner_explain: str | None
    actions: list[str]
    notice: str | None
    submitted_by: str
    submitted_at: datetime
    rerun_of: str | None


class ConsoleAuditPage(AuditPage):
    """`/console/audits/{id}` of a finished audit: the public page's view-model plus ``staff``."""

    staff: StaffPanel


class JobError(TypedDict):
    kind: str
    message: str
    column: str | None
    row: int | None
    field: str | None


class JobStatus(TypedDict):
    """`/console/audits/{id}/status.json`: what the progress page's script polls for."""

    id: str
    state: str
    state_text: str
    message: str
    fraction: float | None
    percent: int | None
    percent_text: str | None
    done: bool


class ConsoleAuditJob(TypedDict):
    """`/console/audits/{id}` while the audit waits or runs, or after it failed."""

    id: str
    algorithm_name: str
    algorithm_public_id: str
    agency_name: str
    staff: StaffPanel
    running: bool
    refresh_seconds: int | None
    percent: int | None
    status: JobStatus
    error: JobError | None


def _card_name(card: dict[str, Any], lang: str, fallback: str) -> str:
    """The card's name in ``lang`` (else in the card's own language)."""
    value = card_view.translated_text(card, "name", lang)[0]
    return str(value) if value else fallback


def _name(record: AuditRecord, lang: str) -> str:
    return _card_name(record.version.card, lang, record.algorithm.public_id)


def _banner(record: AuditRecord, viewer: Account, lang: str) -> tuple[str | None, str | None]:
    audit = record.audit
    if audit.published_at is not None:
        return None, None
    if audit.visibility == AuditVisibility.withdrawn:
        return words.text(lang, words.BANNER_WITHDRAWN_PRIVATE), None
    if audit.kind == AuditKind.self_assessment:
        banner = words.BANNER_SELF_ASSESSMENT
    elif viewer.id == audit.submitter_id:
        banner = words.BANNER_SUBMITTER
    else:
        banner = words.BANNER_OTHER
    return words.text(lang, banner), words.text(lang, words.BANNER_EXPLAIN)


def _panel(record: AuditRecord, viewer: Account, lang: str, notice: str | None) -> StaffPanel:
    audit = record.audit
    banner, explain = _banner(record, viewer, lang)
    return {
        "state": words.tagged(words.STATES, str(audit.state), lang),
        "visibility": words.tagged(words.VISIBILITIES, str(audit.visibility), lang),
        "private": audit.published_at is None,
        "banner": banner,
        "banner_explain": explain if audit.state == AuditState.succeeded else None,
        "actions": preview.allowed_actions(viewer, audit, record.algorithm),
        "notice": words.text(lang, words.NOTICES[notice]) if notice in words.NOTICES else None,
        "submitted_by": audit.submitter_name,
        "submitted_at": audit.created_at,
        "rerun_of": audit.rerun_of,
    }


def job_status(audit: Audit, *, lang: str) -> JobStatus:
    """The run's state and the share of the file read so far; ``done`` once it has finished
    (succeeded or failed), when the page should be reloaded to show the result."""
    fraction = (audit.progress or {}).get("fraction")
    if isinstance(fraction, bool) or not isinstance(fraction, int | float):
        fraction = None
    else:
        fraction = max(0.0, min(1.0, float(fraction)))
    percent = round(fraction * 100) if fraction is not None else None
    state = str(audit.state)
    return {
        "id": audit.public_id,
        "state": state,
        "state_text": words.tagged(words.STATES, state, lang)["text"],
        "message": words.text(lang, words.JOB_MESSAGES.get(state, words.JOB_MESSAGES["running"])),
        "fraction": fraction,
        "percent": percent,
        "percent_text": words.text(lang, words.JOB_PERCENT, percent=percent)
        if percent is not None
        else None,
        "done": audit.state not in (AuditState.queued, AuditState.running),
    }


def audit_page(
    record: AuditRecord,
    *,
    viewer: Account,
    lang: str,
    k: int,
    notice: str | None = None,
    auto_refresh: bool = True,
    log_entry: LogRecord | None = None,
) -> ConsoleAuditPage | ConsoleAuditJob:
    """A finished audit's page as the public sees (or will see) it, or its run's progress (which
    refreshes itself unless ``auto_refresh`` is off: WCAG 2.2.1 asks for a way to stop it).
    ``log_entry``: the published audit's place in the public log."""
    audit = record.audit
    panel = _panel(record, viewer, lang, notice)
    if audit.state == AuditState.succeeded:
        page = audit_page_of(record, lang=lang, k=k, log_entry=log_entry)
        return {**page, "staff": panel}  # type: ignore[typeddict-item]
    status = job_status(audit, lang=lang)
    error = None
    if audit.state == AuditState.failed and audit.error:
        found = audit.error
        reason = str(found.get("reason") or "internal")
        error = {
            "kind": words.text(
                lang, words.FAILURE_KINDS.get(reason, words.FAILURE_KINDS["internal"])
            ),
            "message": str(found.get("message") or ""),
            "column": found.get("column"),
            "row": found.get("row"),
            "field": found.get("field"),
        }
    running = audit.state in (AuditState.queued, AuditState.running)
    return {
        "id": audit.public_id,
        "algorithm_name": _name(record, lang),
        "algorithm_public_id": record.algorithm.public_id,
        "agency_name": agency_name(record.agency, lang),
        "staff": panel,
        "running": running,
        "refresh_seconds": REFRESH_SECONDS if running and auto_refresh else None,
        "percent": status["percent"],
        "status": status,
        "error": error,  # type: ignore[typeddict-item]
    }


def list_page(
    session: Session,
    *,
    viewer: Account,
    lang: str,
    state: str = "",
    visibility: str = "",
) -> dict[str, Any]:
    """The audits ``viewer`` works with, filtered by run state and publication."""
    chosen_state = AuditState(state) if state in AuditState.__members__ else None
    chosen_visibility = (
        AuditVisibility(visibility) if visibility in AuditVisibility.__members__ else None
    )
    listings = preview.staff_audits(
        session, viewer=viewer, state=chosen_state, visibility=chosen_visibility
    )
    rows = []
    for item in listings:
        audit = item.audit
        rows.append(
            {
                "id": audit.public_id,
                "algorithm": _card_name(item.version.card, lang, item.algorithm.public_id),
                "version": audit.version_number,
                "state": words.tagged(words.STATES, str(audit.state), lang),
                "visibility": words.tagged(words.VISIBILITIES, str(audit.visibility), lang),
                "verdict": page_words.verdict_view(audit.verdict, lang)
                if audit.state == AuditState.succeeded
                else None,
                "kind": page_words.audit_kind_view(str(audit.kind), lang)["text"],
                "submitted_by": audit.submitter_name,
                "submitted_at": audit.created_at,
                "published_at": audit.published_at,
            }
        )
    return {
        "audits": rows,
        "filters": {
            "state": chosen_state.value if chosen_state else "",
            "visibility": chosen_visibility.value if chosen_visibility else "",
            "states": [
                {"value": v, "text": words.text(lang, w)} for v, (w, _t) in words.STATES.items()
            ],
            "visibilities": [
                {"value": v, "text": words.text(lang, w)}
                for v, (w, _t) in words.VISIBILITIES.items()
            ],
        },
        "limit": preview.LIST_LIMIT,
    }


def _summary(record: AuditRecord, lang: str) -> dict[str, Any]:
    audit = record.audit
    return {
        "id": audit.public_id,
        "algorithm": _name(record, lang),
        "agency": agency_name(record.agency, lang),
        "verdict": page_words.verdict_view(audit.verdict, lang)
        if audit.state == AuditState.succeeded
        else None,
        "published": audit.published_at is not None,
    }


def confirm_page(record: AuditRecord, *, lang: str) -> dict[str, Any]:
    """The confirmation page of publish or rerun."""
    return {"audit": _summary(record, lang)}


def _text_problem(err: dict[str, Any], lang: str, maximum: int) -> str:
    if err.get("type") == "forbidden_character":
        return words.text(lang, words.TEXT_FORBIDDEN, found=(err.get("ctx") or {}).get("found"))
    return words.text(lang, words.TEXT_TOO_LONG, max=maximum)


def withdraw_page(
    record: AuditRecord,
    *,
    lang: str,
    reason: str = "",
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    return {
        "audit": _summary(record, lang),
        "reason": reason,
        "max_reason": REASON_MAX,
        **(errors or FormErrors()).view(),
    }


def parse_withdrawal(reason: str, *, lang: str) -> tuple[str | None, FormErrors]:
    """The reason, checked by the API's own input model; or the problem with it."""
    errors = FormErrors()
    if not reason.strip():
        errors.add("reason", words.text(lang, words.REASON_MISSING))
        return None, errors
    try:
        WithdrawRequest.model_validate({"reason": reason.strip()})
    except ValidationError as exc:
        errors.add("reason", _text_problem(dict(exc.errors()[0]), lang, REASON_MAX))
        return None, errors
    return reason.strip(), errors


def response_page(
    record: AuditRecord,
    *,
    lang: str,
    texts: dict[str, str] | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """The response form, filled with the current response or else the default wording."""
    audit = record.audit
    current = publication.response_texts(audit)
    defaults = publication.default_responses(audit)
    shown = texts if texts is not None else {**defaults, **current}
    return {
        "audit": _summary(record, lang),
        "has_response": bool(current),
        "texts": {field: shown.get(code, "") for code, field in LANG_FIELDS.items()},
        "defaults": {field: defaults[code] for code, field in LANG_FIELDS.items()},
        "max_text": RESPONSE_MAX,
        **(errors or FormErrors()).view(),
    }


def parse_response(form: dict[str, str], *, lang: str) -> tuple[dict[str, str] | None, FormErrors]:
    """Both languages' texts (both are required in the console), checked by the API's model."""
    errors = FormErrors()
    texts = {code: form.get(field, "").strip() for code, field in LANG_FIELDS.items()}
    for code, field in LANG_FIELDS.items():
        if not texts[code]:
            errors.add(field, words.text(lang, words.RESPONSE_MISSING[code]))
    try:
        ResponseTexts.model_validate({code: value or None for code, value in texts.items()})
    except ValidationError as exc:
        for err in exc.errors():
            code = str(err["loc"][0]) if err["loc"] else "en"
            field = LANG_FIELDS.get(code, LANG_FIELDS["zh-CN" if code == "zh_CN" else "en"])
            errors.add(field, _text_problem(dict(err), lang, RESPONSE_MAX))
    return (None if errors else texts), errors
