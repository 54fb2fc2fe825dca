"""The one mutable draft card of an algorithm, and publishing it as an immutable version.

Editing a published algorithm starts a new draft (based on the latest version); the published
versions are never touched. Publishing turns the draft into version n+1 and removes the draft row.

Every draft has a **revision**: the sha256 of its canonical JSON (card, base version, last editor,
creation and last-save times), so any save changes it and a new draft after a publish never
repeats an earlier one. The API serves it as the draft's strong ``ETag``. Publishing must name the
revision the reviewer read (four-eyes approves that text, not whatever the draft holds by then);
a save may name the revision it started from, so one editor cannot silently overwrite another.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from registry.cards import (
    CARD_SCHEMA_VERSION,
    card_sha256,
    missing_required_fields,
    validate_for_publish,
)
from registry.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from registry.models import (
    Account,
    Algorithm,
    AlgorithmState,
    CardDraft,
    CardVersion,
    DraftPublic,
    ReviewRequest,
    ReviewState,
)
from registry.services.canonical import canonical_dumps, sha256_hex
from registry.services.cards.algorithms import (
    copy_listing_fields,
    lock_for_update,
    validated_draft_card,
)
from registry.services.cards.permissions import require_editor_of
from registry.services.events import record_event
from registry.services.merge_patch import merge_patch
from registry.services.public import search_index
from registry.services.transactions import commit_or_conflict

ERR_NO_DRAFT = "This algorithm has no draft; PUT a card to its draft first."
ERR_NO_DRAFT_TO_PUBLISH = "There is no draft to publish."
ERR_DISCARD_UNPUBLISHED = (
    "This algorithm was never published: its draft is its only card and cannot be discarded. "
    "Edit the draft instead."
)
ERR_RETIRED_NO_EDITS = "This algorithm is retired; its card can no longer be edited."
ERR_RETIRED_NO_PUBLISH = "This algorithm is retired; no new version can be published."
ERR_FOUR_EYES = (
    "Four-eyes rule: the last editor of a draft cannot publish it; "
    "another editor of the agency must."
)
ERR_FOUR_EYES_INCOMPLETE = (
    " The draft is also incomplete: {n} required field(s) must be filled before anyone can "
    "publish it (listed in details)."
)
ERR_NOTHING_TO_PATCH = (
    "This algorithm has neither a draft nor a published version to patch; PUT a whole card to "
    "its draft instead."
)
ERR_CARD_NOT_REMOVABLE = "The card cannot be removed; patch its fields instead."
ERR_CARD_PATCH_NOT_OBJECT = (
    "'card' must be a JSON object naming the fields to change (null removes a field)."
)
ERR_REVISION_REQUIRED = (
    "Name the draft revision you reviewed: send it as 'If-Match: \"<revision>\"' (the ETag of "
    "GET .../draft) or as 'revision' in the body."
)
ERR_REVISION_STAR = (
    "'If-Match: *' names no revision; send the ETag of the draft you reviewed, so that only that "
    "text is published."
)
ERR_REVISION_CHANGED = (
    "The draft changed after the revision you reviewed; read it again (GET .../draft), review "
    "the changes and publish with its current revision."
)
ERR_SAVE_REVISION_CHANGED = (
    "The draft changed after the revision you read (someone else saved it, or it was published); "
    "read it again and reapply your changes."
)
ERR_REVISIONS_DISAGREE = "The If-Match header and 'revision' name different revisions; send one."

#: ``If-Match: *``: any current draft (RFC 9110); accepted when saving, refused when publishing.
ANY_REVISION = "*"
ERR_CONCURRENT_PUBLISH = "Another version was published at the same moment; reload and try again."


class FourEyesViolation(Forbidden):
    code = "four_eyes"


def may_publish(draft: CardDraft, actor: Account, *, four_eyes: bool) -> bool:
    """The four-eyes rule, the one place it is written: with ``four_eyes`` on, the draft's last
    editor may not publish it (another editor of the agency must); off, any editor may."""
    return not (four_eyes and draft.last_editor_id == actor.id)


def require_second_person(draft: CardDraft, actor: Account, *, four_eyes: bool) -> None:
    """403 ``four_eyes`` unless :func:`may_publish` (listing the missing fields of an
    incomplete draft too, see :func:`_four_eyes_refusal`)."""
    if not may_publish(draft, actor, four_eyes=four_eyes):
        raise _four_eyes_refusal(draft)


def draft_revision(draft: CardDraft) -> str:
    """The draft's revision: sha256 of its canonical JSON. Changes with every save."""
    return sha256_hex(
        canonical_dumps(
            {
                "algorithm_id": draft.algorithm_id,
                "based_on_version": draft.based_on_version,
                "card": draft.card,
                "last_editor_id": draft.last_editor_id,
                "created_at": draft.created_at,
                "updated_at": draft.updated_at,
            }
        )
    )


