"""Routes of the agency editor's pages: algorithms, the card editor, preview, diff, discard, retire.

Publishing is not here: it goes through the four-eyes review queue ("Ask for review" on the
algorithm page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.console import card_form, vm_cards
from registry.console import words_cards as w
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.errors import Conflict, Invalid, PreconditionFailed
from registry.models import Algorithm, AlgorithmCreate, Role
from registry.pages.vm_algorithms import audit_headlines, draft_preview_page
from registry.services.cards import algorithms, drafts, worklist
from registry.services.cards.permissions import require_editor_of

router = APIRouter(prefix="/console/algorithms", include_in_schema=False)
FormFields = dict[str, list[str]]


async def _form_fields(request: Request) -> FormFields:
    """Every field of the submitted form, as lists of text values (the CSRF check has read it)."""
    form = await request.form()
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


FormDep = Annotated[FormFields, Depends(_form_fields)]


def _first(form: FormFields, name: str) -> str:
    values = form.get(name) or []
    return values[0] if values else ""


def _algorithm(session: SessionDep, staff: StaffDep, public_id: str) -> Algorithm:
    return algorithms.get_algorithm(session, public_id, viewer=staff)


AlgorithmDep = Annotated[Algorithm, Depends(_algorithm)]


def _editor_url(request: Request, public_id: str, done: str) -> str:
    path = request.app.url_path_for("console_card_edit", public_id=public_id)
    return f"{path}?done={done}"


def _algorithm_url(request: Request, public_id: str, done: str | None = None) -> str:
    path = str(request.app.url_path_for("console_algorithm", public_id=public_id))
    return f"{path}?done={done}" if done else path


@router.get("", name="console_algorithms")
def algorithm_list(
    request: Request, staff: StaffDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The agency's algorithms with their state (every agency's for admins)."""
    works = worklist.algorithms_of(session, viewer=staff)
    vm = vm_cards.algorithms_page(
        works,
        lang=lang_of(request),
        today=clock.now().date(),
        is_admin=staff.role == Role.admin,
        can_register=staff.role == Role.agency_editor,
    )
    return render(request, "console/algorithms.html", vm)


@router.get("/new", name="console_algorithm_new")
def algorithm_new(request: Request, staff: StaffDep) -> Response:
    """An empty card editor: register a new algorithm of your agency."""
    require_editor_of(staff, staff.agency_id or -1)
    vm = vm_cards.editor_page(
        card_form.card_to_raw({}), lang=lang_of(request), public_id=None, name="", revision=""
    )
    return render(request, "console/card_editor.html", vm)


