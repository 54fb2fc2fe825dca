"""Four-eyes review: an editor asks the agency's other editors to review one draft revision; a
reviewer publishes that revision or returns it with a comment the author reads.

The rule on who may publish is :func:`registry.services.cards.drafts.may_publish`, the one the API's
``publish`` enforces; publishing under a request goes through ``drafts.publish_draft`` with the
revision the request names, so a draft saved after the request is refused ("changed since review
was asked") until the author asks again. ``drafts.stage_publish`` closes the open request however
the draft is published. See docs/console.md ("Four-eyes review").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from registry.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from registry.models import (
    Account,
    Agency,
    Algorithm,
    AlgorithmState,
    CardDraft,
    CardVersion,
    ReviewRequest,
    ReviewRequestPublic,
    ReviewState,
    Role,
)
from registry.models.review import REVIEW_NOTE_MAX
from registry.services.cards import drafts, versions
from registry.services.cards.algorithms import lock_for_update
from registry.services.cards.permissions import require_editor_of
from registry.services.events import record_event

ERR_REVIEW_NOT_FOUND = "No review request {request_id} for this algorithm."
ERR_UNKNOWN_REQUEST = "No review request {request_id}."
ERR_NO_DRAFT_TO_REVIEW = "There is no draft to review; save a draft first."
ERR_RETIRED = "This algorithm is retired; its card can no longer be reviewed or published."
ERR_ALREADY_ASKED = (
    "A review of this draft revision is already open (request {request_id}); wait for it, or "
    "withdraw it first."
)
ERR_NOT_OPEN = "This review request is {state}; only an open request can be {action}."
ERR_OWN_REQUEST = (
    "You asked for this review; another editor of the agency must review it. "
    "Withdraw it instead if you no longer want it reviewed."
)
ERR_NOT_AUTHOR = "Only the editor who asked for this review may withdraw it."
ERR_COMMENT_REQUIRED = "Write a comment that tells the author what to change."
ERR_ASK_REVISION_CHANGED = (
    "The draft changed after the revision you named; read it again and ask about its current "
    "revision."
)
ERR_CHANGE_SUMMARY_REQUIRED = "Write a summary of the change for the public version history."
ERR_TEXT_TOO_LONG = "Write at most {limit} characters."
ERR_CHANGED_SINCE_ASKED = (
    "The draft changed after review was asked (it was saved again, or discarded), so this request "
    "no longer describes it. The author must ask for review of the current draft."
)


@dataclass(frozen=True)
class ReviewSummary:
    """A request with what its pages show: the algorithm, the people, and whether the draft is
    still the revision asked about."""

    request: ReviewRequest
    algorithm: Algorithm
    requested_by: Account
    decided_by: Account | None
    draft: CardDraft | None

    @property
    def draft_changed(self) -> bool:
        return self.draft is None or drafts.draft_revision(self.draft) != self.request.revision


def _clean_text(value: str, field: str, *, required: str | None = None) -> str:
    """``value`` stripped; 422 naming ``field`` when too long, or empty and ``required`` (the
    message to give)."""
    text = value.strip()
    if required and not text:
        raise Invalid(
            required, details=[{"loc": ["body", field], "msg": required, "type": "missing"}]
        )
    if len(text) > REVIEW_NOTE_MAX:
        msg = ERR_TEXT_TOO_LONG.format(limit=REVIEW_NOTE_MAX)
        raise Invalid(msg, details=[{"loc": ["body", field], "msg": msg, "type": "too_long"}])
    return text


def _record(
    session: Session, *, actor: Account, algorithm: Algorithm, action: str, request: ReviewRequest
) -> None:
    record_event(
        session,
        at=request.decided_at or request.requested_at,
        actor_id=actor.id,
        action=action,
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload={"review_request_id": request.id, "revision": request.revision},
    )


def _open_request(session: Session, algorithm: Algorithm) -> ReviewRequest | None:
    return session.exec(
        select(ReviewRequest).where(
            ReviewRequest.algorithm_id == algorithm.id, ReviewRequest.state == ReviewState.open
        )
    ).first()


def ask_for_review(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    note: str = "",
    revision: str | None = None,
    now: datetime,
) -> ReviewRequest:
    """Put the current draft revision in the agency's review queue (editors of the agency).

    ``revision``: the revision the author means (412 if the draft changed since); None takes the
    current one. One open request per algorithm: 409 if the same revision is already asked about;
    an open request about an earlier revision is superseded by the new one.
    """
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED)
    draft = drafts.find_draft(session, algorithm)
    if draft is None:
        raise Conflict(ERR_NO_DRAFT_TO_REVIEW)
    current = drafts.draft_revision(draft)
    if revision is not None and revision != current:
        raise PreconditionFailed(ERR_ASK_REVISION_CHANGED)
    text = _clean_text(note, "note")
    earlier = _open_request(session, algorithm)
    if earlier is not None:
        if earlier.revision == current:
            raise Conflict(ERR_ALREADY_ASKED.format(request_id=earlier.id))
        earlier.state = ReviewState.superseded
        earlier.decided_by_id = actor.id
        earlier.decided_at = now
        session.add(earlier)
        session.flush()
        _record(
            session, actor=actor, algorithm=algorithm, action="review.superseded", request=earlier
        )
    request = ReviewRequest(
        algorithm_id=algorithm.id,  # type: ignore[arg-type]
        revision=current,
        requested_by_id=actor.id,  # type: ignore[arg-type]
        requested_at=now,
        note=text,
    )
    session.add(request)
    session.flush()
    _record(session, actor=actor, algorithm=algorithm, action="review.requested", request=request)
    session.commit()
    return request


def get_request(
    session: Session, *, actor: Account | None, algorithm: Algorithm, request_id: int
) -> ReviewRequest:
    """One request of ``algorithm``, for editors of its agency (404 if it belongs elsewhere)."""
    require_editor_of(actor, algorithm.agency_id)
    request = session.get(ReviewRequest, request_id)
    if request is None or request.algorithm_id != algorithm.id:
        raise NotFound(ERR_REVIEW_NOT_FOUND.format(request_id=request_id))
    return request


def list_requests(
    session: Session, *, actor: Account | None, algorithm: Algorithm
) -> list[ReviewRequest]:
    """Every request of ``algorithm``, newest first (editors of its agency)."""
    require_editor_of(actor, algorithm.agency_id)
    return list(
        session.exec(
            select(ReviewRequest)
            .where(ReviewRequest.algorithm_id == algorithm.id)
            .order_by(col(ReviewRequest.id).desc())
        ).all()
    )


def _require_open(request: ReviewRequest, action: str) -> None:
    if request.state != ReviewState.open:
        raise Conflict(ERR_NOT_OPEN.format(state=request.state.value, action=action))


def _locked_request(session: Session, request: ReviewRequest) -> ReviewRequest:
    locked = session.get(ReviewRequest, request.id, with_for_update=True, populate_existing=True)
    assert locked is not None  # requests are never deleted
    return locked


def return_with_comment(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    request: ReviewRequest,
    comment: str,
    four_eyes: bool,
    now: datetime,
) -> ReviewRequest:
    """Send an open request back to its author with a comment (another editor of the agency).

    403 for the author (they withdraw instead) and, under four-eyes, for the draft's last editor
    (the same rule as publishing); 422 without a comment; 409 unless open.
    """
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    request = _locked_request(session, request)
    _require_open(request, "returned")
    if request.requested_by_id == actor.id:
        raise Forbidden(ERR_OWN_REQUEST)
    draft = drafts.find_draft(session, algorithm)
    if draft is not None:
        drafts.require_second_person(draft, actor, four_eyes=four_eyes)
    request.comment = _clean_text(comment, "comment", required=ERR_COMMENT_REQUIRED)
    request.state = ReviewState.returned
    request.decided_by_id = actor.id
    request.decided_at = now
    session.add(request)
    session.flush()
    _record(session, actor=actor, algorithm=algorithm, action="review.returned", request=request)
    session.commit()
    return request


def withdraw_request(
    session: Session, *, actor: Account, algorithm: Algorithm, request: ReviewRequest, now: datetime
) -> ReviewRequest:
    """The author takes an open request back (403 for anyone else, 409 unless open)."""
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    request = _locked_request(session, request)
    if request.requested_by_id != actor.id:
        raise Forbidden(ERR_NOT_AUTHOR)
    _require_open(request, "withdrawn")
    request.state = ReviewState.withdrawn
    request.decided_by_id = actor.id
    request.decided_at = now
    session.add(request)
    session.flush()
    _record(session, actor=actor, algorithm=algorithm, action="review.withdrawn", request=request)
    session.commit()
    return request


def publish_reviewed(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    request: ReviewRequest,
    change_summary: str,
    four_eyes: bool,
    now: datetime,
) -> CardVersion:
    """Publish exactly the revision the request names (``drafts.publish_draft``: the four-eyes
    rule, the publish validation). 412 ``ERR_CHANGED_SINCE_ASKED`` if the draft changed since;
    409 unless open. The request is closed as published in the same transaction."""
    require_editor_of(actor, algorithm.agency_id)
    _require_open(request, "published")
    summary = _clean_text(change_summary, "change_summary", required=ERR_CHANGE_SUMMARY_REQUIRED)
    try:
        return drafts.publish_draft(
            session,
            actor=actor,
            algorithm=algorithm,
            change_summary=summary,
            four_eyes=four_eyes,
            revision=request.revision,
            now=now,
        )
    except PreconditionFailed as exc:
        raise PreconditionFailed(ERR_CHANGED_SINCE_ASKED) from exc
    except Conflict as exc:
        if exc.message == drafts.ERR_NO_DRAFT_TO_PUBLISH:
            raise PreconditionFailed(ERR_CHANGED_SINCE_ASKED) from exc
        raise


def _summaries(session: Session, requests: list[ReviewRequest]) -> list[ReviewSummary]:
    out = []
    for request in requests:
        algorithm = session.get(Algorithm, request.algorithm_id)
        requested_by = session.get(Account, request.requested_by_id)
        assert algorithm is not None and requested_by is not None  # foreign keys
        decided_by = session.get(Account, request.decided_by_id) if request.decided_by_id else None
        out.append(
            ReviewSummary(
                request, algorithm, requested_by, decided_by, drafts.find_draft(session, algorithm)
            )
        )
    return out


def summary_of(session: Session, request: ReviewRequest) -> ReviewSummary:
    return _summaries(session, [request])[0]


def open_reviews_for_agency(session: Session, agency_id: int) -> list[ReviewSummary]:
    """The agency's open review requests, oldest first (the review queue)."""
    requests = session.exec(
        select(ReviewRequest)
        .join(Algorithm, col(Algorithm.id) == ReviewRequest.algorithm_id)
        .where(Algorithm.agency_id == agency_id, ReviewRequest.state == ReviewState.open)
        .order_by(col(ReviewRequest.requested_at), col(ReviewRequest.id))
    ).all()
    return _summaries(session, list(requests))


