"""The console's permission matrix: every console route x (anonymous, admin, editor of the agency,
editor of another agency, auditor), with the exact status expected. Anonymous visitors are sent to
sign in; pages for admins answer 403 to other staff. A test checks the matrix covers every route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from registry.console import routers
from registry.models import ApiToken, Role
from registry.services.cards.drafts import draft_revision, save_draft
from registry.services.cards.versions import list_versions
from registry.services.staff.accounts import set_account_active
from registry.services.staff.invitations import issue_invitation
from tests.console.conftest import csrf_of, make_staff, signed_in
from tests.registry.factories import (
    T0,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db

ROLES = ["anonymous", "admin", "editor_same", "editor_other", "auditor"]
STAFF = ROLES[1:]
SIGN_IN = 303  # anonymous: redirect to the sign-in page


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(STAFF, status)


def _admin_only(status: int) -> dict[str, int]:
    return {"admin": status, "editor_same": 403, "editor_other": 403, "auditor": 403}


def _editors(status: int) -> dict[str, int]:
    return {"admin": 403, "editor_same": status, "editor_other": status, "auditor": 403}


def _agency_only(status: int) -> dict[str, int]:
    return {"admin": 403, "editor_same": status, "editor_other": 403, "auditor": 403}


def _agency_and_admin(status: int) -> dict[str, int]:
    return {"admin": status, "editor_same": status, "editor_other": 403, "auditor": 403}


# (method, route, form data, {role: status}); "anonymous" is SIGN_IN unless given.
CASES: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("GET", "/console", {}, _all(200)),
    ("GET", "/console/tokens", {}, _all(200)),
    ("POST", "/console/tokens", {"name": "matrix"}, _all(201)),
    ("POST", "/console/tokens/{own_token_id}/revoke", {}, _all(303)),
    ("GET", "/console/accounts", {}, _admin_only(200)),
    (
        "POST",
        "/console/accounts",
        {"email": "matrix@example.gov", "display_name": "M", "role": "auditor"},
        _admin_only(201),
    ),
    ("POST", "/console/accounts/{target_id}/invitation", {}, _admin_only(201)),
    ("POST", "/console/accounts/{target_id}/deactivate", {}, _admin_only(303)),
    ("POST", "/console/accounts/{inactive_id}/reactivate", {}, _admin_only(303)),
    # The agency editor's pages. The algorithm is published, with a draft, in "editor_same"'s
    # agency; admins may read and retire it but not write its card; auditors have no part in it.
    ("GET", "/console/algorithms", {}, {**_all(200), "auditor": 403}),
    ("GET", "/console/algorithms/new", {}, _editors(200)),
    ("POST", "/console/algorithms/new", {"name": "Matrix", "action": "save"}, _editors(303)),
    ("GET", "/console/algorithms/{public_id}", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/edit", {}, _agency_only(200)),
    (
        "POST",
        "/console/algorithms/{public_id}/edit",
        {"name": "Matrix edit", "revision": "{revision}", "action": "save"},
        _agency_only(303),
    ),
    ("GET", "/console/algorithms/{public_id}/preview", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/diff", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/discard", {}, _agency_only(200)),
    ("POST", "/console/algorithms/{public_id}/discard", {}, _agency_only(303)),
    ("GET", "/console/algorithms/{public_id}/retire", {}, _agency_and_admin(200)),
    (
        "POST",
        "/console/algorithms/{public_id}/retire",
        {"reason": "Matrix"},
        _agency_and_admin(303),
    ),
    # Open to everyone: signing in, out, and setting a password from a link.
    ("GET", "/console/sign-in", {}, {"anonymous": 200, **_all(303)}),
    ("POST", "/console/sign-out", {}, {"anonymous": 303, **_all(303)}),
    ("GET", "/console/set-password/{link}", {}, {"anonymous": 200, **_all(200)}),
]
# Routes the matrix covers with a form that the rows above do not reach (checked for coverage).
ALSO_COVERED = {
    ("POST", "/console/sign-in"),  # tests/console/test_sign_in.py
    ("POST", "/console/set-password/{token}"),  # tests/console/test_invitations.py
}


@dataclass
class World:
    accounts: dict[str, object]
    values: dict[str, object]


def _world(session) -> World:  # type: ignore[no-untyped-def]
    agency = make_agency(session)
    other_agency = make_agency(session)
    accounts = {
        "admin": make_staff(session, role=Role.admin),
        "editor_same": make_staff(session, role=Role.agency_editor, agency=agency),
        "editor_other": make_staff(session, role=Role.agency_editor, agency=other_agency),
        "auditor": make_staff(session, role=Role.auditor),
    }
    target = make_account(session, role=Role.agency_editor, agency=agency)
    inactive = make_account(session, role=Role.auditor)
    set_account_active(session, actor=None, account_id=inactive.id, active=False, now=T0)
    invited = make_account(session, role=Role.auditor)
    link = issue_invitation(
        session, actor=None, account_id=invited.id, valid_for=timedelta(days=3), now=T0
    )
    algorithm = make_published_algorithm(session, agency=agency, versions=1)
    published = list_versions(session, algorithm)[-1].card
    draft = save_draft(
        session, actor=target, algorithm=algorithm, card={**published, "summary": "New."}, now=T0
    )
    return World(
        accounts,
        {
            "target_id": target.id,
            "inactive_id": inactive.id,
            "link": link.token,
            "public_id": algorithm.public_id,
            "revision": draft_revision(draft),
        },
    )


def test_the_matrix_covers_every_console_route():
    routes = {
        (method, route.path)
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    listed = {
        (
            m,
            p.replace("{own_token_id}", "{token_id}")
            .replace("{inactive_id}", "{account_id}")
            .replace("{target_id}", "{account_id}")
            .replace("{link}", "{token}"),
        )
        for m, p, _d, _e in CASES
    }
    assert routes == listed | ALSO_COVERED


@pytest.mark.parametrize("role", ROLES)
def test_console_permissions(console, session, role):
    world = _world(session)
    account = world.accounts.get(role)
    if account is not None:
        signed_in(console, account)  # type: ignore[arg-type]
        make_token(session, account, name="own")  # type: ignore[arg-type]
        own = session.exec(
            select(ApiToken.id).where(ApiToken.account_id == account.id, ApiToken.name == "own")  # type: ignore[attr-defined]
        ).one()
    else:
        own = 1
    values = {**world.values, "own_token_id": own}
    failures = []
    for method, template, data, expected_by_role in CASES:
        if template == "/console/sign-out":
            continue  # checked last: it ends the session
        expected = expected_by_role.get(role, SIGN_IN)
        path = template.format(**values)
        if method == "GET":
            response = console.get(path)
        else:
            page = "/console" if account is not None else "/console/sign-in"
            token = csrf_of(console.get(page))
            filled = {k: v.format(**values) for k, v in data.items()}
            response = console.post(path, data={"csrf_token": token, **filled})
        if response.status_code != expected:
            failures.append((method, path, response.status_code, expected))
        elif expected == SIGN_IN and role == "anonymous" and template != "/console/sign-in":
            location = response.headers["location"]
            if not location.startswith("/console/sign-in"):
                failures.append((method, path, location, "sign-in"))
    page = "/console" if account is not None else "/console/sign-in"
    response = console.post("/console/sign-out", data={"csrf_token": csrf_of(console.get(page))})
    if response.status_code != 303:
        failures.append(("POST", "/console/sign-out", response.status_code, 303))
    assert failures == []
