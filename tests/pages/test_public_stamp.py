"""The public stamp (page cache, ETags, search index) follows the ledger's public events only.

- Two writes committed out of application-clock order are both searchable, and each moves the ETag.
- Private work (drafts, new algorithms, accounts, tokens, audits queued, claimed, heartbeating,
  finished) changes no public page's ETag; publishing does.
- Every public action moves the stamp to its own ledger id; reads never write.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from registry.models import Event, Role
from registry.services import events
from registry.services.audits import worker
from registry.services.cards import algorithms, drafts
from registry.services.cards.agencies import get_agency
from registry.services.public import search_index
from tests.pages.world import build_world
from tests.registry.audit_fixtures import drain, make_world, upload
from tests.registry.factories import (
    T0,
    card,
    make_account,
    make_agency,
    make_draft_algorithm,
    make_token,
)

pytestmark = pytest.mark.db


def _etags(client, paths: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    tags = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        tags[path] = response.headers["etag"]
    return tags


def _public_pages(algorithm_id: str, agency_slug: str) -> list[str]:
    return [
        "/",
        "/index.json",
        "/index.csv",
        "/about",
        "/about.json",
        "/methods",
        "/agencies",
        "/agencies.json",
        f"/agencies/{agency_slug}",
        "/audits",
        "/audits.json?verdict=inconclusive",
        "/compare/agencies?sort=failed_audits",
        "/compare/agencies.csv",
        f"/algorithms/{algorithm_id}",
        f"/algorithms/{algorithm_id}.json",
        f"/algorithms/{algorithm_id}/versions",
        f"/algorithms/{algorithm_id}/versions/1",
        f"/algorithms/{algorithm_id}/diff",
    ]


def _names(client, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["name"] for r in client.get("/index.json", params={"q": q}).json()["results"]]


def _last_event(session) -> Event:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(Event).order_by(Event.id.desc()).limit(1)).one()  # type: ignore[union-attr]


def session_for(client):  # type: ignore[no-untyped-def]
    from registry.db import session_scope

    return session_scope(client.app.state.engine)


def test_writes_committed_out_of_clock_order_are_both_searchable_and_each_moves_the_etag(
    client, session
):
    # A writer that read its clock early can commit after one that read it later (a slow
    # transaction, or two servers whose clocks disagree). The ledger lock makes the two commits
    # take turns, so the late one commits second with the earlier timestamp: this sequence.
    agency = make_agency(
        session, slug="parks", name="Green Spaces"
    )  # not "Parks": "parking" stems to park
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    parking = make_draft_algorithm(
        session, agency=agency, editor=editor, card_data=card(name="Parking permit checker")
    )
    library = make_draft_algorithm(
        session, agency=agency, editor=editor, card_data=card(name="Library fines reminder")
    )
    pages = ["/", "/index.json", "/about", f"/agencies/{agency.slug}"]
    seen = [_etags(client, pages)]

    late, early = T0 + timedelta(days=500), T0 + timedelta(days=100)
    for algorithm, now, query in ((parking, late, "parking"), (library, early, "library")):
        drafts.publish_draft(
            session,
            actor=publisher,
            algorithm=algorithm,
            change_summary="First.",
            revision=drafts.current_revision(session, algorithm),
            four_eyes=True,
            now=now,
        )
        assert _names(client, query) == [algorithm.name]
        tags = _etags(client, pages)
        assert all(tags[p] != earlier[p] for p in pages for earlier in seen), query
        assert client.get("/", headers={"If-None-Match": tags["/"]}).status_code == 304
        seen.append(tags)

    first, second = session.exec(
        select(Event).where(Event.action == "version.published").order_by(Event.id)  # type: ignore[arg-type]
    ).all()
    assert second.id > first.id and second.at < first.at  # committed later, stamped earlier
    assert _names(client, "parking") == ["Parking permit checker"]
    assert _names(client, "library") == ["Library fines reminder"]
    assert client.get("/index.json").json()["total"] == 2
    with session_for(client) as s:
        assert search_index.public_stamp(s) == second.id


def test_private_work_changes_no_public_etag_and_publishing_changes_them_all(client, app, session):
    world = make_world(session)
    algorithm = world.algorithm
    agency_slug = session.exec(
        sa.text("SELECT slug FROM agency WHERE id = :id").bindparams(id=algorithm.agency_id)
    ).one()[0]
    pages = _public_pages(algorithm.public_id, agency_slug)
    before = _etags(client, pages)

    def unchanged(step: str) -> None:
        assert _etags(client, pages) == before, f"a public ETag changed after: {step}"

    # An editor saves a draft of the published algorithm, and starts a new algorithm.
    drafts.save_draft(
        session,
        actor=world.editor,
        algorithm=algorithm,
        card=card(name="Not yet public"),
        now=T0 + timedelta(days=400),
    )
    unchanged("draft.updated")
    make_draft_algorithm(session, editor=world.editor, card_data=card(name="Secret new one"))
    unchanged("algorithm.created")
    auditor = make_account(session, role=Role.auditor)
    make_token(session, auditor)
    unchanged("account.created, token.created")

    # An audit is submitted, claimed, heartbeats, and succeeds: all private.
    submitted = upload(client, world)
    assert submitted.status_code == 202, submitted.text
    unchanged("audit.submitted")
    now = T0 + timedelta(days=401)
    claim = worker.claim_next(session, worker_id="test", now=now)
    assert claim is not None
    unchanged("claim")
    for beat in range(3):
        assert worker.heartbeat(
            session, claim, now=now + timedelta(seconds=5 * beat), progress={"fraction": 0.5}
        )
    unchanged("heartbeats")
    worker.reap_stale(session, now=now + timedelta(hours=1), stale_after=60)  # requeued
    unchanged("audit.requeued")
    assert drain(app) == [submitted.json()["id"]]
    unchanged("audit.succeeded")
    bad_rows = b"sex,age_band,pred,label\n" + b"f,young,1,maybe\n" * 5
    failing = upload(client, world, data=bad_rows)
    assert failing.status_code == 202, failing.text
    drain(app)
    state = client.get(f"/api/v1/audits/{failing.json()['id']}", headers=world.headers("auditor"))
    assert state.json()["state"] == "failed"
    unchanged("audit.failed")
    assert _names(client, "not yet public") == [] and _names(client, "secret") == []

    published = client.post(
        f"/api/v1/audits/{submitted.json()['id']}/publish", headers=world.headers("auditor")
    )
    assert published.status_code == 200, published.text
    after = _etags(client, pages)
    assert [p for p in pages if after[p] == before[p]] == []


def _publish_fresh(session, world):
    """A new algorithm's first version, published by its own editor (no four-eyes rule)."""
    algorithm = make_draft_algorithm(
        session, agency=None, editor=world.other_editor, card_data=card(name="Fresh")
    )
    return drafts.publish_draft(
        session,
        actor=world.other_editor,
        algorithm=algorithm,
        change_summary="First.",
        revision=drafts.current_revision(session, algorithm),
        four_eyes=False,
        now=T0 + timedelta(days=10),
    )


