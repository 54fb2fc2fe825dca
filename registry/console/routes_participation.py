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

from registry.api.deps import ClockDep, SessionDep
from registry.console import vm_participation_console as vm
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.errors import Invalid
from registry.pages.twins import with_query
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


#: The decisions: the form field each one reads (it ignores the others) and what its POST does.
DECISION_ROUTES = (
    (
        "publish",
        "answer",
        "Publish the item, with the answer if one is written (after a confirmation page).",
    ),
    (
        "answer",
        "answer",
        "Publish (or replace) the answer to a published item (after a confirmation page).",
    ),
    (
        "merge",
        "into",
        "Merge the item into a published item about the same algorithm (after confirmation).",
    ),
    (
        "decline",
        "reason",
        "Decline the item with one of the published reasons (after a confirmation page).",
    ),
)


def _add_decision_route(action: str, field: str, doc: str) -> None:
    """``POST /{item_id}/<action>``, named ``console_participation_<action>``: the decision is
    checked (``moderation.check_decision``); without ``confirmed=yes`` the confirmation page shows
    what it will do, with it the checked decision is made and the item shown (303)."""

    def decide(
        request: Request,
        item_id: ItemId,
        staff: StaffDep,
        _csrf: CsrfDep,
        session: SessionDep,
        clock: ClockDep,
        answer: FormText = "",
        into: FormText = "",
        reason: FormText = "",
        confirmed: FormText = "",
    ) -> Response:
        value = {"answer": answer, "into": into, "reason": reason}[field]
        try:
            decision = moderation.check_decision(
                session, actor=staff, item_id=item_id, action=action, **{field: value}
            )
        except Invalid as exc:
            page = vm.item_page(
                session,
                actor=staff,
                item_id=item_id,
                lang=lang_of(request),
                values={"answer": value if field == "answer" else ""},
                problems=exc.details,
            )
            return render(request, ITEM, page, status=422)
        if confirmed != "yes":
            return render(request, CONFIRM, vm.confirm_page(decision, lang=lang_of(request)))
        moderation.apply_decision(session, decision, actor=staff, now=clock.now())
        return _to_item(request, item_id, DONE[action])

    decide.__doc__ = doc
    router.add_api_route(
        f"/{{item_id}}/{action}", decide, methods=["POST"], name=f"console_participation_{action}"
    )


for _action, _field, _doc in DECISION_ROUTES:
    _add_decision_route(_action, _field, _doc)


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
