"""Four-eyes review requests over the JSON API: ask, list, return, ask again, publish the reviewed
revision; a stale revision; bad input; the error shape."""

from __future__ import annotations

import pytest

from registry.models import Role
from registry.services.cards.drafts import ERR_FOUR_EYES
from registry.services.cards.reviews import ERR_CHANGED_SINCE_ASKED, ERR_OWN_REQUEST
from tests.registry.factories import (
    auth_headers,
    card,
    make_account,
    make_agency,
    make_token,
    use_clock,
)

pytestmark = pytest.mark.db
API = "/api/v1/algorithms"


@pytest.fixture
def team(session):  # type: ignore[no-untyped-def]
    agency = make_agency(session, slug="city-parks")
    author = make_account(session, role=Role.agency_editor, agency=agency)
    reviewer = make_account(session, role=Role.agency_editor, agency=agency)
    return {
        "author": auth_headers(make_token(session, author)),
        "reviewer": auth_headers(make_token(session, reviewer)),
    }


@pytest.fixture
def public_id(client, team, app):  # type: ignore[no-untyped-def]
    use_clock(app)
    response = client.post(API, json={"card": card()}, headers=team["author"])
    assert response.status_code == 201, response.text
    return response.json()["public_id"]


def _requests(public_id: str) -> str:
    return f"{API}/{public_id}/draft/review-requests"


def test_ask_return_ask_again_and_publish(client, team, public_id):
    revision = client.get(f"{API}/{public_id}/draft", headers=team["author"]).json()["revision"]
    asked = client.post(
        _requests(public_id),
        json={"note": "First version.", "revision": revision},
        headers=team["author"],
    )
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["state"] == "open" and body["revision"] == revision
    assert body["draft_changed"] is False and body["public_id"] == public_id
    rid = body["id"]

    returned = client.post(
        f"{_requests(public_id)}/{rid}/return",
        json={"comment": "Add the retention period."},
        headers=team["reviewer"],
    )
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned"
    seen = client.get(f"{_requests(public_id)}/{rid}", headers=team["author"]).json()
    assert seen["comment"] == "Add the retention period."

    again = client.post(_requests(public_id), json={}, headers=team["author"])
    assert again.status_code == 201
    listed = client.get(_requests(public_id), headers=team["reviewer"]).json()
    assert [r["state"] for r in listed] == ["open", "returned"]

    published = client.post(
        f"{_requests(public_id)}/{again.json()['id']}/publish",
        json={"change_summary": "First version."},
        headers=team["reviewer"],
    )
    assert published.status_code == 201, published.text
    assert published.json()["number"] == 1
    assert client.get(f"{API}/{public_id}").status_code == 200  # public now
    final = client.get(f"{_requests(public_id)}/{again.json()['id']}", headers=team["author"])
    assert final.json()["state"] == "published" and final.json()["published_version"] == 1


def test_a_draft_saved_after_asking_cannot_be_published_under_the_request(client, team, public_id):
    rid = client.post(_requests(public_id), json={}, headers=team["author"]).json()["id"]
    saved = client.put(
        f"{API}/{public_id}/draft", json={"card": card(name="Changed")}, headers=team["author"]
    )
    assert saved.status_code == 200
    assert client.get(f"{_requests(public_id)}/{rid}", headers=team["reviewer"]).json()[
        "draft_changed"
    ]
    response = client.post(
        f"{_requests(public_id)}/{rid}/publish",
        json={"change_summary": "First."},
        headers=team["reviewer"],
    )
    assert response.status_code == 412
    assert response.json()["error"]["message"] == ERR_CHANGED_SINCE_ASKED


def test_the_author_cannot_publish_or_return_their_own_request(client, team, public_id):
    rid = client.post(_requests(public_id), json={}, headers=team["author"]).json()["id"]
    publish = client.post(
        f"{_requests(public_id)}/{rid}/publish",
        json={"change_summary": "First."},
        headers=team["author"],
    )
    assert publish.status_code == 403
    assert publish.json()["error"] == {"code": "four_eyes", "message": ERR_FOUR_EYES, "details": []}
    returned = client.post(
        f"{_requests(public_id)}/{rid}/return", json={"comment": "ok"}, headers=team["author"]
    )
    assert returned.status_code == 403
    assert returned.json()["error"]["message"] == ERR_OWN_REQUEST


def test_four_eyes_off_the_author_publishes_their_own_request(client, app, team, public_id):
    app.state.settings.four_eyes = False
    rid = client.post(_requests(public_id), json={}, headers=team["author"]).json()["id"]
    publish = client.post(
        f"{_requests(public_id)}/{rid}/publish",
        json={"change_summary": "First."},
        headers=team["author"],
    )
    assert publish.status_code == 201


def test_asking_twice_about_the_same_revision_is_a_conflict(client, team, public_id):
    assert client.post(_requests(public_id), json={}, headers=team["author"]).status_code == 201
    again = client.post(_requests(public_id), json={}, headers=team["reviewer"])
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"comment": ""}, ["body", "comment"]),
        ({"comment": "   "}, ["body", "comment"]),
        ({}, ["body", "comment"]),
        ({"comment": "x" * 2001}, ["body", "comment"]),
    ],
)
def test_returning_without_a_comment_is_refused_naming_the_field(
    client, team, public_id, body, loc
):
    rid = client.post(_requests(public_id), json={}, headers=team["author"]).json()["id"]
    response = client.post(
        f"{_requests(public_id)}/{rid}/return", json=body, headers=team["reviewer"]
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"] == loc
    state = client.get(f"{_requests(public_id)}/{rid}", headers=team["author"]).json()["state"]
    assert state == "open"


def test_an_unknown_or_foreign_request_is_404(client, team, public_id, session):
    other = client.post(API, json={"card": card(name="Other")}, headers=team["author"])
    other_id = other.json()["public_id"]
    rid = client.post(_requests(other_id), json={}, headers=team["author"]).json()["id"]
    assert client.get(f"{_requests(public_id)}/{rid}", headers=team["author"]).status_code == 404
    assert client.get(f"{_requests(public_id)}/999", headers=team["author"]).status_code == 404


def test_withdraw_by_the_author(client, team, public_id):
    rid = client.post(_requests(public_id), json={}, headers=team["author"]).json()["id"]
    refused = client.post(f"{_requests(public_id)}/{rid}/withdraw", headers=team["reviewer"])
    assert refused.status_code == 403
    done = client.post(f"{_requests(public_id)}/{rid}/withdraw", headers=team["author"])
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    twice = client.post(f"{_requests(public_id)}/{rid}/withdraw", headers=team["author"])
    assert twice.status_code == 409
