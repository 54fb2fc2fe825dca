"""Agencies: create, look up, list."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from registry.errors import Conflict, NotFound
from registry.models import Account, Agency, AgencyCreate, AgencyPublic
from registry.services.cards.permissions import require_admin
from registry.services.events import record_event
from registry.services.public import search_index
from registry.services.transactions import commit_or_conflict
from registry.spoofing import looks_alike, name_key

ERR_AGENCY_NOT_FOUND = "No agency with slug '{slug}'."
ERR_DUPLICATE_SLUG = "An agency with slug '{slug}' already exists."
ERR_AGENCY_NAME_TAKEN = "An agency named '{name}' already exists (slug '{slug}')."
ERR_AGENCY_NAME_LOOKALIKE = (
    "'{name}' looks like the name of the existing agency '{existing}' (slug '{slug}'): "
    "choose a name that cannot be mistaken for it."
)


def get_agency(session: Session, slug: str) -> Agency:
    agency = session.exec(select(Agency).where(Agency.slug == slug)).first()
    if agency is None:
        raise NotFound(ERR_AGENCY_NOT_FOUND.format(slug=slug))
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.exec(select(Agency).order_by(Agency.slug)))  # type: ignore[arg-type]


def require_distinct_name(session: Session, name: str) -> None:
    """409 naming the existing agency when ``name`` repeats its name (case and spacing aside,
    after NFKC) or could be mistaken for it (same skeleton: see ``registry.spoofing``)."""
    key = name_key(name)
    for slug, existing in session.exec(select(Agency.slug, Agency.name).order_by(Agency.slug)):  # type: ignore[arg-type]
        if name_key(existing) == key:
            message = ERR_AGENCY_NAME_TAKEN.format(name=existing, slug=slug)
            kind = "duplicate"
        elif looks_alike(existing, name):
            message = ERR_AGENCY_NAME_LOOKALIKE.format(name=name, existing=existing, slug=slug)
            kind = "lookalike"
        else:
            continue
        raise Conflict(message, details=[{"loc": ["body", "name"], "msg": message, "type": kind}])


def add_agency(
    session: Session, *, actor: Account | None, data: AgencyCreate, now: datetime
) -> Agency:
    """Stage a new agency and its event (no commit)."""
    require_admin(actor)
    if session.exec(select(Agency.id).where(Agency.slug == data.slug)).first() is not None:
        raise Conflict(ERR_DUPLICATE_SLUG.format(slug=data.slug))
    require_distinct_name(session, data.name)
    agency = Agency.model_validate(data, update={"created_at": now})
    session.add(agency)
    session.flush()
    record_event(
        session,
        at=now,
        actor_id=actor.id if actor else None,
        action="agency.created",
        subject_type="agency",
        subject_id=agency.slug,
        payload=data.model_dump(mode="json"),
    )
    search_index.sync(session)
    return agency


def create_agency(
    session: Session, *, actor: Account | None, data: AgencyCreate, now: datetime
) -> Agency:
    """Create an agency (admin only). 409 if the slug is taken or the name repeats, or looks
    like, an existing agency's."""
    agency = add_agency(session, actor=actor, data=data, now=now)
    commit_or_conflict(session, ERR_DUPLICATE_SLUG.format(slug=data.slug))
    return agency


def agency_public(agency: Agency) -> AgencyPublic:
    return AgencyPublic.model_validate(agency)
