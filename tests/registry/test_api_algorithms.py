"""Algorithms over the JSON API: drafts, publishing, immutable versions, time travel, retirement,
four-eyes, listing and search, and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from registry.models import Role
from registry.services.canonical import iso
from registry.services.cards.drafts import ERR_FOUR_EYES
from registry.services.cards.versions import ERR_RETIRED_AT
from tests.registry.factories import (
    T0,
    auth_headers,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
    publish_over_api,
    use_clock,
)

pytestmark = pytest.mark.db
API = "/api/v1/algorithms"


@pytest.fixture
def team(session):
    """An agency with two editors (author and publisher), each with a token."""
    agency = make_agency(session, slug="city-housing")
    author = make_account(session, role=Role.agency_editor, agency=agency)
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    return {
        "agency": agency,
        "author": auth_headers(make_token(session, author)),
        "publisher": auth_headers(make_token(session, publisher)),
    }


def _create(client, headers, **card_changes):  # type: ignore[no-untyped-def]
    response = client.post(API, json={"card": card(**card_changes)}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["public_id"]


def test_create_implies_the_editors_agency_and_starts_as_a_private_draft(client, team):
    public_id = _create(client, team["author"])
    body = client.get(f"{API}/{public_id}", headers=team["author"]).json()
    assert body["agency"] == "city-housing"
    assert body["state"] == "draft"
    assert body["current_version"] is None
    assert public_id.startswith("alg-") and len(public_id) == 12
    assert client.get(f"{API}/{public_id}").status_code == 404
    draft = client.get(f"{API}/{public_id}/draft", headers=team["author"]).json()
    assert draft["missing_required_fields"] == []


def test_draft_lists_missing_required_fields(client, team):
    response = client.post(
        API, json={"card": {"name": "Parking permit scoring"}}, headers=team["author"]
    )
    public_id = response.json()["public_id"]
    draft = client.get(f"{API}/{public_id}/draft", headers=team["author"]).json()
    assert "summary" in draft["missing_required_fields"]
    publish = publish_over_api(client, public_id, team["publisher"], "First.")
    assert publish.status_code == 422
    assert any(d["loc"] == ["card", "summary"] for d in publish.json()["error"]["details"])


def test_publish_requires_second_person_with_four_eyes(client, team):
    public_id = _create(client, team["author"])
    response = publish_over_api(client, public_id, team["author"], "First.")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "four_eyes",
        "message": ERR_FOUR_EYES,
        "details": [],
    }
    ok = publish_over_api(client, public_id, team["publisher"], "First.")
    assert ok.status_code == 201
    assert ok.json()["number"] == 1


def test_same_person_may_publish_when_four_eyes_is_off(client, app, team):
    app.state.settings.four_eyes = False
    public_id = _create(client, team["author"])
    response = publish_over_api(client, public_id, team["author"], "First.")
    assert response.status_code == 201


def test_editing_a_published_card_never_changes_earlier_versions(client, app, team):
    clock = use_clock(app)
    public_id = _create(client, team["author"], name="Version one")
    publish_over_api(client, public_id, team["publisher"], "First.")
    v1 = client.get(f"{API}/{public_id}/versions/1").json()

    clock.advance(days=10)
    put = client.put(
        f"{API}/{public_id}/draft", json={"card": card(name="Version two")}, headers=team["author"]
    )
    assert put.status_code == 200
    assert put.json()["based_on_version"] == 1
    # The public record still shows the published card while the draft is pending.
    assert client.get(f"{API}/{public_id}").json()["name"] == "Version one"
    assert client.get(f"{API}/{public_id}/versions/1").json() == v1

    clock.advance(days=10)
    publish_over_api(client, public_id, team["publisher"], "Renamed.")
    assert client.get(f"{API}/{public_id}/versions/1").json() == v1
    v2 = client.get(f"{API}/{public_id}/versions/2").json()
    assert v2["card"]["name"] == "Version two"
    assert v2["change_summary"] == "Renamed."
    assert client.get(f"{API}/{public_id}").json()["name"] == "Version two"
    assert client.get(f"{API}/{public_id}/draft", headers=team["author"]).status_code == 404
    assert client.get(f"{API}/{public_id}/versions/3").status_code == 404


def test_live_version_at_time_t_across_three_publishes(client, app, team):
    clock = use_clock(app, T0)
    public_id = _create(client, team["author"], name="v1")
    published = []
    for n in (1, 2, 3):
        clock.advance(days=30)
        if n > 1:
            client.put(
                f"{API}/{public_id}/draft",
                json={"card": card(name=f"v{n}")},
                headers=team["author"],
            )
        r = publish_over_api(client, public_id, team["publisher"], f"v{n}")
        published.append(r.json()["published_at"])

    def live(at):  # type: ignore[no-untyped-def]
        return client.get(f"{API}/{public_id}/versions/live", params={"at": at.isoformat()})

    assert live(T0 + timedelta(days=29)).status_code == 404
    assert live(T0 + timedelta(days=30)).json()["number"] == 1
    assert live(T0 + timedelta(days=59)).json()["number"] == 1
    assert live(T0 + timedelta(days=60)).json()["number"] == 2
    assert live(T0 + timedelta(days=75)).json()["number"] == 2
    assert live(T0 + timedelta(days=400)).json()["number"] == 3

    clock.set(T0 + timedelta(days=500))
    retired = client.post(
        f"{API}/{public_id}/retire", json={"reason": "Replaced."}, headers=team["author"]
    )
    assert retired.status_code == 200
    assert live(T0 + timedelta(days=400)).json()["number"] == 3
    after = live(T0 + timedelta(days=501))
    assert after.status_code == 404
    assert after.json()["error"]["message"] == ERR_RETIRED_AT.format(
        public_id=public_id, at=iso(T0 + timedelta(days=501)), retired=iso(T0 + timedelta(days=500))
    )


def test_live_requires_a_timezone_and_a_valid_time(client, session):
    algorithm = make_published_algorithm(session)
    url = f"{API}/{algorithm.public_id}/versions/live"
    assert client.get(url, params={"at": "2024-03-01T00:00:00"}).status_code == 422
    assert client.get(url, params={"at": "yesterday"}).status_code == 422
    assert client.get(url).status_code == 422


def test_retire_twice_is_a_conflict_and_retired_cannot_be_published_or_edited(client, team):
    public_id = _create(client, team["author"])
    publish_over_api(client, public_id, team["publisher"], "First.")
    first = client.post(
        f"{API}/{public_id}/retire", json={"reason": "Stopped."}, headers=team["author"]
    )
    assert first.status_code == 200
    assert first.json()["state"] == "retired"
    assert first.json()["retired_reason"] == "Stopped."
    again = client.post(
        f"{API}/{public_id}/retire", json={"reason": "Again."}, headers=team["author"]
    )
    assert again.status_code == 409
    put = client.put(f"{API}/{public_id}/draft", json={"card": card()}, headers=team["author"])
    assert put.status_code == 409
    publish = publish_over_api(client, public_id, team["publisher"], "x")
    assert publish.status_code == 409
    # Retired records stay online.
    assert client.get(f"{API}/{public_id}").status_code == 200
    assert client.get(f"{API}/{public_id}/versions/1").status_code == 200


def test_publishing_without_a_draft_is_a_conflict(client, team):
    public_id = _create(client, team["author"])
    publish_over_api(client, public_id, team["publisher"], "First.")
    again = publish_over_api(client, public_id, team["publisher"], "Again.")
    assert again.status_code == 409


def test_duplicate_source_id_in_one_agency_is_a_conflict(client, team):
    body = {"source_id": "HB-7", "card": card()}
    assert client.post(API, json=body, headers=team["author"]).status_code == 201
    duplicate = client.post(API, json=body, headers=team["author"])
    assert duplicate.status_code == 409
    assert "HB-7" in duplicate.json()["error"]["message"]


def test_listing_filters_search_and_visibility(client, session, team):
    other = make_published_algorithm(session, agency=make_agency(session, slug="tax-office"))
    draft_id = _create(client, team["author"], name="Private draft")
    published_id = _create(
        client, team["author"], name="School place ranking", scenario="public_services"
    )
    publish_over_api(client, published_id, team["publisher"], "1")

    def ids(params=None, headers=None):  # type: ignore[no-untyped-def]
        response = client.get(API, params=params or {}, headers=headers or {})
        assert response.status_code == 200, response.text
        return {item["public_id"] for item in response.json()["items"]}

    assert ids() == {other.public_id, published_id}
    assert ids(headers=team["author"]) == {other.public_id, published_id, draft_id}
    assert ids({"agency": "tax-office"}) == {other.public_id}
    assert ids({"q": "school"}) == {published_id}
    assert ids({"q": "100%_"}) == set()
    assert ids({"state": "draft"}) == set()
    assert ids({"state": "draft"}, team["author"]) == {draft_id}
    assert ids({"scenario": "urban_living"}) == set()
    assert ids({"status": "in_use", "risk_category": "other"}) == {other.public_id, published_id}
    assert client.get(API, params={"scenario": "space"}).status_code == 422
    assert client.get(API, params={"agency": "nowhere"}).status_code == 404


def test_pagination_with_cursor_and_next_url(client, session):
    agency = make_agency(session)
    made = {make_published_algorithm(session, agency=agency).public_id for _ in range(5)}
    seen: list[str] = []
    url: str | None = f"{API}?limit=2"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [item["public_id"] for item in body["items"]]
        url = body["next_url"]
        pages += 1
    assert pages == 3
    assert set(seen) == made and len(seen) == 5
    assert client.get(API, params={"cursor": "not-a-cursor"}).status_code == 422


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        ({"json": {"card": "a string"}}, 422),
        ({"json": {"card": {"name": 42}}}, 422),
        ({"json": {"card": {"name": "x" * 100_000}}}, 422),
        ({"json": {"card": {"name": "ok", "unknown_field": 1}}}, 422),
        ({"json": {"card": card(), "source_id": "s" * 5000}}, 422),
        ({"json": {"agency": "no-such-agency", "card": card()}}, 404),
        ({"json": []}, 422),
    ],
)
def test_bad_input_is_a_clear_4xx(client, team, kwargs, status):
    headers = {**team["author"], **kwargs.pop("headers", {})}
    response = client.post(API, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"]
    if status == 422:
        assert error["details"], error


def test_bad_publish_and_retire_bodies(client, team):
    public_id = _create(client, team["author"])
    missing = client.post(f"{API}/{public_id}/publish", json={}, headers=team["publisher"])
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["loc"] == ["body", "change_summary"]
    empty = client.post(f"{API}/{public_id}/retire", json={"reason": ""}, headers=team["author"])
    assert empty.status_code == 422
    assert client.get(f"{API}/{public_id}/versions/0", headers=team["author"]).status_code == 422
    assert client.get(f"{API}/alg-doesnotx").status_code == 404
    assert client.get(f"{API}/{'x' * 500}").status_code == 422


def test_schema_endpoint_serves_the_model_card_schema(client):
    schema = client.get("/api/v1/schema/model-card").json()
    assert "name" in schema["properties"]
    assert "scenario" in schema["properties"]


def test_list_filters_by_source_id(client, session, team):
    other = make_agency(session, slug="other-agency")
    for agency, source_id in ((team["agency"], "HB-7"), (team["agency"], "HB-8"), (other, "HB-7")):
        make_published_algorithm(session, agency=agency, source_id=source_id)
    found = client.get(f"{API}?source_id=HB-7").json()["items"]
    assert sorted(a["agency"] for a in found) == ["city-housing", "other-agency"]
    mine = client.get(f"{API}?source_id=HB-7&agency=city-housing").json()["items"]
    assert [(a["agency"], a["source_id"]) for a in mine] == [("city-housing", "HB-7")]
    assert client.get(f"{API}?source_id=HB-9").json()["items"] == []
