"""The console's two end-to-end flows in real headless Chromium, each as a real user clicks.

1. Editor flow: editor A registers a new algorithm through the card editor (a validation error
   first, followed from the error summary to the field and fixed), completes the card and asks
   for review; editor B of the same agency finds the request on the home page and publishes it;
   the public page shows version 1. A changes one field and asks again; B publishes; the PUBLIC
   diff between versions 1 and 2 shows exactly that field.
2. Auditor flow: an auditor uploads a sample through the wizard (1,000,000 rows once, with the
   progress bar), accepts the proposed mapping, picks checks, skips the names, reads the summary,
   submits, follows the job until done, previews the private audit, publishes it after the
   confirmation page, and an anonymous visitor sees it on the public audit page.

Each flow in English with JavaScript, without JavaScript, and in Chinese (chosen with the page's
language switch). Screenshots at 1280 and 390 px: artifacts/screenshots/console-flow-*.png.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.console_helpers import audit_worker, wait_until_done, write_big_csv, write_small_csv

pytestmark = pytest.mark.e2e

PASSWORD = "e2e flows passphrase"
_n = itertools.count(1)

WORDS = {
    "en": {
        "register": "Register an algorithm",
        "version_1": "Version 1 of 1,",
        "changes": "Changes from version 1 to 2",
        "upload_h1": "Which algorithm does the sample audit?",
        "columns_h1": "Which column is which?",
        "not_published": "Not published",
    },
    "zh-CN": {
        "register": "登记算法",
        "version_1": "第 1 版（共 1 版）",
        "changes": "从第 1 版到第 2 版的变更",
        "upload_h1": "样本审计哪个算法？",
        "columns_h1": "各列分别是什么？",
        "not_published": "未发布",
    },
}

# The smallest card that can be published: (field id, value). Text boxes are filled, a select
# gets the option, a group of radios gets the radio "<id>--<value>".
MINIMAL_CARD = [
    ("summary", "Checks parking permit applications for missing documents."),
    ("scenario", "government_services"),
    ("risk_category", "other"),
    ("status", "in_use"),
    ("in_use_from", "2024-03"),
    ("language", "en"),
    ("next_review_date", "2027-06-30"),
    ("accountable_role", "Head of parking services"),
    ("contact-email", "not an email"),  # the mistake, fixed after the error summary
    ("contact-offline_route", "Call 0100 555 0100 or visit the town hall."),
    ("appeal_route", "Ask the parking office to look at the application again."),
    ("purpose_and_impact", "Fewer applications returned for missing documents."),
    ("autonomy_level", "advisory"),
    ("human_oversight", "Staff check every application before a permit is issued."),
    ("model_type-kind", "rules"),
    ("model_type-self_learning", "no"),
    ("data_summary", "The application form and its attachments."),
    ("data_sources-0-name", "Permit applications"),
    ("data_sources-0-role", "operational_input"),
    ("data_sources-0-provenance", "Submitted by applicants"),
    ("data_sources-0-personal_data", "yes"),
    ("data_sources-0-retention", "Two years"),
    ("favourable_outcome", "beneficial"),
]
GOOD_EMAIL = "parking@example.gov"
FLOWS = [(True, "en"), (False, "en"), (True, "zh-CN")]
FLOW_IDS = [f"{'js' if js else 'no-js'}-{lang}" for js, lang in FLOWS]


@dataclass
class People:
    author_email: str
    reviewer_email: str
    auditor_email: str


@pytest.fixture(scope="module")
def people(site) -> Iterator[People]:  # type: ignore[no-untyped-def]
    """Two new editors of the world's agency and a new auditor, with passwords."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import AccountCreate, Agency, Role
    from registry.services.cards.accounts import create_account
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    now = SystemClock().now()
    made = []
    with session_scope(engine) as session:
        agency = session.exec(select(Agency).where(Agency.slug == site.agency_slug)).one()
        for who, role in (
            ("Flo Author", Role.agency_editor),
            ("Fay Reviewer", Role.agency_editor),
            ("Fen Auditor", Role.auditor),
        ):
            email = f"{who.split()[0].lower()}.flows@example.gov"
            account = create_account(
                session,
                actor=None,
                data=AccountCreate(
                    email=email,
                    display_name=who,
                    role=role,
                    agency=agency.slug if role == Role.agency_editor else None,
                ),
                now=now,
            )
            stage_password(session, account=account, password=PASSWORD, now=now)
            session.commit()
            made.append(email)
    engine.dispose()
    yield People(*made)


