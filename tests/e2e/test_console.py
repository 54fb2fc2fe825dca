"""The staff console in real headless Chromium: sign in through the form, see the home page,
create an API token, sign out (with and without JavaScript); and axe-core on every console page
type in both languages, with screenshots at desktop width and at 390 px."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "e2e console passphrase"
AXE_RUN = (
    "async () => await axe.run(document, {resultTypes: ['violations'],"
    " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
    "'wcag21aa', 'wcag22aa', 'best-practice']}})"
)


@dataclass
class Staff:
    admin_email: str
    editor_email: str


@pytest.fixture(scope="module")
def staff(site) -> Iterator[Staff]:  # type: ignore[no-untyped-def]
    """Passwords for the demo admin and one demo editor, set directly in the served database."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        admin = session.exec(select(Account).where(Account.role == Role.admin)).first()
        editor = session.exec(select(Account).where(Account.role == Role.agency_editor)).first()
        assert admin is not None and editor is not None
        for account in (admin, editor):
            stage_password(session, account=account, password=PASSWORD, now=SystemClock().now())
        session.commit()
        found = Staff(admin.email, editor.email)
    engine.dispose()
    yield found


def _invitation_path(site) -> str:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.invitations import issue_invitation

    engine = make_engine(site.database_url)
    with session_scope(engine) as session:
        auditor = session.exec(select(Account).where(Account.role == Role.auditor)).first()
        assert auditor is not None
        issued = issue_invitation(
            session,
            actor=None,
            account_id=auditor.id,  # type: ignore[arg-type]
            valid_for=timedelta(hours=1),
            now=SystemClock().now(),
        )
    engine.dispose()
    return f"/console/set-password/{issued.token}"


def _sign_in(page, site, email: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_in_see_home_create_a_token_and_sign_out(request, site, staff, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + "/console/tokens")
    assert "/console/sign-in" in page.url  # sent to sign in first
    # A wrong password first: the message is shown at the top and next to the field.
    page.get_by_label("Email address").fill(staff.editor_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".error-summary").inner_text().count("not correct") == 1
    assert page.locator("#email-error").is_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/console/tokens")  # brought back where they were going
    page.get_by_role("link", name="Home").click()
    assert page.locator("h1").inner_text().startswith("Welcome, ")
    assert "Agency editor" in page.locator("main").inner_text()
    page.get_by_role("link", name="API tokens").first.click()
    page.get_by_label("Name").fill(f"e2e {'js' if javascript else 'no-js'}")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#token").input_value()
    assert token.startswith("reg_")
    import httpx

    me = httpx.get(
        site.base_url + "/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200 and me.json()["email"] == staff.editor_email
    page.get_by_role("button", name="Sign out").click()
    assert "/console/sign-in" in page.url
    assert page.get_by_role("status").inner_text() == "You have signed out."
    page.goto(site.base_url + "/console")
    assert "/console/sign-in" in page.url


def _scan(page, name: str, lang: str, problems: list[str], screenshots) -> None:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=None, content=page.context.axe_source)  # type: ignore[attr-defined]
    result = page.evaluate(AXE_RUN)
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"{lang} {name}: {violation['id']} {targets}")
    page.screenshot(path=str(screenshots / f"console-{name}-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / f"console-{name}-{lang}-390.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    if overflow:
        problems.append(f"{lang} {name}: wider than a 390 px screen")
    page.set_viewport_size({"width": 1200, "height": 900})


def test_every_console_page_type_passes_axe_in_both_languages(
    browser, site, staff, axe_source, screenshots
):  # type: ignore[no-untyped-def]
    problems: list[str] = []
    for lang in ("en", "zh-CN"):
        # axe is injected as an inline script, which the CSP forbids: bypass it here only.
        context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        context.axe_source = axe_source  # type: ignore[attr-defined]
        page = context.new_page()
        base = site.base_url
        page.goto(f"{base}/console/sign-in?lang={lang}")
        _scan(page, "sign-in", lang, problems, screenshots)
        page.locator("button[type=submit]").click()  # empty form: the error summary
        assert page.locator(".error-summary").count() == 1
        _scan(page, "sign-in-errors", lang, problems, screenshots)
        page.goto(base + _invitation_path(site))
        _scan(page, "set-password", lang, problems, screenshots)
        page.goto(f"{base}/console/sign-in")
        page.locator("#email").fill(staff.admin_email)
        page.locator("#password").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        assert page.url.rstrip("/").endswith("/console")
        _scan(page, "home", lang, problems, screenshots)
        page.goto(f"{base}/console/tokens")
        _scan(page, "tokens", lang, problems, screenshots)
        page.locator("#name").fill(f"axe {lang}")
        page.locator("form.narrow-form button[type=submit]").click()
        assert page.locator("#token").count() == 1
        _scan(page, "token-created", lang, problems, screenshots)
        page.goto(f"{base}/console/accounts")
        _scan(page, "accounts", lang, problems, screenshots)
        page.locator("form.narrow-form button[type=submit]").click()  # empty: errors
        assert page.locator(".error-summary").count() == 1
        _scan(page, "accounts-errors", lang, problems, screenshots)
        page.locator("#email").fill(f"axe-{lang.lower()}@example.gov")
        page.locator("#display_name").fill(f"Axe {lang}")
        page.locator("#role-auditor").check()
        page.locator("#agency").select_option("")
        page.locator("form.narrow-form button[type=submit]").click()
        assert page.locator("#link").count() == 1
        _scan(page, "invitation", lang, problems, screenshots)
        # The CSRF refusal page: a form whose token was tampered with.
        page.goto(f"{base}/console/tokens")
        page.evaluate("document.querySelector('input[name=csrf_token]').value = 'forged'")
        page.locator("form.narrow-form button[type=submit]").click()
        assert page.locator("h1").count() == 1
        _scan(page, "csrf-refused", lang, problems, screenshots)
        context.close()
    # A non-admin opening the accounts page.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    context.axe_source = axe_source  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{site.base_url}/console/sign-in")
    page.locator("#email").fill(staff.editor_email)
    page.locator("#password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    response = page.goto(f"{site.base_url}/console/accounts")
    assert response is not None and response.status == 403
    _scan(page, "admin-only", "en", problems, screenshots)
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
