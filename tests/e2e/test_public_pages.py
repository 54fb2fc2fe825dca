"""Browse the public register in real headless Chromium, with and without JavaScript, and scan
every page type in both languages with axe-core (no serious or critical violations allowed)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e


def _page_types(site) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "home": "/",
        "search": "/?q=school",
        "nothing-found": "/?q=benifit",  # "did you mean", no filter form
        "algorithm": f"/algorithms/{site.algorithm_id}",
        "retired": f"/algorithms/{site.retired_id}",
        "versions": f"/algorithms/{site.algorithm_id}/versions",
        "version": f"/algorithms/{site.algorithm_id}/versions/1",
        "diff": f"/algorithms/{site.algorithm_id}/diff?from=1&to=3",
        "audit": f"/audits/{site.audit_id}",
        "agency": f"/agencies/{site.agency_slug}",
        "agencies": "/agencies",
        "audits": "/audits",
        "audits-filtered": "/audits?verdict=inconclusive&published_from=2024-01-01",
        "compare": "/compare/agencies?sort=failed_audits&order=desc",
        "methods": "/methods",
        "about": "/about",
        "not-found": "/algorithms/alg-zzzzzzzz",
    }


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_browse_home_to_algorithm_to_audit_and_switch_language(request, site, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + "/?q=Benefit+claim")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Benefit claim triage").first.click()
    assert urlparse(page.url).path.endswith(f"/algorithms/{site.algorithm_id}")
    assert page.locator("h1").inner_text() == "Benefit claim triage"
    assert page.locator("#field-appeal_route dd").inner_text().startswith("Ask for a human review")
    assert page.locator("#latest-audit .headline").inner_text()  # the finding, in a sentence
    page.locator("#latest-audit a").click()
    # The console's e2e modules publish newer audits of this algorithm, so the latest one is
    # whichever ran last; the world's own audit (with its small groups) is then read directly.
    assert "/audits/aud-" in page.url
    assert page.locator("figure.chart svg title").count() >= 1
    page.goto(site.base_url + f"/audits/{site.audit_id}")
    assert page.locator("figure.chart svg title").count() >= 1
    assert page.get_by_text("fewer than 10").first.is_visible()
    # The page opens with its findings, in sentences, before any table.
    findings = page.locator("article section").first
    assert findings.locator("h2").inner_text() == "What the audit found"
    assert "within the declared threshold" in findings.inner_text()

    page.get_by_role("link", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "审计" in page.locator("h1").inner_text()
    assert page.locator("article section").first.locator("h2").inner_text() == "审计发现"
    # The language is in every link of the page (the record's version link too), so reading on
    # stays in Chinese; the record itself, by its Chinese URL:
    version_link = f"a[href^='/algorithms/{site.algorithm_id}/versions/']"
    assert "lang=zh-CN" in (page.locator(version_link).first.get_attribute("href") or "")
    page.goto(site.base_url + f"/algorithms/{site.algorithm_id}?lang=zh-CN")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "福利申请分流"
    assert page.locator("#field-appeal_route dd").inner_text().startswith("可在任何福利办公室")
    untranslated = page.locator("#field-purpose_and_impact dd")
    assert untranslated.locator("[lang=en]").count() == 1
    assert "以机构撰写时使用的语言显示" in untranslated.inner_text()
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_misspelt_search_offers_the_word_that_finds_something(request, site, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + "/?q=benifit")
    assert page.locator("form.filters").count() == 0  # nothing to filter: no Apply filters
    page.locator(".suggestion a").click()
    assert page.locator("#q").input_value() == "benefit"
    page.get_by_role("link", name="Benefit claim triage").first.wait_for()
    assert page.get_by_role("button", name="Apply filters").count() == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_follow_a_version_diff(request, site, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + f"/algorithms/{site.algorithm_id}")
    page.get_by_role("link", name="All versions and changes").click()
    page.get_by_role("link", name="Changes from version 2").click()
    assert page.locator("h1").inner_text() == "Changes from version 2 to 3"
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    # One table per group of changes; the withholding is named in words, in its section.
    risk = page.locator(
        "section.diff-group", has=page.get_by_role("heading", name="Risk and fairness")
    )
    assert "Withheld" in risk.locator("table").inner_text()
    # The compare form works without JavaScript: it is a plain GET form.
    page.goto(site.base_url + f"/algorithms/{site.algorithm_id}/versions")
    page.select_option("#from", "1")
    page.select_option("#to", "3")
    page.get_by_role("button", name="Compare").click()
    assert page.locator("h1").inner_text() == "Changes from version 1 to 3"


def test_filters_work_without_javascript(no_js_page, site):  # type: ignore[no-untyped-def]
    page = no_js_page
    page.goto(site.base_url + "/")
    total = page.locator("#results-heading").inner_text()
    page.locator("fieldset", has_text="Scenario").locator("input[type=checkbox]").first.check()
    page.get_by_role("button", name="Apply filters").click()
    assert "scenario=" in page.url
    assert page.locator("#results-heading").inner_text() != total


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_filter_audits_by_result_and_date(request, site, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audits").click()
    assert page.locator("h1").inner_text() == "Published audits"
    total = page.locator("#audits-results-heading").inner_text()
    assert page.locator(f"a[href^='/audits/{site.audit_id}?lang=']").count() == 1
    page.get_by_label("Disparity beyond the declared threshold").check()
    page.get_by_label("Independent audit").check()
    page.get_by_role("button", name="Apply filters").click()
    assert "verdict=fail" in page.url and "kind=independent" in page.url
    assert page.locator(f"a[href='/audits/{site.audit_id}']").count() == 0  # inconclusive
    page.get_by_role("link", name="Clear filters").click()
    assert page.locator("#audits-results-heading").inner_text() == total
    page.locator("#published_from").fill("2099-01-01")
    page.get_by_role("button", name="Apply filters").click()
    assert "published_from=2099-01-01" in page.url
    assert page.get_by_text("No published audit matches these filters.").is_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_compare_agencies_sorts_by_column_links(request, site, javascript):  # type: ignore[no-untyped-def]
    page = request.getfixturevalue("page" if javascript else "no_js_page")
    page.goto(site.base_url + "/agencies")
    page.get_by_role("link", name="Compare public bodies").click()
    assert page.locator("h1").inner_text() == "Public bodies compared"
    names = page.locator("table.compare tbody th")
    by_name = names.all_inner_texts()
    assert by_name == sorted(by_name, key=str.casefold)
    page.locator("table.compare thead th a", has_text="Algorithms in use").click()
    header = page.locator("table.compare thead th").nth(1)
    assert header.get_attribute("aria-sort") == "descending"
    counts = [
        int(t) for t in page.locator("table.compare tbody tr td:nth-of-type(1)").all_inner_texts()
    ]
    assert counts == sorted(counts, reverse=True)
    header.locator("a").click()
    assert page.locator("table.compare thead th").nth(1).get_attribute("aria-sort") == "ascending"
    counts = [
        int(t) for t in page.locator("table.compare tbody tr td:nth-of-type(1)").all_inner_texts()
    ]
    assert counts == sorted(counts)
    page.locator("table.compare tbody th a").first.click()
    assert page.locator("#scorecard-heading").inner_text() == "Accountability scorecard"
    assert page.locator(".scorecard #figure-failed_audits dd").inner_text()


def test_details_sections_print_expanded(page, site):  # type: ignore[no-untyped-def]
    page.goto(site.base_url + f"/algorithms/{site.algorithm_id}")
    page.emulate_media(media="print")
    body = page.locator("#section-technical .section-body")
    assert body.is_visible()
    assert page.locator(".print-only").first.is_visible()
    assert site.algorithm_id in page.locator(".print-only").first.inner_text()


def test_every_page_type_passes_axe_in_both_languages(browser, site, axe_source, screenshots):  # type: ignore[no-untyped-def]
    # axe is injected as an inline script, which the CSP (rightly) forbids: bypass it here only.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems = []
    for lang in ("en", "zh-CN"):
        for name, path in _page_types(site).items():
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{site.base_url}{path}{sep}lang={lang}")
            assert response is not None
            assert response.status == (404 if name == "not-found" else 200), (name, lang)
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                "async () => await axe.run(document, {resultTypes: ['violations'],"
                " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
                "'wcag21aa', 'wcag22aa', 'best-practice']}})"
            )
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"][:3]]
                    problems.append(f"{lang} {name}: {violation['id']} {targets}")
            page.screenshot(path=str(screenshots / f"{name}-{lang}.png"), full_page=True)
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_pages_make_no_third_party_requests(page, site):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    for path in _page_types(site).values():
        page.goto(site.base_url + path)
    outside = [u for u in seen if not u.startswith(site.base_url) and not u.startswith("data:")]
    assert not outside


def test_every_page_type_reflows_at_320_css_pixels(browser, site, screenshots):  # type: ignore[no-untyped-def]
    """WCAG 1.4.10: at 320 CSS px nothing needs sideways scrolling (wide data tables scroll
    inside their own container, which is allowed); long e-mail addresses and URLs wrap."""
    context = browser.new_context(viewport={"width": 320, "height": 720})
    page = context.new_page()
    too_wide = []
    for lang in ("en", "zh-CN"):
        for name, path in _page_types(site).items():
            sep = "&" if "?" in path else "?"
            page.goto(f"{site.base_url}{path}{sep}lang={lang}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            if width > 320:
                too_wide.append(f"{lang} {name}: {width}px")
            if lang == "en" and name in ("algorithm", "audit"):
                page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)
    context.close()
    assert not too_wide


def test_api_docs_render_without_third_party_requests(page, site):  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url))
    page.goto(f"{site.base_url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "registry" in page.inner_text(".swagger-ui .info .title").lower()
    outside = [u for u in seen if not u.startswith(site.base_url) and not u.startswith("data:")]
    assert not outside


def test_api_docs_offer_a_file_upload_for_audits(page, site):  # type: ignore[no-untyped-def]
    """Swagger UI's "Try it out" on the audit upload shows a file picker and the spec and version
    fields, from the multipart body described in the OpenAPI document."""
    page.goto(f"{site.base_url}/docs")
    block = page.locator('[id^="operations-audits-submit_sample_audit"]')
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    assert block.locator('input[type="file"]').count() == 1
    body = block.locator(".opblock-section-request-body").inner_text()
    assert "spec" in body and "version" in body
    assert "multipart/form-data" in block.inner_text()