@router.post("/new", name="console_algorithm_create")
def algorithm_create(
    request: Request,
    staff: StaffDep,
    _csrf: CsrfDep,
    form: FormDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Register the algorithm with the form's card as its first draft ("Add another" and
    "Remove" only change the form: nothing exists to save into yet)."""
    require_editor_of(staff, staff.agency_id or -1)
    lang = lang_of(request)
    raw = card_form.parse_form(form)
    action = _first(form, "action")
    if action.startswith(("add:", "remove:")):
        _applied, focus = card_form.apply_action(raw, action)
        vm = vm_cards.editor_page(
            raw, lang=lang, public_id=None, name="", revision="", unsaved=True, focus=focus
        )
        return render(request, "console/card_editor.html", vm)
    card, index = card_form.raw_to_card(raw)
    if index.duplicates:
        vm = vm_cards.editor_page(raw, lang=lang, public_id=None, name="", revision="")
        return render(request, "console/card_editor.html", vm, status=422)
    try:
        created = algorithms.create_algorithm(
            session, actor=staff, data=AlgorithmCreate(card=card), now=clock.now()
        )
    except Invalid as exc:
        vm = vm_cards.editor_page(
            raw, lang=lang, public_id=None, name="", revision="", details=exc.details
        )
        return render(request, "console/card_editor.html", vm, status=422)
    return redirect(request, _editor_url(request, created.public_id, "created"))


@router.get("/{public_id}", name="console_algorithm")
def algorithm_detail(
    request: Request,
    algorithm: AlgorithmDep,
    staff: StaffDep,
    session: SessionDep,
    clock: ClockDep,
    done: str = "",
) -> Response:
    """One algorithm: state, draft and what it still needs, and the actions."""
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    can_edit = staff.role == Role.agency_editor  # algorithm_work checked the agency
    vm = vm_cards.algorithm_page(
        work, lang=lang_of(request), today=clock.now().date(), can_edit=can_edit, notice=done
    )
    return render(request, "console/algorithm.html", vm)


def _editing(session: SessionDep, staff: StaffDep, algorithm: Algorithm) -> worklist.AlgorithmWork:
    require_editor_of(staff, algorithm.agency_id)
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    if str(algorithm.state) == "retired":
        raise Conflict(drafts.ERR_RETIRED_NO_EDITS)
    return work


@router.get("/{public_id}/edit", name="console_card_edit")
def card_edit(
    request: Request, algorithm: AlgorithmDep, staff: StaffDep, session: SessionDep, done: str = ""
) -> Response:
    """The card editor on the draft (a new draft starts from the published card)."""
    work = _editing(session, staff, algorithm)
    card = vm_cards.card_of(work)
    vm = vm_cards.editor_page(
        card_form.card_to_raw(card),
        lang=lang_of(request),
        public_id=algorithm.public_id,
        name=vm_cards.display_name(work),
        revision=drafts.draft_revision(work.draft) if work.draft else "",
        notice=done,
    )
    return render(request, "console/card_editor.html", vm)


@router.post("/{public_id}/edit", name="console_card_save")
def card_save(
    request: Request,
    algorithm: AlgorithmDep,
    staff: StaffDep,
    _csrf: CsrfDep,
    form: FormDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Save the draft (draft-level validation, as the API's PUT). "Add another" and "Remove" save
    too, then show the form again with the item added or removed."""
    work = _editing(session, staff, algorithm)
    lang = lang_of(request)
    raw = card_form.parse_form(form)
    action = _first(form, "action") or "save"
    focus = None
    if action.startswith(("add:", "remove:")):
        _applied, focus = card_form.apply_action(raw, action)
    card, index = card_form.raw_to_card(raw)
    revision = _first(form, "revision").strip()
    name = vm_cards.display_name(work)

    def page(revision: str, **extra: object) -> dict[str, object]:
        return vm_cards.editor_page(
            raw,
            lang=lang,
            public_id=algorithm.public_id,
            name=name,
            revision=revision,
            focus=focus,
            **extra,  # type: ignore[arg-type]
        )

    if index.duplicates:  # nothing is saved while the form holds what a card cannot
        return render(request, "console/card_editor.html", page(revision), status=422)
    # A form opened without a draft expects none; otherwise the draft must be the one it showed.
    stale = (not revision and work.draft is not None) or (revision and work.draft is None)
    try:
        if stale:
            raise PreconditionFailed(drafts.ERR_SAVE_REVISION_CHANGED)
        draft = drafts.save_draft(
            session,
            actor=staff,
            algorithm=algorithm,
            card=card,
            now=clock.now(),
            if_match=[revision] if revision else None,
        )
    except PreconditionFailed:
        return render(request, "console/card_editor.html", page(revision, stale=True), status=409)
    except Invalid as exc:
        vm = page(revision, details=exc.details)
        return render(request, "console/card_editor.html", vm, status=422)
    if action == "save":
        return redirect(request, _editor_url(request, algorithm.public_id, "saved"))
    vm = page(drafts.draft_revision(draft), notice="saved")
    return render(request, "console/card_editor.html", vm)