def review_state_of(session: Session, algorithm: Algorithm) -> ReviewSummary | None:
    """The algorithm's latest review request (open, returned, ...), or None if none was asked.

    For the editor home page: ``request.state`` open is "awaiting review" (``draft_changed`` says
    whether the draft moved on since), returned carries the reviewer's comment.
    """
    latest = session.exec(
        select(ReviewRequest)
        .where(ReviewRequest.algorithm_id == algorithm.id)
        .order_by(col(ReviewRequest.id).desc())
    ).first()
    return summary_of(session, latest) if latest is not None else None


def reviewers_for(
    session: Session, *, algorithm: Algorithm, draft: CardDraft | None, four_eyes: bool
) -> list[Account]:
    """Active editors of the agency who may publish the draft under the four-eyes rule."""
    editors = session.exec(
        select(Account)
        .where(
            Account.role == Role.agency_editor,
            Account.agency_id == algorithm.agency_id,
            col(Account.active).is_(True),
        )
        .order_by(col(Account.display_name), col(Account.id))
    ).all()
    if draft is None:
        return list(editors)
    return [a for a in editors if drafts.may_publish(draft, a, four_eyes=four_eyes)]


def request_public(summary: ReviewSummary) -> ReviewRequestPublic:
    return ReviewRequestPublic.model_validate(
        summary.request,
        update={"public_id": summary.algorithm.public_id, "draft_changed": summary.draft_changed},
    )


