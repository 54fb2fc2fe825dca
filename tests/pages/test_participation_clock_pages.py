"""On the clock, on the public site: the agency page's figures, the comparison page (HTML, JSON,
CSV, sorting), past-target items on the algorithm page and the agency's CSV of items."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.models import Agency, Role
from registry.models.participation import ParticipationItem
from registry.services.participation import moderation
from tests.pages.conftest import parse
from tests.registry.factories import T0, make_account, use_clock

pytestmark = pytest.mark.db

NOW = T0 + timedelta(days=200)  # Thursday 1 August 2024
PHONE = "13812345678"


@pytest.fixture
def settings(settings):
    # A short target in China's calendar, so that the page reads the settings, not the defaults;
    # no page cache, as the tests move the clock between requests for the same page.
    return settings.model_copy(
        update={"response_target_days": 5, "holiday_calendar": "CN", "page_cache_size": 0}
    )


@pytest.fixture
def clock(app):
    return use_clock(app, NOW)


def _post(client, world, text, kind="question"):
    data = {"kind": kind, "text": text, "contact_email": "private@example.com"}
    response = client.post(f"/algorithms/{world.main.public_id}/participate", data=data)
    assert response.status_code == 201, response.text[:2000]


def _editor(session, world):
    agency = session.exec(select(Agency).where(Agency.slug == world.agency_slug)).one()
    return make_account(session, role=Role.agency_editor, agency=agency)


def _item(session, text):
    return session.exec(select(ParticipationItem).where(ParticipationItem.text == text)).one()


def _figures(client, world):
    soup = parse(client.get(f"/agencies/{world.agency_slug}"))
    section = soup.select_one("section[aria-labelledby=participation-heading]")
    return {
        div["id"].removeprefix("figure-"): div.select_one("strong").get_text(strip=True)
        for div in section.select("div[id^=figure-]")
    }, section


def test_agency_page_figures_change_as_the_agency_answers(client, session, world, clock):
    figures, section = _figures(client, world)
    assert figures == {
        "received": "0",
        "answered_in_time": "0",
        "median_days_to_answer": "—",
        "open_past_target": "0",
    }
    assert "within 5 working days" in section.get_text()
    _post(client, world, "Why was I ranked low?")
    _post(client, world, f"My benefit was stopped, call {PHONE}", kind="concern")
    editor = _editor(session, world)
    first = _item(session, "Why was I ranked low?")
    moderation.publish_item(
        session, actor=editor, item_id=first.public_id, answer="Because.", now=NOW
    )
    figures, _ = _figures(client, world)
    assert figures == {
        "received": "2",
        "answered_in_time": "1",
        "median_days_to_answer": "0",
        "open_past_target": "0",
    }
    clock.advance(days=8)  # Friday 9 August: past five working days
    figures, section = _figures(client, world)
    assert figures["open_past_target"] == "1"
    assert "tag-bad" in section.select_one("#figure-open_past_target strong")["class"]
    twin = client.get(f"/agencies/{world.agency_slug}.json").json()
    responses = twin["scorecard"]["responses"]
    assert {
        k: responses[k] for k in ("target_days", "received", "answered", "open_past_target")
    } == {
        "target_days": 5,
        "received": 2,
        "answered": 1,
        "open_past_target": 1,
    }
    assert "private@example.com" not in str(twin)


def test_agency_page_in_chinese(client, world, clock):
    soup = parse(client.get(f"/agencies/{world.agency_slug}?lang=zh-CN"))
    section = soup.select_one("section[aria-labelledby=participation-heading]")
    assert section.h2.get_text() == "如何答复公众"
    assert "5 个工作日" in section.get_text()


def test_past_target_item_on_the_algorithm_page(client, session, world, clock):
    _post(client, world, "Still waiting")
    editor = _editor(session, world)
    moderation.publish_item(
        session,
        actor=editor,
        item_id=_item(session, "Still waiting").public_id,
        answer=None,
        now=NOW,
    )
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    waiting = soup.select_one("#participation .waiting").get_text(" ", strip=True)
    assert waiting == "Waiting for an answer for 0 days."
    clock.advance(days=8)
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    waiting = soup.select_one("#participation .waiting").get_text(" ", strip=True)
    assert waiting == (
        "Past the target Waiting for an answer for 8 days — past the 5 working-day target."
    )
    item = client.get(f"/algorithms/{world.main.public_id}.json").json()["participation"]["items"][
        0
    ]
    assert (item["past_target"], item["target_days"], item["waiting_days"]) == (True, 5, 8)


def test_compare_page_columns_twins_and_sorting(client, session, world, clock):
    _post(client, world, "Answered at once")
    _post(client, world, "Never answered")
    editor = _editor(session, world)
    moderation.publish_item(
        session, actor=editor, item_id=_item(session, "Answered at once").public_id, answer="Done.",
        now=NOW + timedelta(days=2),
    )  # fmt: skip
    clock.advance(days=8)
    soup = parse(client.get("/compare/agencies?sort=open_past_target"))
    header = soup.select("table.compare thead th")[10]
    assert header["aria-sort"] == "descending"
    first = soup.select("table.compare tbody tr")[0]
    assert first.th.get_text(strip=True) == "Benefits Office"
    assert [td.get_text() for td in first.select("td")][6:] == ["2", "1 of 1", "2", "1"]
    data = client.get("/compare/agencies.json", params={"sort": "median_days_to_answer"}).json()
    # Agencies with nothing answered have no median: last, whichever the order.
    assert data["agencies"][0]["slug"] == world.agency_slug
    ascending = client.get(
        "/compare/agencies.json", params={"sort": "median_days_to_answer", "order": "asc"}
    ).json()
    assert ascending["agencies"][0]["slug"] == world.agency_slug
    rows = list(
        csv.DictReader(io.StringIO(client.get("/compare/agencies.csv").text.lstrip("\ufeff")))
    )
    mine = next(r for r in rows if r["agency"] == world.agency_slug)
    assert (mine["items_received"], mine["items_answered_in_time"]) == ("2", "1")
    assert (mine["median_days_to_answer"], mine["items_open_past_target"]) == ("2", "1")
    assert mine["response_target_days"] == "5"
    bad = client.get("/compare/agencies.json", params={"sort": "answered_late"})
    assert bad.status_code == 422


def test_agency_csv_of_published_items_and_answers(client, session, world, clock):
    _post(client, world, f"Published, phone {PHONE}")
    _post(client, world, "Still in moderation")
    _post(client, world, "Declined")
    editor = _editor(session, world)
    published = _item(session, "Published, phone [☎ •••]")
    moderation.publish_item(
        session, actor=editor, item_id=published.public_id, answer="我们的答复", now=NOW
    )
    moderation.decline_item(
        session,
        actor=editor,
        item_id=_item(session, "Declined").public_id,
        reason="off_topic",
        now=NOW,
    )
    soup = parse(client.get(f"/agencies/{world.agency_slug}"))
    href = f"/agencies/{world.agency_slug}/participation.csv?lang=en"
    assert soup.find("a", href=href)
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["item_id"] for r in rows] == [published.public_id]
    row = rows[0]
    assert (row["algorithm"], row["kind"], row["answer"]) == (
        world.main.public_id,
        "question",
        "我们的答复",
    )
    assert row["answered_in_time"] == "true" and row["past_target"] == "false"
    assert PHONE not in text and "private@example.com" not in text
    assert "Still in moderation" not in text and "Declined" not in text
    assert client.get("/agencies/no-such-body/participation.csv").status_code == 404
