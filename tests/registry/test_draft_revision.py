"""Four-eyes approval is tied to the reviewed draft: drafts carry a revision (a strong ETag) and
publishing names the revision the reviewer saw.

The attack these tests keep closed: a reviewer reads the draft, the author changes it, and the
reviewer's publish put out text nobody had reviewed. Saving a draft with ``If-Match`` also stops
one editor silently overwriting another's changes (a lost update).
"""

from __future__ import annotations

import re

import pytest

from registry.models import Role
from registry.services.cards.drafts import (
    ERR_REVISION_CHANGED,
    ERR_REVISION_REQUIRED,
    ERR_REVISION_STAR,
    ERR_REVISIONS_DISAGREE,
    ERR_SAVE_REVISION_CHANGED,
)
from tests.registry.factories import auth_headers, card, make_account, make_agency, make_token

pytestmark = pytest.mark.db
API = "/api/v1/algorithms"
REVISION = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture
def team(session):
    """An agency with an author, a reviewer and a second author, each with a token."""
    agency = make_agency(session)
    return {
        who: auth_headers(
            make_token(session, make_account(session, role=Role.agency_editor, agency=agency))
        )
        for who in ("author", "reviewer", "co_author")
    }


@pytest.fixture
def public_id(client, team) -> str:
    response = client.post(API, json={"card": card(name="Reviewed text")}, headers=team["author"])
    assert response.status_code == 201, response.text
    return response.json()["public_id"]


def _read(client, public_id, headers):
    response = client.get(f"{API}/{public_id}/draft", headers=headers)
    assert response.status_code == 200, response.text
    return response


def _publish(client, public_id, headers, *, if_match=None, revision=None):
    body = {"change_summary": "Reviewed."}
    if revision is not None:
        body["revision"] = revision
    extra = {"If-Match": if_match} if if_match is not None else {}
    return client.post(f"{API}/{public_id}/publish", json=body, headers={**headers, **extra})


def _versions(client, public_id, headers):
    return client.get(f"{API}/{public_id}/versions", headers=headers).json()


# --- the attack -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["header", "body"])
def test_publish_refuses_a_draft_changed_after_the_reviewer_read_it(
    client, team, public_id, via
) -> None:
    reviewed = _read(client, public_id, team["reviewer"])
    etag = reviewed.headers["ETag"]
    # the author changes the draft after the review
    changed = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Unreviewed text")},
        headers=team["author"],
    )
    assert changed.status_code == 200

    if via == "header":
        response = _publish(client, public_id, team["reviewer"], if_match=etag)
    else:
        response = _publish(
            client, public_id, team["reviewer"], revision=reviewed.json()["revision"]
        )

    assert response.status_code == 412, response.text
    assert response.json()["error"] == {
        "code": "precondition_failed",
        "message": ERR_REVISION_CHANGED,
        "details": [],
    }
    assert _versions(client, public_id, team["reviewer"]) == []
    # reading again shows the change; publishing what was now reviewed works
    again = _read(client, public_id, team["reviewer"])
    assert again.json()["card"]["name"] == "Unreviewed text"
    ok = _publish(client, public_id, team["reviewer"], if_match=again.headers["ETag"])
    assert ok.status_code == 201, ok.text
    assert ok.json()["card"] == again.json()["card"]


def test_publish_without_a_revision_is_refused(client, team, public_id) -> None:
    response = _publish(client, public_id, team["reviewer"])
    assert response.status_code == 428, response.text
    assert response.json()["error"]["code"] == "precondition_required"
    assert response.json()["error"]["message"] == ERR_REVISION_REQUIRED
    assert _versions(client, public_id, team["reviewer"]) == []


def test_if_match_star_names_no_reviewed_revision(client, team, public_id) -> None:
    response = _publish(client, public_id, team["reviewer"], if_match="*")
    assert response.status_code == 428
    assert response.json()["error"]["message"] == ERR_REVISION_STAR


def test_a_weak_etag_never_matches(client, team, public_id) -> None:
    etag = _read(client, public_id, team["reviewer"]).headers["ETag"]
    response = _publish(client, public_id, team["reviewer"], if_match=f"W/{etag}")
    assert response.status_code == 412


def test_header_and_body_must_name_the_same_revision(client, team, public_id) -> None:
    etag = _read(client, public_id, team["reviewer"]).headers["ETag"]
    response = _publish(client, public_id, team["reviewer"], if_match=etag, revision="0" * 64)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert detail["loc"] == ["body", "revision"]
    assert detail["msg"] == ERR_REVISIONS_DISAGREE
    both = _publish(client, public_id, team["reviewer"], if_match=etag, revision=etag.strip('"'))
    assert both.status_code == 201, both.text


