"""Published questions and concerns, and the agency's answers, in the Atom feeds of the algorithm
and of its agency (never items awaiting moderation or declined, never contact data)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.models import Agency, Role
from registry.models.participation import ParticipationItem
from registry.services.participation import moderation
from tests.registry.factories import T0, make_account, use_clock

pytestmark = pytest.mark.db

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = T0 + timedelta(days=200)
PHONE = "13812345678"
EMAIL = "private@example.com"


@pytest.fixture
def items(client, app, session, world):
    use_clock(app, NOW)
    path = f"/algorithms/{world.main.public_id}/participate"
    for kind, text, name in (
        ("concern", f"Stopped, call me on {PHONE}", "Li Wei"),
        ("question", "Answered later", ""),
        ("question", "Still in moderation", ""),
        ("suggestion", "Declined", ""),
    ):
        data = {"kind": kind, "text": text, "contact_email": EMAIL, "display_name": name}
        assert client.post(path, data=data).status_code == 201
    agency = session.exec(select(Agency).where(Agency.slug == world.agency_slug)).one()
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    by_text = {i.text: i.public_id for i in session.exec(select(ParticipationItem))}
    concern = next(v for k, v in by_text.items() if k.startswith("Stopped"))
    moderation.publish_item(
        session, actor=editor, item_id=concern, answer="We restored it.", now=NOW
    )
    later = by_text["Answered later"]
    moderation.publish_item(session, actor=editor, item_id=later, answer=None, now=NOW)
    moderation.answer_item(
        session, actor=editor, item_id=later, answer="Here it is.", now=NOW + timedelta(days=3)
    )
    moderation.decline_item(
        session, actor=editor, item_id=by_text["Declined"], reason="off_topic", now=NOW
    )
    return {"concern": concern, "later": later}


def _entries(client, url, lang="en"):
    response = client.get(url, params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert PHONE not in response.text and EMAIL not in response.text
    assert "Still in moderation" not in response.text and "Declined" not in response.text
    feed = ET.fromstring(response.content)
    return feed, {
        e.findtext(f"{ATOM}id"): {
            "title": e.findtext(f"{ATOM}title"),
            "summary": e.findtext(f"{ATOM}summary"),
            "author": e.findtext(f"{ATOM}author/{ATOM}name"),
            "updated": e.findtext(f"{ATOM}updated"),
        }
        for e in feed.findall(f"{ATOM}entry")
    }


@pytest.mark.parametrize("which", ["algorithm", "agency"])
def test_feeds_hold_published_items_and_answers(client, world, items, which):
    url = (
        f"/algorithms/{world.main.public_id}/feed.atom"
        if which == "algorithm"
        else f"/agencies/{world.agency_slug}/feed.atom"
    )
    feed, entries = _entries(client, url)
    base = f"http://testserver/algorithms/{world.main.public_id}"
    concern = entries[f"{base}#{items['concern']}"]
    assert concern["title"].endswith(": a concern about a decision from the public")
    assert concern["summary"] == "Stopped, call me on [☎ •••]"
    assert concern["author"] == "Li Wei"
    answer = entries[f"{base}#{items['concern']}-answer"]
    assert answer["summary"] == "We restored it."
    assert answer["author"] == "Benefits Office"
    later = entries[f"{base}#{items['later']}-answer"]
    assert later["summary"] == "Here it is." and later["updated"].startswith("2024-08-05")
    assert entries[f"{base}#{items['later']}"]["author"] == "Anonymous"
    # The newest entry first: the later answer.
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}id") == f"{base}#{items['later']}-answer"
    if which == "algorithm":
        assert feed.findtext(f"{ATOM}id") == f"{base}/feed.atom"
        assert any(i.endswith("/versions/2") for i in entries)  # the record's own changes too


def test_feed_titles_in_chinese(client, world, items):
    _feed, entries = _entries(client, f"/algorithms/{world.main.public_id}/feed.atom", "zh-CN")
    titles = [e["title"] for e in entries.values()]
    assert any("机构答复了" in t for t in titles), titles
    anonymous = [e["author"] for e in entries.values() if e["summary"] == "Answered later"]
    assert anonymous == ["匿名"]


def test_the_whole_register_feed_leaves_participation_out(client, world, items):
    text = client.get("/feed.atom").text
    assert items["concern"] not in text


def test_algorithm_feed_of_a_draft_or_unknown_algorithm_is_not_found(client, world):
    assert client.get("/algorithms/alg-nothere/feed.atom").status_code == 404
    assert client.get(f"/algorithms/{world.draft.public_id}/feed.atom").status_code == 404


def test_the_algorithm_page_links_its_feed(client, world):
    page = client.get(f"/algorithms/{world.main.public_id}")
    assert f'href="/algorithms/{world.main.public_id}/feed.atom?lang=en"' in page.text
