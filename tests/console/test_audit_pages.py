"""The console's audit pages: the list, the private preview (exactly the public page, small
cells withheld, with a "not published" banner), progress and failure pages, and publishing,
withdrawing, rerunning and answering an audit through forms."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Event
from registry.models.audit import Audit
from registry.services.audits.publication import DEFAULT_RESPONSE_PASSED, DEFAULT_RESPONSE_PASSED_ZH
from tests.console.audit_world import (
    FAILED,
    PRIVATE,
    PUBLISHED,
    QUEUED,
    RUNNING,
    TO_RERUN,
    TO_WITHDRAW,
    build_audit_world,
)
from tests.console.conftest import csrf_of, signed_in, soup, submit

pytestmark = pytest.mark.db


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return build_audit_world(session)


def _as(console, world, who):  # type: ignore[no-untyped-def]
    return signed_in(console, world.staff[who])


def _article(html: str) -> str:
    """The public page's content: the article without the console's panel."""
    article = soup_of(html).select_one("article")
    assert article is not None
    panel = article.select_one(".staff-panel")
    if panel is not None:
        panel.decompose()
    return str(article)


def soup_of(html: str):  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


# --- the list -----------------------------------------------------------------------------------


def test_auditor_lists_their_audits_with_state_and_filters(console, world) -> None:
    _as(console, world, "auditor")
    page = soup(console.get("/console/audits"))
    ids = [a.text for a in page.select("table.audits tbody th a")]
    assert set(ids) == {PRIVATE, PUBLISHED, QUEUED, RUNNING, FAILED, TO_WITHDRAW, TO_RERUN}
    failed = soup(console.get("/console/audits", params={"state": "failed"}))
    assert [a.text for a in failed.select("table.audits tbody th a")] == [FAILED]
    published = soup(console.get("/console/audits", params={"visibility": "published"}))
    assert [a.text for a in published.select("table.audits tbody th a")] == [PUBLISHED]
    row = published.select_one("table.audits tbody tr")
    assert row is not None and "Published" in row.text and "Finished" in row.text


def test_other_auditor_and_other_agency_see_none_editor_sees_only_published(console, world) -> None:
    _as(console, world, "other_auditor")
    assert soup(console.get("/console/audits")).select("table.audits tbody tr") == []
    console.cookies.clear()
    _as(console, world, "editor_same")
    ids = [a.text for a in soup(console.get("/console/audits")).select("table.audits tbody th a")]
    assert ids == [PUBLISHED]  # private independent audits stay hidden from the agency


def test_unknown_filter_values_show_everything(console, world) -> None:
    _as(console, world, "admin")
    response = console.get("/console/audits", params={"state": "nonsense", "visibility": "x"})
    assert response.status_code == 200
    assert len(soup(response).select("table.audits tbody tr")) == 7


# --- the private preview ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_private_preview_is_for_submitter_and_admins_with_banner(console, world, who) -> None:
    _as(console, world, who)
    response = console.get(f"/console/audits/{PRIVATE}")
    assert response.status_code == 200
    page = soup(response)
    banner = page.select_one(".preview-banner")
    assert banner is not None and "Not published" in banner.text
    expected = "only you and admins" if who == "auditor" else "only the submitter and admins"
    assert expected in banner.text
    robots = page.select_one("meta[name=robots]")
    assert robots is not None and "noindex" in str(robots["content"])
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("who", ["other_auditor", "editor_same", "editor_other"])
def test_private_preview_is_404_for_everyone_else(console, world, who) -> None:
    _as(console, world, who)
    assert console.get(f"/console/audits/{PRIVATE}").status_code == 404
    assert console.get(f"/console/audits/{PRIVATE}.json").status_code == 404


def test_anonymous_is_sent_to_sign_in(console, world) -> None:
    response = console.get(f"/console/audits/{PRIVATE}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in?next=")


def test_preview_withholds_small_cells_like_the_public_page(console, world) -> None:
    _as(console, world, "auditor")
    page = soup(console.get(f"/console/audits/{PRIVATE}"))
    row = next(r for r in page.select("tbody tr") if "nonbinary" in r.text)
    assert "fewer than 10" in row.text
    assert "withheld to protect privacy" in row.text
    data = console.get(f"/console/audits/{PRIVATE}.json").json()
    rows = [r for s in data["attributes"] for t in s["tables"] for r in t["rows"]]
    small = next(r for r in rows if r["group"] == "nonbinary")
    assert small["suppressed"] and small["n"] is None and small["rate"] is None
    assert data["staff"]["private"] is True


def test_preview_content_equals_the_public_page_after_publishing(console, world) -> None:
    _as(console, world, "auditor")
    before = _article(console.get(f"/console/audits/{PRIVATE}").text)
    before_json = console.get(f"/console/audits/{PRIVATE}.json").json()
    assert console.get(f"/audits/{PRIVATE}?lang=en").status_code == 404
    published = submit(
        console, f"/console/audits/{PRIVATE}/publish", f"/console/audits/{PRIVATE}/publish", {}
    )
    assert published.status_code == 303
    assert published.headers["location"] == f"/console/audits/{PRIVATE}?done=published"
    public = console.get(f"/audits/{PRIVATE}?lang=en")
    assert public.status_code == 200
    after = _article(public.text)
    # The only differences are the publication date, which did not exist before, the link to
    # the public PDF (a private audit has none), and the publication's place in the public log.
    published_at = soup_of(after).select("dl.facts")[0].select("dd")[-1].text
    assert "<dd>Not yet published</dd>" in before
    pdf_link = soup_of(after).select_one(f'a[href="/audits/{PRIVATE}.pdf?lang=en"]')
    assert pdf_link is not None and soup_of(before).select_one('a[href$=".pdf"]') is None
    after = after.replace(str(pdf_link.parent) + "\n", "")
    proof_link = soup_of(after).select_one('a[href^="/api/v1/log/proof/inclusion"]')
    assert proof_link is not None and soup_of(before).select_one('a[href^="/api/v1/log"]') is None
    after = after.replace(str(proof_link.parent.parent) + "\n", "")
    assert before.replace("<dd>Not yet published</dd>", f"<dd>{published_at}</dd>") == after
    public_json = console.get(f"/audits/{PRIVATE}.json?lang=en").json()
    before_json.pop("staff")
    assert before_json["log_entry"] is None and public_json["log_entry"]["index"] >= 0
    published_facts = {k: public_json[k] for k in ("published_at", "log_entry")}
    assert {**before_json, **published_facts} == public_json


def test_progress_page_refreshes_without_javascript_and_polls_with_it(console, world) -> None:
    _as(console, world, "auditor")
    running = soup(console.get(f"/console/audits/{RUNNING}"))
    # Without script: a meta refresh, inside <noscript> so that with script it is not in the DOM.
    refresh = running.select_one("head noscript > meta[http-equiv=refresh]")
    assert refresh is not None and refresh["content"] == "5"
    assert len(running.select("meta[http-equiv=refresh]")) == 1
    # With script: the external poller and where it asks.
    script = running.select_one("head script[src='/static/job-progress.js']")
    assert script is not None and not script.get_text().strip()
    section = running.select_one("section[data-status-url]")
    assert section is not None
    assert section["data-status-url"] == f"/console/audits/{RUNNING}/status.json?lang=en"
    bar = running.select_one("progress#job-progress-bar")
    assert bar is not None and bar["value"] == "40"
    assert running.select_one("#job-message[aria-live=polite]").text == "The test is running."  # type: ignore[union-attr]
    assert running.select_one("#job-percent").text == "40% of the file has been read."  # type: ignore[union-attr]
    stop = running.select_one(f"a[href='/console/audits/{RUNNING}?refresh=off']")
    assert stop is not None
    queued = soup(console.get(f"/console/audits/{QUEUED}"))
    assert queued.select_one("noscript > meta[http-equiv=refresh]") is not None
    assert "waiting for a worker" in queued.select_one("#job-message").text  # type: ignore[union-attr]
    assert queued.select_one("progress#job-progress-bar").get("value") is None  # type: ignore[union-attr]


def test_automatic_refreshing_can_be_stopped(console, world) -> None:
    _as(console, world, "auditor")
    stopped = soup(console.get(f"/console/audits/{RUNNING}", params={"refresh": "off"}))
    assert stopped.select_one("meta[http-equiv=refresh]") is None
    assert stopped.select_one("script[src='/static/job-progress.js']") is None
    assert stopped.select_one("[data-status-url]") is None
    assert stopped.select_one(f"a[href='/console/audits/{RUNNING}']") is not None


def test_status_json_says_the_state_and_progress_in_the_page_language(console, world) -> None:
    _as(console, world, "auditor")
    response = console.get(f"/console/audits/{RUNNING}/status.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "no-store" in response.headers["cache-control"]
    assert response.json() == {
        "id": RUNNING,
        "state": "running",
        "state_text": "Running",
        "message": "The test is running.",
        "fraction": 0.4,
        "percent": 40,
        "percent_text": "40% of the file has been read.",
        "done": False,
    }
    queued = console.get(f"/console/audits/{QUEUED}/status.json", params={"lang": "zh-CN"}).json()
    assert queued["state"] == "queued" and queued["done"] is False
    assert queued["percent"] is None and queued["percent_text"] is None
    assert queued["state_text"] == "等待运行"
    failed = console.get(f"/console/audits/{FAILED}/status.json").json()
    assert failed["state"] == "failed" and failed["done"] is True
    done = console.get(f"/console/audits/{PRIVATE}/status.json").json()
    assert done["state"] == "succeeded" and done["done"] is True


def test_status_json_is_hidden_from_who_may_not_read_the_audit(console, world) -> None:
    anonymous = console.get(f"/console/audits/{RUNNING}/status.json")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/console/sign-in")
    _as(console, world, "editor_other")
    assert console.get(f"/console/audits/{RUNNING}/status.json").status_code == 404
    assert console.get("/console/audits/aud-nosuchaudit/status.json").status_code == 404


def test_failed_page_names_the_problem_column_and_row(console, world) -> None:
    _as(console, world, "auditor")
    page = soup(console.get(f"/console/audits/{FAILED}"))
    assert page.select_one("meta[http-equiv=refresh]") is None
    text = page.select_one("#error-heading").find_parent("section").text  # type: ignore[union-attr]
    assert "A problem with the uploaded file" in text
    assert "Column 'pred' holds 'maybe' in row 17" in text
    dds = [dd.text for dd in page.select("section dl.facts dd")]
    assert "pred" in dds and "17" in dds


def test_preview_in_chinese(console, world) -> None:
    _as(console, world, "auditor")
    page = soup(console.get(f"/console/audits/{PRIVATE}", params={"lang": "zh-CN"}))
    assert page.html["lang"] == "zh-CN"  # type: ignore[index]
    banner = page.select_one(".preview-banner")
    assert banner is not None and "Not published" not in banner.text


# --- actions ------------------------------------------------------------------------------------


def _events(session, audit_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return [
        e.action
        for e in session.exec(select(Event).where(Event.subject_id == audit_id).order_by(Event.id))
    ]


def test_actions_offered_follow_the_api_rules(console, world) -> None:
    def offered(who: str, audit_id: str) -> list[str]:
        console.cookies.clear()
        _as(console, world, who)
        links = soup(console.get(f"/console/audits/{audit_id}")).select(".action-links a")
        return [str(a["href"]).rsplit("/", 1)[-1] for a in links]

    assert offered("auditor", PRIVATE) == ["publish", "withdraw", "rerun"]
    assert offered("admin", PRIVATE) == ["withdraw", "rerun"]
    assert offered("editor_same", PUBLISHED) == ["response"]
    assert offered("editor_other", PUBLISHED) == []
    assert offered("auditor", FAILED) == ["withdraw"]


def test_publish_records_the_event_and_shows_the_notice(console, session, world) -> None:
    _as(console, world, "auditor")
    confirm = console.get(f"/console/audits/{PRIVATE}/publish")
    assert confirm.status_code == 200 and "cannot be changed" in confirm.text
    submit(console, f"/console/audits/{PRIVATE}/publish", f"/console/audits/{PRIVATE}/publish", {})
    assert _events(session, PRIVATE)[-1] == "audit.published"
    page = soup(console.get(f"/console/audits/{PRIVATE}?done=published"))
    assert page.select_one(".preview-banner") is None
    assert "The audit is published" in page.text
    again = submit(console, f"/console/audits/{PRIVATE}", f"/console/audits/{PRIVATE}/publish", {})
    assert again.status_code == 409


def test_publish_without_csrf_is_refused(console, session, world) -> None:
    _as(console, world, "auditor")
    response = console.post(f"/console/audits/{PRIVATE}/publish", data={})
    assert response.status_code == 403
    assert _events(session, PRIVATE)[-1] != "audit.published"


def test_withdraw_needs_a_reason_and_keeps_the_record(console, session, world) -> None:
    _as(console, world, "auditor")
    page = f"/console/audits/{TO_WITHDRAW}/withdraw"
    empty = submit(console, page, page, {"reason": "   "})
    assert empty.status_code == 422
    summary = soup(empty).select_one(".error-summary a")
    assert summary is not None and summary["href"] == "#reason"
    assert "Enter the reason for withdrawing the audit" in summary.text
    assert soup(empty).select_one("#reason-error") is not None
    assert _events(session, TO_WITHDRAW)[-1] != "audit.withdrawn"
    done = submit(console, page, page, {"reason": "Wrong extract."})
    assert done.status_code == 303
    assert _events(session, TO_WITHDRAW)[-1] == "audit.withdrawn"
    session.expire_all()
    audit = session.exec(select(Audit).where(Audit.public_id == TO_WITHDRAW)).one()
    assert audit.withdrawn_reason == "Wrong extract."


def test_withdrawing_a_published_audit_keeps_it_public_with_the_reason(console, world) -> None:
    _as(console, world, "admin")
    page = f"/console/audits/{PUBLISHED}/withdraw"
    assert submit(console, page, page, {"reason": "Sample from the wrong year."}).status_code == 303
    public = soup(console.get(f"/audits/{PUBLISHED}?lang=en"))
    assert "Sample from the wrong year." in public.select_one(".banner").text  # type: ignore[union-attr]


def test_withdraw_reason_with_a_control_character_is_422(console, world) -> None:
    _as(console, world, "auditor")
    page = f"/console/audits/{TO_WITHDRAW}/withdraw"
    response = submit(console, page, page, {"reason": "bad\x07reason"})
    assert response.status_code == 422
    assert soup(response).select_one("#reason-error") is not None


def test_rerun_queues_a_new_audit_and_opens_its_progress(console, session, world) -> None:
    _as(console, world, "auditor")
    page = f"/console/audits/{TO_RERUN}/rerun"
    assert console.get(page).status_code == 200
    response = submit(console, page, page, {})
    assert response.status_code == 303
    new_id = response.headers["location"].split("/")[-1].split("?")[0]
    assert new_id != TO_RERUN
    progress = soup(console.get(response.headers["location"]))
    assert progress.select_one("meta[http-equiv=refresh]") is not None
    assert TO_RERUN in progress.text
    assert _events(session, new_id) == ["audit.submitted"]


def test_rerun_of_a_failed_audit_is_409(console, world) -> None:
    _as(console, world, "auditor")
    assert console.get(f"/console/audits/{FAILED}/rerun").status_code == 409


def test_response_form_starts_from_the_default_wording_in_both_languages(console, world) -> None:
    _as(console, world, "editor_same")
    page = soup(console.get(f"/console/audits/{PUBLISHED}/response"))
    en = page.select_one("#response_en")
    zh = page.select_one("#response_zh")
    assert en is not None and zh is not None
    # The stored world's audit has an older English-only response: it is kept, Chinese defaults.
    assert en.text == "We are reviewing the selection threshold."
    assert zh.text == DEFAULT_RESPONSE_PASSED_ZH
    assert zh["lang"] == "zh-CN"


def test_response_in_both_languages_reaches_each_readers_page(console, session, world) -> None:
    _as(console, world, "editor_same")
    page = f"/console/audits/{PUBLISHED}/response"
    texts = {"response_en": "We will retrain the model.", "response_zh": "我们将重新训练模型。"}
    response = submit(console, page, page, texts)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/audits/{PUBLISHED}?done=responded"
    assert _events(session, PUBLISHED)[-1] == "audit.response"
    en = soup(console.get(f"/audits/{PUBLISHED}", params={"lang": "en"}))
    zh = soup(console.get(f"/audits/{PUBLISHED}", params={"lang": "zh-CN"}))
    assert en.select_one("blockquote").text.strip() == texts["response_en"]  # type: ignore[union-attr]
    assert zh.select_one("blockquote").text.strip() == texts["response_zh"]  # type: ignore[union-attr]


def test_response_with_an_empty_language_is_422_naming_it(console, session, world) -> None:
    _as(console, world, "editor_same")
    page = f"/console/audits/{PUBLISHED}/response"
    before = _events(session, PUBLISHED)
    response = submit(console, page, page, {"response_en": "Fine.", "response_zh": " "})
    assert response.status_code == 422
    links = soup(response).select(".error-summary a")
    assert [a["href"] for a in links] == ["#response_zh"]
    assert "Enter the response in Chinese" in links[0].text
    assert soup(response).select_one("#response_en").text == "Fine."  # type: ignore[union-attr]
    assert _events(session, PUBLISHED) == before


def test_response_to_a_private_audit_is_refused(console, world) -> None:
    _as(console, world, "admin")
    assert console.get(f"/console/audits/{PUBLISHED}/response").status_code == 403


def test_default_wording_constants_exist_in_both_languages() -> None:
    assert DEFAULT_RESPONSE_PASSED != DEFAULT_RESPONSE_PASSED_ZH


def test_csrf_token_is_on_every_action_form(console, world) -> None:
    _as(console, world, "auditor")
    for action in ("publish", "withdraw", "rerun"):
        assert csrf_of(console.get(f"/console/audits/{PRIVATE}/{action}"))
