"""Records import in real headless Chromium, without JavaScript: an editor uploads a file in the
Dutch publication standard, reviews the per-record report and confirms; the draft is completed
and sent for review; a second editor publishes it; its public page shows the Dutch text in its
original language, marked ``lang="nl"``, in both interface languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "e2e import passphrase"
NAME = "Parkeercontrole met scanauto's"
SUMMARY = "Scanauto's lezen kentekens en controleren of voor het parkeren is betaald."
RECORDS = [
    {
        "name": NAME,
        "organization": "Gemeente Amsterdam",
        "description_short": SUMMARY,
        "contact_email": "https://www.amsterdam.nl/contact",  # a URL where an e-mail belongs
    },
    {"name": "", "organization": "Gemeente Amsterdam"},
]


@dataclass
class Editors:
    importer: str
    publisher: str
    agency_id: int


@pytest.fixture(scope="module")
def editors(site) -> Iterator[Editors]:  # type: ignore[no-untyped-def]
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
        for who in ("Ida Importer", "Pim Publisher"):
            email = f"{who.split()[0].lower()}.import@example.gov"
            account = create_account(
                session,
                actor=None,
                data=AccountCreate(
                    email=email, display_name=who, role=Role.agency_editor, agency=agency.slug
                ),
                now=now,
            )
            stage_password(session, account=account, password=PASSWORD, now=now)
            session.commit()
            made.append(email)
        found = Editors(made[0], made[1], agency.id)  # type: ignore[arg-type]
    engine.dispose()
    yield found


def _sign_in(page, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/sign-in?lang=en")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    assert "/console/sign-in" not in page.url


def _complete_draft(site, editors: Editors, public_id: str) -> None:  # type: ignore[no-untyped-def]
    """What a person fills in the editor after the import (the editor form has its own tests):
    the required fields the Dutch standard does not carry, keeping the Dutch text."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, CardDraft
    from registry.services.cards.algorithms import get_algorithm
    from registry.services.cards.drafts import save_draft
    from registry.services.clock import SystemClock
    from tests.registry.factories import card

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        importer = session.exec(select(Account).where(Account.email == editors.importer)).one()
        algorithm = get_algorithm(session, public_id, viewer=importer)
        draft = session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).one()
        filled = {**card(), **draft.card}
        filled["contact"] = {**card()["contact"], "email": "parkeren@amsterdam.example"}
        save_draft(
            session, actor=importer, algorithm=algorithm, card=filled, now=SystemClock().now()
        )
    engine.dispose()


def test_import_review_confirm_publish_by_a_second_editor_and_read_in_dutch(
    browser, site, editors, tmp_path: Path
):  # type: ignore[no-untyped-def]
    base = site.base_url
    upload = tmp_path / "algoritmeregister.json"
    upload.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    a_context = browser.new_context(java_script_enabled=False, locale="en-GB")
    b_context = browser.new_context(java_script_enabled=False, locale="en-GB")
    a, b = a_context.new_page(), b_context.new_page()
    try:
        # The importer uploads the file and reads the report; nothing is saved yet.
        _sign_in(a, base, editors.importer)
        a.locator("nav.main-nav").get_by_role("link", name="Import records").click()
        a.get_by_label("Format of the file").select_option("nl_algoritmeregister")
        a.get_by_label("File", exact=True).set_input_files(str(upload))
        a.get_by_role("button", name="Check the file").click()
        assert a.locator("h1").inner_text() == "Review the import"
        first = a.locator("section.import-record").nth(0)
        assert "Will be created as a draft" in first.inner_text()
        assert first.locator("h2 span[lang=nl]").inner_text() == NAME
        assert "model_type" in first.locator("details[data-kind=needs_person]").inner_text()
        assert "contact_email" in (first.text_content() or "")  # the URL noted
        assert "Skipped" in a.locator("section.import-record").nth(1).inner_text()

        # Confirm: one draft, linked from the result and in the algorithms list.
        a.get_by_role("button", name="Create 1 draft(s)").click()
        assert a.locator("h1").inner_text() == "Import done"
        link = a.locator("section.import-record").nth(0).locator("a[href^='/console/algorithms/']")
        public_id = link.inner_text()
        a.goto(f"{base}/console/algorithms")
        assert NAME in a.locator("main").inner_text()

        # The importer fills what needs a person and asks for review.
        _complete_draft(site, editors, public_id)
        a.goto(f"{base}/console/algorithms/{public_id}/review")
        a.get_by_role("button", name="Ask for review").click()

        # A second editor publishes it from the review queue.
        _sign_in(b, base, editors.publisher)
        b.goto(f"{base}/console/reviews")
        b.locator(".review-list li", has_text=NAME).get_by_role("link").first.click()
        b.get_by_label("Summary of the change").fill("Geïmporteerd uit het Algoritmeregister.")
        b.get_by_role("button", name="Publish this version").click()
        assert "/console/reviews" in b.url

        # The public page, in both interface languages: the Dutch text as written, marked nl.
        for lang, language in (("en", "Dutch"), ("zh-CN", "荷兰语")):
            b.goto(f"{base}/algorithms/{public_id}?lang={lang}")
            assert b.locator("html").get_attribute("lang") == lang
            assert b.locator("h1").inner_text() == NAME
            assert b.locator("h1").get_attribute("lang") == "nl"
            assert language in b.locator("#original-language").inner_text()
            assert b.locator("[lang=nl]", has_text="Scanauto's lezen kentekens").count() >= 1
            assert b.locator("#exports li").count() >= 1
    finally:
        a_context.close()
        b_context.close()


