"""Published participation items and their answers in the transparency log: appended in the
publication's transaction, recomputed by `registry verify --database` (an edited item or answer is
named), read by the HTTP verifier and the standalone one, and caught up after an upgrade."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from registry.models import Agency, Event, Role
from registry.models.participation import ItemState, ParticipationItem
from registry.models.transparency import LogEntry
from registry.services import log_check, transparency
from registry.services.canonical import canonical_dumps, iso, sha256_hex
from registry.services.participation import moderation, submission
from registry.transparency.remote import leaf_shape_problem, verify_remote
from tests.registry.factories import T0, make_account, make_agency, make_published_algorithm
from tests.registry.test_transparency_endpoints import fetcher
from tests.registry.test_transparency_standalone import standalone

pytestmark = pytest.mark.db

AT = T0 + timedelta(days=100)


@pytest.fixture
def signed(settings, session):
    transparency.generate_key(settings, name="test.example/log")
    session.info[transparency.SETTINGS_KEY] = settings
    return settings


def sha(content):  # type: ignore[no-untyped-def]
    return sha256_hex(canonical_dumps(content))


def participation_history(session):  # type: ignore[no-untyped-def]
    """A version (entry 0); item A published with an answer (1), re-answered (2); item B
    published unanswered (3), then answered (4); item C declined (no entry)."""
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    items = []
    for text in ("Why was I refused?", "Who checks the model?", "Spam spam spam."):
        done = submission.submit_item(
            session,
            public_id=algorithm.public_id,
            text=text,
            kind="question",
            display_name="Ann" if not items else None,
            duplicate_hours=72,
            now=AT,
        )
        items.append(done.item.public_id)
    a, b, c = items
    moderation.publish_item(session, actor=editor, item_id=a, answer="First answer.", now=AT)
    moderation.answer_item(session, actor=editor, item_id=a, answer="Better answer.", now=AT)
    moderation.publish_item(session, actor=editor, item_id=b, answer=None, now=AT)
    moderation.answer_item(session, actor=editor, item_id=b, answer="Answered later.", now=AT)
    moderation.decline_item(session, actor=editor, item_id=c, reason="abusive", now=AT)
    return algorithm, a, b


def problems(session, settings):  # type: ignore[no-untyped-def]
    return log_check.verify_database(session, transparency.verifier_keys(settings)).problems


def item(session, public_id):  # type: ignore[no-untyped-def]
    return session.exec(
        select(ParticipationItem).where(ParticipationItem.public_id == public_id)
    ).one()


def test_publishing_and_answering_append_leaves_in_the_same_transaction(session, signed):
    algorithm, a, _ = participation_history(session)
    rows = list(session.exec(select(LogEntry).order_by(LogEntry.idx)))
    assert [r.kind for r in rows] == [
        "version.published",
        "participation.published",
        "participation.answered",
        "participation.published",
        "participation.answered",
    ]
    published_a = json.loads(rows[1].leaf)
    stored_a = item(session, a)
    assert published_a["subject"] == {"item": a, "algorithm": algorithm.public_id}
    assert published_a["content_sha256"] == sha(
        {
            "kind": "question",
            "text": stored_a.text,
            "display_name": "Ann",
            "received_at": iso(stored_a.received_at),
        }
    )
    # the answer published with the item, replaced since: its hash stays in the published leaf
    assert published_a["answer_sha256"] == sha({"answer": "First answer."})
    assert json.loads(rows[2].leaf)["content_sha256"] == sha({"answer": "Better answer."})
    published_b = json.loads(rows[3].leaf)
    assert "answer_sha256" not in published_b
    assert json.loads(rows[4].leaf)["content_sha256"] == sha({"answer": "Answered later."})
    # each leaf belongs to its moderation event, and a checkpoint signed each publication
    moderation_events = select(Event).where(Event.subject_type == "participation_item")
    events = {e.id: e for e in session.exec(moderation_events)}
    assert [events[r.event_id].action for r in rows[1:]] == [r.kind for r in rows[1:]]
    latest = transparency.latest_checkpoint(session)
    assert latest is not None and latest.size == 5
    assert all(leaf_shape_problem(json.loads(r.leaf)) is None for r in rows)
    assert problems(session, signed) == []


def test_a_publication_that_fails_before_its_commit_leaves_no_leaf(session, signed, monkeypatch):
    algorithm, *_ = participation_history(session)
    done = submission.submit_item(
        session,
        public_id=algorithm.public_id,
        text="And the appeal?",
        kind="question",
        duplicate_hours=72,
        now=AT,
    )
    agency = session.get(Agency, algorithm.agency_id)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    size = transparency.log_size(session)

    def broken(_session):  # type: ignore[no-untyped-def]
        assert transparency.log_size(_session) == size + 1  # appended, not yet committed
        raise RuntimeError("the index failed")

    monkeypatch.setattr(moderation.search_index, "sync", broken)
    with pytest.raises(RuntimeError):
        moderation.publish_item(
            session, actor=editor, item_id=done.item.public_id, answer=None, now=AT
        )
    session.rollback()
    assert transparency.log_size(session) == size
    assert item(session, done.item.public_id).state == ItemState.pending


def test_an_edited_published_item_is_named(session, signed):
    algorithm, a, _ = participation_history(session)
    stored = item(session, a)
    session.execute(
        sa.update(ParticipationItem)
        .where(ParticipationItem.id == stored.id)
        .values(text="I am very happy with the decision.")
    )
    session.commit()
    assert problems(session, signed)[0] == (
        f"entry 1: participation.published (algorithm {algorithm.public_id}, item {a}): the "
        "stored record no longer matches its leaf (content_sha256 differ)"
    )


def test_an_edited_answer_is_named(session, signed):
    algorithm, _, b = participation_history(session)
    session.execute(
        sa.update(ParticipationItem)
        .where(ParticipationItem.public_id == b)
        .values(answer="A kinder answer, written afterwards.")
    )
    session.commit()
    assert problems(session, signed) == [
        f"entry 4: participation.answered (algorithm {algorithm.public_id}, item {b}): the "
        "stored record no longer matches its leaf (content_sha256 differ)"
    ]


def test_an_edited_answer_published_with_the_item_is_named(session, signed):
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    done = submission.submit_item(
        session,
        public_id=algorithm.public_id,
        text="Is a person involved?",
        kind="question",
        duplicate_hours=72,
        now=AT,
    )
    item_id = done.item.public_id
    moderation.publish_item(session, actor=editor, item_id=item_id, answer="No.", now=AT)
    assert problems(session, signed) == []
    session.execute(
        sa.update(ParticipationItem)
        .where(ParticipationItem.public_id == item_id)
        .values(answer="Yes, always.")
    )
    session.commit()
    assert problems(session, signed) == [
        f"entry 1: participation.published (algorithm {algorithm.public_id}, item {item_id}): "
        "the stored record no longer matches its leaf (answer_sha256 differ)"
    ]


def test_an_unpublished_item_is_named(session, signed):
    algorithm, a, _ = participation_history(session)
    session.execute(
        sa.update(ParticipationItem)
        .where(ParticipationItem.public_id == a)
        .values(state=ItemState.declined.value)
    )
    session.commit()
    found = problems(session, signed)
    assert found[0] == (
        f"entry 1: participation.published (algorithm {algorithm.public_id}, item {a}): "
        f"participation item {a} is no longer published (it is declined)"
    )
    assert found[1].startswith("entry 2: participation.answered")


def test_a_log_from_before_participation_was_logged_catches_up(
    session, signed, engine, monkeypatch
):
    old = transparency.LOGGED_ACTIONS - {"participation.published", "participation.answered"}
    monkeypatch.setattr(transparency, "LOGGED_ACTIONS", old)
    participation_history(session)
    make_published_algorithm(session)  # a later fact, logged before the catch-up
    assert transparency.log_size(session) == 2
    monkeypatch.undo()
    found = problems(session, signed)
    assert len(found) == 4 and all("is public but not in the log" in p for p in found), found
    session.close()
    added = log_check.catch_up_at_start(engine, signed, now=AT)
    assert added == 4
    assert log_check.catch_up_at_start(engine, signed, now=AT) == 0
    kinds = [r.kind for r in session.exec(select(LogEntry).order_by(LogEntry.idx))]
    assert kinds[2:] == [
        "participation.published",
        "participation.answered",
        "participation.published",
        "participation.answered",
    ]
    assert transparency.latest_checkpoint(session).size == 6  # type: ignore[union-attr]
    assert problems(session, signed) == []


def test_the_http_and_standalone_verifiers_read_participation_leaves(client, session, signed):
    participation_history(session)
    report = verify_remote(fetcher(client))
    assert report.ok, report.problems
    assert report.entries == 5
    found, _ = standalone().check(fetcher(client))
    assert found == []

    real = fetcher(client)

    def unknown_kind(path: str) -> str:
        # A leaf of an undocumented kind, its hash recomputed so only its reading can fail.
        text = real(path)
        if path.startswith("entries"):
            body = json.loads(text)
            entry = body["entries"][2]
            leaf = json.loads(entry["leaf"])
            leaf["kind"] = "participation.rumoured"
            entry["leaf"] = canonical_dumps(leaf)
            from registry.transparency import merkle

            entry["leaf_hash"] = merkle.leaf_hash(entry["leaf"].encode()).hex()
            text = json.dumps(body)
        return text

    report = verify_remote(unknown_kind)
    assert "entry 2: its leaf is of an unknown kind 'participation.rumoured'" in report.problems
    found, _ = standalone().check(unknown_kind)
    assert found[0] == "entry 2: not a format 1 leaf of a known kind ('participation.rumoured')"


def test_leaf_shapes_are_checked_member_by_member():
    base = {
        "format": 1,
        "index": 0,
        "kind": "participation.published",
        "at": "2026-12-01T10:00:00.000000+00:00",
        "event": 4,
        "subject": {"item": "itm-abcdefgh", "algorithm": "ALG-1"},
        "content_sha256": "a" * 64,
    }
    assert leaf_shape_problem(base) is None
    assert leaf_shape_problem({**base, "answer_sha256": "b" * 64}) is None
    assert leaf_shape_problem({**base, "answer_sha256": "B" * 64}) == (
        "its participation.published leaf's answer_sha256 is not 64 lower-case hex digits"
    )
    assert leaf_shape_problem({**base, "kind": "participation.answered", "answer_sha256": "b" * 64})
    assert leaf_shape_problem({**base, "subject": {"item": "itm-abcdefgh"}}) == (
        "its participation.published leaf's subject is not {algorithm, item}"
    )
    missing = {k: v for k, v in base.items() if k != "content_sha256"}
    assert leaf_shape_problem({**missing, "missing": "gone"}) is None
    assert leaf_shape_problem({**base, "format": 2}) == "its leaf has format 2, not 1"


def test_a_reader_recomputes_both_hashes_from_the_public_items(client, session, signed):
    """docs/verification.md: the published item and its current answer, as the public API serves
    them, hash to the leaves (with the time written in the page's canonical form)."""
    from datetime import UTC, datetime

    algorithm, a, b = participation_history(session)
    served = client.get(f"/api/v1/algorithms/{algorithm.public_id}/participation").json()
    leaves = [json.loads(r.leaf) for r in session.exec(select(LogEntry).order_by(LogEntry.idx))]
    for public in served["items"]:
        mine = [leaf for leaf in leaves if leaf["subject"].get("item") == public["id"]]
        received = datetime.fromisoformat(public["received_at"].replace("Z", "+00:00"))
        content = {
            "display_name": public["display_name"],
            "kind": public["kind"],
            "received_at": received.astimezone(UTC).isoformat(timespec="microseconds"),
            "text": public["text"],
        }
        assert mine[0]["kind"] == "participation.published"
        assert mine[0]["content_sha256"] == sha(content)
        answers = [leaf for leaf in mine if leaf["kind"] == "participation.answered"]
        last = answers[-1]["content_sha256"] if answers else mine[0].get("answer_sha256")
        assert last == sha({"answer": public["answer"]})
    assert {i["id"] for i in served["items"]} == {a, b}
