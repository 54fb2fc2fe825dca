"""Published card versions: list, fetch one, and "which version was live at time T"."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from registry.db import MAX_INTEGER
from registry.errors import Invalid, NotFound
from registry.models import Algorithm, CardVersion, CardVersionPublic
from registry.services.canonical import iso

ERR_VERSION_NOT_FOUND = "Algorithm '{public_id}' has no version {number}."
ERR_NAIVE_AT = "'at' must include a timezone offset, e.g. 2024-05-01T12:00:00Z."
ERR_NOT_YET_LIVE = "No version of '{public_id}' was live at {at}: the first was published {first}."
ERR_NEVER_PUBLISHED = "No version of '{public_id}' has been published."
ERR_RETIRED_AT = "No version of '{public_id}' was live at {at}: it was retired {retired}."


def list_versions(session: Session, algorithm: Algorithm) -> list[CardVersion]:
    query = (
        select(CardVersion)
        .where(CardVersion.algorithm_id == algorithm.id)
        .order_by(CardVersion.number)  # type: ignore[arg-type]
    )
    return list(session.exec(query))


def get_version(session: Session, algorithm: Algorithm, number: int) -> CardVersion:
    if not 1 <= number <= MAX_INTEGER:  # no such version; PostgreSQL cannot even compare it
        raise NotFound(ERR_VERSION_NOT_FOUND.format(public_id=algorithm.public_id, number=number))
    version = session.exec(
        select(CardVersion).where(
            CardVersion.algorithm_id == algorithm.id, CardVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound(ERR_VERSION_NOT_FOUND.format(public_id=algorithm.public_id, number=number))
    return version


def live_version_at(session: Session, algorithm: Algorithm, at: datetime) -> CardVersion:
    """The version published and in force at ``at``; 404 before the first, after retirement."""
    if at.tzinfo is None:
        raise Invalid(
            ERR_NAIVE_AT,
            details=[{"loc": ["query", "at"], "msg": ERR_NAIVE_AT, "type": "value_error"}],
        )
    if algorithm.retired_at is not None and at >= algorithm.retired_at:
        raise NotFound(
            ERR_RETIRED_AT.format(
                public_id=algorithm.public_id, at=iso(at), retired=iso(algorithm.retired_at)
            )
        )
    version = session.exec(
        select(CardVersion)
        .where(CardVersion.algorithm_id == algorithm.id, CardVersion.published_at <= at)
        .order_by(CardVersion.number.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()
    if version is None:
        if algorithm.first_published_at is None:
            raise NotFound(ERR_NEVER_PUBLISHED.format(public_id=algorithm.public_id))
        raise NotFound(
            ERR_NOT_YET_LIVE.format(
                public_id=algorithm.public_id, at=iso(at), first=iso(algorithm.first_published_at)
            )
        )
    return version


def version_public(algorithm: Algorithm, version: CardVersion) -> CardVersionPublic:
    return CardVersionPublic.model_validate(version, update={"public_id": algorithm.public_id})
