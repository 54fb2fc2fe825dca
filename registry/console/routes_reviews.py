"""Routes of the four-eyes review pages: the agency's review queue, one request (publish or return
with a comment, withdraw), and an algorithm's "Ask for review" page (ask, or publish directly when
the four-eyes rule allows it). Agency editors only; other staff get a page that says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from registry.api.deps import ClockDep, RowId, SessionDep, SettingsDep
from registry.config import Settings
from registry.console import vm_reviews, words_review
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.errors import DomainError, Forbidden
from registry.models import Account, Algorithm, Role
from registry.services.cards import algorithms, drafts, reviews
from registry.services.clock import Clock

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
QUEUE = "console/reviews/queue.html"
REVIEW = "console/reviews/review.html"
ASK = "console/reviews/ask.html"


def _editors_only(request: Request) -> Response:
    return render(request, "console/reviews/editors_only.html", {}, status=403)


def _is_editor(staff: Account) -> bool:
    return staff.role == Role.agency_editor and staff.agency_id is not None


def _status(exc: DomainError) -> int:
    return 422 if exc.status in (400, 422) else 409 if exc.status in (409, 412) else exc.status


@router.get("/reviews", name="console_reviews")
def review_queue(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    done: str = "",
) -> Response:
    """The agency's drafts waiting for review: what, who asked, when, and whether it changed."""
    if not _is_editor(staff):
        return _editors_only(request)
    vm = vm_reviews.queue_page(
        session,
        actor=staff,
        lang=lang_of(request),
        now=clock.now(),
        four_eyes=settings.four_eyes,
        cache_seconds=settings.page_max_age,
        notice=done,
    )
    return render(request, QUEUE, vm)


def _review_vm(
    request: Request,
    staff: Account,
    session: Session,
    settings: Settings,
    clock: Clock,
    request_id: int,
    **kw: Any,
) -> vm_reviews.ReviewPage:
    return vm_reviews.review_page(
        session,
        actor=staff,
        request_id=request_id,
        lang=lang_of(request),
        now=clock.now(),
        four_eyes=settings.four_eyes,
        **kw,
    )


@router.get("/reviews/{request_id}", name="console_review")
def review_request(
    request: Request,
    request_id: RowId,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    done: str = "",
) -> Response:
    """One request: the changes against the last published version, what is missing, and the
    reviewer's choices (publish, return with a comment) or the author's (withdraw)."""
    try:
        vm = _review_vm(request, staff, session, settings, clock, request_id, notice=done)
    except Forbidden:
        return _editors_only(request)
    return render(request, REVIEW, vm)


def _decide(
    request: Request,
    request_id: int,
    staff: Account,
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    field: str,
    text: str,
    missing: str,
    act: Callable[[reviews.ReviewSummary], object],
    done: str,
) -> Response:
    """A reviewer's decision with a required text (``field``): checked, then ``act`` on the
    request; back to the queue with ``?done=``, or the review page again with the refusal at the
    field (422, or the refusal's own status) and the text kept."""
    lang = lang_of(request)
    try:
        summary = reviews.find_request(session, actor=staff, request_id=request_id)
    except Forbidden:
        return _editors_only(request)
    errors = vm_reviews.text_problem(text, field, lang, required=missing)
    status = 422
    if not errors:
        try:
            act(summary)
        except DomainError as exc:
            session.rollback()
            errors, status = vm_reviews.refusal(exc, field, lang), _status(exc)
        else:
            return redirect(request, f"{request.app.url_path_for('console_reviews')}?done={done}")
    vm = _review_vm(
        request, staff, session, settings, clock, request_id, form={field: text}, errors=errors
    )
    return render(request, REVIEW, vm, status=status)


@router.post("/reviews/{request_id}/publish", name="console_review_publish")
def review_publish(
    request: Request,
    request_id: RowId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    change_summary: FormText = "",
) -> Response:
    """Publish the revision the request asked about, with a change summary."""
    return _decide(
        request,
        request_id,
        staff,
        session,
        settings,
        clock,
        field="change_summary",
        text=change_summary,
        missing=words_review.SUMMARY_MISSING,
        act=lambda summary: reviews.publish_reviewed(
            session,
            actor=staff,
            algorithm=summary.algorithm,
            request=summary.request,
            change_summary=change_summary,
            four_eyes=settings.four_eyes,
            now=clock.now(),
        ),
        done="published",
    )


@router.post("/reviews/{request_id}/return", name="console_review_return")
def review_return(
    request: Request,
    request_id: RowId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    comment: FormText = "",
) -> Response:
    """Send the draft back to its author with a comment."""
    return _decide(
        request,
        request_id,
        staff,
        session,
        settings,
        clock,
        field="comment",
        text=comment,
        missing=words_review.COMMENT_MISSING,
        act=lambda summary: reviews.return_with_comment(
            session,
            actor=staff,
            algorithm=summary.algorithm,
            request=summary.request,
            comment=comment,
            four_eyes=settings.four_eyes,
            now=clock.now(),
        ),
        done="returned",
    )


