"""Algorithms: create (with a first draft), look up with visibility rules, retire.

An algorithm's ``public_id`` is permanent and never reused. Its listing columns (name, summary,
scenario, ...) come from the latest published card, or from the draft before the first publish.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from registry.cards import validate_draft
from registry.errors import Conflict, Invalid, NotFound
from registry.models import (
    Account,
    Agency,
    Algorithm,
    AlgorithmCreate,
    AlgorithmPublic,
    AlgorithmState,
    CardDraft,
    Role,
)
from registry.services.cards.agencies import get_agency
from registry.services.cards.permissions import (
    can_see_unpublished,
    require_can_retire,
    require_editor_of,
)
from registry.services.events import record_event
from registry.services.public import search_index
from registry.services.transactions import commit_or_conflict

CROCKFORD_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
PUBLIC_ID_ATTEMPTS = 20

ERR_ALGORITHM_NOT_FOUND = "No algorithm with public id '{public_id}'."
ERR_DUPLICATE_SOURCE_ID = "Agency '{agency}' already has an algorithm with source_id '{source_id}'."
ERR_AGENCY_REQUIRED = "Name the agency (slug) this algorithm belongs to."
ERR_ALREADY_RETIRED = "This algorithm was already retired."
ERR_RETIRE_UNPUBLISHED = (
    "This algorithm was never published; only published algorithms can be retired."
)
ERR_CARD_NAME_REQUIRED = "A draft card needs a name."
ERR_CARD_FIELD_TOO_LONG = "'{field}' is longer than {limit} characters."
ERR_PUBLIC_ID_EXHAUSTED = "Could not allocate a unique public id; try again."

# Card field -> (algorithm column, longest accepted text).
LISTING_FIELDS: dict[str, tuple[str, int]] = {
    "name": ("name", 200),
    "summary": ("summary", 2000),
    "scenario": ("scenario", 40),
    "risk_category": ("risk_category", 40),
    "status": ("lifecycle_status", 40),
    "language": ("language", 35),
}


def new_public_id() -> str:
    return "alg-" + "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(8))


def _allocate_public_id(session: Session) -> str:
    for _ in range(PUBLIC_ID_ATTEMPTS):
        candidate = new_public_id()
        if (
            session.exec(select(Algorithm.id).where(Algorithm.public_id == candidate)).first()
            is None
        ):
            return candidate
    raise Conflict(ERR_PUBLIC_ID_EXHAUSTED)


def validated_draft_card(card: dict[str, Any]) -> dict[str, Any]:
    """Draft-level validation plus what the listing needs: a name, text that fits its columns."""
    try:
        clean = validate_draft(card)
    except Invalid as exc:
        for detail in exc.details:
            detail["loc"] = ["body", *detail.get("loc", [])]
        raise
    if not clean.get("name"):
        raise Invalid(
            ERR_CARD_NAME_REQUIRED,
            details=[
                {"loc": ["body", "card", "name"], "msg": ERR_CARD_NAME_REQUIRED, "type": "missing"}
            ],
        )
    for field, (_column, limit) in LISTING_FIELDS.items():
        value = clean.get(field)
        if isinstance(value, str) and len(value) > limit:
            msg = ERR_CARD_FIELD_TOO_LONG.format(field=field, limit=limit)
            raise Invalid(
                msg, details=[{"loc": ["body", "card", field], "msg": msg, "type": "too_long"}]
            )
    return clean


def copy_listing_fields(algorithm: Algorithm, card: dict[str, Any]) -> None:
    for field, (column, _limit) in LISTING_FIELDS.items():
        value = card.get(field)
        if column == "summary":
            value = value or ""
        setattr(algorithm, column, None if value is None and column != "summary" else value)


def get_algorithm(session: Session, public_id: str, *, viewer: Account | None) -> Algorithm:
    """The algorithm if ``viewer`` may see it; a never-published one is 404 to everyone else."""
    algorithm = session.exec(select(Algorithm).where(Algorithm.public_id == public_id)).first()
    if algorithm is None:
        raise NotFound(ERR_ALGORITHM_NOT_FOUND.format(public_id=public_id))
    if algorithm.state == AlgorithmState.draft and not can_see_unpublished(viewer, algorithm):
        raise NotFound(ERR_ALGORITHM_NOT_FOUND.format(public_id=public_id))
    return algorithm


def get_algorithm_by_source(
    session: Session, *, agency_id: int, source_id: str
) -> Algorithm | None:
    query = select(Algorithm).where(
        Algorithm.agency_id == agency_id, Algorithm.source_id == source_id
    )
    return session.exec(query).first()


def lock_for_update(session: Session, algorithm: Algorithm) -> Algorithm:
    """Re-read ``algorithm`` with a row lock (PostgreSQL) so concurrent writes queue up."""
    locked = session.get(Algorithm, algorithm.id, with_for_update=True, populate_existing=True)
    if locked is None:  # pragma: no cover - rows are never deleted
        raise NotFound(ERR_ALGORITHM_NOT_FOUND.format(public_id=algorithm.public_id))
    return locked


def _resolve_agency(session: Session, actor: Account, slug: str | None) -> Agency:
    if slug:
        return get_agency(session, slug)
    if actor.role == Role.agency_editor and actor.agency_id is not None:
        agency = session.get(Agency, actor.agency_id)
        if agency is not None:
            return agency
    raise Invalid(
        ERR_AGENCY_REQUIRED,
        details=[{"loc": ["body", "agency"], "msg": ERR_AGENCY_REQUIRED, "type": "missing"}],
    )


def add_algorithm(
    session: Session, *, actor: Account, data: AlgorithmCreate, now: datetime
) -> Algorithm:
    """Stage a new algorithm in state draft with its first draft card (no commit)."""
    agency = _resolve_agency(session, actor, data.agency)
    assert agency.id is not None  # a row loaded from the database has its primary key
    require_editor_of(actor, agency.id)
    card = validated_draft_card(data.card)
    if data.source_id and get_algorithm_by_source(
        session, agency_id=agency.id, source_id=data.source_id
    ):
        raise Conflict(ERR_DUPLICATE_SOURCE_ID.format(agency=agency.slug, source_id=data.source_id))
    return stage_new_algorithm(
        session, agency=agency, editor_id=actor.id, card=card, source_id=data.source_id, now=now
    )


def stage_new_algorithm(
    session: Session,
    *,
    agency: Agency,
    editor_id: int | None,
    card: dict[str, Any],
    now: datetime,
    source_id: str | None = None,
    provenance: dict[str, str | None] | None = None,
) -> Algorithm:
    """Stage the rows of a new draft algorithm and its event (no commit, no permission check:
    callers check). ``card`` is already validated at draft level; ``provenance`` fills the
    ``import_*`` columns of an imported record (and goes into the event's payload)."""
    algorithm = Algorithm(
        public_id=_allocate_public_id(session),
        agency_id=agency.id,  # type: ignore[arg-type]
        source_id=source_id,
        state=AlgorithmState.draft,
        name=card["name"],
        created_at=now,
        updated_at=now,
    )
    if provenance:
        algorithm.import_standard = provenance.get("standard")
        algorithm.import_standard_version = provenance.get("standard_version")
        algorithm.import_source_id = provenance.get("source_id")
        algorithm.import_content_key = provenance.get("content_key")
    copy_listing_fields(algorithm, card)
    session.add(algorithm)
    session.flush()
    session.add(
        CardDraft(
            algorithm_id=algorithm.id,  # type: ignore[arg-type]
            card=card,
            based_on_version=None,
            last_editor_id=editor_id,  # type: ignore[arg-type]
            created_at=now,
            updated_at=now,
        )
    )
    payload: dict[str, Any] = {
        "agency": agency.slug,
        "source_id": source_id,
        "name": algorithm.name,
    }
    if provenance:
        payload["imported"] = provenance
    record_event(
        session,
        at=now,
        actor_id=editor_id,
        action="algorithm.created",
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload=payload,
    )
    session.flush()
    return algorithm


def create_algorithm(
    session: Session, *, actor: Account, data: AlgorithmCreate, now: datetime
) -> Algorithm:
    """Register a new algorithm with a draft card. 409 on a duplicate source_id in the agency."""
    algorithm = add_algorithm(session, actor=actor, data=data, now=now)
    commit_or_conflict(
        session, ERR_DUPLICATE_SOURCE_ID.format(agency=data.agency, source_id=data.source_id)
    )
    return algorithm


def mark_retired(
    session: Session, *, actor: Account | None, algorithm: Algorithm, reason: str, now: datetime
) -> Algorithm:
    """Stage the retirement (no commit). It stays online; no version is live after it."""
    require_can_retire(actor, algorithm)
    algorithm = lock_for_update(session, algorithm)
    if algorithm.state == AlgorithmState.retired:
        raise Conflict(ERR_ALREADY_RETIRED)
    if algorithm.state == AlgorithmState.draft:
        raise Conflict(ERR_RETIRE_UNPUBLISHED)
    algorithm.state = AlgorithmState.retired
    algorithm.retired_at = now
    algorithm.retired_reason = reason
    algorithm.updated_at = now
    session.add(algorithm)
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="algorithm.retired",
        subject_type="algorithm",
        subject_id=algorithm.public_id,
        payload={"reason": reason, "last_version": algorithm.current_version},
    )
    search_index.sync(session)
    return algorithm


def retire_algorithm(
    session: Session, *, actor: Account | None, algorithm: Algorithm, reason: str, now: datetime
) -> Algorithm:
    """Retire a published algorithm (admin, or an editor of its agency). 409 if already retired."""
    algorithm = mark_retired(session, actor=actor, algorithm=algorithm, reason=reason, now=now)
    session.commit()
    return algorithm


def algorithm_public(session: Session, algorithm: Algorithm) -> AlgorithmPublic:
    agency = session.get(Agency, algorithm.agency_id)
    return AlgorithmPublic.model_validate(
        algorithm, update={"agency": agency.slug if agency else ""}
    )
