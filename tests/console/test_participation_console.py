"""The console's moderation pages: the queue, one item, and each decision through its form."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Role
from registry.models.participation import ItemState, ParticipationContact, ParticipationItem
from registry.services.participation import submission
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import T0, make_agency, make_published_algorithm

pytestmark = pytest.mark.db

PHONE = "13812345678"


@pytest.fixture
def setup(session):
    agency = make_agency(session)
    algorithm = make_published_algorithm(session, agency=agency)
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    done = submission.submit_item(
        session,
        public_id=algorithm.public_id,
        kind="concern",
        text=f"They called me on {PHONE} and stopped my benefit.",
        contact_email="me@example.com",
        duplicate_hours=0,
        now=T0,
    )
    return {"algorithm": algorithm, "editor": editor, "item": done.item.public_id}


def _post(console, item_id, action, data):
    token = csrf_of(console.get(f"/console/participation/{item_id}"))
    return console.post(
        f"/console/participation/{item_id}/{action}", data={"csrf_token": token, **data}
    )


def test_queue_and_item_show_masked_text_what_was_masked_and_the_contact(console, setup):
    signed_in(console, setup["editor"])
    queue = console.get("/console/participation")
    assert queue.status_code == 200
    assert PHONE not in queue.text
    assert f"/console/participation/{setup['item']}" in queue.text
    page = console.get(f"/console/participation/{setup['item']}")
    assert page.status_code == 200
    assert PHONE not in page.text
    assert "phone number" in page.text  # the note of what was masked
    assert "me@example.com" in page.text  # the agency sees the reply address
    assert page.headers["cache-control"] == "private, no-store"


def test_publish_with_an_answer_through_the_form(console, session, setup):
    signed_in(console, setup["editor"])
    form = {"answer": "We reviewed your case."}
    confirm = _post(console, setup["item"], "publish", form)
    assert confirm.status_code == 200  # what it will do, before it is done
    page = soup(confirm)
    assert "cannot be undone" in page.text and "We reviewed your case." in page.text
    assert session.exec(select(ParticipationItem)).one().state == ItemState.pending
    hidden = {i["name"]: i["value"] for i in page.select("form input[type=hidden]")}
    assert hidden["confirmed"] == "yes" and hidden["answer"] == "We reviewed your case."
    response = console.post(f"/console/participation/{setup['item']}/publish", data=hidden)
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=published")
    item = session.exec(select(ParticipationItem)).one()
    session.refresh(item)
    assert item.state == ItemState.published and item.answer == "We reviewed your case."
    public = console.get(f"/algorithms/{setup['algorithm'].public_id}?lang=en")
    assert "We reviewed your case." in public.text
    assert "me@example.com" not in public.text


def test_decline_without_a_reason_reshows_the_form_with_the_field_named(console, session, setup):
    signed_in(console, setup["editor"])
    response = _post(console, setup["item"], "decline", {"reason": ""})
    assert response.status_code == 422
    links = [a["href"] for a in soup(response).select(".error-summary a")]
    assert links == ["#reason"]
    assert session.exec(select(ParticipationItem)).one().state == ItemState.pending


def test_answer_too_long_is_refused_and_nothing_changes(console, session, setup):
    signed_in(console, setup["editor"])
    response = _post(console, setup["item"], "publish", {"answer": "a" * 4001})
    assert response.status_code == 422
    assert [a["href"] for a in soup(response).select(".error-summary a")] == ["#answer"]
    assert session.exec(select(ParticipationItem)).one().state == ItemState.pending


def test_agency_deletes_the_contact_address(console, session, setup):
    signed_in(console, setup["editor"])
    assert _post(console, setup["item"], "erase-contact", {}).status_code == 303
    assert list(session.exec(select(ParticipationContact))) == []
    assert "me@example.com" not in console.get(f"/console/participation/{setup['item']}").text


def test_editor_of_another_agency_sees_an_empty_queue_and_404(console, session, setup):
    other = make_staff(session, role=Role.agency_editor, agency=make_agency(session))
    signed_in(console, other)
    assert setup["item"] not in console.get("/console/participation").text
    assert console.get(f"/console/participation/{setup['item']}").status_code == 404


def test_decline_is_confirmed_with_its_reason_then_counted(console, session, setup):
    signed_in(console, setup["editor"])
    confirm = _post(console, setup["item"], "decline", {"reason": "personal_data"})
    assert confirm.status_code == 200
    assert "Personal data that cannot be masked" in confirm.text
    assert session.exec(select(ParticipationItem)).one().state == ItemState.pending
    done = _post(console, setup["item"], "decline", {"reason": "personal_data", "confirmed": "yes"})
    assert done.status_code == 303
    twin = console.get(f"/algorithms/{setup['algorithm'].public_id}.json?lang=en").json()
    counts = {d["reason"]["value"]: d["count"] for d in twin["participation"]["declined"]}
    assert counts["personal_data"] == 1


def test_moderation_pages_in_chinese(console, setup):
    signed_in(console, setup["editor"])
    page = console.get(f"/console/participation/{setup['item']}?lang=zh-CN")
    assert page.status_code == 200
    assert "公众将看到的留言" in page.text and "电话号码" in page.text
    queue = console.get("/console/participation?lang=zh-CN")
    assert "公众就贵机构的算法发来的留言" in queue.text
    confirm = _post(console, setup["item"], "decline", {"reason": "abusive"})
    assert "这条留言永远不会公布" in confirm.text


# --- the home page's "What awaits you" ----------------------------------------------------------


def _awaits(console):
    page = soup(console.get("/console"))
    found = page.select_one("#awaits-participation")
    return [li.get_text(" ", strip=True) for li in found.select("li")] if found else []


def test_home_counts_items_in_moderation_and_past_the_target(console, app, session, setup):
    from tests.registry.factories import use_clock

    clock = use_clock(app, T0)  # Monday 15 January 2024
    signed_in(console, setup["editor"])
    assert _awaits(console) == ["1 item waiting for moderation"]
    clock.advance(days=29)  # Tuesday 13 February: past 20 working days from the Monday
    signed_in(console, setup["editor"])  # the session ended meanwhile
    assert _awaits(console) == [
        "1 item waiting for moderation",
        "1 item still without an answer past the 20 working-day target; this is shown on the "
        "public pages",
    ]
    zh = soup(console.get("/console?lang=zh-CN")).select_one("#awaits-participation").get_text()
    assert "1 条留言等待审核" in zh and "20 个工作日" in zh
    _post(console, setup["item"], "decline", {"reason": "off_topic", "confirmed": "yes"})
    assert session.exec(select(ParticipationItem)).one().state == ItemState.declined
    assert _awaits(console) == []


def test_home_of_another_agency_counts_nothing(console, session, setup):
    other = make_staff(session, role=Role.agency_editor, agency=make_agency(session))
    signed_in(console, other)
    assert _awaits(console) == []
