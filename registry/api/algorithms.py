"""Algorithms: list and search, register, edit the draft, publish versions, retire, time-travel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from registry.api.deps import (
    AlgorithmDep,
    ClockDep,
    CurrentAccount,
    OptionalAccount,
    SessionDep,
    SettingsDep,
)
from registry.api.patching import PATCH_REQUEST_BODY, CardPatchDep
from registry.api.preconditions import parse_if_match, reviewed_revision, set_etag
from registry.api.responses import ANONYMOUS_TOO, ERR_NO_SUCH_AGENCY, errors
from registry.cards.enums import LifecycleStatus, RiskCategory, Scenario
from registry.models import (
    AlgorithmCreate,
    AlgorithmList,
    AlgorithmPublic,
    AlgorithmState,
    CardVersionPublic,
    DraftPublic,
    DraftUpdate,
    PublishRequest,
    RetireRequest,
)
from registry.services.cards import algorithms, drafts, versions
from registry.services.cards import listing as algorithm_search

router = APIRouter(prefix="/algorithms", tags=["algorithms"])

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The draft revision you read, as its ETag ("<revision>").',
    ),
]


@router.get(
    "",
    response_model=AlgorithmList,
    responses=errors(401, (404, ERR_NO_SUCH_AGENCY.format(where="the `agency` filter"))),
    openapi_extra=ANONYMOUS_TOO,
)
def list_algorithms(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: OptionalAccount,
    agency: Annotated[str | None, Query(max_length=64, description="Agency slug.")] = None,
    scenario: Scenario | None = None,
    risk_category: RiskCategory | None = None,
    state: AlgorithmState | None = None,
    status_: Annotated[
        LifecycleStatus | None, Query(alias="status", description="Lifecycle status.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the name or summary.")
    ] = None,
    source_id: Annotated[
        str | None,
        Query(max_length=100, description="The agency's own id (unique within an agency)."),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AlgorithmList:
    """Algorithms you may see, newest change first. Drafts only for their agency's editors."""
    filters = algorithm_search.AlgorithmFilters(
        agency=agency,
        scenario=scenario,
        risk_category=risk_category,
        state=state,
        lifecycle_status=status_,
        q=q,
        source_id=source_id,
    )
    page = algorithm_search.list_algorithms(
        session, viewer=viewer, filters=filters, limit=limit or settings.page_size, cursor=cursor
    )
    next_url = (
        str(request.url.include_query_params(cursor=page.next_cursor)) if page.next_cursor else None
    )
    return AlgorithmList(
        items=[algorithms.algorithm_public(session, a) for a in page.items],
        next_cursor=page.next_cursor,
        next_url=next_url,
    )


