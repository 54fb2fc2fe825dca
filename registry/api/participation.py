"""Citizen participation over the API: anyone reads published items and submits (no token; rate
limited per address and per algorithm); whoever holds a tracking code reads its status; the
agency's editors read their queue and moderate, as in the console (docs/participation.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status
from sqlmodel import Session

from registry.api.deps import ClockDep, CurrentAccount, SessionDep, SettingsDep
from registry.api.rate_limits import hit_participation_limits, refuse_cross_site
from registry.api.responses import ANONYMOUS_TOO, OPTIONAL_AUTH, errors
from registry.models.participation import (
    ITEM_ID_PATTERN,
    ItemAnswer,
    ItemDecline,
    ItemMerge,
    ItemModeration,
    ItemPublic,
    ItemPublish,
    ItemReceived,
    ItemsPublic,
    ItemStatus,
    ItemSubmit,
    ParticipationItem,
)
from registry.services.clock import Clock
from registry.services.participation import listing, moderation, submission

router = APIRouter(tags=["participation"])
AlgorithmId = Annotated[str, Path(max_length=32, description="The algorithm's permanent id.")]
ItemId = Annotated[str, Path(pattern=ITEM_ID_PATTERN, description="The item's id.")]
Code = Annotated[
    str, Path(max_length=submission.TRACKING_CODE_MAX, description="The tracking code.")
]


def _public(item: ParticipationItem) -> ItemPublic:
    return ItemPublic(
        id=item.public_id,
        kind=item.kind,
        text=item.text,
        display_name=item.display_name,
        masked_kinds=item.masked_kinds,
        received_at=item.received_at,
        published_at=item.published_at,
        answer=item.answer,
        answered_at=item.answered_at,
    )


def _status(session: Session, item: ParticipationItem) -> ItemStatus:
    algorithm = submission.algorithm_of(session, item)
    target = listing.merged_target(session, item)
    return ItemStatus(
        id=item.public_id,
        algorithm=algorithm.public_id,
        kind=item.kind,
        state=item.state,
        text=item.text,
        display_name=item.display_name,
        masked_kinds=item.masked_kinds,
        received_at=item.received_at,
        published_at=item.published_at,
        answer=item.answer,
        answered_at=item.answered_at,
        decline_reason=item.decline_reason,
        merged_into=target.public_id if target else None,
        has_contact=submission.has_contact(session, item),
    )


def _moderation(session: Session, row: moderation.QueueRow) -> ItemModeration:
    return ItemModeration(
        **_status(session, row.item).model_dump(), contact_email=row.contact_email
    )


@router.get(
    "/algorithms/{public_id}/participation",
    response_model=ItemsPublic,
    responses=errors(404),
    openapi_extra=OPTIONAL_AUTH,
)
def published_items(public_id: AlgorithmId, session: SessionDep) -> ItemsPublic:
    """Published questions and concerns with their answers, and the counts of the rest."""
    algorithm = submission.public_algorithm(session, public_id)
    found = listing.public_items(session, algorithm.id or 0)
    return ItemsPublic(
        items=[_public(i) for i in found.published],
        declined={reason.value: count for reason, count in found.declined.items()},
        merged=found.merged,
    )


@router.post(
    "/algorithms/{public_id}/participation",
    response_model=ItemReceived,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 413, 429),
    openapi_extra=ANONYMOUS_TOO,
)
def submit(
    request: Request,
    public_id: AlgorithmId,
    body: ItemSubmit,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ItemReceived:
    """Send a question, concern, record error or suggestion (no token). Personal data is masked
    before it is stored; the item waits for the agency's moderation. The tracking code is in
    this answer only."""
    refuse_cross_site(request)
    hit_participation_limits(request, public_id)
    done = submission.submit_item(
        session,
        public_id=public_id,
        kind=body.kind.value,
        text=body.text,
        contact_email=body.contact_email,
        display_name=body.display_name,
        duplicate_hours=settings.participation_duplicate_hours,
        now=clock.now(),
    )
    path = request.app.url_path_for("participation_status", code=done.tracking_code)
    return ItemReceived(
        tracking_code=done.tracking_code,
        status_url=settings.public_base_url(str(request.base_url)) + str(path),
        status=_status(session, done.item),
    )


@router.get(
    "/participation/status/{code}",
    response_model=ItemStatus,
    responses=errors(404),
    openapi_extra=OPTIONAL_AUTH,
)
def item_status(code: Code, session: SessionDep, response: Response) -> ItemStatus:
    """The state, masked text and answer of the item with this tracking code."""
    response.headers["Cache-Control"] = "private, no-store"
    return _status(session, submission.item_by_tracking_code(session, code))


@router.get(
    "/participation/queue",
    response_model=list[ItemModeration],
    responses=errors(401, 403),
)
def moderation_queue(
    session: SessionDep, actor: CurrentAccount, all: bool = False
) -> list[ItemModeration]:
    """Items about your agency's algorithms awaiting moderation or an answer, oldest first
    (``all=true``: every item). Agency editors only; contact addresses included."""
    return [
        _moderation(session, r) for r in moderation.queue(session, actor=actor, include_done=all)
    ]


def _moderated(session: Session, actor: CurrentAccount, item_id: str) -> ItemModeration:
    return _moderation(
        session, moderation.get_for_moderation(session, actor=actor, item_id=item_id)
    )


def _decided(
    session: Session,
    actor: CurrentAccount,
    clock: Clock,
    item_id: str,
    action: str,
    *,
    answer: str | None = None,
    into: str = "",
    reason: str = "",
) -> ItemModeration:
    """Make the decision (``moderation.decide``: the console's rules and write) and answer with
    the item as its moderators see it."""
    moderation.decide(
        session,
        actor=actor,
        item_id=item_id,
        action=action,
        now=clock.now(),
        answer=answer,
        into=into,
        reason=reason,
    )
    return _moderated(session, actor, item_id)


@router.post(
    "/participation/items/{item_id}/publish",
    response_model=ItemModeration,
    responses=errors(403, 404, 409, write=True),
)
def publish(
    item_id: ItemId, body: ItemPublish, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ItemModeration:
    """Publish an item awaiting moderation, with an answer or to be answered later."""
    return _decided(session, actor, clock, item_id, "publish", answer=body.answer)


@router.post(
    "/participation/items/{item_id}/answer",
    response_model=ItemModeration,
    responses=errors(403, 404, 409, write=True),
)
def answer(
    item_id: ItemId, body: ItemAnswer, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ItemModeration:
    """Answer a published item (or replace its answer)."""
    return _decided(session, actor, clock, item_id, "answer", answer=body.answer)


@router.post(
    "/participation/items/{item_id}/merge",
    response_model=ItemModeration,
    responses=errors(403, 404, 409, write=True),
)
def merge(
    item_id: ItemId, body: ItemMerge, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ItemModeration:
    """Merge an item awaiting moderation into a published item about the same algorithm."""
    return _decided(session, actor, clock, item_id, "merge", into=body.into)


@router.post(
    "/participation/items/{item_id}/decline",
    response_model=ItemModeration,
    responses=errors(403, 404, 409, write=True),
)
def decline(
    item_id: ItemId, body: ItemDecline, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ItemModeration:
    """Decline an item awaiting moderation with one of the published reasons."""
    return _decided(session, actor, clock, item_id, "decline", reason=body.reason.value)


@router.delete(
    "/participation/items/{item_id}/contact",
    response_model=ItemModeration,
    responses=errors(403, 404, write=True),
)
def erase_contact(
    item_id: ItemId, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> ItemModeration:
    """Delete the submitter's contact address (agency editors of the algorithm's agency)."""
    moderation.erase_contact_for_agency(session, actor=actor, item_id=item_id, now=clock.now())
    return _moderated(session, actor, item_id)
