"""Four-eyes review in real headless Chromium, as two editors click: editor A asks for review,
editor B finds it in the queue and returns it with a comment, A reads the comment, changes the
draft and asks again, B publishes, and the public page shows the new version. With and without
JavaScript, and in Chinese. Then axe-core and screenshots (desktop and 390 px) on every review
page type in both languages.

The draft is made through the services (the card editor form is tested with its own pages)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.test_console import _scan

pytestmark = pytest.mark.e2e

PASSWORD = "e2e review passphrase"
_n = itertools.count(1)

# What a person reads on the buttons and fields, per language.
WORDS = {
    "en": {
        "note": "Note for the reviewer (optional)",
        "ask": "Ask for review",
        "reviews": "Reviews",
        "comment": "Comment for the author",
        "return": "Return to the author",
        "summary": "Summary of the change",
        "publish": "Publish this version",
        "asked_notice": "Review asked.",
        "four_eyes": "must publish it because the register requires two people (four-eyes)",
    },
    "zh-CN": {
        "note": "给审核人的说明（可选）",
        "ask": "请求审核",
        "reviews": "审核",
        "comment": "给作者的意见",
        "return": "退回给作者",
        "summary": "更改摘要",
        "publish": "发布此版本",
        "asked_notice": "已请求审核。",
        "four_eyes": "因为登记册要求两人参与（四眼原则）",
    },
}


@dataclass
class Editors:
    author_email: str
    reviewer_email: str
    auditor_email: str
    agency_id: int


def _engine(site):  # type: ignore[no-untyped-def]
    from registry.db import make_engine

    return make_engine(site.database_url)


@pytest.fixture(scope="module")
def editors(site) -> Iterator[Editors]:  # type: ignore[no-untyped-def]
    """Two new editors of the same demo agency, with passwords, made in the served database."""
    from sqlmodel import select

    from registry.db import session_scope
    from registry.models import AccountCreate, Agency, Role
    from registry.services.cards.accounts import create_account
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = _engine(site)
    now = SystemClock().now()
    with session_scope(engine) as session:
        agency = session.exec(select(Agency).where(Agency.slug == site.agency_slug)).one()
        made = []
        for who, role in (
            ("Ana Author", Role.agency_editor),
            ("Ben Reviewer", Role.agency_editor),
            ("Cai Auditor", Role.auditor),
        ):
            email = f"{who.split()[0].lower()}.review@example.gov"
            slug = agency.slug if role == Role.agency_editor else None
            account = create_account(
                session,
                actor=None,
                data=AccountCreate(email=email, display_name=who, role=role, agency=slug),
                now=now,
            )
            stage_password(session, account=account, password=PASSWORD, now=now)
            session.commit()
            made.append(email)
        found = Editors(made[0], made[1], made[2], agency.id)  # type: ignore[arg-type]
    engine.dispose()
    yield found


def _new_draft(site, editors: Editors, name: str) -> str:  # type: ignore[no-untyped-def]
    """A new algorithm whose draft the author wrote; its public id."""
    from sqlmodel import select

    from registry.db import session_scope
    from registry.models import Account, Agency, AlgorithmCreate
    from registry.services.cards.algorithms import create_algorithm
    from registry.services.clock import SystemClock
    from tests.registry.factories import card

    engine = _engine(site)
    with session_scope(engine) as session:
        author = session.exec(select(Account).where(Account.email == editors.author_email)).one()
        agency = session.get(Agency, editors.agency_id)
        algorithm = create_algorithm(
            session,
            actor=author,
            data=AlgorithmCreate(agency=agency.slug, card=card(name=name)),  # type: ignore[union-attr]
            now=SystemClock().now(),
        )
        public_id = algorithm.public_id
    engine.dispose()
    return public_id


def _save_as_author(site, editors: Editors, public_id: str, name: str) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from registry.db import session_scope
    from registry.models import Account
    from registry.services.cards.algorithms import get_algorithm
    from registry.services.cards.drafts import save_draft
    from registry.services.clock import SystemClock
    from tests.registry.factories import card

    engine = _engine(site)
    with session_scope(engine) as session:
        author = session.exec(select(Account).where(Account.email == editors.author_email)).one()
        algorithm = get_algorithm(session, public_id, viewer=author)
        save_draft(
            session,
            actor=author,
            algorithm=algorithm,
            card=card(name=name),
            now=SystemClock().now(),
        )
    engine.dispose()


def _context(browser, *, javascript: bool, lang: str, **extra):  # type: ignore[no-untyped-def]
    locale = "zh-CN" if lang == "zh-CN" else "en-GB"
    return browser.new_context(java_script_enabled=javascript, locale=locale, **extra)


def _sign_in(page, base: str, email: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/sign-in?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    assert "/console/sign-in" not in page.url


@pytest.mark.parametrize(
    ("javascript", "lang"),
    [(True, "en"), (False, "en"), (False, "zh-CN")],
    ids=["js-en", "no-js-en", "no-js-zh-CN"],
)
def test_ask_return_ask_again_publish(browser, site, editors, javascript, lang):  # type: ignore[no-untyped-def]
    words = WORDS[lang]
    n = next(_n)
    name = f"Street light dimming {n}"
    public_id = _new_draft(site, editors, name)
    base = site.base_url
    a_context = _context(browser, javascript=javascript, lang=lang)
    b_context = _context(browser, javascript=javascript, lang=lang)
    a, b = a_context.new_page(), b_context.new_page()
    try:
        # A asks for review on the algorithm's review page; the page explains four-eyes.
        _sign_in(a, base, editors.author_email, lang)
        a.goto(f"{base}/console/algorithms/{public_id}/review")
        assert words["four_eyes"] in a.locator("main").inner_text()
        assert "Ben Reviewer" in a.locator("ul.reviewers").inner_text()
        a.get_by_label(words["note"]).fill("First version: please check the data sources.")
        a.get_by_role("button", name=words["ask"]).click()
        assert a.get_by_role("status").inner_text().startswith(words["asked_notice"])

        # B finds it in the queue and returns it with a comment (an empty one first).
        _sign_in(b, base, editors.reviewer_email, lang)
        b.locator("nav.main-nav").get_by_role("link", name=words["reviews"], exact=True).click()
        item = b.locator(".review-list li", has_text=name)
        assert "Ana Author" in item.inner_text()
        item.get_by_role("link", name=name).click()
        assert name in b.locator("table.review-diff").inner_text()
        b.get_by_role("button", name=words["return"]).click()
        assert b.locator(".error-summary a[href='#comment']").count() == 1
        assert b.locator("#comment-error").is_visible()
        b.get_by_label(words["comment"]).fill("Say who to call about a broken light.")
        b.get_by_role("button", name=words["return"]).click()
        assert "/console/reviews" in b.url

        # A sees the comment, changes the draft and asks again.
        a.goto(f"{base}/console/algorithms/{public_id}/review")
        assert "Say who to call about a broken light." in a.locator(".banner").first.inner_text()
        _save_as_author(site, editors, public_id, f"{name} (with contact)")
        a.reload()
        a.get_by_label(words["note"]).fill("Contact added.")
        a.get_by_role("button", name=words["ask"]).click()
        assert a.get_by_role("status").inner_text().startswith(words["asked_notice"])

        # B publishes the new request with a change summary.
        b.goto(f"{base}/console/reviews")
        b.locator(".review-list li", has_text=f"{name} (with contact)").get_by_role("link").click()
        b.get_by_label(words["summary"]).fill("First version, with the contact for repairs.")
        b.get_by_role("button", name=words["publish"]).click()
        assert "/console/reviews" in b.url

        # The public page shows the new version.
        b.goto(f"{base}/algorithms/{public_id}")
        assert b.locator("h1").inner_text() == f"{name} (with contact)"
    finally:
        a_context.close()
        b_context.close()


def test_every_review_page_type_passes_axe_in_both_languages(
    browser, site, editors, axe_source, screenshots
):  # type: ignore[no-untyped-def]
    problems: list[str] = []
    base = site.base_url
    for lang in ("en", "zh-CN"):
        public_id = _new_draft(site, editors, f"Axe review {lang}")
        contexts = []
        pages = []
        for email in (editors.author_email, editors.reviewer_email):
            context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
            context.axe_source = axe_source  # type: ignore[attr-defined]
            page = context.new_page()
            _sign_in(page, base, email, lang)
            contexts.append(context)
            pages.append(page)
        author, reviewer = pages
        author.goto(f"{base}/console/algorithms/{public_id}/review?lang={lang}")
        _scan(author, "review-ask", lang, problems, screenshots)
        # The browser keeps to maxlength; a crafted or old form may not: the server says so.
        author.evaluate("document.querySelector('#note').removeAttribute('maxlength')")
        author.locator("#note").fill("x" * 2001)
        author.locator("form[action$='/review'] button[type=submit]").click()
        assert author.locator(".error-summary").count() == 1
        _scan(author, "review-ask-errors", lang, problems, screenshots)
        author.locator("#note").fill("Please check.")
        author.locator("form[action$='/review'] button[type=submit]").click()
        _scan(author, "review-asked", lang, problems, screenshots)
        reviewer.goto(f"{base}/console/reviews?lang={lang}")
        _scan(reviewer, "review-queue", lang, problems, screenshots)
        reviewer.locator(".review-list a", has_text=f"Axe review {lang}").click()
        _scan(reviewer, "review", lang, problems, screenshots)
        reviewer.locator("form[action$='/return'] button[type=submit]").click()
        assert reviewer.locator(".error-summary").count() == 1
        _scan(reviewer, "review-errors", lang, problems, screenshots)
        for context in contexts:
            context.close()
        # Staff who are not agency editors get a page that explains who reviews.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, base, editors.auditor_email, lang)
        response = page.goto(f"{base}/console/reviews?lang={lang}")
        assert response is not None and response.status == 403
        _scan(page, "reviews-editors-only", lang, problems, screenshots)
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
