"""The console's audit pages in real headless Chromium: an auditor previews a private audit
(exactly its public page, marked "not published"), publishes it and the public page shows it; the
agency's editor writes the response in English and Chinese and the Chinese public page shows the
Chinese one. With and without JavaScript, in English and Chinese; axe-core and screenshots
(desktop and 390 px) of every audit page type in both languages."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest

from tests.e2e.test_console import PASSWORD, _scan

pytestmark = pytest.mark.e2e

_numbers = itertools.count(1)


@dataclass
class AuditStaff:
    auditor_email: str
    editor_email: str
    admin_email: str
    published: str  # the world's published audit (its agency's editor may respond)


def _new_audit(site, state: str = "succeeded") -> str:  # type: ignore[no-untyped-def]
    """A new audit of the world's main algorithm by the world's auditor, stored directly."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Algorithm
    from registry.models.audit import Audit, AuditState
    from tests.registry.stored_audits import stored_audit

    engine = make_engine(site.database_url)
    public_id = f"aud-00000e2e{next(_numbers):02d}"
    with session_scope(engine) as session:
        algorithm = session.exec(
            select(Algorithm).where(Algorithm.public_id == site.algorithm_id)
        ).one()
        world_audit = session.exec(select(Audit).where(Audit.public_id == site.audit_id)).one()
        auditor = session.get(Account, world_audit.submitter_id)
        assert auditor is not None
        stored_audit(session, algorithm, auditor, public_id, state=AuditState(state))
    engine.dispose()
    return public_id


@pytest.fixture(scope="module")
def audit_staff(site) -> Iterator[AuditStaff]:  # type: ignore[no-untyped-def]
    """Passwords for the world's auditor, an editor of the audited agency, and an admin."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Agency, Role
    from registry.models.audit import Audit
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        audit = session.exec(select(Audit).where(Audit.public_id == site.audit_id)).one()
        auditor = session.get(Account, audit.submitter_id)
        agency = session.exec(select(Agency).where(Agency.slug == site.agency_slug)).one()
        editor = session.exec(
            select(Account).where(
                Account.role == Role.agency_editor, Account.agency_id == agency.id
            )
        ).first()
        admin = session.exec(select(Account).where(Account.role == Role.admin)).first()
        assert auditor is not None and editor is not None and admin is not None
        for account in (auditor, editor, admin):
            stage_password(session, account=account, password=PASSWORD, now=SystemClock().now())
        session.commit()
        found = AuditStaff(auditor.email, editor.email, admin.email, site.audit_id)
    engine.dispose()
    yield found


def _sign_in(page, base: str, email: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/sign-in?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    assert page.url.rstrip("/").endswith("/console")


FLOWS = [(True, "en"), (False, "en"), (False, "zh-CN"), (True, "zh-CN")]


@pytest.mark.parametrize(
    ("javascript", "lang"), FLOWS, ids=[f"{'js' if j else 'no-js'}-{lang}" for j, lang in FLOWS]
)
def test_auditor_previews_publishes_and_editor_answers_in_both_languages(  # type: ignore[no-untyped-def]
    browser, site, audit_staff, javascript, lang
):
    audit_id = _new_audit(site)
    base = site.base_url
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, audit_staff.auditor_email, lang)
    # The auditor finds the audit in the list, through the console's navigation.
    page.locator("nav.main-nav a[href='/console/audits']").click()
    page.locator(f"table.audits a[href='/console/audits/{audit_id}']").click()
    banner = page.locator(".preview-banner").inner_text()
    assert ("Not published" in banner) == (lang == "en")
    assert ("未发布" in banner) == (lang == "zh-CN")
    preview_rows = page.locator("article table tbody tr").all_inner_texts()
    # Nobody else can see it yet.
    assert page.request.get(f"{base}/audits/{audit_id}").status == 404
    page.locator(".action-links a[href$='/publish']").click()
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith(f"/console/audits/{audit_id}?done=published")
    assert page.locator(".preview-banner").count() == 0
    assert page.get_by_role("status").count() == 1
    # The public page shows exactly what the preview showed.
    # public links name their language (?lang=...)
    page.locator(f"a[href^='/audits/{audit_id}?lang=']").click()
    assert urlparse(page.url).path.endswith(f"/audits/{audit_id}")
    assert page.locator("article table tbody tr").all_inner_texts() == preview_rows
    context.close()

    # The agency's editor answers in both languages.
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, audit_staff.editor_email, lang)
    page.goto(f"{base}/console/audits/{audit_id}")
    page.locator(".action-links a[href$='/response']").click()
    english = page.locator("#response_en")
    chinese = page.locator("#response_zh")
    assert english.input_value().startswith("We have received this audit")
    assert chinese.input_value().startswith("我们已收到这份审计")
    # A mistake first: the Chinese text emptied.
    chinese.fill("")
    english.fill("We will review the threshold by June.")
    page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary a[href='#response_zh']").count() == 1
    assert page.locator("#response_zh-error").is_visible()
    assert english.input_value() == "We will review the threshold by June."
    chinese.fill("我们将在六月前审查阈值。")
    page.locator("main form button[type=submit]").click()
    assert page.url.endswith(f"/console/audits/{audit_id}?done=responded")
    page.goto(f"{base}/audits/{audit_id}?lang=zh-CN")
    assert page.locator("blockquote").inner_text().strip() == "我们将在六月前审查阈值。"
    page.goto(f"{base}/audits/{audit_id}?lang=en")
    assert (
        page.locator("blockquote").inner_text().strip() == "We will review the threshold by June."
    )
    context.close()


def _update_audit(site, public_id: str, **fields) -> None:  # type: ignore[no-untyped-def]
    """Move a stored audit on, as the worker would."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models.audit import Audit

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        audit = session.exec(select(Audit).where(Audit.public_id == public_id)).one()
        for name, value in fields.items():
            setattr(audit, name, value)
        session.add(audit)
        session.commit()
    engine.dispose()


