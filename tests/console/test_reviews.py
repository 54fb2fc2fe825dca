"""The console's four-eyes review pages: the queue, one request (publish, return with comment,
withdraw), the author's "Ask for review" page; the rule explained, not just enforced; form
problems in the error-summary shape; four-eyes on and off; both languages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from registry.models import Account, Algorithm, Event, ReviewRequest, ReviewState, Role
from registry.services.cards import drafts, reviews
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import T0, card, make_agency, make_draft_algorithm

pytestmark = pytest.mark.db


@dataclass
class Team:
    author: Account
    reviewer: Account
    algorithm: Algorithm
    agency_name: str


@pytest.fixture
def team(session) -> Team:  # type: ignore[no-untyped-def]
    agency = make_agency(session, name="Parks department")
    author = make_staff(session, role=Role.agency_editor, agency=agency)
    reviewer = make_staff(session, role=Role.agency_editor, agency=agency)
    algorithm = make_draft_algorithm(
        session, agency=agency, editor=author, card_data=card(name="Tree permit triage")
    )
    return Team(author, reviewer, algorithm, agency.name)


@pytest.fixture
def second(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        yield c


def _post(client: TestClient, page: str, action: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(action, data={"csrf_token": csrf_of(client.get(page)), **(data or {})})


def _ask_page(team: Team) -> str:
    return f"/console/algorithms/{team.algorithm.public_id}/review"


def _ask(client: TestClient, team: Team, note: str = "First version, please check."):  # type: ignore[no-untyped-def]
    page = client.get(_ask_page(team))
    revision = soup(page).select_one("form[action$='/review'] input[name=revision]")["value"]
    token = csrf_of(page)
    return client.post(
        _ask_page(team), data={"csrf_token": token, "note": note, "revision": revision}
    )


def _only_request(session) -> ReviewRequest:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.exec(select(ReviewRequest).order_by(ReviewRequest.id.desc())).first()  # type: ignore[union-attr]


def test_the_author_page_explains_four_eyes_and_lists_who_can_review(console, team):
    signed_in(console, team.author)
    page = soup(console.get(_ask_page(team)))
    text = page.get_text(" ", strip=True)
    assert (
        "Another editor of Parks department must publish it because the register requires two "
        "people (four-eyes)" in text
    )
    assert [li.get_text(strip=True) for li in page.select("ul.reviewers li")] == [
        team.reviewer.display_name
    ]
    # Four-eyes on and the author last edited the draft: no "publish" offered, only "ask".
    assert page.select("form[action$='/review/publish']") == []
    assert len(page.select("form[action$='/review']")) == 1
    # The diff against nothing: a first version, every field added, labelled.
    assert "This would be the first published version" in text
    assert "Tree permit triage" in page.select_one("table.review-diff").get_text()


def test_ask_return_see_comment_ask_again_publish(console, second, team, session):
    signed_in(console, team.author)
    asked = _ask(console, team)
    assert asked.status_code == 303
    assert asked.headers["location"].endswith("/review?done=asked")
    request = _only_request(session)
    assert request.state == ReviewState.open and request.note == "First version, please check."

    signed_in(second, team.reviewer)
    queue = soup(second.get("/console/reviews"))
    link = queue.select_one(f"a[href='/console/reviews/{request.id}']")
    assert link is not None and link.get_text(strip=True) == "Tree permit triage"
    assert team.author.display_name in queue.select_one(".review-list").get_text()
    assert "asked today" in queue.get_text(" ", strip=True)

    review_page = f"/console/reviews/{request.id}"
    empty = _post(second, review_page, f"{review_page}/return", {"comment": "  "})
    assert empty.status_code == 422
    summary = soup(empty).select_one(".error-summary a")
    assert summary["href"] == "#comment"
    assert summary.get_text(strip=True) == "Write a comment that tells the author what to change"
    assert soup(empty).select_one("#comment-error") is not None

    returned = _post(
        second, review_page, f"{review_page}/return", {"comment": "Name the appeal route."}
    )
    assert returned.status_code == 303

    author_view = soup(console.get(_ask_page(team)))
    banner = author_view.select_one(".banner .review-comment")
    assert banner is not None and banner.get_text(strip=True) == "Name the appeal route."

    assert _ask(console, team, note="Appeal route named.").status_code == 303
    request = _only_request(session)
    review_page = f"/console/reviews/{request.id}"
    published = _post(
        second, review_page, f"{review_page}/publish", {"change_summary": "First version."}
    )
    assert published.status_code == 303, published.text[:2000]
    notice = soup(second.get(published.headers["location"])).select_one(".banner-info")
    # The public pages are cached for REGISTRY_PAGE_MAX_AGE (300 s by default): the editor is told.
    assert notice is not None and notice.get_text(" ", strip=True) == (
        "Published. The new version is on the public register now. Readers of the public site "
        "may see the previous version for up to 5 minutes, while the public pages' cache "
        "refreshes."
    )
    session.expire_all()
    assert session.get(Algorithm, team.algorithm.id).current_version == 1  # type: ignore[union-attr]
    assert _only_request(session).state == ReviewState.published
    actions = [e.action for e in session.exec(select(Event)).all()]
    assert actions.count("review.requested") == 2 and "review.returned" in actions


def test_the_author_cannot_publish_their_own_request_and_the_page_says_why(console, team, session):
    signed_in(console, team.author)
    _ask(console, team)
    request = _only_request(session)
    page = soup(console.get(f"/console/reviews/{request.id}"))
    assert page.select("form[action$='/publish']") == []
    assert page.select("form[action$='/return']") == []
    assert len(page.select("form[action$='/withdraw']")) == 1
    # A forged POST is refused with the explanation, nothing published.
    forced = _post(
        console,
        f"/console/reviews/{request.id}",
        f"/console/reviews/{request.id}/publish",
        {"change_summary": "Mine."},
    )
    assert forced.status_code == 403
    assert "another editor of your agency must (four-eyes)" in soup(forced).select_one(
        ".error-summary"
    ).get_text(" ", strip=True)
    session.expire_all()
    assert session.get(Algorithm, team.algorithm.id).current_version is None  # type: ignore[union-attr]


def test_a_draft_saved_after_asking_shows_as_changed_and_cannot_be_published(
    console, second, team, session
):
    signed_in(console, team.author)
    _ask(console, team)
    request = _only_request(session)
    drafts.save_draft(
        session,
        actor=team.author,
        algorithm=team.algorithm,
        card=card(name="Tree permit triage, v2"),
        now=T0,
    )
    signed_in(second, team.reviewer)
    queue = second.get("/console/reviews").text
    assert "Changed since review was asked" in queue
    page = f"/console/reviews/{request.id}"
    refused = _post(second, page, f"{page}/publish", {"change_summary": "First."})
    assert refused.status_code == 409
    assert "the author must ask for review of the current draft" in soup(refused).select_one(
        ".error-summary"
    ).get_text(" ", strip=True)
    author = soup(console.get(_ask_page(team))).get_text(" ", strip=True)
    assert "You saved the draft after asking for review" in author


def test_missing_required_fields_are_listed_by_label_and_block_publishing(
    console, second, team, session
):
    drafts.save_draft(
        session,
        actor=team.author,
        algorithm=team.algorithm,
        card={"name": "Tree permit triage"},
        now=T0,
    )
    reviews.ask_for_review(session, actor=team.author, algorithm=team.algorithm, now=T0)
    request = _only_request(session)
    signed_in(second, team.reviewer)
    page = f"/console/reviews/{request.id}"
    missing = soup(second.get(page)).select_one("#missing-heading").find_parent("div")
    assert "Summary" in missing.get_text()
    refused = _post(second, page, f"{page}/publish", {"change_summary": "First."})
    assert refused.status_code == 422
    assert "Fill in the required fields" in soup(refused).select_one(".error-summary").get_text()


def test_with_four_eyes_off_the_author_may_publish_directly(console, app, team, session):
    app.state.settings.four_eyes = False
    signed_in(console, team.author)
    page = soup(console.get(_ask_page(team)))
    assert "four-eyes is switched off" in page.get_text(" ", strip=True)
    form = page.select_one("form[action$='/review/publish']")
    assert form is not None
    empty = console.post(
        form["action"],
        data={
            "csrf_token": csrf_of(console.get(_ask_page(team))),
            "revision": form.select_one("input[name=revision]")["value"],
            "change_summary": "",
        },
    )
    assert empty.status_code == 422
    assert soup(empty).select_one(".error-summary a")["href"] == "#change_summary"
    done = console.post(
        form["action"],
        data={
            "csrf_token": csrf_of(console.get(_ask_page(team))),
            "revision": form.select_one("input[name=revision]")["value"],
            "change_summary": "First version.",
        },
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Algorithm, team.algorithm.id).current_version == 1  # type: ignore[union-attr]
    # Without a shared cache (max-age 0) the notice makes no promise about one.
    app.state.settings.page_max_age = 0
    notice = soup(console.get(done.headers["location"])).select_one(".banner-info")
    assert notice is not None and notice.get_text(" ", strip=True) == (
        "Published. The new version is on the public register now."
    )


def test_the_published_notice_counts_the_cache_minutes_in_chinese(console, app, team):
    app.state.settings.page_max_age = 60
    signed_in(console, team.author)
    page = soup(console.get(f"{_ask_page(team)}?done=published&lang=zh-CN"))
    notice = page.select_one(".banner-info").get_text()
    assert "公众网站的读者在最长 1 分钟内仍可能看到上一个版本" in notice


def test_another_editor_may_publish_directly_under_four_eyes(console, second, team, session):
    signed_in(second, team.reviewer)
    page = soup(second.get(_ask_page(team)))
    assert "Tree permit triage" in page.get_text()
    assert page.select_one("form[action$='/review/publish']") is not None
    assert "so another editor of Parks department, such as you, publishes it" in page.get_text(
        " ", strip=True
    )


def test_withdraw_by_the_author(console, team, session):
    signed_in(console, team.author)
    _ask(console, team)
    request = _only_request(session)
    page = f"/console/reviews/{request.id}"
    done = _post(console, page, f"{page}/withdraw")
    assert done.status_code == 303
    assert done.headers["location"].endswith("/review?done=withdrawn")
    assert _only_request(session).state == ReviewState.withdrawn
    again = _post(console, _ask_page(team), f"{page}/withdraw")
    assert again.status_code == 409


def test_a_note_too_long_is_refused_next_to_the_field(console, team, session):
    signed_in(console, team.author)
    response = _ask(console, team, note="x" * 2001)
    assert response.status_code == 422
    assert soup(response).select_one("#note-error") is not None
    assert _only_request(session) is None


def test_the_queue_is_for_agency_editors(console, session):
    signed_in(console, make_staff(session, role=Role.auditor))
    response = console.get("/console/reviews")
    assert response.status_code == 403
    assert "Only the agency's editors" in soup(response).select_one("h1").get_text()


def test_pages_in_chinese(console, second, team, session):
    signed_in(console, team.author)
    _ask(console, team)
    request = _only_request(session)
    signed_in(second, team.reviewer)
    for client, path in (
        (second, "/console/reviews?lang=zh-CN"),
        (second, f"/console/reviews/{request.id}?lang=zh-CN"),
        (console, f"{_ask_page(team)}?lang=zh-CN"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-language"] == "zh-CN"
        assert "审" in soup(response).select_one("h1").get_text()


def test_asking_about_a_draft_saved_since_the_page_was_opened_is_refused(console, team, session):
    signed_in(console, team.author)
    page = console.get(_ask_page(team))
    revision = soup(page).select_one("form[action$='/review'] input[name=revision]")["value"]
    drafts.save_draft(
        session, actor=team.author, algorithm=team.algorithm, card=card(name="Moved on"), now=T0
    )
    response = console.post(
        _ask_page(team), data={"csrf_token": csrf_of(page), "note": "", "revision": revision}
    )
    assert response.status_code == 409
    summary = soup(response).select_one(".error-summary a")
    assert summary["href"] == "#note"
    assert summary.get_text(strip=True).startswith("The draft changed after you opened this page")
    assert _only_request(session) is None