def require_save_precondition(draft: CardDraft | None, if_match: Collection[str] | None) -> None:
    """``If-Match`` on a save: 412 unless the current draft is one of the listed revisions."""
    if if_match is None:
        return
    if draft is None or (ANY_REVISION not in if_match and draft_revision(draft) not in if_match):
        raise PreconditionFailed(ERR_SAVE_REVISION_CHANGED)


def require_reviewed_revision(draft: CardDraft, revision: str | None) -> None:
    """Publishing names the reviewed revision: 428 when it does not, 412 when the draft changed."""
    if revision is None:
        raise PreconditionRequired(ERR_REVISION_REQUIRED)
    if revision == ANY_REVISION:
        raise PreconditionRequired(ERR_REVISION_STAR)
    if revision != draft_revision(draft):
        raise PreconditionFailed(ERR_REVISION_CHANGED)


def find_draft(session: Session, algorithm: Algorithm) -> CardDraft | None:
    return session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).first()


def current_revision(session: Session, algorithm: Algorithm) -> str | None:
    """The revision of ``algorithm``'s draft, or None without one (for in-process publishers:
    the demo loader and tests, which publish what they have just staged)."""
    draft = find_draft(session, algorithm)
    return draft_revision(draft) if draft is not None else None


def get_draft(session: Session, *, actor: Account | None, algorithm: Algorithm) -> CardDraft:
    """The draft, for editors of the algorithm's agency. 404 when there is none."""
    require_editor_of(actor, algorithm.agency_id)
    draft = find_draft(session, algorithm)
    if draft is None:
        raise NotFound(ERR_NO_DRAFT)
    return draft


def stage_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    card: dict[str, Any],
    now: datetime,
    if_match: Collection[str] | None = None,
) -> CardDraft:
    """Write the draft card, starting a draft from the latest version if none; no commit.

    ``if_match``: the revisions the caller started from (``ANY_REVISION`` for any draft); 412 when
    the draft is none of them. None saves unconditionally.
    """
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED_NO_EDITS)
    clean = validated_draft_card(card)
    draft = find_draft(session, algorithm)
    require_save_precondition(draft, if_match)
    if draft is None:
        draft = CardDraft(
            algorithm_id=algorithm.id,  # type: ignore[arg-type]
            card=clean,
            based_on_version=algorithm.current_version,
            last_editor_id=actor.id,  # type: ignore[arg-type]
            created_at=now,
            updated_at=now,
        )
    else:
        draft.card = clean
        draft.last_editor_id = actor.id  # type: ignore[assignment]
        draft.updated_at = now
    session.add(draft)
    if algorithm.state == AlgorithmState.draft:
        # Before the first publish the listing shows the draft; afterwards, only published cards.
        copy_listing_fields(algorithm, clean)
        algorithm.updated_at = now
        session.add(algorithm)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action="draft.updated",
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload={"based_on_version": draft.based_on_version, "card_sha256": card_sha256(clean)},
    )
    return draft


def save_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    card: dict[str, Any],
    now: datetime,
    if_match: Collection[str] | None = None,
) -> CardDraft:
    """Replace the draft card (editors of the agency). Published versions stay as they are."""
    draft = stage_draft(
        session, actor=actor, algorithm=algorithm, card=card, now=now, if_match=if_match
    )
    session.commit()
    return draft


def patch_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    card_patch: Any,
    now: datetime,
    if_match: Collection[str] | None = None,
) -> CardDraft:
    """Apply a JSON Merge Patch (RFC 7396) to the draft card and save the result like a PUT.

    Without a draft, the patch applies to the latest published card and starts a new draft (as a
    PUT would); with neither, 404. ``card_patch`` is the patch of the card (the ``card`` member of
    the request's patch document); anything but an object would replace the whole card with a
    non-card, and is refused (422). Events, validation and ``if_match`` as ``save_draft``.
    """
    require_editor_of(actor, algorithm.agency_id)
    if not isinstance(card_patch, dict):
        # RFC 7396 would replace the whole card with this value, which is never a card.
        message = ERR_CARD_NOT_REMOVABLE if card_patch is None else ERR_CARD_PATCH_NOT_OBJECT
        raise Invalid(message, details=[{"loc": ["body", "card"], "msg": message, "type": "card"}])
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED_NO_EDITS)
    draft = find_draft(session, algorithm)
    require_save_precondition(draft, if_match)
    if draft is not None:
        base: dict[str, Any] = draft.card
    else:
        latest = session.exec(
            select(CardVersion).where(
                CardVersion.algorithm_id == algorithm.id,
                CardVersion.number == algorithm.current_version,
            )
        ).first()
        if latest is None:
            raise NotFound(ERR_NOTHING_TO_PATCH)
        base = latest.card
    card = merge_patch(base, card_patch)
    draft = stage_draft(
        session, actor=actor, algorithm=algorithm, card=card, now=now, if_match=if_match
    )
    session.commit()
    return draft


