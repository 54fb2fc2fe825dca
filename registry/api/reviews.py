"""Four-eyes review requests of an algorithm's draft, for scripts: ask, list, return, withdraw,
publish the reviewed revision. The console's review pages call the same service."""

from __future__ import annotations

from fastapi import APIRouter, status

from registry.api.deps import AlgorithmDep, ClockDep, CurrentAccount, RowId, SessionDep, SettingsDep
from registry.api.responses import errors
from registry.models import (
    CardVersionPublic,
    ReviewAsk,
    ReviewPublish,
    ReviewRequest,
    ReviewRequestPublic,
    ReviewReturn,
)
from registry.services.cards import reviews, versions

router = APIRouter(prefix="/algorithms/{public_id}/draft/review-requests", tags=["reviews"])


def _public(session: SessionDep, request: ReviewRequest) -> ReviewRequestPublic:
    return reviews.request_public(reviews.summary_of(session, request))


@router.post(
    "",
    response_model=ReviewRequestPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 412, write=True),
)
def ask_for_review(
    body: ReviewAsk,
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
) -> ReviewRequestPublic:
    """Ask the agency's other editors to review the draft (editors of the agency). 409 if this
    revision is already asked about; an open request about an earlier revision is superseded."""
    request = reviews.ask_for_review(
        session,
        actor=actor,
        algorithm=algorithm,
        note=body.note,
        revision=body.revision,
        now=clock.now(),
    )
    return _public(session, request)


@router.get("", response_model=list[ReviewRequestPublic], responses=errors(401, 403, 404))
def list_review_requests(
    algorithm: AlgorithmDep, session: SessionDep, actor: CurrentAccount
) -> list[ReviewRequestPublic]:
    """Every review request of the algorithm, newest first (editors of the agency)."""
    found = reviews.list_requests(session, actor=actor, algorithm=algorithm)
    return [_public(session, r) for r in found]


@router.get("/{request_id}", response_model=ReviewRequestPublic, responses=errors(401, 403, 404))
def get_review_request(
    request_id: RowId, algorithm: AlgorithmDep, session: SessionDep, actor: CurrentAccount
) -> ReviewRequestPublic:
    """One review request, with ``draft_changed`` (the draft moved on since it was asked)."""
    request = reviews.get_request(session, actor=actor, algorithm=algorithm, request_id=request_id)
    return _public(session, request)


@router.post(
    "/{request_id}/return",
    response_model=ReviewRequestPublic,
    responses=errors(403, 404, 409, write=True),
)
def return_with_comment(
    request_id: RowId,
    body: ReviewReturn,
    algorithm: AlgorithmDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentAccount,
    clock: ClockDep,
) -> ReviewRequestPublic:
    """Send an open request back to its author with a comment (another editor of the agency: not
    the author, and under four-eyes not the draft's last editor). 409 unless open."""
    request = reviews.get_request(session, actor=actor, algorithm=algorithm, request_id=request_id)
    returned = reviews.return_with_comment(
        session,
        actor=actor,
        algorithm=algorithm,
        request=request,
        comment=body.comment,
        four_eyes=settings.four_eyes,
        now=clock.now(),
    )
    return _public(session, returned)


@router.post(
    "/{request_id}/withdraw",
    response_model=ReviewRequestPublic,
    responses=errors(403, 404, 409, write=True),
)
def withdraw_request(
    request_id: RowId,
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
) -> ReviewRequestPublic:
    """The author takes an open request back. 403 for anyone else, 409 unless open."""
    request = reviews.get_request(session, actor=actor, algorithm=algorithm, request_id=request_id)
    done = reviews.withdraw_request(
        session, actor=actor, algorithm=algorithm, request=request, now=clock.now()
    )
    return _public(session, done)


@router.post(
    "/{request_id}/publish",
    response_model=CardVersionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(
        403,
        404,
        409,
        (412, "The draft changed after review was asked: the author must ask again."),
        write=True,
    ),
)
def publish_reviewed(
    request_id: RowId,
    body: ReviewPublish,
    algorithm: AlgorithmDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentAccount,
    clock: ClockDep,
) -> CardVersionPublic:
    """Publish the revision the request asked about as the next version (the four-eyes rule of
    ``POST .../publish``). 412 if the draft changed since; 422 if a required field is missing."""
    request = reviews.get_request(session, actor=actor, algorithm=algorithm, request_id=request_id)
    version = reviews.publish_reviewed(
        session,
        actor=actor,
        algorithm=algorithm,
        request=request,
        change_summary=body.change_summary,
        four_eyes=settings.four_eyes,
        now=clock.now(),
    )
    return versions.version_public(algorithm, version)
