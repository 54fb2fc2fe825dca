"""Citizen participation end to end in Chromium, as people would do it: a reader sends a concern
holding a phone number and a Chinese resident ID number, keeps the tracking code and reads the
status page; the agency's editor signs in, sees the masked text in the queue, answers and
publishes; the algorithm page shows the masked text with the answer, the agency page's figures
move, the status page shows the answer. With and without JavaScript, in English and in Chinese;
axe-core on the new public pages (form, confirmation, status) in both languages.

Four submissions from one address: within the default limit of five an hour.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from tests.e2e.console_helpers import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough e2e password"
PHONE = "13812345678"
RESIDENT_ID = "11010519491231002X"  # a valid check digit
AXE_RUN = (
    "async () => await axe.run(document, {resultTypes: ['violations'],"
    " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
    "'wcag21aa', 'wcag22aa', 'best-practice']}})"
)
WORDS = {
    "en": {
        "pending": "Awaiting moderation by the agency",
        "published": "Published",
        "publish": "Publish the message",
    },
    "zh-CN": {"pending": "等待机构审核", "published": "已发布", "publish": "公布这条留言"},
}


@pytest.fixture(scope="module")
def editor_email(site) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A password for an editor of the algorithm's agency, set in the served database."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Algorithm, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        algorithm = session.exec(
            select(Algorithm).where(Algorithm.public_id == site.algorithm_id)
        ).one()
        editor = session.exec(
            select(Account).where(
                Account.role == Role.agency_editor, Account.agency_id == algorithm.agency_id
            )
        ).first()
        assert editor is not None
        stage_password(session, account=editor, password=PASSWORD, now=SystemClock().now())
        session.commit()
        email = editor.email
    engine.dispose()
    yield email


def _axe(page, axe_source: str, name: str, problems: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=axe_source)
    for violation in page.evaluate(AXE_RUN)["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"{name}: {violation['id']} {targets}")


def _figures(page, site, lang: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page.goto(f"{site.base_url}/agencies/{site.agency_slug}?lang={lang}")
    # Public pages may be kept for max-age by the browser (Cache-Control: public); a reload
    # revalidates with the ETag, as a reader pressing reload does.
    page.reload()
    section = page.locator("section[aria-labelledby=participation-heading]")
    return {
        name: section.locator(f"#figure-{name} strong").inner_text().strip()
        for name in ("received", "answered_in_time", "open_past_target")
    }


@pytest.mark.parametrize(
    ("lang", "javascript"),
    [("en", True), ("zh-CN", True), ("en", False), ("zh-CN", False)],
    ids=["en-js", "zh-js", "en-nojs", "zh-nojs"],
)
def test_a_concern_from_submission_to_published_answer(  # type: ignore[no-untyped-def]
    browser, site, editor_email, axe_source, lang, javascript
):
    words = WORDS[lang]
    marker = f"e2e-{lang}-{'js' if javascript else 'nojs'}"
    # axe runs where script runs; the CSP forbids injecting it, so only those contexts bypass it.
    options = {"java_script_enabled": javascript, "bypass_csp": javascript}
    reader = browser.new_context(locale=lang, **options)
    staff = browser.new_context(locale=lang, **options)
    problems: list[str] = []
    try:
        page = reader.new_page()
        before = _figures(page, site, lang)

        # The reader: the form on its own page, then the confirmation with the tracking code.
        page.goto(f"{site.base_url}/algorithms/{site.algorithm_id}/participate?lang={lang}")
        if javascript:
            _axe(page, axe_source, f"{lang} form", problems)
        page.locator("#kind-concern").check()
        page.locator("#text").fill(
            f"{marker}: my benefit was stopped. Call me on {PHONE}; my ID is {RESIDENT_ID}."
        )
        page.locator("#contact_email").fill("reader@example.com")
        page.locator("form.pform button[type=submit]").click()
        code = page.locator(".tracking-code").inner_text().strip()
        assert re.fullmatch(r"[A-Za-z0-9_-]{24}", code), code
        assert PHONE not in page.content() and RESIDENT_ID not in page.content()
        if javascript:
            _axe(page, axe_source, f"{lang} confirmation", problems)
        page.locator(f"a[href^='/participation/{code}?lang=']").first.click()
        assert page.locator("#state").inner_text().strip() == words["pending"]
        status_text = page.locator("main").inner_text()
        assert PHONE not in status_text and RESIDENT_ID not in status_text
        assert "[☎ •••]" in status_text and "[ID •••]" in status_text
        if javascript:
            _axe(page, axe_source, f"{lang} status", problems)

        # The agency's editor: the queue shows the masked text; answer and publish.
        console = staff.new_page()
        sign_in(console, site.base_url, editor_email, PASSWORD, lang=lang)
        console.goto(f"{site.base_url}/console/participation")
        entry = console.locator("ul.review-list li", has_text=marker)
        queued = entry.inner_text()
        assert PHONE not in queued and RESIDENT_ID not in queued and "[☎ •••]" in queued
        entry.locator("a").first.click()
        item_page = console.locator("main").inner_text()
        assert PHONE not in item_page and RESIDENT_ID not in item_page
        assert "reader@example.com" in item_page  # the reply address, for the agency only
        answer = f"{marker}: we restored your benefit and wrote to you."
        console.locator("#answer").fill(answer)
        console.get_by_role("button", name=words["publish"], exact=True).click()
        console.locator("main form button[type=submit]").click()  # the confirmation page
        assert "done=published" in console.url

        # The public algorithm page: the masked text with the answer.
        page.goto(f"{site.base_url}/algorithms/{site.algorithm_id}?lang={lang}")
        item = page.locator("#participation li.item", has_text=marker)
        shown = item.inner_text()
        assert "[☎ •••]" in shown and "[ID •••]" in shown and answer in shown
        assert PHONE not in page.content() and RESIDENT_ID not in page.content()
        assert "reader@example.com" not in page.content()

        # The agency page's figures moved: one more received, one more answered in time.
        after = _figures(page, site, lang)
        assert int(after["received"]) == int(before["received"]) + 1
        assert int(after["answered_in_time"]) == int(before["answered_in_time"]) + 1

        # The status page shows the answer.
        page.goto(f"{site.base_url}/participation/{code}?lang={lang}")
        assert page.locator("#state").inner_text().strip() == words["published"]
        assert answer in page.locator("main").inner_text()
    finally:
        reader.close()
        staff.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