def _four_eyes_refusal(draft: CardDraft) -> FourEyesViolation:
    """The four-eyes refusal; when the draft is also incomplete, ``details`` lists each missing
    field (as a publish by another editor would), so the author learns both at once."""
    try:
        validate_for_publish(draft.card)
    except Invalid as exc:
        missing = [d for d in exc.details if d.get("type") == "missing"]
        if missing:
            message = ERR_FOUR_EYES + ERR_FOUR_EYES_INCOMPLETE.format(n=len(missing))
            return FourEyesViolation(message, details=missing)
    return FourEyesViolation(ERR_FOUR_EYES)


def discard_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    now: datetime,
    if_match: Collection[str] | None = None,
) -> None:
    """Delete the draft of a published (or retired) algorithm; its published versions stay.

    Editors of the agency only. 404 without a draft; 409 for a never-published algorithm (the draft
    is all it has); with ``if_match``, 412 unless the draft is still one of those revisions.
    """
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    draft = find_draft(session, algorithm)
    if draft is None:
        raise NotFound(ERR_NO_DRAFT)
    if algorithm.state == AlgorithmState.draft:
        raise Conflict(ERR_DISCARD_UNPUBLISHED)
    require_save_precondition(draft, if_match)
    revision = draft_revision(draft)
    session.delete(draft)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action="draft.discarded",
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload={"based_on_version": draft.based_on_version, "revision": revision},
    )
    session.commit()


def stage_publish(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    change_summary: str,
    four_eyes: bool,
    revision: str | None,
    now: datetime,
) -> CardVersion:
    """Turn the draft into the next immutable version (no commit).

    ``revision`` is the draft revision the publisher reviewed; see ``require_reviewed_revision``.
    """
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED_NO_PUBLISH)
    draft = find_draft(session, algorithm)
    if draft is None:
        raise Conflict(ERR_NO_DRAFT_TO_PUBLISH)
    require_second_person(draft, actor, four_eyes=four_eyes)
    require_reviewed_revision(draft, revision)
    # Problems are reported against the draft's card (loc starts with "card").
    card = validate_for_publish(draft.card)
    latest = session.exec(
        select(func.max(CardVersion.number)).where(CardVersion.algorithm_id == algorithm.id)
    ).one()
    version = CardVersion(
        algorithm_id=algorithm.id,  # type: ignore[arg-type]
        number=(latest or 0) + 1,
        card=card,
        card_schema_version=CARD_SCHEMA_VERSION,
        change_summary=change_summary,
        author_id=draft.last_editor_id,
        publisher_id=actor.id,  # type: ignore[arg-type]
        created_at=draft.created_at,
        published_at=now,
        sha256=card_sha256(card),
    )
    session.add(version)
    session.delete(draft)
    copy_listing_fields(algorithm, card)
    algorithm.state = AlgorithmState.published
    algorithm.current_version = version.number
    algorithm.first_published_at = algorithm.first_published_at or now
    algorithm.updated_at = now
    session.add(algorithm)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id,
        action="version.published",
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload={
            "number": version.number,
            "sha256": version.sha256,
            "change_summary": change_summary,
            "author_id": version.author_id,
        },
    )
    settle_review_requests(
        session, algorithm=algorithm, actor=actor, revision=revision, version=version, now=now
    )
    search_index.sync(session)
    return version


def settle_review_requests(
    session: Session,
    *,
    algorithm: Algorithm,
    actor: Account,
    revision: str | None,
    version: CardVersion,
    now: datetime,
) -> None:
    """Close the algorithm's open review request when its draft is published, by whatever path
    (console, API, command line): ``published`` if it asked about the published revision,
    ``superseded`` otherwise. Private events: the publication itself is ``version.published``."""
    open_requests = session.exec(
        select(ReviewRequest).where(
            ReviewRequest.algorithm_id == algorithm.id,
            ReviewRequest.state == ReviewState.open,
        )
    ).all()
    for request in open_requests:
        done = request.revision == revision
        request.state = ReviewState.published if done else ReviewState.superseded
        request.decided_by_id = actor.id
        request.decided_at = now
        request.published_version = version.number if done else None
        session.add(request)
        record_event(
            session,
            at=now,
            actor_id=actor.id,
            action="review.published" if done else "review.superseded",
            subject_type="algorithm",
            subject_id=algorithm.public_id,
            payload={"review_request_id": request.id, "version": version.number},
        )


def publish_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    change_summary: str,
    four_eyes: bool,
    revision: str | None,
    now: datetime,
) -> CardVersion:
    """Publish the draft as version n+1. 409 without a draft or when retired; 403 ``four_eyes``;
    428 without the reviewed ``revision``, 412 when the draft changed since."""
    version = stage_publish(
        session,
        actor=actor,
        algorithm=algorithm,
        change_summary=change_summary,
        four_eyes=four_eyes,
        revision=revision,
        now=now,
    )
    commit_or_conflict(session, ERR_CONCURRENT_PUBLISH)
    return version


def draft_public(algorithm: Algorithm, draft: CardDraft) -> DraftPublic:
    return DraftPublic.model_validate(
        draft,
        update={
            "public_id": algorithm.public_id,
            "revision": draft_revision(draft),
            "missing_required_fields": list(missing_required_fields(draft.card)),
        },
    )