@router.post("/reviews/{request_id}/withdraw", name="console_review_withdraw")
def review_withdraw(
    request: Request,
    request_id: RowId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """The author takes the request back."""
    lang = lang_of(request)
    try:
        summary = reviews.find_request(session, actor=staff, request_id=request_id)
    except Forbidden:
        return _editors_only(request)
    try:
        reviews.withdraw_request(
            session,
            actor=staff,
            algorithm=summary.algorithm,
            request=summary.request,
            now=clock.now(),
        )
    except DomainError as exc:
        session.rollback()
        errors = vm_reviews.refusal(exc, "withdraw", lang)
        vm = _review_vm(request, staff, session, settings, clock, request_id, errors=errors)
        return render(request, REVIEW, vm, status=_status(exc))
    target = request.app.url_path_for(
        "console_algorithm_review", public_id=summary.algorithm.public_id
    )
    return redirect(request, f"{target}?done=withdrawn")


def _ask_vm(
    request: Request,
    staff: Account,
    session: Session,
    settings: Settings,
    clock: Clock,
    algorithm: Algorithm,
    **kw: Any,
) -> vm_reviews.AskPage:
    return vm_reviews.ask_page(
        session,
        actor=staff,
        algorithm=algorithm,
        lang=lang_of(request),
        now=clock.now(),
        four_eyes=settings.four_eyes,
        cache_seconds=settings.page_max_age,
        **kw,
    )


@router.get("/algorithms/{public_id}/review", name="console_algorithm_review")
def algorithm_review(
    request: Request,
    public_id: str,
    staff: StaffDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    done: str = "",
) -> Response:
    """The author's page: ask for review, see returned comments, or publish when allowed."""
    algorithm = algorithms.get_algorithm(session, public_id, viewer=staff)
    try:
        vm = _ask_vm(request, staff, session, settings, clock, algorithm, notice=done)
    except Forbidden:
        return _editors_only(request)
    return render(request, ASK, vm)


@router.post("/algorithms/{public_id}/review", name="console_algorithm_ask")
def algorithm_ask(
    request: Request,
    public_id: str,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    note: FormText = "",
    revision: FormText = "",
) -> Response:
    """Ask the agency's other editors to review the draft revision shown on the page."""
    lang = lang_of(request)
    algorithm = algorithms.get_algorithm(session, public_id, viewer=staff)
    if not _is_editor(staff) or staff.agency_id != algorithm.agency_id:
        return _editors_only(request)
    errors = vm_reviews.text_problem(note, "note", lang, required=None)
    status = 422
    if not errors:
        try:
            reviews.ask_for_review(
                session,
                actor=staff,
                algorithm=algorithm,
                note=note,
                revision=revision or None,
                now=clock.now(),
            )
        except DomainError as exc:
            session.rollback()
            errors, status = vm_reviews.refusal(exc, "note", lang), _status(exc)
        else:
            target = request.app.url_path_for("console_algorithm_review", public_id=public_id)
            return redirect(request, f"{target}?done=asked")
    algorithm = algorithms.get_algorithm(session, public_id, viewer=staff)
    vm = _ask_vm(
        request, staff, session, settings, clock, algorithm, form={"note": note}, errors=errors
    )
    return render(request, ASK, vm, status=status)


@router.post("/algorithms/{public_id}/review/publish", name="console_algorithm_publish")
def algorithm_publish(
    request: Request,
    public_id: str,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    change_summary: FormText = "",
    revision: FormText = "",
) -> Response:
    """Publish the draft revision shown on the page without a review request, where the four-eyes
    rule allows the viewer to (it is off, or someone else last edited the draft)."""
    lang = lang_of(request)
    algorithm = algorithms.get_algorithm(session, public_id, viewer=staff)
    if not _is_editor(staff) or staff.agency_id != algorithm.agency_id:
        return _editors_only(request)
    errors = vm_reviews.text_problem(
        change_summary, "change_summary", lang, required=words_review.SUMMARY_MISSING
    )
    status = 422
    if not errors:
        try:
            drafts.publish_draft(
                session,
                actor=staff,
                algorithm=algorithm,
                change_summary=change_summary.strip(),
                four_eyes=settings.four_eyes,
                revision=revision or None,
                now=clock.now(),
            )
        except DomainError as exc:
            session.rollback()
            errors, status = vm_reviews.refusal(exc, "change_summary", lang), _status(exc)
        else:
            target = request.app.url_path_for("console_algorithm_review", public_id=public_id)
            return redirect(request, f"{target}?done=published")
    algorithm = algorithms.get_algorithm(session, public_id, viewer=staff)
    vm = _ask_vm(
        request,
        staff,
        session,
        settings,
        clock,
        algorithm,
        form={"change_summary": change_summary},
        errors=errors,
    )
    return render(request, ASK, vm, status=status)
