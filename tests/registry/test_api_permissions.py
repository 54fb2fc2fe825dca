"""The permission matrix: every write endpoint x every role, with the exact status expected.

Roles: none (no token), admin, editor of the algorithm's agency, editor of another agency, auditor.
See docs/permissions.md for the same table in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from registry.models import Role
from tests.registry.factories import (
    auth_headers,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db

ROLES = ["none", "admin", "editor_same", "editor_other", "auditor"]


@dataclass
class World:
    agency_slug: str
    public_id: str
    tokens: dict[str, str]
    third_party_token_id: int
    revision: str
    review_public_id: str
    review_id: int
    item_pending: str
    item_published: str


@pytest.fixture
def world(session) -> World:
    agency = make_agency(session, slug="home-agency")
    other = make_agency(session, slug="other-agency")
    drafter = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_published_algorithm(session, agency=agency, versions=1)
    accounts = {
        "admin": make_account(session, role=Role.admin),
        "editor_same": make_account(session, role=Role.agency_editor, agency=agency),
        "editor_other": make_account(session, role=Role.agency_editor, agency=other),
        "auditor": make_account(session, role=Role.auditor),
    }
    tokens = {role: make_token(session, account) for role, account in accounts.items()}
    from registry.services.cards.drafts import draft_revision, save_draft
    from tests.registry.factories import T0

    # A pending draft by a third editor, so "editor_same" may publish it under four-eyes.
    draft = save_draft(session, actor=drafter, algorithm=algorithm, card=card(name="Next"), now=T0)
    revision = draft_revision(draft)
    third = make_account(session, role=Role.auditor)
    from registry.services.cards.tokens import create_token

    third_token = create_token(session, account=third, name="third", now=T0)
    # A second published algorithm whose next draft (by the third editor) awaits review.
    from registry.services.cards.reviews import ask_for_review

    reviewed = make_published_algorithm(session, agency=agency, versions=1, editor=drafter)
    save_draft(session, actor=drafter, algorithm=reviewed, card=card(name="Reviewed"), now=T0)
    request = ask_for_review(session, actor=drafter, algorithm=reviewed, now=T0)
    items = _participation_items(session, algorithm, drafter)
    return World(
        agency.slug,
        algorithm.public_id,
        tokens,
        third_token.id,
        revision,
        reviewed.public_id,
        request.id,  # type: ignore[arg-type]
        items["pending"],
        items["published"],
    )


def _participation_items(session, algorithm, editor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One item awaiting moderation and one published, about the home agency's algorithm."""
    from registry.services.participation import moderation, submission
    from tests.registry.factories import T0

    ids = {}
    for name in ("pending", "published"):
        ids[name] = submission.submit_item(
            session,
            public_id=algorithm.public_id,
            kind="question",
            text=f"Permissions {name}",
            contact_email="matrix@example.com",
            duplicate_hours=0,
            now=T0,
        ).item.public_id
    moderation.publish_item(session, actor=editor, item_id=ids["published"], answer=None, now=T0)
    return ids


def _headers(world: World, role: str) -> dict[str, str]:
    return {} if role == "none" else auth_headers(world.tokens[role])


