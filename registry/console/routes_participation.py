"""Routes of the console's moderation pages: the queue of what the public said about the agency's
algorithms, one item (masked text, what was masked, the contact address), and the decisions:
publish (with an answer or to answer later), answer, merge, decline with a published reason,
delete the contact address. Each POST checks the CSRF token; a decision is first checked and
shown on a confirmation page (200), and made when that page posts it back with
``confirmed=yes`` (303 to the item).

Who may do what is decided by ``registry.services.participation.moderation``: agency editors of
the algorithm's agency; an item of another agency is 404; other roles get 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from registry.api.deps import ClockDep, SessionDep
from registry.console import vm_participation_console as vm
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.errors import Invalid
from registry.models import Account
from registry.pages.twins import with_query
from registry.services.clock import Clock
from registry.services.participation import moderation

router = APIRouter(prefix="/console/participation", include_in_schema=False)
FormText = Annotated[str, Form()]
ItemId = Annotated[str, Path(max_length=16)]
ITEM = "console/participation/item.html"
CONFIRM = "console/participation/confirm.html"
DONE = {"publish": "published", "answer": "answered", "merge": "merged", "decline": "declined"}


def _to_item(request: Request, item_id: str, done: str) -> Response:
    target = str(request.app.url_path_for("console_participation_item", item_id=item_id))
    return redirect(request, with_query(target, {"done": done}))


@router.get("", name="console_participation")
def queue(
    request: Request,
    staff: StaffDep,
    session: SessionDep,
    clock: ClockDep,
    all: str = "",
    done: str = "",
) -> Response:
    """Items awaiting moderation or an answer, oldest first (``?all=1``: every item)."""
    page = vm.queue_page(
        session,
        actor=staff,
        lang=lang_of(request),
        today=clock.now().date(),
        show_all=all == "1",
        notice=done,
    )
    return render(request, "console/participation/queue.html", page)


@router.get("/{item_id}", name="console_participation_item")
def item(
    request: Request, item_id: ItemId, staff: StaffDep, session: SessionDep, done: str = ""
) -> Response:
    """One item with the moderation forms."""
    page = vm.item_page(session, actor=staff, item_id=item_id, lang=lang_of(request), notice=done)
    return render(request, ITEM, page)


def _decide(
    request: Request,
    staff: Account,
    session: Session,
    clock: Clock,
    *,
    item_id: str,
    action: str,
    confirmed: str,
    answer: str = "",
    into: str = "",
    reason: str = "",
) -> Response:
    """Check the decision; without ``confirmed=yes`` show what it will do, with it make it."""
    try:
        decision = moderation.check_decision(
            session,
            actor=staff,
            item_id=item_id,
            action=action,
            answer=answer,
            into=into,
            reason=reason,
        )
    except Invalid as exc:
        page = vm.item_page(
            session,
            actor=staff,
            item_id=item_id,
            lang=lang_of(request),
            values={"answer": answer},
            problems=exc.details,
        )
        return render(request, ITEM, page, status=422)
    if confirmed != "yes":
        return render(request, CONFIRM, vm.confirm_page(decision, lang=lang_of(request)))
    now = clock.now()
    if action == "publish":
        moderation.publish_item(session, actor=staff, item_id=item_id, answer=answer, now=now)
    elif action == "answer":
        moderation.answer_item(session, actor=staff, item_id=item_id, answer=answer, now=now)
    elif action == "merge":
        moderation.merge_item(session, actor=staff, item_id=item_id, into=into, now=now)
    else:
        moderation.decline_item(session, actor=staff, item_id=item_id, reason=reason, now=now)
    return _to_item(request, item_id, DONE[action])


@router.post("/{item_id}/publish", name="console_participation_publish")
def publish(
    request: Request,
    item_id: ItemId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    answer: FormText = "",
    confirmed: FormText = "",
) -> Response:
    """Publish the item, with the answer if one is written (after a confirmation page)."""
    return _decide(
        request,
        staff,
        session,
        clock,
        item_id=item_id,
        action="publish",
        confirmed=confirmed,
        answer=answer,
    )


@router.post("/{item_id}/answer", name="console_participation_answer")
def answer(
    request: Request,
    item_id: ItemId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    answer: FormText = "",
    confirmed: FormText = "",
) -> Response:
    """Publish (or replace) the answer to a published item (after a confirmation page)."""
    return _decide(
        request,
        staff,
        session,
        clock,
        item_id=item_id,
        action="answer",
        confirmed=confirmed,
        answer=answer,
    )


@router.post("/{item_id}/merge", name="console_participation_merge")
def merge(
    request: Request,
    item_id: ItemId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    into: FormText = "",
    confirmed: FormText = "",
) -> Response:
    """Merge the item into a published item about the same algorithm (after confirmation)."""
    return _decide(
        request,
        staff,
        session,
        clock,
        item_id=item_id,
        action="merge",
        confirmed=confirmed,
        into=into,
    )


@router.post("/{item_id}/decline", name="console_participation_decline")
def decline(
    request: Request,
    item_id: ItemId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    reason: FormText = "",
    confirmed: FormText = "",
) -> Response:
    """Decline the item with one of the published reasons (after a confirmation page)."""
    return _decide(
        request,
        staff,
        session,
        clock,
        item_id=item_id,
        action="decline",
        confirmed=confirmed,
        reason=reason,
    )


@router.post("/{item_id}/erase-contact", name="console_participation_erase")
def erase_contact(
    request: Request,
    item_id: ItemId,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Delete the submitter's contact address (for example on their request by email)."""
    moderation.erase_contact_for_agency(session, actor=staff, item_id=item_id, now=clock.now())
    return _to_item(request, item_id, "erased")