@router.get("/{public_id}/preview", name="console_card_preview")
def card_preview(
    request: Request,
    algorithm: AlgorithmDep,
    staff: StaffDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """The draft exactly as its public page will look once published (never indexed)."""
    record = worklist.preview_record(session, viewer=staff, algorithm=algorithm)
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    card = vm_cards.card_of(work)
    now = clock.now()
    lang = lang_of(request)
    headlines = audit_headlines(session, record.audits, lang=lang, k=settings.small_cell_k)
    page = draft_preview_page(
        record, card, lang=lang, today=now.date(), now=now, headlines=headlines
    )
    vm = {
        **page,
        "preview": {
            "has_draft": work.draft is not None,
            "back": _algorithm_url(request, algorithm.public_id),
        },
    }
    return render(request, "algorithms/detail.html", vm, headers={"X-Robots-Tag": "noindex"})


@router.get("/{public_id}/diff", name="console_card_diff")
def card_diff(
    request: Request, algorithm: AlgorithmDep, staff: StaffDep, session: SessionDep
) -> Response:
    """The draft against the last published version, field by field."""
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    vm = vm_cards.draft_diff_page(
        public_id=algorithm.public_id,
        name=vm_cards.display_name(work),
        published=work.current.card if work.current else None,
        published_number=work.current.number if work.current else None,
        draft=vm_cards.card_of(work),
        lang=lang_of(request),
    )
    return render(request, "console/card_diff.html", vm)


@router.get("/{public_id}/discard", name="console_draft_discard_confirm")
def discard_confirm(
    request: Request, algorithm: AlgorithmDep, staff: StaffDep, session: SessionDep
) -> Response:
    """Are you sure? What discarding the draft loses and keeps."""
    require_editor_of(staff, algorithm.agency_id)
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    lang = lang_of(request)
    problem = None
    if work.draft is None:
        problem = w.text(lang, w.NO_DRAFT)
    elif work.current is None:
        problem = w.text(lang, w.DISCARD_UNPUBLISHED)
    vm = vm_cards.discard_page(work, lang=lang, problem=problem)
    return render(request, "console/discard.html", vm, status=409 if problem else 200)


@router.post("/{public_id}/discard", name="console_draft_discard")
def discard(
    request: Request,
    algorithm: AlgorithmDep,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    revision: Annotated[str, Form()] = "",
) -> Response:
    """Discard the draft (the published versions stay)."""
    lang = lang_of(request)
    try:
        drafts.discard_draft(
            session,
            actor=staff,
            algorithm=algorithm,
            now=clock.now(),
            if_match=[revision.strip()] if revision.strip() else None,
        )
    except PreconditionFailed:
        work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
        vm = vm_cards.discard_page(work, lang=lang, problem=w.text(lang, w.STALE_DISCARD))
        return render(request, "console/discard.html", vm, status=409)
    return redirect(request, _algorithm_url(request, algorithm.public_id, "discarded"))


@router.get("/{public_id}/retire", name="console_retire_form")
def retire_form(
    request: Request, algorithm: AlgorithmDep, staff: StaffDep, session: SessionDep
) -> Response:
    """Retire the algorithm: a reason, and what retiring means."""
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    vm = vm_cards.retire_page(work, lang=lang_of(request))
    return render(request, "console/retire.html", vm)


@router.post("/{public_id}/retire", name="console_retire")
def retire(
    request: Request,
    algorithm: AlgorithmDep,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Retire with the reason given: it stays online, marked retired."""
    lang = lang_of(request)
    work = worklist.algorithm_work(session, viewer=staff, algorithm=algorithm)
    errors = vm_cards.retire_reason_errors(reason, lang=lang)
    if not errors:
        try:
            algorithms.retire_algorithm(
                session, actor=staff, algorithm=algorithm, reason=reason.strip(), now=clock.now()
            )
        except Conflict:
            message = (
                w.ALREADY_RETIRED if str(algorithm.state) == "retired" else w.RETIRE_NOT_PUBLISHED
            )
            errors.add("reason", w.text(lang, message))
            vm = vm_cards.retire_page(work, lang=lang, reason=reason, errors=errors)
            return render(request, "console/retire.html", vm, status=409)
        return redirect(request, _algorithm_url(request, algorithm.public_id, "retired"))
    vm = vm_cards.retire_page(work, lang=lang, reason=reason, errors=errors)
    return render(request, "console/retire.html", vm, status=422)