@router.post(
    "",
    response_model=AlgorithmPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, (404, ERR_NO_SUCH_AGENCY.format(where="`agency`")), 409, write=True),
)
def create_algorithm(
    body: AlgorithmCreate, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> AlgorithmPublic:
    """Register an algorithm with a draft card (agency editors of that agency)."""
    algorithm = algorithms.create_algorithm(session, actor=actor, data=body, now=clock.now())
    return algorithms.algorithm_public(session, algorithm)


@router.get(
    "/{public_id}",
    response_model=AlgorithmPublic,
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def get_algorithm(algorithm: AlgorithmDep, session: SessionDep) -> AlgorithmPublic:
    """One algorithm's record (listing fields from its latest published card)."""
    return algorithms.algorithm_public(session, algorithm)


@router.get("/{public_id}/draft", response_model=DraftPublic, responses=errors(401, 403, 404))
def get_draft(
    response: Response, algorithm: AlgorithmDep, session: SessionDep, actor: CurrentAccount
) -> DraftPublic:
    """The working draft, with its revision (also the ETag) and the fields still missing."""
    draft = drafts.draft_public(
        algorithm, drafts.get_draft(session, actor=actor, algorithm=algorithm)
    )
    set_etag(response, draft.revision)
    return draft


@router.put(
    "/{public_id}/draft",
    response_model=DraftPublic,
    responses=errors(403, 404, 409, 412, write=True),
)
def put_draft(
    body: DraftUpdate,
    response: Response,
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> DraftPublic:
    """Replace the draft card (starting a new draft if none). Published versions never change.

    With ``If-Match``, 412 unless the draft is still the revision you read (no lost updates).
    """
    draft = drafts.save_draft(
        session,
        actor=actor,
        algorithm=algorithm,
        card=body.card,
        now=clock.now(),
        if_match=parse_if_match(if_match),
    )
    public = drafts.draft_public(algorithm, draft)
    set_etag(response, public.revision)
    return public


@router.patch(
    "/{public_id}/draft",
    response_model=DraftPublic,
    responses=errors(403, 404, 409, 412, 415, write=True),
    openapi_extra=PATCH_REQUEST_BODY,
)
def patch_draft(
    patch: CardPatchDep,
    response: Response,
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> DraftPublic:
    """Change some fields of the draft card with a JSON Merge Patch (RFC 7396), sent as
    ``application/merge-patch+json``: ``{"card": {"summary": "...", "team": null}}``.

    A member replaces that field (arrays whole), an object merges into it, ``null`` removes it.
    Without a draft the patch applies to the latest published card and starts a new draft, as a
    PUT would; 404 when there is neither. Validated like a PUT; with ``If-Match``, 412 unless the
    draft is still the revision you read.
    """
    draft = drafts.patch_draft(
        session,
        actor=actor,
        algorithm=algorithm,
        card_patch=patch.get("card", {}),
        now=clock.now(),
        if_match=parse_if_match(if_match),
    )
    public = drafts.draft_public(algorithm, draft)
    set_etag(response, public.revision)
    return public


@router.delete(
    "/{public_id}/draft",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(403, 404, 409, 412, write=True),
)
def delete_draft(
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> Response:
    """Discard the draft of a published algorithm; its published versions stay as they are.

    404 without a draft; 409 for a never-published algorithm (its draft is all it has). With
    ``If-Match``, 412 unless the draft is still the revision you read.
    """
    drafts.discard_draft(
        session,
        actor=actor,
        algorithm=algorithm,
        now=clock.now(),
        if_match=parse_if_match(if_match),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{public_id}/publish",
    response_model=CardVersionPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 412, 428, write=True),
)
def publish(
    body: PublishRequest,
    algorithm: AlgorithmDep,
    session: SessionDep,
    settings: SettingsDep,
    actor: CurrentAccount,
    clock: ClockDep,
    if_match: IfMatch = None,
) -> CardVersionPublic:
    """Publish the reviewed draft revision as the next immutable version (four-eyes: not by its
    last editor). Name the revision in If-Match or ``revision``: 428 without, 412 if it changed."""
    version = drafts.publish_draft(
        session,
        actor=actor,
        algorithm=algorithm,
        change_summary=body.change_summary,
        four_eyes=settings.four_eyes,
        revision=reviewed_revision(if_match, body.revision),
        now=clock.now(),
    )
    return versions.version_public(algorithm, version)


@router.post(
    "/{public_id}/retire",
    response_model=AlgorithmPublic,
    responses=errors(403, 404, 409, write=True),
)
def retire(
    body: RetireRequest,
    algorithm: AlgorithmDep,
    session: SessionDep,
    actor: CurrentAccount,
    clock: ClockDep,
) -> AlgorithmPublic:
    """Take the algorithm out of use; it stays online with its versions. 409 if retired."""
    retired = algorithms.retire_algorithm(
        session, actor=actor, algorithm=algorithm, reason=body.reason, now=clock.now()
    )
    return algorithms.algorithm_public(session, retired)


@router.get(
    "/{public_id}/versions",
    response_model=list[CardVersionPublic],
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def list_versions(algorithm: AlgorithmDep, session: SessionDep) -> list[CardVersionPublic]:
    """Every published version, oldest first."""
    return [
        versions.version_public(algorithm, v) for v in versions.list_versions(session, algorithm)
    ]


@router.get(
    "/{public_id}/versions/live",
    response_model=CardVersionPublic,
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def live_version(
    algorithm: AlgorithmDep,
    session: SessionDep,
    at: Annotated[
        datetime, Query(description="ISO 8601 time with offset, e.g. 2024-05-01T00:00:00Z.")
    ],
) -> CardVersionPublic:
    """The version that was published and in force at time ``at`` (404 if none was)."""
    return versions.version_public(algorithm, versions.live_version_at(session, algorithm, at))


@router.get(
    "/{public_id}/versions/{number}",
    response_model=CardVersionPublic,
    responses=errors(401, 404),
    openapi_extra=ANONYMOUS_TOO,
)
def get_version(
    algorithm: AlgorithmDep, session: SessionDep, number: Annotated[int, Path(ge=1, le=1_000_000)]
) -> CardVersionPublic:
    """One published version; its content never changes."""
    return versions.version_public(algorithm, versions.get_version(session, algorithm, number))
