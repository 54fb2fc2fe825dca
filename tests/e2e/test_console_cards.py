"""The agency editor in real headless Chromium: register a new algorithm through the card editor
(with a validation error they then fix, and a list item added without JavaScript), edit one field
of a published card, preview it, and see exactly that change in the diff; then discard the draft.
With and without JavaScript, in English and Chinese. axe-core on each new page type in both
languages, with screenshots at desktop width and at 390 px."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.test_console import PASSWORD, _scan

pytestmark = pytest.mark.e2e
AGENCY = "harbourside-social-welfare"  # three published algorithms in the demo register
WEEKENDS = " Now also at weekends."
SAVE = {"en": "Save draft", "zh-CN": "保存草稿"}


@dataclass
class Editor:
    email: str
    published: list[str]  # public ids of the agency's published algorithms


@pytest.fixture(scope="module")
def editor(site) -> Iterator[Editor]:  # type: ignore[no-untyped-def]
    """A new editor of the demo agency with three published algorithms, with a password."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Agency, Algorithm, AlgorithmState, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password
    from tests.registry.factories import make_account

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        agency = session.exec(select(Agency).where(Agency.slug == AGENCY)).one()
        account = make_account(
            session, role=Role.agency_editor, agency=agency, email="cards-e2e@example.gov"
        )
        stage_password(session, account=account, password=PASSWORD, now=SystemClock().now())
        session.commit()
        published = sorted(
            a.public_id
            for a in session.exec(
                select(Algorithm).where(
                    Algorithm.agency_id == agency.id,
                    Algorithm.state == AlgorithmState.published,
                )
            )
        )
        found = Editor(account.email, published)
    engine.dispose()
    assert len(found.published) >= 3
    yield found


def _sign_in(page, base: str, email: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/sign-in?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    assert page.url.rstrip("/").endswith("/console")


RUNS = [("js", "en", 0), ("no-js", "en", 1), ("no-js", "zh-CN", 2)]


@pytest.mark.parametrize(
    ("mode", "lang", "which"), RUNS, ids=[f"{m}-{lang}" for m, lang, _w in RUNS]
)
def test_register_fix_an_error_edit_one_field_preview_and_diff(  # type: ignore[no-untyped-def]
    request, site, editor, mode, lang, which
):
    page = request.getfixturevalue("page" if mode == "js" else "no_js_page")
    base = site.base_url
    _sign_in(page, base, editor.email, lang)

    # Register a new algorithm: a month typed in words is refused, with the reason at the top
    # (linking to the field) and next to the field; what was typed stays.
    page.locator("nav.main-nav a[href='/console/algorithms']").click()
    page.locator("a[href='/console/algorithms/new']").first.click()
    name = f"Parking permit check {mode} {lang}"
    page.locator("#name").fill(name)
    page.locator("#in_use_from").fill("March 2024")
    page.locator("#inputs").get_by_role("button").click()  # "Add another" input, no script
    page.locator("#inputs-0").fill("Permit application form")
    page.get_by_role("button", name=SAVE[lang], exact=True).first.click()
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    link = summary.locator("a")
    assert link.count() == 1 and link.get_attribute("href") == "#in_use_from"
    assert page.locator("#in_use_from-error").is_visible()
    assert page.locator("#in_use_from").input_value() == "March 2024"
    assert page.locator("#inputs-0").input_value() == "Permit application form"
    link.click()
    assert page.url.endswith("#in_use_from")
    page.locator("#in_use_from").fill("2024-03")
    page.get_by_role("button", name=SAVE[lang], exact=True).first.click()
    assert "/edit?done=created" in page.url
    assert page.locator(".error-summary").count() == 0
    assert page.locator("#name").input_value() == name
    assert page.locator("#inputs-0").input_value() == "Permit application form"
    assert page.locator("#missing a").count() > 0  # what publishing still needs

    # Edit one field of a published card, preview it, and see exactly that change. A Chinese
    # reader's page shows the card's Chinese translation, so that is the field edited in Chinese.
    public_id = editor.published[which]
    page.goto(f"{base}/console/algorithms/{public_id}")
    page.locator(f"a[href='/console/algorithms/{public_id}/edit']").first.click()
    field_id, path, added = "summary", "summary", WEEKENDS
    tags = page.locator("input[id^='translations-'][id$='-lang']")
    chinese = [i for i in range(tags.count()) if tags.nth(i).input_value() == "zh-CN"]
    if lang == "zh-CN" and chinese:
        field_id = f"translations-{chinese[0]}-summary"
        path, added = "translations.zh-CN.summary", "周末也适用。"
    text = page.locator(f"#{field_id}").input_value()
    page.locator(f"#{field_id}").fill(text + added)
    page.get_by_role("button", name=SAVE[lang], exact=True).first.click()
    assert "/edit?done=saved" in page.url
    page.goto(f"{base}/console/algorithms/{public_id}")
    page.locator(f"a[href='/console/algorithms/{public_id}/preview']").click()
    assert page.locator("#preview-banner").is_visible()
    assert added.strip() in page.locator("main").inner_text()
    page.locator("#preview-banner a").click()
    page.locator(f"a[href='/console/algorithms/{public_id}/diff']").click()
    rows = page.locator("table.diff-table tbody tr")
    assert rows.count() == 1, page.locator("table.diff-table").inner_text()
    assert rows.first.get_attribute("id") == f"change-{path}"
    assert added.strip() in rows.first.locator("ins").inner_text()
    assert rows.first.locator("del").count() == 0  # nothing was removed from the text

    # Discard the draft again, after a confirmation page: the published card is untouched.
    page.goto(f"{base}/console/algorithms/{public_id}")
    page.locator(f"a[href='/console/algorithms/{public_id}/discard']").click()
    page.locator("button.warning").click()
    assert page.url.endswith("?done=discarded")
    assert page.get_by_role("status").count() == 1


def test_every_editor_page_type_passes_axe_in_both_languages(  # type: ignore[no-untyped-def]
    browser, site, editor, axe_source, screenshots
):
    problems: list[str] = []
    base = site.base_url
    for lang in ("en", "zh-CN"):
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, base, editor.email, lang)
        _scan(page, "editor-home", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms")
        _scan(page, "algorithms", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/new")
        _scan(page, "card-editor-new", lang, problems, screenshots)
        page.locator("#in_use_from").fill("March 2024")
        page.locator("#risks").get_by_role("button").click()  # add a risk item
        page.get_by_role("button", name=SAVE[lang], exact=True).first.click()
        assert page.locator(".error-summary").count() == 1
        _scan(page, "card-editor-errors", lang, problems, screenshots)
        public_id = editor.published[0]
        page.goto(f"{base}/console/algorithms/{public_id}/edit")
        summary = page.locator("#summary").input_value()
        page.locator("#summary").fill(summary + WEEKENDS)
        page.get_by_role("button", name=SAVE[lang], exact=True).first.click()
        _scan(page, "card-editor", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/{public_id}")
        _scan(page, "algorithm", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/{public_id}/preview")
        _scan(page, "preview", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/{public_id}/diff")
        _scan(page, "diff", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/{public_id}/retire")
        _scan(page, "retire", lang, problems, screenshots)
        page.locator("button.warning").click()  # no reason: the error summary
        assert page.locator(".error-summary").count() == 1
        _scan(page, "retire-errors", lang, problems, screenshots)
        page.goto(f"{base}/console/algorithms/{public_id}/discard")
        _scan(page, "discard", lang, problems, screenshots)
        page.locator("button.warning").click()
        assert page.url.endswith("?done=discarded")
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