@pytest.mark.parametrize(
    ("if_match", "revision", "loc"),
    [
        ("abc", None, ["header", "If-Match"]),  # not a quoted entity tag
        ('"abc', None, ["header", "If-Match"]),  # unclosed
        ('"a", "b"', None, ["header", "If-Match"]),  # two revisions: which one was reviewed?
        (None, "abc", ["body", "revision"]),  # not a revision
        (None, "", ["body", "revision"]),
    ],
)
def test_malformed_revisions_are_422_naming_where(
    client, team, public_id, if_match, revision, loc
) -> None:
    response = _publish(client, public_id, team["reviewer"], if_match=if_match, revision=revision)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["loc"] == loc
    assert _versions(client, public_id, team["reviewer"]) == []


def test_a_revision_from_before_a_publish_cannot_publish_the_next_draft(
    client, team, public_id
) -> None:
    first = _read(client, public_id, team["reviewer"]).headers["ETag"]
    assert _publish(client, public_id, team["reviewer"], if_match=first).status_code == 201
    # the author starts the next draft with the very same card
    client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Reviewed text")},
        headers=team["author"],
    )
    response = _publish(client, public_id, team["reviewer"], if_match=first)
    assert response.status_code == 412


def test_four_eyes_is_still_checked_with_a_valid_revision(client, team, public_id) -> None:
    etag = _read(client, public_id, team["author"]).headers["ETag"]
    response = _publish(client, public_id, team["author"], if_match=etag)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "four_eyes"


def test_no_draft_is_still_a_conflict(client, team, public_id) -> None:
    etag = _read(client, public_id, team["reviewer"]).headers["ETag"]
    assert _publish(client, public_id, team["reviewer"], if_match=etag).status_code == 201
    assert _publish(client, public_id, team["reviewer"], if_match=etag).status_code == 409


# --- the revision itself --------------------------------------------------------------------------


def test_revision_is_a_strong_etag_on_get_and_put_and_in_the_json(client, team, public_id) -> None:
    first = _read(client, public_id, team["author"])
    assert REVISION.match(first.json()["revision"])
    assert first.headers["ETag"] == f'"{first.json()["revision"]}"'
    assert _read(client, public_id, team["reviewer"]).headers["ETag"] == first.headers["ETag"]

    put = client.put(
        f"{API}/{public_id}/draft", json={"card": card(name="Second")}, headers=team["author"]
    )
    assert put.headers["ETag"] == f'"{put.json()["revision"]}"'
    assert put.json()["revision"] != first.json()["revision"]
    assert _read(client, public_id, team["reviewer"]).headers["ETag"] == put.headers["ETag"]


def test_every_save_changes_the_revision_even_with_the_same_card(client, app, team, public_id):
    from tests.registry.factories import use_clock

    clock = use_clock(app)
    before = _read(client, public_id, team["author"]).json()["revision"]
    clock.advance(seconds=1)
    same = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Reviewed text")},
        headers=team["author"],
    )
    assert same.json()["card"] == _read(client, public_id, team["author"]).json()["card"]
    assert same.json()["revision"] != before


# --- saving with If-Match (optimistic concurrency) ------------------------------------------------


def test_a_save_with_a_stale_if_match_is_refused_so_no_update_is_lost(
    client, team, public_id
) -> None:
    seen = _read(client, public_id, team["author"]).headers["ETag"]
    assert _read(client, public_id, team["co_author"]).headers["ETag"] == seen

    mine = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Author's change")},
        headers={**team["author"], "If-Match": seen},
    )
    assert mine.status_code == 200, mine.text
    theirs = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Co-author's change")},
        headers={**team["co_author"], "If-Match": seen},
    )
    assert theirs.status_code == 412
    assert theirs.json()["error"]["message"] == ERR_SAVE_REVISION_CHANGED
    assert _read(client, public_id, team["reviewer"]).json()["card"]["name"] == "Author's change"


def test_a_save_without_if_match_still_replaces_the_draft(client, team, public_id) -> None:
    response = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Unconditional")},
        headers=team["author"],
    )
    assert response.status_code == 200


def test_a_save_with_if_match_needs_a_draft_to_match(client, team, public_id) -> None:
    etag = _read(client, public_id, team["reviewer"]).headers["ETag"]
    assert _publish(client, public_id, team["reviewer"], if_match=etag).status_code == 201
    for if_match in (etag, "*"):
        response = client.put(
            f"{API}/{public_id}/draft",
            json={"card": card(name="Next")},
            headers={**team["author"], "If-Match": if_match},
        )
        assert response.status_code == 412, if_match
    star = client.put(
        f"{API}/{public_id}/draft", json={"card": card(name="Next")}, headers=team["author"]
    )
    assert star.status_code == 200
    again = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Next again")},
        headers={**team["author"], "If-Match": "*"},
    )
    assert again.status_code == 200


def test_a_save_accepts_any_of_several_etags(client, team, public_id) -> None:
    etag = _read(client, public_id, team["author"]).headers["ETag"]
    response = client.put(
        f"{API}/{public_id}/draft",
        json={"card": card(name="Listed")},
        headers={**team["author"], "If-Match": f'"{"0" * 64}", {etag}'},
    )
    assert response.status_code == 200, response.text