def test_every_public_action_moves_the_stamp_to_its_event_and_private_ones_do_not(
    client, app, session
):
    world = make_world(session)
    audit_id = upload(client, world).json()["id"]
    drain(app)

    def stamp() -> int | None:
        with session_for(client) as s:
            return search_index.public_stamp(s)

    def post(path: str, json: dict | None = None) -> None:  # type: ignore[type-arg]
        response = client.post(path, headers=world.headers("auditor"), json=json)
        assert response.status_code in (200, 201), response.text

    private_stamp = stamp()
    last = _last_event(session)
    assert last.action == "audit.succeeded" and private_stamp is not None
    assert private_stamp < last.id

    # What the public sends waits for moderation: private, the stamp stays.
    items = {}
    for name in ("answered", "merged", "declined"):
        response = client.post(
            f"/api/v1/algorithms/{world.algorithm.public_id}/participation",
            json={"kind": "question", "text": f"Stamp {name}"},
        )
        assert response.status_code == 201, response.text
        items[name] = response.json()["status"]["id"]
    assert _last_event(session).action == "participation.submitted"
    assert stamp() == private_stamp

    def moderate(item: str, action: str, body: dict) -> None:  # type: ignore[type-arg]
        response = client.post(
            f"/api/v1/participation/items/{item}/{action}",
            headers=world.headers("editor"),
            json=body,
        )
        assert response.status_code == 200, response.text

    steps = [
        ("participation.published", lambda: moderate(items["answered"], "publish", {})),
        (
            "participation.answered",
            lambda: moderate(items["answered"], "answer", {"answer": "Yes."}),
        ),
        (
            "participation.merged",
            lambda: moderate(items["merged"], "merge", {"into": items["answered"]}),
        ),
        (
            "participation.declined",
            lambda: moderate(items["declined"], "decline", {"reason": "off_topic"}),
        ),
        ("audit.published", lambda: post(f"/api/v1/audits/{audit_id}/publish")),
        (
            "audit.response",
            lambda: client.post(
                f"/api/v1/audits/{audit_id}/response",
                headers=world.headers("editor"),
                json={"text": "Noted."},
            ).raise_for_status(),
        ),
        (
            "audit.withdrawn",
            lambda: post(f"/api/v1/audits/{audit_id}/withdraw", {"reason": "Wrong extract."}),
        ),
        ("agency.created", lambda: make_agency(session, slug="new-agency", name="New agency")),
        (
            "version.published",
            lambda: _publish_fresh(session, world),
        ),
        (
            "algorithm.retired",
            lambda: algorithms.retire_algorithm(
                session,
                actor=world.admin,
                algorithm=world.algorithm,
                reason="Replaced.",
                now=T0 + timedelta(days=11),
            ),
        ),
    ]
    covered = set()
    for action, step in steps:
        step()
        event = session.exec(
            select(Event).where(Event.action == action).order_by(Event.id.desc()).limit(1)  # type: ignore[union-attr]
        ).one()
        assert stamp() == event.id, action
        covered.add(action)
    assert covered == events.PUBLIC_ACTIONS