# (name, method, path template, json body, {role: status})
CASES = [
    (
        "create agency",
        "POST",
        "/api/v1/agencies",
        {"slug": "new-agency", "name": "New agency"},
        {"none": 401, "admin": 201, "editor_same": 403, "editor_other": 403, "auditor": 403},
    ),
    (
        "create account",
        "POST",
        "/api/v1/accounts",
        {"email": "new@example.gov", "display_name": "New", "role": "auditor"},
        {"none": 401, "admin": 201, "editor_same": 403, "editor_other": 403, "auditor": 403},
    ),
    (
        "create algorithm",
        "POST",
        "/api/v1/algorithms",
        {"agency": "{agency}", "card": card()},
        {"none": 401, "admin": 403, "editor_same": 201, "editor_other": 403, "auditor": 403},
    ),
    (
        "put draft",
        "PUT",
        "/api/v1/algorithms/{public_id}/draft",
        {"card": card(name="Edited")},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 403, "auditor": 403},
    ),
    (
        "patch draft",
        "PATCH",
        "/api/v1/algorithms/{public_id}/draft",
        {"card": {"team": "Benefits unit"}},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 403, "auditor": 403},
    ),
    (
        "discard draft",
        "DELETE",
        "/api/v1/algorithms/{public_id}/draft",
        None,
        {"none": 401, "admin": 403, "editor_same": 204, "editor_other": 403, "auditor": 403},
    ),
    (
        "publish",
        "POST",
        "/api/v1/algorithms/{public_id}/publish",
        {"change_summary": "Clarified the data sources.", "revision": "{revision}"},
        {"none": 401, "admin": 403, "editor_same": 201, "editor_other": 403, "auditor": 403},
    ),
    (
        "ask for review",
        "POST",
        "/api/v1/algorithms/{public_id}/draft/review-requests",
        {"note": "Please review."},
        {"none": 401, "admin": 403, "editor_same": 201, "editor_other": 403, "auditor": 403},
    ),
    (
        "return a review request",
        "POST",
        "/api/v1/algorithms/{review_public_id}/draft/review-requests/{review_id}/return",
        {"comment": "Name the data sources."},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 403, "auditor": 403},
    ),
    (
        "publish a reviewed request",
        "POST",
        "/api/v1/algorithms/{review_public_id}/draft/review-requests/{review_id}/publish",
        {"change_summary": "First version."},
        {"none": 401, "admin": 403, "editor_same": 201, "editor_other": 403, "auditor": 403},
    ),
    (
        "withdraw someone else's review request",
        "POST",
        "/api/v1/algorithms/{review_public_id}/draft/review-requests/{review_id}/withdraw",
        None,
        {"none": 401, "admin": 403, "editor_same": 403, "editor_other": 403, "auditor": 403},
    ),
    (
        "retire",
        "POST",
        "/api/v1/algorithms/{public_id}/retire",
        {"reason": "Replaced by a manual process."},
        {"none": 401, "admin": 200, "editor_same": 200, "editor_other": 403, "auditor": 403},
    ),
    # Citizen participation: anyone submits (no token); the agency's editors moderate; an item
    # of another agency is 404 to its editors (not revealed); other roles 403.
    (
        "submit a question",
        "POST",
        "/api/v1/algorithms/{public_id}/participation",
        {"kind": "question", "text": "Why?"},
        {"none": 201, "admin": 201, "editor_same": 201, "editor_other": 201, "auditor": 201},
    ),
    (
        "publish an item",
        "POST",
        "/api/v1/participation/items/{item_pending}/publish",
        {"answer": "Because."},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 404, "auditor": 403},
    ),
    (
        "answer an item",
        "POST",
        "/api/v1/participation/items/{item_published}/answer",
        {"answer": "Because."},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 404, "auditor": 403},
    ),
    (
        "merge an item",
        "POST",
        "/api/v1/participation/items/{item_pending}/merge",
        {"into": "{item_published}"},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 404, "auditor": 403},
    ),
    (
        "decline an item",
        "POST",
        "/api/v1/participation/items/{item_pending}/decline",
        {"reason": "abusive"},
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 404, "auditor": 403},
    ),
    (
        "delete a reply address",
        "DELETE",
        "/api/v1/participation/items/{item_pending}/contact",
        None,
        {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 404, "auditor": 403},
    ),
    (
        "create own token",
        "POST",
        "/api/v1/tokens",
        {"name": "laptop"},
        {"none": 401, "admin": 201, "editor_same": 201, "editor_other": 201, "auditor": 201},
    ),
    (
        "revoke someone else's token",
        "DELETE",
        "/api/v1/tokens/{third_token}",
        None,
        {"none": 401, "admin": 200, "editor_same": 403, "editor_other": 403, "auditor": 403},
    ),
]

MATRIX = [
    pytest.param(method, path, body, role, expected[role], id=f"{name}-{role}")
    for name, method, path, body, expected in CASES
    for role in ROLES
]


def _fill(value, world: World):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return value.format(
            agency=world.agency_slug,
            public_id=world.public_id,
            third_token=world.third_party_token_id,
            revision=world.revision,
            review_public_id=world.review_public_id,
            review_id=world.review_id,
            item_pending=world.item_pending,
            item_published=world.item_published,
        )
    if isinstance(value, dict):
        filled = ("agency", "revision", "into")
        return {k: _fill(v, world) if k in filled else v for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), MATRIX)
def test_write_endpoint_permissions(client, world, method, path, body, role, expected):
    response = client.request(
        method, _fill(path, world), json=_fill(body, world), headers=_headers(world, role)
    )
    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}


@pytest.mark.parametrize("role", ROLES)
def test_own_token_can_be_revoked_by_every_role(client, world, role):
    if role == "none":
        assert client.delete("/api/v1/tokens/1").status_code == 401
        return
    headers = _headers(world, role)
    created = client.post("/api/v1/tokens", json={"name": "temp"}, headers=headers).json()
    response = client.delete(f"/api/v1/tokens/{created['id']}", headers=headers)
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None


QUEUE_STATUS = {"none": 401, "admin": 403, "editor_same": 200, "editor_other": 200, "auditor": 403}


@pytest.mark.parametrize("role", ROLES)
def test_participation_queue_is_the_agency_editors_own(client, world, role):
    response = client.get("/api/v1/participation/queue", headers=_headers(world, role))
    assert response.status_code == QUEUE_STATUS[role], response.text
    if role == "editor_same":
        assert {i["id"] for i in response.json()} == {world.item_pending, world.item_published}
        assert {i["contact_email"] for i in response.json()} == {"matrix@example.com"}
    elif role == "editor_other":
        assert response.json() == []


@pytest.mark.parametrize("role", ROLES)
def test_public_items_never_show_pending_items_or_contact_data(client, world, role):
    response = client.get(
        f"/api/v1/algorithms/{world.public_id}/participation", headers=_headers(world, role)
    )
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [world.item_published]
    assert "matrix@example.com" not in response.text
    assert "contact" not in response.text
