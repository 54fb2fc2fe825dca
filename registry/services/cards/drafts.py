"""The one mutable draft card of an algorithm, and publishing it as an immutable version.

Editing a published algorithm starts a new draft (based on the latest version); the published
versions are never touched. Publishing turns the draft into version n+1 and removes the draft row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from registry.cards import (
    CARD_SCHEMA_VERSION,
    card_sha256,
    missing_required_fields,
    validate_for_publish,
)
from registry.errors import Conflict, Forbidden, NotFound
from registry.models import Account, Algorithm, AlgorithmState, CardDraft, CardVersion, DraftPublic
from registry.services.cards.algorithms import (
    copy_listing_fields,
    lock_for_update,
    validated_draft_card,
)
from registry.services.cards.permissions import require_editor_of
from registry.services.events import record_event
from registry.services.public import search_index
from registry.services.transactions import commit_or_conflict

ERR_NO_DRAFT = "This algorithm has no draft; PUT a card to its draft first."
ERR_NO_DRAFT_TO_PUBLISH = "There is no draft to publish."
ERR_RETIRED_NO_EDITS = "This algorithm is retired; its card can no longer be edited."
ERR_RETIRED_NO_PUBLISH = "This algorithm is retired; no new version can be published."
ERR_FOUR_EYES = (
    "Four-eyes rule: the last editor of a draft cannot publish it; "
    "another editor of the agency must."
)
ERR_CONCURRENT_PUBLISH = "Another version was published at the same moment; reload and try again."


class FourEyesViolation(Forbidden):
    code = "four_eyes"


def find_draft(session: Session, algorithm: Algorithm) -> CardDraft | None:
    return session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).first()


def get_draft(session: Session, *, actor: Account | None, algorithm: Algorithm) -> CardDraft:
    """The draft, for editors of the algorithm's agency. 404 when there is none."""
    require_editor_of(actor, algorithm.agency_id)
    draft = find_draft(session, algorithm)
    if draft is None:
        raise NotFound(ERR_NO_DRAFT)
    return draft


def stage_draft(
    session: Session, *, actor: Account, algorithm: Algorithm, card: dict[str, Any], now: datetime
) -> CardDraft:
    """Write the draft card, starting a draft from the latest version if none; no commit."""
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED_NO_EDITS)
    clean = validated_draft_card(card)
    draft = find_draft(session, algorithm)
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
    session: Session, *, actor: Account, algorithm: Algorithm, card: dict[str, Any], now: datetime
) -> CardDraft:
    """Replace the draft card (editors of the agency). Published versions stay as they are."""
    draft = stage_draft(session, actor=actor, algorithm=algorithm, card=card, now=now)
    session.commit()
    return draft


def stage_publish(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    change_summary: str,
    four_eyes: bool,
    now: datetime,
) -> CardVersion:
    """Turn the draft into the next immutable version (no commit)."""
    require_editor_of(actor, algorithm.agency_id)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_RETIRED_NO_PUBLISH)
    draft = find_draft(session, algorithm)
    if draft is None:
        raise Conflict(ERR_NO_DRAFT_TO_PUBLISH)
    if four_eyes and draft.last_editor_id == actor.id:
        raise FourEyesViolation(ERR_FOUR_EYES)
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
    search_index.sync(session)
    return version


def publish_draft(
    session: Session,
    *,
    actor: Account,
    algorithm: Algorithm,
    change_summary: str,
    four_eyes: bool,
    now: datetime,
) -> CardVersion:
    """Publish the draft as version n+1. 409 without a draft or when retired; 403 ``four_eyes``."""
    version = stage_publish(
        session,
        actor=actor,
        algorithm=algorithm,
        change_summary=change_summary,
        four_eyes=four_eyes,
        now=now,
    )
    commit_or_conflict(session, ERR_CONCURRENT_PUBLISH)
    return version


def draft_public(algorithm: Algorithm, draft: CardDraft) -> DraftPublic:
    return DraftPublic.model_validate(
        draft,
        update={
            "public_id": algorithm.public_id,
            "missing_required_fields": list(missing_required_fields(draft.card)),
        },
    )
