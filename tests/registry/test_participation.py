"""Citizen participation services: submission rules, moderation, contact erasure, the ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.models import Event, Role
from registry.models.participation import (
    ItemState,
    ParticipationContact,
    ParticipationItem,
)
from registry.services.events import PUBLIC_ACTIONS, list_events, verify_chain
from registry.services.participation import listing, moderation, submission
from tests.registry.factories import (
    T0,
    make_account,
    make_agency,
    make_draft_algorithm,
    make_published_algorithm,
)

pytestmark = pytest.mark.db

PHONE = "13812345678"
EMAIL = "citizen@example.com"


@pytest.fixture
def world(session):
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    other = make_account(session, role=Role.agency_editor)
    return {"algorithm": algorithm, "editor": editor, "other": other, "agency": agency}


def submit(session, world, text="Why was my application refused?", **kw):
    kw.setdefault("kind", "question")
    kw.setdefault("duplicate_hours", 72)
    kw.setdefault("now", T0 + timedelta(days=100))
    return submission.submit_item(session, public_id=world["algorithm"].public_id, text=text, **kw)


def _items(session):
    return list(session.exec(select(ParticipationItem)))


# --- submission -------------------------------------------------------------------------------


def test_submitted_item_awaits_moderation_with_masked_text_only(session, world):
    done = submit(session, world, text=f"Call me on {PHONE} about my case.", contact_email=EMAIL)
    item = done.item
    assert item.state == ItemState.pending
    assert PHONE not in item.text
    assert item.masked_kinds  # the kinds of personal data that were masked
    assert done.contact_stored
    # the tracking code is stored only as its hash
    assert done.tracking_code not in json.dumps(item.model_dump(mode="json"))
    assert submission.item_by_tracking_code(session, done.tracking_code).id == item.id


def test_the_original_text_is_stored_nowhere(session, world):
    submit(session, world, text=f"My number is {PHONE}.", contact_email=EMAIL)
    rows = [r.model_dump(mode="json") for r in _items(session)]
    rows += [e.model_dump(mode="json") for e in list_events(session)]
    dumped = json.dumps(rows)
    assert PHONE not in dumped
    assert EMAIL not in dumped


def test_submission_event_is_private_and_holds_hashes_only(session, world):
    done = submit(session, world, contact_email=EMAIL)
    events = list_events(session, subject_type="participation_item")
    assert [e.action for e in events] == ["participation.submitted"]
    assert events[0].action not in PUBLIC_ACTIONS
    payload = events[0].payload
    assert done.item.text not in json.dumps(payload)
    assert payload["contact_given"] is True
    assert set(payload) == {"algorithm", "kind", "text_sha256", "masked_kinds", "contact_given"}


def test_every_problem_is_reported_at_once_naming_its_field(session, world):
    with pytest.raises(Invalid) as caught:
        submit(
            session,
            world,
            text=" ",
            kind="complaint",
            contact_email="not-an-address",
            display_name="x" * 81,
            honeypot="http://spam.example",
        )
    fields = {d["loc"][-1] for d in caught.value.details}
    assert fields == {"text", "kind", "contact_email", "display_name", "website"}
    assert _items(session) == []
    assert list_events(session, subject_type="participation_item") == []


def test_text_over_the_limit_is_refused_with_its_length(session, world):
    with pytest.raises(Invalid) as caught:
        submit(session, world, text="a" * 4001)
    assert caught.value.details[0]["loc"] == ["body", "text"]
    assert "4001" in caught.value.details[0]["msg"]


def test_control_characters_are_refused_naming_the_field(session, world):
    with pytest.raises(Invalid) as caught:
        submit(session, world, text="hello\x00")
    assert caught.value.details[0]["loc"] == ["body", "text"]


def test_same_text_on_same_algorithm_within_window_is_a_duplicate(session, world):
    submit(session, world, text="Why  was my application REFUSED?")
    with pytest.raises(Conflict) as caught:
        submit(session, world, text="why was my application refused?")
    assert caught.value.details[0]["loc"] == ["body", "text"]
    assert len(_items(session)) == 1


def test_same_text_after_the_window_or_elsewhere_is_accepted(session, world):
    submit(session, world)
    submit(session, world, now=T0 + timedelta(days=104))
    other = make_published_algorithm(session)
    submission.submit_item(
        session,
        public_id=other.public_id,
        kind="question",
        text="Why was my application refused?",
        duplicate_hours=72,
        now=T0 + timedelta(days=100),
    )
    assert len(_items(session)) == 3


def test_draft_and_unknown_algorithms_take_no_items(session, world):
    draft = make_draft_algorithm(session)
    for public_id in (draft.public_id, "alg-00000000"):
        with pytest.raises(NotFound):
            submission.submit_item(
                session,
                public_id=public_id,
                kind="question",
                text="Hello",
                duplicate_hours=0,
                now=T0,
            )


def test_a_wrong_tracking_code_is_not_found(session, world):
    submit(session, world)
    for code in ("", "x" * 200, "not-a-code"):
        with pytest.raises(NotFound):
            submission.item_by_tracking_code(session, code)


# --- moderation -------------------------------------------------------------------------------


def test_publish_with_answer_records_public_text_and_answer(session, world):
    item = submit(session, world, contact_email=EMAIL).item
    now = T0 + timedelta(days=101)
    published = moderation.publish_item(
        session, actor=world["editor"], item_id=item.public_id, answer="Because...", now=now
    )
    assert published.state == ItemState.published
    assert published.published_at == now and published.answered_at == now
    event = list_events(session, subject_type="participation_item")[-1]
    assert event.action == "participation.published" and event.action in PUBLIC_ACTIONS
    assert event.payload["text"] == item.text and event.payload["answer"] == "Because..."
    assert EMAIL not in json.dumps(event.payload)


def test_publish_now_and_answer_later(session, world):
    item = submit(session, world).item
    editor = world["editor"]
    moderation.publish_item(session, actor=editor, item_id=item.public_id, answer=None, now=T0)
    assert moderation.queue(session, actor=editor)[0].item.answered_at is None
    answered = moderation.answer_item(
        session, actor=editor, item_id=item.public_id, answer="Here is why.", now=T0
    )
    assert answered.answer == "Here is why."
    assert moderation.queue(session, actor=editor) == []  # nothing left to do


def test_answer_is_required_and_limited(session, world):
    item = submit(session, world).item
    editor = world["editor"]
    moderation.publish_item(session, actor=editor, item_id=item.public_id, answer="", now=T0)
    with pytest.raises(Invalid) as caught:
        moderation.answer_item(session, actor=editor, item_id=item.public_id, answer=" ", now=T0)
    assert caught.value.details[0]["loc"] == ["body", "answer"]
    with pytest.raises(Invalid):
        moderation.answer_item(
            session, actor=editor, item_id=item.public_id, answer="a" * 4001, now=T0
        )


def test_only_pending_items_are_published_declined_or_merged(session, world):
    item = submit(session, world).item
    editor = world["editor"]
    moderation.decline_item(session, actor=editor, item_id=item.public_id, reason="abusive", now=T0)
    with pytest.raises(Conflict):
        moderation.publish_item(session, actor=editor, item_id=item.public_id, answer=None, now=T0)
    with pytest.raises(Conflict):
        moderation.answer_item(session, actor=editor, item_id=item.public_id, answer="a", now=T0)


def test_decline_needs_a_published_reason_and_is_counted_publicly(session, world):
    item = submit(session, world).item
    editor = world["editor"]
    with pytest.raises(Invalid) as caught:
        moderation.decline_item(
            session, actor=editor, item_id=item.public_id, reason="boring", now=T0
        )
    assert caught.value.details[0]["loc"] == ["body", "reason"]
    moderation.decline_item(
        session, actor=editor, item_id=item.public_id, reason="off_topic", now=T0
    )
    shown = listing.public_items(session, world["algorithm"].id)
    assert shown.published == [] and {k.value: v for k, v in shown.declined.items()} == {
        "off_topic": 1
    }
    event = list_events(session, subject_type="participation_item")[-1]
    assert event.payload == {"algorithm": world["algorithm"].public_id, "reason": "off_topic"}


def test_merge_into_a_published_item_of_the_same_algorithm(session, world):
    editor = world["editor"]
    first = submit(session, world, text="First").item
    second = submit(session, world, text="Second").item
    with pytest.raises(Invalid):  # the target is not published yet
        moderation.merge_item(
            session, actor=editor, item_id=second.public_id, into=first.public_id, now=T0
        )
    with pytest.raises(Invalid):  # not into itself
        moderation.merge_item(
            session, actor=editor, item_id=second.public_id, into=second.public_id, now=T0
        )
    moderation.publish_item(session, actor=editor, item_id=first.public_id, answer=None, now=T0)
    merged = moderation.merge_item(
        session, actor=editor, item_id=second.public_id, into=first.public_id, now=T0
    )
    assert merged.state == ItemState.merged and merged.merged_into_id == first.id
    shown = listing.public_items(session, world["algorithm"].id)
    assert [i.public_id for i in shown.published] == [first.public_id] and shown.merged == 1


def test_editor_of_another_agency_cannot_see_or_moderate(session, world):
    item = submit(session, world, contact_email=EMAIL).item
    other = world["other"]
    assert moderation.queue(session, actor=other) == []
    with pytest.raises(NotFound):
        moderation.get_for_moderation(session, actor=other, item_id=item.public_id)
    with pytest.raises(NotFound):
        moderation.publish_item(session, actor=other, item_id=item.public_id, answer=None, now=T0)
    with pytest.raises(NotFound):
        moderation.decline_item(
            session, actor=other, item_id=item.public_id, reason="abusive", now=T0
        )


@pytest.mark.parametrize("role", [Role.admin, Role.auditor])
def test_only_agency_editors_moderate(session, world, role):
    with pytest.raises(Forbidden):
        moderation.queue(session, actor=make_account(session, role=role))


def test_queue_shows_contact_address_to_the_agency(session, world):
    submit(session, world, contact_email=EMAIL)
    rows = moderation.queue(session, actor=world["editor"])
    assert [r.contact_email for r in rows] == [EMAIL]


def test_public_listing_never_shows_pending_items(session, world):
    submit(session, world)
    shown = listing.public_items(session, world["algorithm"].id)
    assert shown.published == [] and shown.declined == {} and shown.merged == 0


# --- contact addresses and the ledger ---------------------------------------------------------


def test_erasing_the_contact_keeps_the_ledger_verifiable(session, world):
    done = submit(session, world, contact_email=EMAIL)
    moderation.publish_item(
        session, actor=world["editor"], item_id=done.item.public_id, answer="Answered.", now=T0
    )
    assert submission.erase_contact(session, item=done.item, actor_id=None, now=T0) is True
    assert list(session.exec(select(ParticipationContact))) == []
    assert submission.erase_contact(session, item=done.item, actor_id=None, now=T0) is False
    assert verify_chain(session).ok
    actions = [e.action for e in list_events(session, subject_type="participation_item")]
    assert actions[-1] == "participation.contact_erased"
    assert EMAIL not in json.dumps([e.payload for e in session.exec(select(Event))])


def test_sweep_deletes_contacts_past_retention_only(session, world):
    submit(session, world, text="Old", contact_email="old@example.com", now=T0)
    submit(
        session, world, text="New", contact_email="new@example.com", now=T0 + timedelta(days=170)
    )
    deleted = submission.sweep_contacts(session, retention_days=180, now=T0 + timedelta(days=181))
    assert deleted == 1
    left = [c.email for c in session.exec(select(ParticipationContact))]
    assert left == ["new@example.com"]
    assert submission.sweep_contacts(session, retention_days=180, now=T0 + timedelta(days=181)) == 0
    assert verify_chain(session).ok
    assert len(_items(session)) == 2  # the items stay


def test_the_app_sweeps_expired_contacts_at_start(session, world, engine, settings):
    from fastapi.testclient import TestClient

    from registry.app import create_app

    submit(session, world, contact_email=EMAIL, now=T0)  # long past the retention period
    with TestClient(create_app(settings, engine=engine)):
        pass
    session.expire_all()
    assert list(session.exec(select(ParticipationContact))) == []


def test_cli_sweep_command(session, world, settings, monkeypatch):
    from typer.testing import CliRunner

    from registry.cli import app as cli

    submit(session, world, contact_email=EMAIL, now=T0)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(settings.data_dir))
    result = CliRunner().invoke(cli, ["participation", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 contact address(es) deleted" in result.output
