"""The auditor's upload wizard in real headless Chromium: a 1M-row CSV uploaded with the progress
bar, the proposed mapping accepted, the job page followed until the audit is done; the same with
JavaScript disabled and in Chinese (a small file); axe-core on every step in both languages, with
screenshots at desktop width and at 390 px.

The e2e server runs no audit worker (``REGISTRY_AUDIT_WORKERS=0``), so this module starts
``registry worker`` against the served database, as an operator would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console_helpers import (
    audit_worker,
    wait_until_done,
    write_big_csv,
    write_small_csv,
)
from tests.e2e.test_console import AXE_RUN

pytestmark = pytest.mark.e2e

PASSWORD = "e2e wizard passphrase"


@pytest.fixture(scope="module")
def auditor_email(site) -> str:  # type: ignore[no-untyped-def]
    """A demo auditor with a known password, set directly in the served database."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        auditors = session.exec(select(Account).where(Account.role == Role.auditor)).all()
        auditor = auditors[-1]
        stage_password(session, account=auditor, password=PASSWORD, now=SystemClock().now())
        session.commit()
        email = auditor.email
    engine.dispose()
    return email


@pytest.fixture(scope="module")
def worker(site) -> Iterator[None]:  # type: ignore[no-untyped-def]
    with audit_worker(site.database_url):
        yield


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """1,000,000 rows (about 25 MB): a case number, two attributes, a decision and an outcome."""
    return write_big_csv(tmp_path_factory.mktemp("wizard") / "decisions-2024.csv")


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return write_small_csv(tmp_path_factory.mktemp("wizard-small") / "small.csv")


def _sign_in(page, base: str, email: str, lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/console/sign-in?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    assert page.url.rstrip("/").endswith("/console")


def _choose_algorithm(page, site) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"input[name=algorithm][value={site.algorithm_id}]").check()
    page.locator("form[action$='/console/uploads/file'] button[type=submit]").click()
    assert "/console/uploads/file" in page.url


def _wait_until_done(page) -> str:  # type: ignore[no-untyped-def]
    """Wait until the audit's page no longer shows the run's progress (with script the page polls
    and reloads itself when done; without, its <noscript> meta refresh reloads it); the run's
    state as the page then says it."""
    wait_until_done(page)
    return page.locator(".staff-state .tag").first.inner_text()


def _on_the_audit_page(page) -> None:  # type: ignore[no-untyped-def]
    """Submitting opens the audit's own page, which shows the run's progress."""
    assert re.search(r"/console/audits/aud-[0-9a-z]+$", page.url), page.url


