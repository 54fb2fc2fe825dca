"""Reruns: only the original submitter (or an admin) may rerun an audit, and the rerun is the
original submitter's audit of record with the original's kind and privacy.

The attack these tests keep closed: another auditor, or an editor of the algorithm's agency, reran
someone else's published audit and read the rerun's private view, with the true small counts that
the public view shows as "<10".
"""

from __future__ import annotations

import pytest

from registry.models import Agency, Role
from registry.services.audits.submission import ERR_RERUN_NOT_SUBMITTER
from registry.services.events import list_events
from tests.registry.audit_fixtures import audit_rows, drain, make_world, upload
from tests.registry.factories import make_account, make_token
from tests.registry.test_audit_publication import SKEWED_CSV, SKEWED_SPEC

pytestmark = pytest.mark.db

WHO = (None, "admin", "editor", "colleague", "other_editor", "auditor", "other_auditor")


@pytest.fixture
def world(session):
    world = make_world(session)
    # a second auditor, and a second editor of the algorithm's agency
    other_auditor = make_account(session, role=Role.auditor)
    agency = session.get(Agency, world.editor.agency_id)
    colleague = make_account(session, role=Role.agency_editor, agency=agency)
    world.tokens["other_auditor"] = make_token(session, other_auditor)
    world.tokens["colleague"] = make_token(session, colleague)
    return world


def _published(client, app, world, who: str) -> str:
    """A succeeded and published audit of the skewed sample (a group of 3) submitted by ``who``."""
    body = upload(client, world, who=who, data=SKEWED_CSV, spec=SKEWED_SPEC).json()
    drain(app)
    publish = client.post(f"/api/v1/audits/{body['id']}/publish", headers=world.headers(who))
    assert publish.status_code == 200, publish.text
    return body["id"]


def _rerun(client, world, who, audit_id):
    return client.post(f"/api/v1/audits/{audit_id}/rerun", headers=world.headers(who))


def _small_group(view):
    return next(
        g for g in view["report"]["groups"] if g["attribute"] == "sex" and g["group"] == "x"
    )


@pytest.mark.parametrize("attacker", ["other_auditor", "editor", "colleague", "other_editor"])
def test_nobody_but_the_submitter_reruns_a_published_independent_audit_to_read_small_counts(
    client, app, session, world, attacker
) -> None:
    done = _published(client, app, world, "auditor")
    public = client.get(f"/api/v1/audits/{done}").json()
    assert _small_group(public)["n"] == {"suppressed": True, "display": "<10"}
    before = len(audit_rows(session))

    response = _rerun(client, world, attacker, done)

    assert response.status_code == 403, response.text
    assert response.json()["error"]["message"] == ERR_RERUN_NOT_SUBMITTER
    assert len(audit_rows(session)) == before  # nothing queued, nothing to read
    drain(app)
    listing = client.get(
        f"/api/v1/algorithms/{world.algorithm.public_id}/audits", headers=world.headers(attacker)
    ).json()["items"]
    assert [a["id"] for a in listing] == [done]


@pytest.mark.parametrize("attacker", ["other_auditor", "colleague", "other_editor"])
def test_nobody_but_the_submitter_reruns_a_published_self_assessment(
    client, app, session, world, attacker
) -> None:
    done = _published(client, app, world, "editor")
    assert _rerun(client, world, attacker, done).status_code == 403
    assert len(audit_rows(session)) == 1


@pytest.mark.parametrize("submitter", ["auditor", "editor"])
@pytest.mark.parametrize("trigger", ["submitter", "admin"])
def test_a_rerun_is_the_submitters_audit_of_record_with_the_original_kind(
    client, app, session, world, submitter, trigger
) -> None:
    done = _published(client, app, world, submitter)
    original = client.get(f"/api/v1/audits/{done}").json()
    who = submitter if trigger == "submitter" else "admin"

    response = _rerun(client, world, who, done)

    assert response.status_code == 202, response.text
    new = response.json()
    assert (
        new["kind"]
        == original["kind"]
        == ("independent" if submitter == "auditor" else "self_assessment")
    )
    assert new["submitted_by"] == original["submitted_by"]
    row = next(a for a in audit_rows(session) if a.public_id == new["id"])
    submitter_account = getattr(world, submitter)
    assert row.submitter_id == submitter_account.id
    assert row.submitter_name == submitter_account.display_name
    # the ledger says who triggered it, and on whose behalf
    (event,) = list_events(session, subject_type="audit", subject_id=new["id"])
    assert event.action == "audit.submitted"
    assert event.actor_id == (world.admin.id if trigger == "admin" else submitter_account.id)
    assert event.payload["submitter_id"] == submitter_account.id
    assert event.payload["kind"] == original["kind"]
    # the submitter of record may publish it, whoever triggered it
    drain(app)
    published = client.post(f"/api/v1/audits/{new['id']}/publish", headers=world.headers(submitter))
    assert published.status_code == 200, published.text


@pytest.mark.parametrize("submitter", ["auditor", "editor"])
def test_a_reruns_private_view_has_exactly_the_originals_private_readers(
    client, app, world, submitter
) -> None:
    done = _published(client, app, world, submitter)
    rerun = _rerun(client, world, "admin", done).json()["id"]
    drain(app)

    def private_readers(audit_id: str) -> set[str | None]:
        readers = set()
        for who in WHO:
            response = client.get(f"/api/v1/audits/{audit_id}", headers=world.headers(who))
            if response.status_code == 200 and "job" in response.json():
                readers.add(who)
        return readers

    expected = {"admin", submitter} | ({"colleague"} if submitter == "editor" else set())
    assert private_readers(done) == expected
    assert private_readers(rerun) == expected
    # and those who may not read it privately do not learn the small count
    for who in set(WHO) - expected:
        response = client.get(f"/api/v1/audits/{rerun}", headers=world.headers(who))
        assert response.status_code == 404


def test_a_rerun_of_a_private_audit_is_refused_to_those_who_cannot_read_it(
    client, app, world
) -> None:
    body = upload(client, world, data=SKEWED_CSV, spec=SKEWED_SPEC).json()
    drain(app)
    for who in ("editor", "colleague", "other_editor", "other_auditor"):
        assert _rerun(client, world, who, body["id"]).status_code == 404
    assert _rerun(client, world, None, body["id"]).status_code == 401
    assert _rerun(client, world, "auditor", body["id"]).status_code == 202
    assert _rerun(client, world, "admin", body["id"]).status_code == 202