def _report_of(site, public_id: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What a finished stored audit carries, to finish another one with."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models.audit import Audit

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        audit = session.exec(select(Audit).where(Audit.public_id == public_id)).one()
        names = ("report", "verdict", "verdicts", "engine_version", "counts", "state", "progress")
        found = {name: getattr(audit, name) for name in names}
    engine.dispose()
    return found


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_progress_page_follows_the_run_until_its_result_shows(  # type: ignore[no-untyped-def]
    browser, site, audit_staff, javascript
):
    """With script the page polls status.json: the bar and the live region move without a reload,
    and the page reloads itself once the run has finished. Without script, its <noscript> meta
    refresh reloads it until then. Nobody reloads by hand."""
    audit_id = _new_audit(site, "queued")
    finished = _report_of(site, _new_audit(site))
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    _sign_in(page, site.base_url, audit_staff.auditor_email, "en")
    page.goto(f"{site.base_url}/console/audits/{audit_id}")
    assert "waiting for a worker" in page.locator("#job-message").inner_text()
    assert page.locator("#job-message").get_attribute("aria-live") == "polite"
    if javascript:
        assert page.locator("meta[http-equiv=refresh]").count() == 0  # inside <noscript>
        page.evaluate("window.notReloaded = true")
    else:
        assert page.locator("meta[http-equiv=refresh]").count() == 1
    _update_audit(site, audit_id, state="running", progress={"fraction": 0.7})
    page.wait_for_function(
        "() => document.getElementById('job-progress-bar')"
        " && document.getElementById('job-progress-bar').getAttribute('value') !== null"
        " && document.getElementById('job-progress-bar').value === 70",
        timeout=30_000,
    )
    assert page.locator("#job-message").inner_text() == "The test is running."
    assert page.locator("#job-percent").inner_text() == "70% of the file has been read."
    if javascript:
        assert page.evaluate("window.notReloaded === true")  # the bar moved in place
    _update_audit(site, audit_id, **finished)
    page.locator("article table tbody tr").first.wait_for(timeout=30_000)  # the result
    assert page.locator("#job-progress-bar").count() == 0
    assert page.locator(".preview-banner").count() == 1
    if javascript:
        assert page.evaluate("window.notReloaded === undefined")  # reloaded once, by itself
    context.close()


def test_every_audit_page_type_passes_axe_in_both_languages(  # type: ignore[no-untyped-def]
    browser, site, audit_staff, axe_source, screenshots
):
    problems: list[str] = []
    private = _new_audit(site)
    running = _new_audit(site, "running")
    failed = _new_audit(site, "failed")
    to_rerun = _new_audit(site)
    for lang in ("en", "zh-CN"):
        # axe is injected as an inline script, which the CSP forbids: bypass it here only.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        base = site.base_url
        _sign_in(page, base, audit_staff.auditor_email, lang)
        pages = [
            ("audits", "/console/audits"),
            ("audit-preview", f"/console/audits/{private}"),
            ("audit-running", f"/console/audits/{running}?refresh=off"),
            ("audit-failed", f"/console/audits/{failed}"),
            ("audit-publish", f"/console/audits/{private}/publish"),
            ("audit-rerun", f"/console/audits/{to_rerun}/rerun"),
            ("audit-withdraw", f"/console/audits/{private}/withdraw"),
        ]
        for name, path in pages:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            _scan(page, name, lang, problems, screenshots)
        # The refreshing progress page, with script: it polls instead of reloading, so the meta
        # refresh (axe's meta-refresh, WCAG 2.2.1) is not in the DOM; nothing may be found.
        page.goto(f"{base}/console/audits/{running}")
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        assert page.locator("section[data-status-url]").count() == 1
        stop = page.locator(f"a[href='/console/audits/{running}?refresh=off']")
        assert stop.count() == 1
        _scan(page, "audit-running-refreshing", lang, problems, screenshots)
        page.goto(base + f"/console/audits/{private}/withdraw")
        page.locator("main form button[type=submit]").click()  # withdraw without a reason
        assert page.locator(".error-summary").count() == 1
        _scan(page, "audit-withdraw-errors", lang, problems, screenshots)
        context.close()
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, base, audit_staff.editor_email, lang)
        page.goto(f"{base}/console/audits/{audit_staff.published}")
        _scan(page, "audit-published", lang, problems, screenshots)
        page.goto(f"{base}/console/audits/{audit_staff.published}/response")
        _scan(page, "audit-response", lang, problems, screenshots)
        page.locator("#response_en").fill("")
        page.locator("main form button[type=submit]").click()
        assert page.locator(".error-summary").count() == 1
        _scan(page, "audit-response-errors", lang, problems, screenshots)
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