def test_auditor_uploads_a_million_rows_with_the_progress_bar(  # type: ignore[no-untyped-def]
    page, site, auditor_email, worker, big_csv
):
    assert big_csv.stat().st_size > 20_000_000
    _sign_in(page, site.base_url, auditor_email)
    page.get_by_role("link", name="Upload a sample").first.click()
    assert page.locator("h1").inner_text() == "Which algorithm does the sample audit?"
    _choose_algorithm(page, site)
    page.get_by_label("A sample of decisions").check()
    page.get_by_label("File", exact=True).set_input_files(str(big_csv))
    page.get_by_role("button", name="Upload and continue").click()
    # The script shows a progress bar while the 25 MB are sent, then follows to the next step.
    page.locator("#upload-progress").wait_for(state="visible")
    page.wait_for_url("**/columns", timeout=120_000)
    assert page.locator("h1").inner_text() == "Which column is which?"
    # The proposal, with the identifier warning for the case number.
    assert page.locator("#prediction").input_value() == "selected"
    assert page.locator("#label").input_value() == "outcome"
    assert "case_number" in page.locator(".banner").first.inner_text()
    ticked = page.locator("input[name=sensitive_features]:checked")
    assert [ticked.nth(i).get_attribute("value") for i in range(ticked.count())] == [
        "sex",
        "age_band",
    ]
    page.get_by_role("button", name="Accept and continue").click()
    assert page.url.endswith("/checks")
    page.get_by_label("Being selected is good for the person").check()
    page.get_by_label("The standard checks").check()
    page.get_by_label("The most favoured group").check()
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/names")  # optional: continue without names
    page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/summary")
    spec = json.loads(page.locator("pre code").inner_text())
    assert spec["columns"]["sensitive_features"] == ["sex", "age_band"]
    page.get_by_role("button", name="Submit the audit").click()
    _on_the_audit_page(page)
    assert page.locator("progress#job-progress-bar").count() == 1
    # With script the page polls status.json and reloads itself once: no meta refresh in the DOM.
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    assert _wait_until_done(page).endswith("Finished")
    assert page.locator(".preview-banner").count() == 1


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_wizard_works_without_javascript(  # type: ignore[no-untyped-def]
    no_js_page, site, auditor_email, worker, small_csv, lang
):
    page = no_js_page
    _sign_in(page, site.base_url, auditor_email, lang)
    page.goto(f"{site.base_url}/console/uploads?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    _choose_algorithm(page, site)
    # First a wrong file: the problem is named at the top and next to the file field.
    wrong = small_csv.with_suffix(".png")
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    page.locator("#file").set_input_files(str(wrong))
    page.locator("#upload-form button[type=submit]").click()
    assert page.locator(".error-summary a[href='#file']").count() == 1
    assert page.locator("#file-error").is_visible()
    page.locator("#file").set_input_files(str(small_csv))
    page.locator("#upload-form button[type=submit]").click()
    assert page.url.endswith("/columns")
    assert page.locator("#prediction").input_value() == "selected"
    page.locator("form[action$='/columns'] button[type=submit]").click()
    assert page.url.endswith("/checks")
    page.locator("input[name=favourable_outcome][value=beneficial]").check()
    page.locator("input[name=check_mode][value=four-fifths]").check()
    page.locator("form[action$='/checks'] button[type=submit]").click()
    assert page.url.endswith("/names")
    page.locator("form[action$='/names'] button[type=submit]").click()
    assert page.url.endswith("/summary")
    page.locator("form[action$='/submit'] button[type=submit]").click()
    _on_the_audit_page(page)
    state = _wait_until_done(page)  # through the <noscript> meta refresh
    assert state.endswith("已完成" if lang == "zh-CN" else "Finished")


def _scan(page, name: str, lang: str, problems: list[str], screenshots) -> None:  # type: ignore[no-untyped-def]
    page.add_script_tag(content=page.context.axe_source)  # type: ignore[attr-defined]
    result = page.evaluate(AXE_RUN)
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"{lang} {name}: {violation['id']} {targets}")
    page.screenshot(path=str(screenshots / f"console-wizard-{name}-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / f"console-wizard-{name}-{lang}-390.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    if overflow:
        problems.append(f"{lang} {name}: wider than a 390 px screen")
    page.set_viewport_size({"width": 1200, "height": 900})


def test_every_wizard_step_passes_axe_in_both_languages(  # type: ignore[no-untyped-def]
    browser, site, auditor_email, worker, axe_source, screenshots, small_csv
):
    problems: list[str] = []
    for lang in ("en", "zh-CN"):
        # axe is injected as an inline script, which the CSP forbids: bypass it here only.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        _sign_in(page, site.base_url, auditor_email, lang)
        page.goto(f"{site.base_url}/console/uploads?lang={lang}")
        _scan(page, "algorithm", lang, problems, screenshots)
        page.goto(f"{site.base_url}/console/uploads/file")  # no algorithm chosen: the error
        assert page.locator(".error-summary").count() == 1
        _scan(page, "algorithm-errors", lang, problems, screenshots)
        _choose_algorithm(page, site)
        _scan(page, "file", lang, problems, screenshots)
        page.locator("#file").set_input_files(str(small_csv))
        page.locator("#upload-form button[type=submit]").click()
        page.wait_for_url("**/columns")
        _scan(page, "columns", lang, problems, screenshots)
        page.locator("input[name=sensitive_features][value=applicant_id]").check()
        page.locator("form[action$='/columns'] button[type=submit]").click()
        assert page.locator(".error-summary").count() == 1  # an identifier as an attribute
        _scan(page, "columns-errors", lang, problems, screenshots)
        page.locator("input[name=sensitive_features][value=applicant_id]").uncheck()
        page.locator("form[action$='/columns'] button[type=submit]").click()
        assert page.url.endswith("/checks")
        _scan(page, "checks", lang, problems, screenshots)
        page.locator("input[name=check_mode][value=custom]").check()
        page.locator("form[action$='/checks'] button[type=submit]").click()
        assert page.locator(".error-summary").count() == 1
        _scan(page, "checks-errors", lang, problems, screenshots)
        page.locator("input[name=favourable_outcome][value=beneficial]").check()
        page.locator("#check_1_metric").select_option("selection_rate")
        page.locator("#check_1_kind").select_option("ratio")
        page.locator("#check_1_threshold").fill("0.8")
        page.locator("form[action$='/checks'] button[type=submit]").click()
        assert page.url.endswith("/names")
        _scan(page, "names", lang, problems, screenshots)
        page.locator("#name_1_en").fill("x" * 130)  # maxlength stops typing at 120
        page.locator("#name_1_zh").fill("性别\u202e")
        page.locator("form[action$='/names'] button[type=submit]").click()
        assert page.locator(".error-summary").count() == 1  # the direction mark
        _scan(page, "names-errors", lang, problems, screenshots)
        page.locator("#name_1_zh").fill("性别")
        page.locator("form[action$='/names'] button[type=submit]").click()
        assert page.url.endswith("/summary")
        _scan(page, "summary", lang, problems, screenshots)
        page.locator("form[action$='/submit'] button[type=submit]").click()
        _on_the_audit_page(page)
        # The running page is scanned in test_console_audits.py (a run that never ends there).
        _wait_until_done(page)
        _scan(page, "submitted", lang, problems, screenshots)
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
