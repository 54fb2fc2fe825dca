"""Citizen participation over the JSON API: submit without a token, status by tracking code,
bad input, duplicates, rate limits, and moderation with the ledger checked afterwards."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Event, Role
from registry.models.participation import ParticipationItem
from registry.services.events import verify_chain
from tests.registry.factories import (
    auth_headers,
    make_account,
    make_agency,
    make_draft_algorithm,
    make_published_algorithm,
    make_token,
    use_clock,
)

pytestmark = pytest.mark.db

PHONE = "13812345678"
EMAIL = "person@example.com"


@pytest.fixture
def world(session, app):
    use_clock(app)
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    return {"algorithm": algorithm, "headers": auth_headers(make_token(session, editor))}


def _submit(client, world, **body):
    body = {"kind": "concern", "text": f"They phoned {PHONE} and stopped my benefit.", **body}
    return client.post(
        f"/api/v1/algorithms/{world['algorithm'].public_id}/participation", json=body
    )


def test_submit_without_a_token_returns_the_tracking_code_once(client, world):
    response = _submit(client, world, contact_email=EMAIL, display_name="Li")
    assert response.status_code == 201, response.text
    body = response.json()
    assert PHONE not in response.text and EMAIL not in response.text
    assert body["status"]["state"] == "pending" and body["status"]["has_contact"] is True
    assert "phone" in body["status"]["masked_kinds"]
    assert body["status_url"].endswith(f"/participation/{body['tracking_code']}")
    status = client.get(f"/api/v1/participation/status/{body['tracking_code']}")
    assert status.status_code == 200
    assert status.json() == body["status"]
    assert status.headers["cache-control"] == "private, no-store"


def test_bad_input_names_each_field_and_writes_nothing(client, session, world):
    response = _submit(client, world, kind="rant", text="", contact_email="nope")
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["error"]["details"]}
    assert ("body", "kind") in locs
    response = _submit(client, world, text=" ", contact_email="nope", display_name="x" * 81)
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["error"]["details"]}
    assert locs == {("body", "text"), ("body", "contact_email"), ("body", "display_name")}
    assert list(session.exec(select(ParticipationItem))) == []


def test_a_repeated_text_is_409_on_the_text_field(client, world):
    assert _submit(client, world).status_code == 201
    again = _submit(client, world)
    assert again.status_code == 409
    assert again.json()["error"]["details"][0]["loc"] == ["body", "text"]


def test_unknown_or_draft_algorithms_are_404(client, session, world):
    draft = make_draft_algorithm(session)
    for public_id in (draft.public_id, "alg-zzzzzzzz"):
        response = client.post(
            f"/api/v1/algorithms/{public_id}/participation", json={"kind": "question", "text": "Hi"}
        )
        assert response.status_code == 404


def test_rate_limit_answers_429_with_retry_after(client, world):
    statuses = [_submit(client, world, text=f"Message {n}").status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]
    refused = _submit(client, world, text="Message 7")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"


def test_cross_site_browser_posts_are_refused(client, world):
    response = client.post(
        f"/api/v1/algorithms/{world['algorithm'].public_id}/participation",
        json={"kind": "question", "text": "Hello"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403


def test_status_of_an_unknown_code_is_404(client, world):
    assert client.get("/api/v1/participation/status/nothing-here").status_code == 404


def test_moderation_over_the_api_and_the_ledger_after_erasure(client, session, world):
    item = _submit(client, world, contact_email=EMAIL).json()["status"]["id"]
    headers = world["headers"]
    published = client.post(f"/api/v1/participation/items/{item}/publish", json={}, headers=headers)
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert published.json()["contact_email"] == EMAIL  # the agency sees it
    answered = client.post(
        f"/api/v1/participation/items/{item}/answer", json={"answer": "Reviewed."}, headers=headers
    )
    assert answered.json()["answer"] == "Reviewed."
    again = client.post(
        f"/api/v1/participation/items/{item}/decline", json={"reason": "abusive"}, headers=headers
    )
    assert again.status_code == 409
    erased = client.delete(f"/api/v1/participation/items/{item}/contact", headers=headers)
    assert erased.status_code == 200 and erased.json()["contact_email"] is None
    public = client.get(f"/api/v1/algorithms/{world['algorithm'].public_id}/participation")
    assert [i["answer"] for i in public.json()["items"]] == ["Reviewed."]
    twin = client.get(f"/algorithms/{world['algorithm'].public_id}.json").json()
    assert [i["id"] for i in twin["participation"]["items"]] == [item]
    assert verify_chain(session).ok
    payloads = str([e.payload for e in session.exec(select(Event))])
    assert EMAIL not in payloads and PHONE not in payloads


def test_bad_moderation_input_is_422_naming_the_field(client, world):
    item = _submit(client, world).json()["status"]["id"]
    headers = world["headers"]
    bad_reason = client.post(
        f"/api/v1/participation/items/{item}/decline", json={"reason": "boring"}, headers=headers
    )
    assert bad_reason.status_code == 422
    assert bad_reason.json()["error"]["details"][0]["loc"] == ["body", "reason"]
    bad_target = client.post(
        f"/api/v1/participation/items/{item}/merge",
        json={"into": "itm-00000000"},
        headers=headers,
    )
    assert bad_target.status_code == 422
    assert bad_target.json()["error"]["details"][0]["loc"] == ["body", "into"]


def test_the_per_algorithm_limit_stops_one_algorithm_only(settings, engine, session):
    from fastapi.testclient import TestClient

    from registry.app import create_app

    limited = settings.model_copy(
        update={
            "participation_limit_per_address": "100/hour",
            "participation_limit_per_algorithm": "2/hour",
        }
    )
    app = create_app(limited, engine=engine)
    use_clock(app)
    algorithm = make_published_algorithm(session)
    other = make_published_algorithm(session)
    with TestClient(app) as client:

        def send(public_id: str, n: int) -> int:
            return client.post(
                f"/api/v1/algorithms/{public_id}/participation",
                json={"kind": "question", "text": f"Message {n}"},
            ).status_code

        assert [send(algorithm.public_id, n) for n in range(3)] == [201, 201, 429]
        assert send(other.public_id, 9) == 201  # another algorithm is not held up
