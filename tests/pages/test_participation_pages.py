"""Citizen participation on the public site: the section on the algorithm page, the form, the
confirmation with the tracking code, the private status page, rate limits, both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from registry.models import Role
from registry.models.participation import ParticipationContact, ParticipationItem
from registry.services.participation import moderation
from tests.pages.conftest import parse
from tests.registry.factories import T0, make_account, use_clock

pytestmark = pytest.mark.db

NOW = T0 + timedelta(days=200)
PHONE = "13812345678"


@pytest.fixture
def clock(app):
    return use_clock(app, NOW)


def _post(client, world, **fields):
    data = {"kind": "question", "text": "Why was my claim ranked low?", **fields}
    return client.post(f"/algorithms/{world.main.public_id}/participate", data=data)


def _tracking_code(response) -> str:
    soup = BeautifulSoup(response.text, "html.parser")
    return soup.select_one(".tracking-code").get_text(strip=True)


def _editor(session, world):
    from registry.models import Agency

    agency = session.exec(select(Agency).where(Agency.slug == world.agency_slug)).one()
    return make_account(session, role=Role.agency_editor, agency=agency)


def test_algorithm_page_offers_the_form_in_both_languages(client, world, clock):
    for lang, heading, button in (
        ("en", "Questions and concerns from the public", "Send to the agency"),
        ("zh-CN", "公众的问题和关切", "发送给机构"),
    ):
        soup = parse(client.get(f"/algorithms/{world.main.public_id}?lang={lang}"))
        section = soup.select_one("#participation")
        assert section.h2.get_text(strip=True) == heading
        form = section.select_one("form")
        assert form["action"] == f"/algorithms/{world.main.public_id}/participate"
        assert form.select_one("button").get_text(strip=True) == button
        assert form.select_one("input[name=website]")  # the honeypot
        assert len(form.select("input[name=kind]")) == 4
        assert section.select_one("#consent")


def test_submission_shows_tracking_code_and_status_page_with_masked_text(client, world, clock):
    response = _post(client, world, text=f"Call me on {PHONE}.", contact_email="me@example.com")
    assert response.status_code == 201, response.text[:2000]
    assert response.headers["cache-control"] == "private, no-store"
    assert PHONE not in response.text
    code = _tracking_code(response)
    soup = BeautifulSoup(response.text, "html.parser")
    status_link = soup.find("a", href=f"/participation/{code}?lang=en")
    assert status_link is not None
    status = client.get(f"/participation/{code}")
    page = parse(status)
    assert status.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in status.headers["x-robots-tag"]
    assert page.select_one("#state").get_text(strip=True) == "Awaiting moderation by the agency"
    assert PHONE not in status.text
    assert "phone number" in status.text  # which kinds were masked (KIND_LABELS)
    assert "me@example.com" not in status.text


def test_pending_items_never_reach_the_public_page(client, world, clock):
    _post(client, world, text="Pending text that must stay private")
    page = client.get(f"/algorithms/{world.main.public_id}")
    assert "Pending text that must stay private" not in page.text
    twin = client.get(f"/algorithms/{world.main.public_id}.json").json()
    assert twin["participation"]["items"] == []


def test_published_item_with_answer_and_waiting_item_on_the_page(client, session, world, clock):
    code = _tracking_code(_post(client, world, text="First question", contact_email="a@b.cn"))
    _post(client, world, kind="concern", text="My benefit was stopped")
    editor = _editor(session, world)
    items = {i.text: i for i in session.exec(select(ParticipationItem))}
    moderation.publish_item(
        session,
        actor=editor,
        item_id=items["First question"].public_id,
        answer="Here is our answer.",
        now=NOW,
    )
    moderation.publish_item(
        session,
        actor=editor,
        item_id=items["My benefit was stopped"].public_id,
        answer=None,
        now=NOW,
    )
    clock.advance(days=34)
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    section = soup.select_one("#participation")
    assert "Here is our answer." in section.text
    assert "Waiting for an answer for 34 days — past the 20 working-day target." in section.text
    assert "How to object or appeal:" in section.text  # next to the concern
    assert "a@b.cn" not in client.get(f"/algorithms/{world.main.public_id}").text
    twin = client.get(f"/algorithms/{world.main.public_id}.json").json()["participation"]
    assert [i["waiting_days"] for i in twin["items"]] == [34, None] or [
        i["waiting_days"] for i in twin["items"]
    ] == [None, 34]
    assert "contact" not in str(twin)
    zh = parse(client.get(f"/algorithms/{world.main.public_id}?lang=zh-CN"))
    assert "等待答复已 34 天，已超过 20 个工作日" in zh.select_one("#participation").text
    status = parse(client.get(f"/participation/{code}"))
    assert "Here is our answer." in status.text


def test_declined_items_are_counted_by_reason(client, session, world, clock):
    _post(client, world, text="Rude words")
    editor = _editor(session, world)
    item = session.exec(select(ParticipationItem)).one()
    moderation.decline_item(
        session, actor=editor, item_id=item.public_id, reason="abusive", now=NOW
    )
    twin = client.get(f"/algorithms/{world.main.public_id}.json").json()["participation"]
    counts = {d["reason"]["value"]: d["count"] for d in twin["declined"]}
    assert counts == {"abusive": 1, "personal_data": 0, "off_topic": 0, "duplicate": 0}
    assert "Rude words" not in client.get(f"/algorithms/{world.main.public_id}").text


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_bad_input_reshows_the_form_with_named_field_errors(client, world, clock, lang):
    response = client.post(
        f"/algorithms/{world.main.public_id}/participate?lang={lang}",
        data={"kind": "nonsense", "text": "", "contact_email": "nope", "website": ""},
    )
    assert response.status_code == 422
    soup = BeautifulSoup(response.text, "html.parser")
    links = {a["href"] for a in soup.select(".error-summary a")}
    assert links == {"#kind", "#text", "#contact_email"}
    assert soup.select_one("#contact_email")["value"] == "nope"  # what was typed stays
    if lang == "zh-CN":
        assert "请写下" in soup.select_one("#text-error").text


def test_honeypot_and_duplicates_are_refused(client, world, clock, session):
    assert _post(client, world, website="http://spam.example").status_code == 422
    assert _post(client, world).status_code == 201
    again = _post(client, world)
    assert again.status_code == 409
    assert "#text" in again.text
    assert len(list(session.exec(select(ParticipationItem)))) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "http://testserver"}, 201),
        # a page with Referrer-Policy: no-referrer (the status page) makes the browser send
        # Origin: null; Sec-Fetch-Site says where the post came from
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 201),
        ({}, 201),
    ],
)
def test_cross_site_posts_are_refused(client, world, clock, headers, status):
    response = client.post(
        f"/algorithms/{world.main.public_id}/participate",
        data={"kind": "question", "text": f"Hello {sorted(headers.items())}"},
        headers=headers,
    )
    assert response.status_code == status


def test_rate_limit_per_address_answers_429_with_a_page(client, world, clock):
    statuses = [_post(client, world, text=f"Message {n}").status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]
    refused = _post(client, world, text="Message 7")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many messages" in refused.text
    assert refused.headers["content-type"].startswith("text/html")


def test_status_page_of_an_unknown_code_is_404(client, world, clock):
    assert client.get("/participation/not-a-real-code").status_code == 404


def test_submitter_can_delete_the_email_address(client, session, world, clock):
    code = _tracking_code(_post(client, world, contact_email="me@example.com"))
    assert "Delete my email address" in client.get(f"/participation/{code}").text
    response = client.post(f"/participation/{code}/erase-contact", follow_redirects=False)
    assert response.status_code == 303
    assert list(session.exec(select(ParticipationContact))) == []
    page = client.get(response.headers["location"])
    assert "Your email address was deleted." in page.text


def test_form_page_and_unknown_algorithm(client, world, clock):
    assert parse(client.get(f"/algorithms/{world.main.public_id}/participate")).select_one(
        "form.pform"
    )
    assert client.get(f"/algorithms/{world.draft.public_id}/participate").status_code == 404
    assert _post_to(client, world.draft.public_id).status_code == 404


def _post_to(client, public_id):
    return client.post(
        f"/algorithms/{public_id}/participate", data={"kind": "question", "text": "Hi"}
    )


def test_an_oversized_form_body_is_refused_before_it_is_read(client, world, clock, session):
    response = _post(client, world, text="a" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert list(session.exec(select(ParticipationItem))) == []


def test_a_merged_message_shows_the_answer_of_the_item_it_was_merged_into(
    client, session, world, clock
):
    _post(client, world, text="First, published")
    code = _tracking_code(_post(client, world, text="Second, the same question"))
    editor = _editor(session, world)
    items = {i.text: i.public_id for i in session.exec(select(ParticipationItem))}
    first, second = items["First, published"], items["Second, the same question"]
    moderation.publish_item(session, actor=editor, item_id=first, answer="One answer.", now=NOW)
    moderation.merge_item(session, actor=editor, item_id=second, into=first, now=NOW)
    page = parse(client.get(f"/participation/{code}"))
    assert page.select_one("#state").get_text(strip=True) == "Merged into another published item"
    assert "First, published" in page.text and "One answer." in page.text
    assert page.find("a", href=f"/algorithms/{world.main.public_id}?lang=en#{first}")
