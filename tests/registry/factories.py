"""Small factories for registry tests. Each writes through the services (so events are recorded)
and commits, and returns what a test needs next.

Typical use::

    agency = make_agency(session)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    token = make_token(session, editor)
    client.get("/api/v1/accounts/me", headers=auth_headers(token))
    algorithm = make_published_algorithm(session, agency=agency, versions=3)
"""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from registry.models import (
    Account,
    AccountCreate,
    Agency,
    AgencyCreate,
    Algorithm,
    AlgorithmCreate,
    Role,
)
from registry.services.cards import accounts as accounts
from registry.services.cards import agencies, algorithms, drafts, tokens
from registry.services.clock import FixedClock

# A fixed, timezone-aware start so tests never depend on the wall clock.
T0 = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
_counter = itertools.count(1)

PUBLISHABLE_CARD: dict[str, Any] = {
    "name": "Benefit claim triage",
    "summary": "Ranks incoming housing benefit claims so that urgent cases are handled first.",
    "scenario": "public_services",
    "risk_category": "other",
    "status": "in_use",
    "in_use_from": "2023-03",
    "language": "en",
    "next_review_date": "2026-03-01",
    "accountable_role": "Head of Benefits Operations",
    "contact": {
        "email": "algorithms@example.gov",
        "offline_route": "Call 0100 200 300, weekdays 9-17.",
    },
    "appeal_route": "Ask for a human review at any benefits office or by letter within 6 weeks.",
    "purpose_and_impact": "Orders the queue of claims; a caseworker still decides every claim.",
    "autonomy_level": "advisory",
    "human_oversight": "Caseworkers see the ranking and may reorder any case.",
    "model_type": {"kind": "rules", "self_learning": False},
    "data_summary": "Claim form answers: household size, income band, housing situation.",
    "data_sources": [
        {
            "name": "Claim forms",
            "role": "operational_input",
            "provenance": "Submitted by applicants through the online portal.",
            "personal_data": True,
            "retention": "Seven years after the claim is closed.",
        }
    ],
    "favourable_outcome": "beneficial",
}


def card(**changes: Any) -> dict[str, Any]:
    """A publishable card (risk category 'other'), with ``changes`` applied on top."""
    data = copy.deepcopy(PUBLISHABLE_CARD)
    data.update(changes)
    return data


def make_agency(
    session: Session,
    *,
    slug: str | None = None,
    name: str | None = None,
    name_translations: dict[str, str] | None = None,
    now: datetime = T0,
) -> Agency:
    """A new agency with a unique slug (``agency-<n>``) unless ``slug`` is given.

    Its name gets a zh-CN translation (``机构 <n>``) unless ``name_translations`` is given; pass
    ``{}`` for an agency known by one name only, so pages take their fallback.
    """
    n = next(_counter)
    if name_translations is None:
        name_translations = {"zh-CN": f"机构 {n}"}
    data = AgencyCreate(
        slug=slug or f"agency-{n}",
        name=name or f"Agency {n}",
        name_translations=name_translations,
        website=f"https://agency-{n}.example.gov",
        contact_email=f"info@agency-{n}.example.gov",
    )
    return agencies.create_agency(session, actor=None, data=data, now=now)


def make_account(
    session: Session,
    *,
    role: Role = Role.agency_editor,
    agency: Agency | None = None,
    email: str | None = None,
    now: datetime = T0,
) -> Account:
    """A new account. An agency_editor without ``agency`` gets a fresh agency of its own."""
    if role == Role.agency_editor and agency is None:
        agency = make_agency(session, now=now)
    n = next(_counter)
    data = AccountCreate(
        email=email or f"{role.value}-{n}@example.gov",
        display_name=f"{role.value.replace('_', ' ').title()} {n}",
        role=role,
        agency=agency.slug if role == Role.agency_editor and agency else None,
    )
    return accounts.create_account(session, actor=None, data=data, now=now)


def make_token(
    session: Session, account: Account, *, name: str = "test", now: datetime = T0
) -> str:
    """A new API token for ``account``; returns the plain token (the only time it is visible)."""
    return tokens.create_token(session, account=account, name=name, now=now).token


def auth_headers(token: str) -> dict[str, str]:
    """Request headers that authenticate with ``token``."""
    return {"Authorization": f"Bearer {token}"}


def make_draft_algorithm(
    session: Session,
    *,
    agency: Agency | None = None,
    editor: Account | None = None,
    card_data: dict[str, Any] | None = None,
    source_id: str | None = None,
    now: datetime = T0,
) -> Algorithm:
    """A never-published algorithm with a draft card, created by ``editor`` (made if missing)."""
    if editor is None:
        editor = make_account(session, role=Role.agency_editor, agency=agency, now=now)
    agency_slug = agency.slug if agency else None
    data = AlgorithmCreate(agency=agency_slug, source_id=source_id, card=card_data or card())
    return algorithms.create_algorithm(session, actor=editor, data=data, now=now)


def make_published_algorithm(
    session: Session,
    *,
    agency: Agency | None = None,
    versions: int = 1,
    editor: Account | None = None,
    publisher: Account | None = None,
    start: datetime = T0,
    step: timedelta = timedelta(days=30),
    source_id: str | None = None,
) -> Algorithm:
    """An algorithm with ``versions`` published versions, version k published at ``start + k*step``.

    Version k's card has name ``"<name> v<k>"``. The editor drafts and a second editor of the same
    agency publishes, so four-eyes holds. Returns the refreshed algorithm.
    """
    if agency is None:
        agency = make_agency(session, now=start)
    editor = editor or make_account(session, role=Role.agency_editor, agency=agency, now=start)
    publisher = publisher or make_account(
        session, role=Role.agency_editor, agency=agency, now=start
    )
    base_name = PUBLISHABLE_CARD["name"]
    algorithm = make_draft_algorithm(
        session,
        agency=agency,
        editor=editor,
        card_data=card(name=f"{base_name} v1"),
        source_id=source_id,
        now=start,
    )
    for k in range(1, versions + 1):
        at = start + k * step
        if k > 1:
            drafts.save_draft(
                session,
                actor=editor,
                algorithm=algorithm,
                card=card(name=f"{base_name} v{k}"),
                now=at,
            )
        drafts.publish_draft(
            session,
            actor=publisher,
            algorithm=algorithm,
            change_summary=f"Version {k}.",
            four_eyes=True,
            revision=drafts.current_revision(session, algorithm),
            now=at,
        )
    session.refresh(algorithm)
    return algorithm


def publish_over_api(client: Any, public_id: str, headers: dict[str, str], summary: str) -> Any:
    """Read the draft as the publisher, then publish that revision (If-Match: its ETag).

    Without a draft the publish is sent unconditionally, so the API's own answer (409) comes back.
    """
    draft = client.get(f"/api/v1/algorithms/{public_id}/draft", headers=headers)
    condition = {"If-Match": draft.headers["ETag"]} if draft.status_code == 200 else {}
    return client.post(
        f"/api/v1/algorithms/{public_id}/publish",
        json={"change_summary": summary},
        headers={**headers, **condition},
    )


def use_clock(app: Any, at: datetime = T0) -> FixedClock:
    """Make ``app`` read time from a FixedClock at ``at``; move it with ``advance``/``set``."""
    from registry.api.deps import get_clock

    clock = FixedClock(at)
    app.dependency_overrides[get_clock] = lambda: clock
    return clock
