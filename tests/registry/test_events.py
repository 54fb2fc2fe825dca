"""Every state change writes a ledger event in the same transaction, and the hash chain verifies."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.errors import Forbidden
from registry.models import Event, Role
from registry.services.cards.drafts import current_revision, publish_draft
from registry.services.events import GENESIS_HASH, list_events, verify_chain
from tests.registry.factories import (
    T0,
    auth_headers,
    card,
    make_account,
    make_agency,
    make_draft_algorithm,
    make_token,
    publish_over_api,
)

pytestmark = pytest.mark.db


def _actions(session):  # type: ignore[no-untyped-def]
    return [e.action for e in list_events(session)]


def test_every_state_change_is_an_event_and_the_chain_verifies(client, session):
    admin = make_account(session, role=Role.admin)
    admin_headers = auth_headers(make_token(session, admin))
    assert (
        client.post(
            "/api/v1/agencies", json={"slug": "roads", "name": "Roads"}, headers=admin_headers
        ).status_code
        == 201
    )
    body = {"email": "e@roads.gov", "display_name": "E", "role": "agency_editor", "agency": "roads"}
    assert client.post("/api/v1/accounts", json=body, headers=admin_headers).status_code == 201
    body2 = {**body, "email": "p@roads.gov"}
    assert client.post("/api/v1/accounts", json=body2, headers=admin_headers).status_code == 201
    from registry.services.cards.accounts import get_account_by_email

    editor = auth_headers(make_token(session, get_account_by_email(session, "e@roads.gov")))
    publisher = auth_headers(make_token(session, get_account_by_email(session, "p@roads.gov")))
    public_id = client.post("/api/v1/algorithms", json={"card": card()}, headers=editor).json()[
        "public_id"
    ]
    client.put(
        f"/api/v1/algorithms/{public_id}/draft", json={"card": card(name="B")}, headers=editor
    )
    assert publish_over_api(client, public_id, publisher, "1").status_code == 201
    client.post(f"/api/v1/algorithms/{public_id}/retire", json={"reason": "done"}, headers=editor)
    token_id = client.post("/api/v1/tokens", json={"name": "x"}, headers=editor).json()["id"]
    client.delete(f"/api/v1/tokens/{token_id}", headers=editor)

    actions = _actions(session)
    for expected in [
        "account.created",
        "token.created",
        "agency.created",
        "algorithm.created",
        "draft.updated",
        "version.published",
        "algorithm.retired",
        "token.revoked",
    ]:
        assert expected in actions
    published = next(e for e in list_events(session) if e.action == "version.published")
    assert published.subject_id == public_id
    assert published.payload["number"] == 1
    assert len(published.content_hash) == 64
    report = verify_chain(session)
    assert report.ok and report.events_checked == len(actions)
    assert list_events(session)[0].prev_hash == GENESIS_HASH


def test_a_failed_change_writes_no_event(session):
    agency = make_agency(session)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_draft_algorithm(session, agency=agency, editor=editor)
    before = _actions(session)
    with pytest.raises(Forbidden):
        publish_draft(
            session,
            actor=editor,
            algorithm=algorithm,
            change_summary="x",
            four_eyes=True,
            revision=current_revision(session, algorithm),
            now=T0,
        )
    session.rollback()
    assert _actions(session) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", {"slug": "forged"}), ("action", "agency.deleted"), ("prev_hash", "f" * 64)],
)
def test_tampering_with_any_event_breaks_the_chain(session, column, value):
    make_agency(session)
    make_agency(session)
    make_agency(session)
    target = list_events(session)[1]
    session.execute(sa.update(Event).where(Event.id == target.id).values({column: value}))
    session.commit()
    session.expire_all()
    report = verify_chain(session)
    assert not report.ok
    assert report.first_bad_event_id == target.id


def test_the_ledger_lock_makes_writers_take_turns_so_ids_follow_commit_order(engine, session):
    """A transaction holding the ledger lock keeps every other append waiting until it commits,
    so the waiting event gets the larger id and chains onto the holder's (SQLite and PostgreSQL)."""
    import threading

    from registry.db import session_scope
    from registry.services.events import lock_ledger, record_event

    make_agency(session)
    lock_ledger(session)  # before any write of its own: on SQLite this alone must take the lock
    waiter: dict[str, object] = {}
    finished = threading.Event()

    def append_elsewhere() -> None:
        with session_scope(engine) as other:
            event = record_event(
                other, at=T0, actor_id=None, action="token.created", subject_type="token",
                subject_id="2",
            )  # fmt: skip
            other.commit()
            waiter.update(id=event.id, prev_hash=event.prev_hash)
        finished.set()

    thread = threading.Thread(target=append_elsewhere)
    thread.start()
    try:
        assert not finished.wait(0.5), "an append went ahead while the ledger lock was held"
        mine = record_event(
            session, at=T0, actor_id=None, action="token.created", subject_type="token",
            subject_id="1",
        )  # fmt: skip
        session.commit()
    finally:
        thread.join(30)
    assert finished.is_set()
    assert waiter == {"id": waiter["id"], "prev_hash": mine.hash}
    assert waiter["id"] > mine.id  # type: ignore[operator]
    assert verify_chain(session).ok


def test_an_action_in_neither_the_public_nor_the_private_list_is_refused():
    from registry.services.events import PRIVATE_ACTIONS, PUBLIC_ACTIONS, record_event

    assert PUBLIC_ACTIONS.isdisjoint(PRIVATE_ACTIONS)
    with pytest.raises(ValueError, match="not classified"):
        record_event(
            None,  # type: ignore[arg-type]  # refused before the session is used
            at=T0, actor_id=None, action="agency.renamed", subject_type="agency", subject_id="x",
        )  # fmt: skip
