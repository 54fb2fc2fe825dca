"""PATCH .../draft: JSON Merge Patch (RFC 7396) of the draft card. Semantics (every example of
the RFC's Appendix A), media types (415), bad patches (422 naming the field), preconditions
(If-Match: 412), a new draft from the latest published card, nothing written on refusal, and the
four-eyes refusal listing the missing fields."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from registry.models import CardDraft, Event, Role
from registry.services.cards.drafts import ERR_FOUR_EYES
from registry.services.merge_patch import merge_patch
from tests.registry.factories import (
    auth_headers,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
    publish_over_api,
)

API = "/api/v1/algorithms"
MERGE = {"Content-Type": "application/merge-patch+json"}

# RFC 7396, Appendix A: (original, patch, result).
RFC_7396_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_7396_EXAMPLES)
def test_merge_patch_follows_every_example_of_rfc_7396(original, patch, result):
    before = json.dumps(original)
    assert merge_patch(original, patch) == result
    assert json.dumps(original) == before  # the target is never changed in place


@pytest.fixture
def team(session):
    agency = make_agency(session, slug="city-housing")
    author = make_account(session, role=Role.agency_editor, agency=agency)
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_published_algorithm(session, agency=agency, versions=1)
    return {
        "public_id": algorithm.public_id,
        "author": auth_headers(make_token(session, author)),
        "publisher": auth_headers(make_token(session, publisher)),
    }


def _patch(client, team, body, *, who="author", headers=None, raw=None):  # type: ignore[no-untyped-def]
    return client.patch(
        f"{API}/{team['public_id']}/draft",
        content=raw if raw is not None else json.dumps(body),
        headers={**team[who], **MERGE, **(headers or {})},
    )


def _draft_rows(session) -> list[CardDraft]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.exec(select(CardDraft)))


def _events(session, action: str) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return len(list(session.exec(select(Event).where(Event.action == action))))


@pytest.mark.db
def test_patch_starts_a_draft_from_the_published_card_and_changes_only_what_it_names(
    client, session, team
):
    published = client.get(f"{API}/{team['public_id']}/versions/1").json()["card"]
    response = _patch(
        client,
        team,
        {
            "card": {
                "summary": "Orders claims by urgency; a caseworker decides each one.",
                "contact": {"form_url": "https://example.gov/ask", "email": None},
                "policy_areas": ["social_security"],
            }
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["ETag"] == f'"{body["revision"]}"'
    assert body["based_on_version"] == 1
    expected = dict(published)
    expected["summary"] = "Orders claims by urgency; a caseworker decides each one."
    expected["contact"] = {
        "offline_route": published["contact"]["offline_route"],
        "form_url": "https://example.gov/ask",
    }
    expected["policy_areas"] = ["social_security"]
    assert body["card"] == expected
    assert body["missing_required_fields"] == []
    assert _events(session, "draft.updated") == 1


@pytest.mark.db
def test_patch_null_removes_a_field_and_arrays_replace_whole(client, session, team):
    _patch(
        client,
        team,
        {"card": {"team": "Benefits unit", "policy_areas": ["housing", "social_security"]}},
    )
    response = _patch(client, team, {"card": {"team": None, "policy_areas": ["housing"]}})
    assert response.status_code == 200, response.text
    card_now = response.json()["card"]
    assert "team" not in card_now
    assert card_now["policy_areas"] == ["housing"]
    assert card_now["name"] == card()["name"] + " v1"  # untouched


@pytest.mark.db
def test_patch_accepts_application_json_too(client, team):
    response = client.patch(
        f"{API}/{team['public_id']}/draft",
        json={"card": {"team": "Benefits unit"}},
        headers=team["author"],
    )
    assert response.status_code == 200, response.text
    assert response.json()["card"]["team"] == "Benefits unit"


@pytest.mark.db
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_patch_refuses_other_media_types_with_415(client, session, team, content_type):
    headers = dict(team["author"])
    if content_type:
        headers["Content-Type"] = content_type
    response = client.patch(
        f"{API}/{team['public_id']}/draft", content=b'{"card": {"team": "x"}}', headers=headers
    )
    assert response.status_code == 415, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "application/merge-patch+json" in error["message"]
    assert _draft_rows(session) == []


@pytest.mark.db
@pytest.mark.parametrize(
    ("raw", "loc", "words"),
    [
        (b'{"card": {"team": ', ["body"], "not JSON"),
        (b"[1, 2]", ["body"], "JSON object"),
        (b'{"card": null}', ["body", "card"], "cannot be removed"),
        (b'{"card": ["a"]}', ["body", "card"], "JSON object"),
        (b'{"revision": "abc", "card": {}}', ["body", "revision"], "cannot be patched"),
        (b'{"card": {"risk_category": "enormous"}}', ["body", "card", "risk_category"], ""),
        (b'{"card": {"name": null}}', ["body", "card", "name"], ""),
        (
            b'{"card": {"contact": {"email": "not an address"}}}',
            ["body", "card", "contact", "email"],
            "",
        ),
    ],
)
def test_invalid_patch_is_422_naming_the_field_and_writes_nothing(
    client, session, team, raw, loc, words
):
    response = _patch(client, team, None, raw=raw)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(d["loc"] == loc for d in error["details"]), error
    assert words in error["message"] + " ".join(d["msg"] for d in error["details"])
    assert _draft_rows(session) == []
    assert _events(session, "draft.updated") == 0


@pytest.mark.db
def test_patch_with_if_match_is_412_when_the_draft_changed(client, session, team):
    first = _patch(client, team, {"card": {"team": "A"}})
    etag = first.headers["ETag"]
    assert (
        _patch(client, team, {"card": {"team": "B"}}, headers={"If-Match": etag}).status_code == 200
    )
    stale = _patch(client, team, {"card": {"team": "C"}}, headers={"If-Match": etag})
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"]["code"] == "precondition_failed"
    draft = client.get(f"{API}/{team['public_id']}/draft", headers=team["author"]).json()
    assert draft["card"]["team"] == "B"


@pytest.mark.db
def test_patch_with_if_match_and_no_draft_is_412_and_creates_nothing(client, session, team):
    response = _patch(
        client, team, {"card": {"team": "A"}}, headers={"If-Match": '"' + "0" * 64 + '"'}
    )
    assert response.status_code == 412
    assert _draft_rows(session) == []


@pytest.mark.db
def test_patch_is_404_for_an_unknown_algorithm(client, team):
    response = client.patch(
        f"{API}/alg-zzzzzzzz/draft", content=b'{"card": {}}', headers={**team["author"], **MERGE}
    )
    assert response.status_code == 404


@pytest.mark.db
def test_patch_on_a_retired_algorithm_is_409(client, team):
    retire = client.post(
        f"{API}/{team['public_id']}/retire", json={"reason": "Replaced."}, headers=team["author"]
    )
    assert retire.status_code == 200
    assert _patch(client, team, {"card": {"team": "A"}}).status_code == 409


@pytest.mark.db
def test_patched_draft_publishes_and_the_change_is_the_only_difference(client, team):
    _patch(client, team, {"card": {"team": "Benefits unit"}})
    published = publish_over_api(client, team["public_id"], team["publisher"], "Named the unit.")
    assert published.status_code == 201, published.text
    v1 = client.get(f"{API}/{team['public_id']}/versions/1").json()["card"]
    v2 = client.get(f"{API}/{team['public_id']}/versions/2").json()["card"]
    assert {k: v for k, v in v2.items() if k != "team"} == v1
    assert v2["team"] == "Benefits unit"


@pytest.mark.db
def test_four_eyes_refusal_of_an_incomplete_draft_lists_the_missing_fields(client, team):
    _patch(client, team, {"card": {"summary": None, "appeal_route": None}})
    response = publish_over_api(client, team["public_id"], team["author"], "Trimmed.")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "four_eyes"
    assert error["message"].startswith(ERR_FOUR_EYES)
    assert "2 required field(s)" in error["message"]
    assert [d["loc"] for d in error["details"]] == [["card", "summary"], ["card", "appeal_route"]]
    assert all(d["type"] == "missing" for d in error["details"])


@pytest.mark.db
def test_four_eyes_refusal_of_a_complete_draft_has_no_details(client, team):
    _patch(client, team, {"card": {"team": "Benefits unit"}})
    response = publish_over_api(client, team["public_id"], team["author"], "Unit.")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "four_eyes",
        "message": ERR_FOUR_EYES,
        "details": [],
    }


def test_openapi_documents_the_patch_body_and_its_errors(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/algorithms/{public_id}/draft"
    ]["patch"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/merge-patch+json", "application/json"}
    schema = content["application/merge-patch+json"]["schema"]
    assert schema["additionalProperties"] is False and set(schema["properties"]) == {"card"}
    assert {"403", "404", "409", "412", "415", "422"} <= set(operation["responses"])