def test_every_import_page_type_passes_axe_in_both_languages(
    browser, site, editors, axe_source, screenshots, tmp_path: Path
):  # type: ignore[no-untyped-def]
    from tests.e2e.test_console import _scan

    problems: list[str] = []
    base = site.base_url
    for lang in ("en", "zh-CN"):
        upload = tmp_path / f"axe-{lang}.json"
        records = [{**RECORDS[0], "name": f"Axe {lang}"}, RECORDS[1]]
        upload.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(f"{base}/console/sign-in?lang={lang}")
        page.locator("#email").fill(editors.importer)
        page.locator("#password").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
        page.goto(f"{base}/console/import?lang={lang}")
        _scan(page, "import", lang, problems, screenshots)
        page.locator("main form button[type=submit]").click()  # no file: the error summary
        assert page.locator(".error-summary").count() == 1
        _scan(page, "import-errors", lang, problems, screenshots)
        page.locator("#format").select_option("nl_algoritmeregister")
        page.locator("#file").set_input_files(str(upload))
        page.locator("main form button[type=submit]").click()
        assert page.locator("section.import-record").count() == 2
        _scan(page, "import-review", lang, problems, screenshots)
        page.locator("form[action='/console/import/confirm'] button[type=submit]").click()
        assert page.locator("section.import-record a").count() >= 1
        _scan(page, "import-done", lang, problems, screenshots)
        context.close()
    assert problems == []


@pytest.fixture(scope="module")
def admin(site) -> str:  # type: ignore[no-untyped-def]
    from registry.db import make_engine, session_scope
    from registry.models import AccountCreate, Role
    from registry.services.cards.accounts import create_account
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    now = SystemClock().now()
    email = "ada.import-admin@example.gov"
    with session_scope(engine) as session:
        account = create_account(
            session,
            actor=None,
            data=AccountCreate(email=email, display_name="Ada Admin", role=Role.admin),
            now=now,
        )
        stage_password(session, account=account, password=PASSWORD, now=now)
        session.commit()
    engine.dispose()
    return email


def test_the_agency_of_each_organisation_passes_axe_and_reviews_again(
    browser, site, admin, axe_source, screenshots, tmp_path: Path
):  # type: ignore[no-untyped-def]
    """An admin's review offers an agency per organisation the file names; choosing one and
    reviewing again moves those records; a choice naming no agency is said at its field."""
    from tests.e2e.test_console import _scan

    problems: list[str] = []
    base = site.base_url
    for lang in ("en", "zh-CN"):
        upload = tmp_path / f"map-{lang}.json"
        records = [
            {**RECORDS[0], "name": f"Kaart {lang}"},
            {**RECORDS[0], "name": f"Afval {lang}", "organization": "Gemeente Zaanstad"},
        ]
        upload.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(f"{base}/console/sign-in?lang={lang}")
        page.locator("#email").fill(admin)
        page.locator("#password").fill(PASSWORD)
        page.locator("main button[type=submit]").click()
        page.goto(f"{base}/console/import?lang={lang}")
        page.locator("#format").select_option("nl_algoritmeregister")
        page.locator("#file").set_input_files(str(upload))
        page.locator("main form button[type=submit]").click()
        assert page.locator("#agency-map select").count() == 2
        _scan(page, "import-map", lang, problems, screenshots)
        page.locator("#map_agency_0").select_option(site.agency_slug)
        page.locator("#agency-map button[type=submit]").click()
        first = page.locator("section.import-record").first.inner_text()
        assert "(new)" not in first and "（新）" not in first, first
        assert page.locator("#map_agency_0").input_value() == site.agency_slug
        # a choice that names no agency (a tampered form): said at its field, no confirmation
        page.evaluate(
            "document.querySelector('#map_agency_0 option:checked').value = 'no-such-agency'"
        )
        page.locator("#agency-map button[type=submit]").click()
        assert page.locator(".error-summary a[href='#map_agency_0']").count() == 1
        assert page.locator("form[action='/console/import/confirm']").count() == 0
        _scan(page, "import-map-errors", lang, problems, screenshots)
        context.close()
    assert problems == []