def find_request(session: Session, *, actor: Account | None, request_id: int) -> ReviewSummary:
    """A request by id, for editors of its algorithm's agency: 404 if none, 403 for others."""
    request = session.get(ReviewRequest, request_id)
    if request is None:
        raise NotFound(ERR_UNKNOWN_REQUEST.format(request_id=request_id))
    summary = summary_of(session, request)
    require_editor_of(actor, summary.algorithm.agency_id)
    return summary


@dataclass(frozen=True)
class ReviewContext:
    """What the console's review pages show about one algorithm's draft."""

    algorithm: Algorithm
    agency: Agency
    draft: CardDraft | None
    published: CardVersion | None
    history: list[ReviewSummary]  # every request, newest first
    reviewers: list[Account]  # who may publish the draft under the four-eyes rule
    last_editor: Account | None  # the draft's

    @property
    def open(self) -> ReviewSummary | None:
        return next((s for s in self.history if s.request.state == ReviewState.open), None)


def review_context(
    session: Session, *, actor: Account | None, algorithm: Algorithm, four_eyes: bool
) -> ReviewContext:
    """The draft, the last published version, the requests and the possible reviewers (editors
    of the agency only)."""
    require_editor_of(actor, algorithm.agency_id)
    agency = session.get(Agency, algorithm.agency_id)
    assert agency is not None  # foreign key
    draft = drafts.find_draft(session, algorithm)
    published = (
        versions.get_version(session, algorithm, algorithm.current_version)
        if algorithm.current_version is not None
        else None
    )
    history = _summaries(session, list_requests(session, actor=actor, algorithm=algorithm))
    reviewers = reviewers_for(session, algorithm=algorithm, draft=draft, four_eyes=four_eyes)
    last_editor = session.get(Account, draft.last_editor_id) if draft is not None else None
    return ReviewContext(algorithm, agency, draft, published, history, reviewers, last_editor)