@pytest.fixture(scope="module")
def worker(site) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with audit_worker(site.database_url):
        yield


def _context(browser, javascript: bool):  # type: ignore[no-untyped-def]
    return browser.new_context(
        java_script_enabled=javascript, locale="en-GB", viewport={"width": 1280, "height": 900}
    )


def _shot(page, screenshots: Path | None, name: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Full-page screenshots at 1280 and 390 px (only in the runs that keep them)."""
    if screenshots is None:
        return
    page.screenshot(path=str(screenshots / f"console-flow-{name}-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / f"console-flow-{name}-{lang}-390.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not wide, f"{name} ({lang}) is wider than a 390 px screen"


def _sign_in(page, base: str, email: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Open the sign-in page, choose the language with its switch, sign in."""
    page.goto(f"{base}/console/sign-in?lang=en")
    if lang != "en":
        page.locator(f".lang-switch a[hreflang='{lang}']").click()
        assert page.locator("html").get_attribute("lang") == lang
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    assert page.url.rstrip("/").endswith("/console"), page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == lang


def _set(page, field_id: str, value: str) -> None:  # type: ignore[no-untyped-def]
    field = page.locator(f"#{field_id}")
    tag = field.evaluate("e => e.tagName")
    if tag == "SELECT":
        field.select_option(value)
    elif tag == "FIELDSET":
        page.locator(f"#{field_id}--{value}").check()
    else:
        field.fill(value)


def _ask_for_review(page, note: str) -> None:  # type: ignore[no-untyped-def]
    """From the console's algorithm page: the "Ask for review" button-link, then ask."""
    page.locator("#review a.button-link[href$='/review']").click()
    page.locator("#note").fill(note)
    page.locator("main form[action$='/review'] button[type=submit]").click()
    assert page.get_by_role("status").count() == 1


def _publish_from_home(page, base: str, name: str, summary: str) -> None:  # type: ignore[no-untyped-def]
    """The reviewer finds the request on the home page, opens it and publishes it."""
    page.locator("nav.main-nav a[href='/console']").click()
    page.locator(".awaits a[href^='/console/reviews/']", has_text=name).click()
    assert name in page.locator("main").inner_text()
    page.locator("#change_summary").fill(summary)
    page.locator("main form[action$='/publish'] button[type=submit]").click()
    assert "/console/reviews" in page.url
    assert page.get_by_role("status").count() == 1


@pytest.mark.parametrize(("javascript", "lang"), FLOWS, ids=FLOW_IDS)
def test_editor_flow_register_review_publish_edit_and_public_diff(  # type: ignore[no-untyped-def]
    browser, site, people, screenshots, javascript, lang
):
    words = WORDS[lang]
    keep = screenshots if javascript else None
    base = site.base_url
    name = f"Parking permit pre-check {next(_n)} {lang}"
    a_context, b_context = _context(browser, javascript), _context(browser, javascript)
    public_context = _context(browser, javascript)
    a, b, public = a_context.new_page(), b_context.new_page(), public_context.new_page()
    try:
        # A registers the algorithm: everything the card needs, but a mistyped email.
        _sign_in(a, base, people.author_email, lang)
        a.locator("nav.main-nav a[href='/console/algorithms']").click()
        a.locator("main a[href='/console/algorithms/new']").first.click()
        assert a.locator("h1").inner_text() == words["register"]
        a.locator("#name").fill(name)
        a.locator("#data_sources button[value='add:data_sources']").click()  # one data source
        a.locator("#data_sources-0-name").wait_for()
        for field_id, value in MINIMAL_CARD:
            _set(a, field_id, value)
        a.locator("main form.card-form .save-bar button").first.click()
        summary = a.locator(".error-summary")
        assert summary.count() == 1
        link = summary.locator("a")
        assert link.count() == 1, summary.inner_text()
        assert link.get_attribute("href") == "#contact-email"
        assert a.locator("#contact-email-error").is_visible()
        assert a.locator("#summary").input_value() == MINIMAL_CARD[0][1]  # what was typed stays
        _shot(a, keep, "editor-error", lang)
        link.click()
        assert a.url.endswith("#contact-email")
        a.locator("#contact-email").fill(GOOD_EMAIL)
        a.locator("main form.card-form .save-bar button").first.click()
        assert "/edit?done=created" in a.url
        assert a.locator(".error-summary").count() == 0
        assert a.locator("#missing").count() == 0, a.locator("#missing").inner_text()
        public_id = urlparse(a.url).path.split("/")[3]
        _shot(a, keep, "editor-saved", lang)

        # A asks for review from the algorithm's console page.
        a.locator(f"main a[href='/console/algorithms/{public_id}']").first.click()
        _shot(a, keep, "editor-algorithm", lang)
        _ask_for_review(a, "First version, please check.")

        # B (same agency) sees the request on the home page and publishes it.
        _sign_in(b, base, people.reviewer_email, lang)
        assert name in b.locator(".awaits").inner_text()
        _shot(b, keep, "reviewer-home", lang)
        _publish_from_home(b, base, name, "First version.")

        # The public page shows version 1.
        public.goto(f"{base}/algorithms/{public_id}?lang={lang}")
        assert public.locator("h1").inner_text() == name
        assert words["version_1"] in public.locator("main").inner_text()

        # A changes one field (the summary) and asks again; B publishes.
        a.locator("nav.main-nav a[href='/console/algorithms']").click()
        a.locator("main a", has_text=name).first.click()
        a.locator(f"main a[href='/console/algorithms/{public_id}/edit']").first.click()
        added = " Now also for visitor permits."
        a.locator("#summary").fill(MINIMAL_CARD[0][1] + added)
        a.locator("main form.card-form .save-bar button").first.click()
        assert "/edit?done=saved" in a.url
        # The saved notice leads straight on to asking for review.
        a.locator("#next-step a").click()
        a.locator("#note").fill("Visitor permits added to the summary.")
        a.locator("main form[action$='/review'] button[type=submit]").click()
        assert a.get_by_role("status").count() == 1
        _publish_from_home(b, base, name, "Visitor permits are now checked too.")

        # The public diff between versions 1 and 2 shows exactly that change.
        public.goto(f"{base}/algorithms/{public_id}?lang={lang}")
        public.locator(f"main a[href^='/algorithms/{public_id}/versions?lang=']").first.click()
        public.locator("main table a[href*='from=1']").click()
        assert public.locator("h1").inner_text() == words["changes"]
        rows = public.locator("main table tbody tr")
        assert rows.count() == 1, public.locator("main table").inner_text()
        # Word-level: the old text is all kept (nothing struck through), the new words underlined.
        assert rows.first.locator("td.diff-old").inner_text().strip() == MINIMAL_CARD[0][1]
        assert rows.first.locator("del").count() == 0
        assert added.strip() in rows.first.locator("ins").inner_text()
        assert rows.first.locator("td.diff-new").inner_text().startswith(MINIMAL_CARD[0][1])
        assert "Visitor permits are now checked too." in public.locator("main").inner_text()
        _shot(public, keep, "public-diff", lang)
    finally:
        for context in (a_context, b_context, public_context):
            context.close()


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return write_big_csv(tmp_path_factory.mktemp("flows") / "decisions-2024.csv")


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return write_small_csv(tmp_path_factory.mktemp("flows-small") / "decisions-small.csv")


@pytest.fixture(scope="module")
def audited(site) -> str:  # type: ignore[no-untyped-def]
    """A published algorithm of its own for the auditor flow: the audits it publishes must not
    become the latest audit of the algorithm other e2e modules look at (in any order)."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Agency
    from tests.registry.factories import make_published_algorithm

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        agency = session.exec(select(Agency).where(Agency.slug == site.agency_slug)).one()
        public_id = make_published_algorithm(session, agency=agency).public_id
        session.commit()
    engine.dispose()
    return public_id


@pytest.mark.parametrize(("javascript", "lang"), FLOWS, ids=FLOW_IDS)
def test_auditor_flow_upload_map_check_submit_preview_publish(  # type: ignore[no-untyped-def]
    request, browser, site, people, worker, audited, screenshots, javascript, lang
):
    words = WORDS[lang]
    big = javascript and lang == "en"  # the 1M-row file once; small files otherwise
    sample = request.getfixturevalue("big_csv" if big else "small_csv")
    keep = screenshots if javascript else None
    base = site.base_url
    context, public_context = _context(browser, javascript), _context(browser, javascript)
    page, public = context.new_page(), public_context.new_page()
    try:
        _sign_in(page, base, people.auditor_email, lang)
        page.locator("nav.main-nav a[href='/console/uploads']").click()
        assert page.locator("h1").inner_text() == words["upload_h1"]
        _shot(page, keep, "auditor-algorithm", lang)
        page.locator(f"input[name=algorithm][value={audited}]").check()
        page.locator("form[action$='/console/uploads/file'] button[type=submit]").click()
        page.locator("#file").set_input_files(str(sample))
        page.locator("#upload-form button[type=submit]").click()
        if big:  # the script shows the bar while the 25 MB are sent
            page.locator("#upload-progress").wait_for(state="visible")
            try:  # the upload may finish (and the page move on) while the shots are taken
                _shot(page, keep, "auditor-uploading", lang)
            except PlaywrightError as exc:
                assert "navigation" in str(exc) or "context was destroyed" in str(exc), exc
        page.wait_for_url("**/columns", timeout=120_000)
        assert page.locator("h1").inner_text() == words["columns_h1"]
        assert page.locator("#prediction").input_value() == "selected"
        assert page.locator("#label").input_value() == "outcome"
        _shot(page, keep, "auditor-columns", lang)
        page.locator("form[action$='/columns'] button[type=submit]").click()  # accept
        assert page.url.endswith("/checks")
        page.locator("input[name=favourable_outcome][value=beneficial]").check()
        page.locator("input[name=check_mode][value=four-fifths]").check()
        _shot(page, keep, "auditor-checks", lang)
        page.locator("form[action$='/checks'] button[type=submit]").click()
        assert page.url.endswith("/names")
        page.locator("form[action$='/names'] button[type=submit]").click()
        assert page.url.endswith("/summary")
        assert "selected" in page.locator("main").inner_text()
        _shot(page, keep, "auditor-summary", lang)
        page.locator("form[action$='/submit'] button[type=submit]").click()
        wait_until_done(page)
        _shot(page, keep, "auditor-job", lang)
        # The job page may itself be the private preview, or lead to it.
        if page.locator(".preview-banner").count() == 0:
            page.locator("main a[href^='/console/audits/aud-']").first.click()
        banner = page.locator(".preview-banner")
        assert words["not_published"] in banner.inner_text()
        audit_id = urlparse(page.url).path.rstrip("/").split("/")[-1]
        assert public.request.get(f"{base}/audits/{audit_id}").status == 404
        rows = page.locator("article table tbody tr").all_inner_texts()
        _shot(page, keep, "auditor-preview", lang)
        page.locator(".action-links a[href$='/publish']").click()
        _shot(page, keep, "auditor-publish", lang)
        page.locator("main form button[type=submit]").click()
        assert page.url.endswith(f"/console/audits/{audit_id}?done=published")
        assert page.locator(".preview-banner").count() == 0

        public.goto(f"{base}/audits/{audit_id}?lang={lang}")
        assert public.locator("html").get_attribute("lang") == lang
        assert public.locator("article table tbody tr").all_inner_texts() == rows
        _shot(public, keep, "public-audit", lang)
    finally:
        context.close()
        public_context.close()
