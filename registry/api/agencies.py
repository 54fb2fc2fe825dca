"""Agencies: public list and detail; admins create them."""

from __future__ import annotations

from fastapi import APIRouter, status

from registry.api.deps import AgencyDep, ClockDep, CurrentAccount, SessionDep
from registry.api.responses import OPTIONAL_AUTH, errors
from registry.models import AgencyCreate, AgencyPublic
from registry.services.cards import agencies as service

router = APIRouter(prefix="/agencies", tags=["agencies"])


@router.get("", response_model=list[AgencyPublic], responses=errors(), openapi_extra=OPTIONAL_AUTH)
def list_agencies(session: SessionDep) -> list[AgencyPublic]:
    """All agencies, by slug."""
    return [service.agency_public(a) for a in service.list_agencies(session)]


@router.get(
    "/{slug}", response_model=AgencyPublic, responses=errors(404), openapi_extra=OPTIONAL_AUTH
)
def get_agency(agency: AgencyDep) -> AgencyPublic:
    """One agency by its slug."""
    return service.agency_public(agency)


@router.post(
    "",
    response_model=AgencyPublic,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, write=True),
)
def create_agency(
    body: AgencyCreate, session: SessionDep, actor: CurrentAccount, clock: ClockDep
) -> AgencyPublic:
    """Register a public body (admin only). 409 if the slug is taken."""
    agency = service.create_agency(session, actor=actor, data=body, now=clock.now())
    return service.agency_public(agency)
