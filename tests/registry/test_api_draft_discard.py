"""DELETE /api/v1/algorithms/{id}/draft: discard the working draft of a published algorithm.

The published versions stay exactly as they were; the ledger records ``draft.discarded``; the
same If-Match rule as saving keeps one editor from throwing away another's newer changes.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Event, Role
from registry.services.cards.drafts import ERR_DISCARD_UNPUBLISHED, ERR_NO_DRAFT
from tests.registry.factories import (
    auth_headers,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db
API = "/api/v1/algorithms"


@pytest.fixture
def editor(session):
    agency = make_agency(session)
    account = make_account(session, role=Role.agency_editor, agency=agency)
    return agency, auth_headers(make_token(session, account))


def _published_with_draft(client, session, agency, headers) -> str:
    algorithm = make_published_algorithm(session, agency=agency, versions=1)
    response = client.put(
        f"{API}/{algorithm.public_id}/draft", json={"card": card(name="Next")}, headers=headers
    )
    assert response.status_code == 200, response.text
    return algorithm.public_id


def test_discarding_removes_the_draft_and_keeps_the_published_version(client, session, editor):
    agency, headers = editor
    public_id = _published_with_draft(client, session, agency, headers)
    before = client.get(f"{API}/{public_id}/versions/1").json()
    response = client.delete(f"{API}/{public_id}/draft", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"{API}/{public_id}/draft", headers=headers).status_code == 404
    assert client.get(f"{API}/{public_id}/versions/1").json() == before
    event = session.exec(select(Event).where(Event.action == "draft.discarded")).one()
    assert event.subject_id == public_id


def test_discarding_without_a_draft_is_404(client, session, editor):
    agency, headers = editor
    algorithm = make_published_algorithm(session, agency=agency, versions=1)
    response = client.delete(f"{API}/{algorithm.public_id}/draft", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == ERR_NO_DRAFT


def test_the_draft_of_a_never_published_algorithm_cannot_be_discarded(client, editor):
    _agency, headers = editor
    created = client.post(API, json={"card": card(name="Only draft")}, headers=headers).json()
    response = client.delete(f"{API}/{created['public_id']}/draft", headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == ERR_DISCARD_UNPUBLISHED
    assert client.get(f"{API}/{created['public_id']}/draft", headers=headers).status_code == 200


def test_if_match_is_honoured_like_a_save(client, session, editor):
    agency, headers = editor
    public_id = _published_with_draft(client, session, agency, headers)
    etag = client.get(f"{API}/{public_id}/draft", headers=headers).headers["ETag"]
    client.put(f"{API}/{public_id}/draft", json={"card": card(name="Newer")}, headers=headers)
    stale = client.delete(f"{API}/{public_id}/draft", headers={**headers, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(f"{API}/{public_id}/draft", headers=headers).json()["card"]["name"] == "Newer"
    fresh = client.get(f"{API}/{public_id}/draft", headers=headers).headers["ETag"]
    ok = client.delete(f"{API}/{public_id}/draft", headers={**headers, "If-Match": fresh})
    assert ok.status_code == 204