def test_get_requests_never_write(client, app, session):
    world = build_world(session)
    # A public change just before the reads: the old design rewrote the index on the next GET.
    agency = get_agency(session, world.agency_slug)
    drafts.save_draft(
        session,
        actor=make_account(session, role=Role.agency_editor, agency=agency),
        algorithm=world.main,
        card=card(name="Benefit claim triage (renamed)"),
        now=T0 + timedelta(days=600),
    )
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    drafts.publish_draft(
        session,
        actor=publisher,
        algorithm=world.main,
        change_summary="Renamed.",
        revision=drafts.current_revision(session, world.main),
        four_eyes=True,
        now=T0 + timedelta(days=601),
    )
    engine = app.state.engine
    statements: list[str] = []
    commits: list[bool] = []

    def on_execute(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def on_commit(conn):  # type: ignore[no-untyped-def]
        commits.append(True)

    sa.event.listen(engine, "before_cursor_execute", on_execute)
    sa.event.listen(engine, "commit", on_commit)
    try:
        main, retired = world.main.public_id, world.retired.public_id
        paths = [
            "/",
            "/index.json",
            "/index.csv",
            "/?q=renamed",
            "/index.json?q=福利&scenario=public_services",
            "/about",
            "/methods",
            "/agencies",
            "/agencies.csv",
            f"/agencies/{world.agency_slug}",
            f"/agencies/{world.agency_slug}.json",
            f"/algorithms/{main}",
            f"/algorithms/{main}.json",
            f"/algorithms/{main}/versions.csv",
            f"/algorithms/{main}/versions/2",
            f"/algorithms/{main}/diff",
            f"/algorithms/{retired}",
            f"/audits/{world.audit_id}",
            f"/audits/{world.audit_id}.json",
            "/feed.atom",
            f"/agencies/{world.agency_slug}/feed.atom",
            "/downloads/register.json",
            "/downloads/register.csv",
            "/downloads/history.json",
            "/audits",
            "/audits.csv?kind=independent",
            "/compare/agencies",
            "/compare/agencies.json?sort=review_overdue&order=asc",
            "/downloads/audits.csv",
            "/downloads/audits.json",
            "/api/v1/algorithms",
            f"/api/v1/algorithms/{main}",
            f"/api/v1/algorithms/{main}/versions",
            f"/api/v1/algorithms/{main}/audits",
            f"/api/v1/audits/{world.audit_id}",
            "/api/v1/agencies",
            f"/algorithms/{world.draft.public_id}",  # 404: a draft is not public
        ]
        for _ in range(2):  # cold and warm caches
            for path in paths:
                assert client.get(path).status_code in (200, 404), path
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
        sa.event.remove(engine, "commit", on_commit)
    writes = [
        s
        for s in statements
        if s.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert statements, "the reads ran no statement at all: the listener is not attached"
    assert writes == []
    assert commits == []


def test_an_etag_does_not_reveal_the_public_stamp():
    """The ETag is keyed with the secret key: the same page under the same stamp gets another tag
    with another key, so trying stamps one by one without the key finds nothing."""
    from registry.pages.cache import etag, page_key

    key = page_key(fmt="html", path="/about", query="", lang="en", day="2026-01-01", stamp=41)
    unkeyed = '"' + hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:32] + '"'
    mine, theirs = etag(key, secret="one-secret-key"), etag(key, secret="another-secret-key")
    assert mine != theirs
    assert unkeyed not in (mine, theirs)
    assert etag(key, secret="one-secret-key") == mine  # still strong: stable for the same page
