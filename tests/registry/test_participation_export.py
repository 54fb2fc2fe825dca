"""Citizen participation in export/import: public items and answers travel, and traces of declined
and merged items so the public counts survive; never contact data, never an item awaiting
moderation; the round trip is byte-identical and the restored ledger verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from registry.db import make_engine, session_scope
from registry.models import Role
from registry.models.participation import ItemState, ParticipationContact, ParticipationItem
from registry.services.events import verify_chain
from registry.services.export_import import dump_export, export_registry, import_registry
from registry.services.participation import listing, moderation, submission
from tests.registry.factories import T0, make_account, make_agency, make_published_algorithm
from tests.registry.test_export_import import second_database_url  # noqa: F401 (fixture)

pytestmark = pytest.mark.db

PHONE = "13812345678"
EMAIL = "citizen@example.com"


@pytest.fixture
def populated(session):
    agency = make_agency(session, slug="health", name="Health board")
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_published_algorithm(session, agency=agency, editor=editor)
    ids = {}
    for n, text in enumerate(
        [f"Published, call {PHONE}", "Declined text", "Merged text", "Pending text"]
    ):
        done = submission.submit_item(
            session,
            public_id=algorithm.public_id,
            kind="question",
            text=text,
            contact_email=EMAIL,
            display_name="Wang Fang" if n < 3 else None,
            duplicate_hours=0,
            now=T0 + timedelta(days=n),
        )
        ids[text.split(",")[0]] = done.item.public_id
    at = T0 + timedelta(days=5)
    moderation.publish_item(
        session, actor=editor, item_id=ids["Published"], answer="答复 here", now=at
    )
    moderation.decline_item(
        session, actor=editor, item_id=ids["Declined text"], reason="abusive", now=at
    )
    moderation.merge_item(
        session, actor=editor, item_id=ids["Merged text"], into=ids["Published"], now=at
    )
    return {"session": session, "algorithm": algorithm, "ids": ids}


def test_export_holds_public_items_and_traces_only(populated):
    data = export_registry(populated["session"])
    text = dump_export(data)
    assert EMAIL not in text and PHONE not in text
    assert "contact" not in {k for k in data}
    assert "Pending text" not in text and "Declined text" not in text and "Merged text" not in text
    rows = {r["public_id"]: r for r in data["participation_items"]}
    ids = populated["ids"]
    assert set(rows) == {ids["Published"], ids["Declined text"], ids["Merged text"]}
    published = rows[ids["Published"]]
    assert published["text"] == "Published, call [☎ •••]"
    assert (published["answer"], published["display_name"]) == ("答复 here", "Wang Fang")
    declined = rows[ids["Declined text"]]
    assert (declined["state"], declined["decline_reason"], declined["text"]) == (
        "declined",
        "abusive",
        "",
    )
    assert declined["display_name"] is None
    merged = rows[ids["Merged text"]]
    assert merged["merged_into_id"] == published["id"] and merged["text"] == ""


def test_import_restores_the_public_items_and_round_trips(populated, second_database_url):  # noqa: F811
    session = populated["session"]
    first = dump_export(export_registry(session))
    engine = make_engine(second_database_url)
    try:
        with session_scope(engine) as other:
            summary = import_registry(other, export_registry(session))
            assert summary.counts["participation_items"] == 3
            assert dump_export(export_registry(other)) == first
            assert verify_chain(other).ok
            assert other.exec(select(ParticipationContact)).all() == []
            algorithm_id = populated["algorithm"].id
            public = listing.public_items(other, algorithm_id)
            assert [i.text for i in public.published] == ["Published, call [☎ •••]"]
            assert public.published[0].answer == "答复 here"
            assert public.declined == {"abusive": 1} and public.merged == 1
            states = {i.state for i in other.exec(select(ParticipationItem))}
            assert ItemState.pending not in states
            # The submitter's status link still works: the tracking code's hash travelled.
            item = other.exec(
                select(ParticipationItem).where(
                    ParticipationItem.public_id == populated["ids"]["Published"]
                )
            ).one()
            original = session.exec(
                select(ParticipationItem).where(ParticipationItem.public_id == item.public_id)
            ).one()
            assert item.tracking_sha256 == original.tracking_sha256
    finally:
        engine.dispose()
