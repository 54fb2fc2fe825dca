"""Every public page type on a phone, in real headless Chromium, at 320 and 390 CSS px wide, in
English and Chinese: nothing scrolls sideways, every cell of every table (the result above all) is
on screen, chart text renders at 12 px or more, the home page's first result is on the first
screen, and axe-core finds no serious or critical violation.

With ``REGISTRY_DOCS_SCREENSHOTS=1`` the desktop and phone screenshots listed in docs/pages.md
are written (small, palette PNGs) to docs/img/pages/; otherwise to artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

PHONES = {320: 640, 390: 844}  # width: height of the first screen (a small and a common phone)
LANGS = ("en", "zh-CN")
MIN_CHART_TEXT_PX = 12
WITH_TABLES = (
    "algorithm",
    "versions",
    "diff",
    "audit",
    "agency",
    "methods",
    "about",
    "agencies",
    "audits",
    "compare",
)
DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img" / "pages"
AXE_RUN = (
    "async () => await axe.run(document, {resultTypes: ['violations'],"
    " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', "
    "'wcag21aa', 'wcag22aa', 'best-practice']}})"
)

# What a phone reader must see, measured in the page: the document's width, each table cell
# sticking out of the viewport (the table's own scroll box would hide it), each chart text's
# rendered size (its font size in SVG units times the drawing's scale), and the first result.
MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const shown = (el) => el.getClientRects().length > 0;
  const cut = [];
  document.querySelectorAll('main table').forEach((table, t) => {
    table.querySelectorAll('tbody tr').forEach((tr, r) => {
      const cells = Array.from(tr.children).filter(shown);
      const last = tr.querySelector('.key') || cells[cells.length - 1];
      cells.forEach((cell) => {
        const box = cell.getBoundingClientRect();
        if (box.right > vw + 0.5 || box.left < -0.5) {
          cut.push({table: t, row: r, last: cell === last, right: Math.round(box.right),
                    text: cell.innerText.slice(0, 40)});
        }
      });
    });
  });
  const charts = [];
  document.querySelectorAll('figure.chart svg').forEach((svg) => {
    if (!shown(svg)) return;
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const sizes = Array.from(svg.querySelectorAll('text')).map(
      (text) => parseFloat(getComputedStyle(text).fontSize) * scale);
    charts.push({id: svg.getAttribute('aria-labelledby'), smallest: Math.min(...sizes)});
  });
  const first = document.querySelector('.results .result h3');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: vw,
    height: window.innerHeight,
    cut,
    charts,
    firstResultBottom: first ? first.getBoundingClientRect().bottom : null,
    tables: document.querySelectorAll('main table').length,
  };
}"""


def _page_types(site) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "home": "/",
        "algorithm": f"/algorithms/{site.algorithm_id}",
        "versions": f"/algorithms/{site.algorithm_id}/versions",
        "version": f"/algorithms/{site.algorithm_id}/versions/1",
        "diff": f"/algorithms/{site.algorithm_id}/diff?from=1&to=3",
        "audit": f"/audits/{site.audit_id}",
        "agencies": "/agencies",
        "agency": f"/agencies/{site.agency_slug}",
        "methods": "/methods",
        "about": "/about",
        "audits": "/audits",
        "compare": "/compare/agencies",
        "error": "/algorithms/alg-zzzzzzzz",
    }


def _url(site, path: str, lang: str) -> str:  # type: ignore[no-untyped-def]
    return f"{site.base_url}{path}{'&' if '?' in path else '?'}lang={lang}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", sorted(PHONES))
def test_every_page_type_fits_a_phone_in_both_languages(browser, site, width, javascript):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": width, "height": PHONES[width]}, java_script_enabled=javascript
    )
    page = context.new_page()
    problems: list[str] = []
    seen_charts = 0
    for lang in LANGS:
        for name, path in _page_types(site).items():
            response = page.goto(_url(site, path, lang))
            assert response is not None
            assert response.status == (404 if name == "error" else 200), (name, lang)
            m = page.evaluate(MEASURE)
            where = f"{width}px {lang} {name}"
            if m["scrollWidth"] > m["viewport"]:
                problems.append(f"{where}: the page is {m['scrollWidth']}px wide")
            for cell in m["cut"]:
                which = "result" if cell["last"] else "cell"
                problems.append(f"{where}: {which} off screen {cell}")
            for chart in m["charts"]:
                seen_charts += 1
                if chart["smallest"] < MIN_CHART_TEXT_PX:
                    problems.append(f"{where}: chart text {chart['smallest']:.1f}px {chart['id']}")
            if name == "home" and (
                m["firstResultBottom"] is None or m["firstResultBottom"] > m["height"]
            ):
                problems.append(f"{where}: first result ends at {m['firstResultBottom']}px")
            if name in WITH_TABLES and m["tables"] == 0:
                problems.append(f"{where}: no table to check")
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
    assert seen_charts >= len(LANGS), "the audit page drew no chart to measure"


def test_a_stacked_table_labels_each_cell_and_puts_the_result_first(browser, site):  # type: ignore[no-untyped-def]
    """Below 40rem a result row reads: the group, then its result, then the labelled numbers; the
    table keeps its table semantics for screen readers (cells with column headers)."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(_url(site, f"/audits/{site.audit_id}", "en"))
    row = page.locator("table.stack").nth(1).locator("tbody tr").first
    header, result = row.locator("th"), row.locator("td.key")
    assert header.bounding_box()["y"] < result.bounding_box()["y"]  # type: ignore[index]
    people = row.locator("td[data-label=People]")
    assert result.bounding_box()["y"] < people.bounding_box()["y"]  # type: ignore[index]
    label = people.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"People: "'
    assert page.locator("table.stack thead").first.bounding_box()["height"] <= 1  # type: ignore[index]
    # Chromium's accessibility tree still has a table with column headers and cells.
    client = context.new_cdp_session(page)
    roles = {n["role"].get("value") for n in client.send("Accessibility.getFullAXTree")["nodes"]}
    assert {"table", "columnheader", "rowheader", "cell"} <= roles
    page.goto(_url(site, f"/audits/{site.audit_id}", "zh-CN"))
    people = page.locator("table.stack").nth(1).locator("tbody tr").first.locator("td").nth(0)
    label = people.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == f'"{people.get_attribute("data-label")}："'  # a Chinese colon
    context.close()


# The listings with filters: (path with one filter chosen, the first result).
LISTINGS = {
    "home": ("/?scenario=public_services", ".results .result"),
    "audits": ("/audits?kind=independent", "table.audit-list tbody tr"),
}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
@pytest.mark.parametrize("width", sorted(PHONES))
def test_filters_fold_away_on_a_phone_and_stay_open_on_a_desktop(browser, site, width, listing):  # type: ignore[no-untyped-def]
    path, first_result = LISTINGS[listing]
    context = browser.new_context(viewport={"width": width, "height": PHONES[width]})
    page = context.new_page()
    page.goto(_url(site, path, "en"))
    summary = page.locator(".filters-panel > summary")
    assert summary.is_visible()
    assert "(1 chosen)" in summary.inner_text()
    checkbox = page.locator(".filters input[type=checkbox]").first
    assert not checkbox.is_visible()
    first = page.locator(first_result).first.bounding_box()
    assert first is not None and first["y"] + 40 < PHONES[width]  # its first line is on screen
    summary.click()
    assert checkbox.is_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    assert not page.locator(".filters-panel > summary").is_visible()
    assert page.locator(".filters input[type=checkbox]").first.is_visible()
    assert page.get_by_role("heading", name="Filters").is_visible()
    context.close()


@pytest.mark.parametrize("width", sorted(PHONES))
def test_every_page_type_passes_axe_on_a_phone_in_both_languages(browser, site, axe_source, width):  # type: ignore[no-untyped-def]
    # axe is injected as an inline script, which the CSP (rightly) forbids: bypass it here only.
    context = browser.new_context(
        bypass_csp=True, viewport={"width": width, "height": PHONES[width]}
    )
    page = context.new_page()
    problems = []
    for lang in LANGS:
        for name, path in _page_types(site).items():
            page.goto(_url(site, path, lang))
            page.add_script_tag(content=axe_source)
            for violation in page.evaluate(AXE_RUN)["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"][:3]]
                    problems.append(f"{width}px {lang} {name}: {violation['id']} {targets}")
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


# The screenshots in docs/pages.md: every page type's first screen at both phone widths in both
# languages and on a desktop (in Chinese too for the pages with tables), and on phones (desktop:
# the audit) also the first table or chart.
DESKTOP_IN_CHINESE = ("home", "audit", "diff", "agency")
SHOT_SIZES = {"desktop": (1280, 800), "390": (390, 844), "320": (320, 640)}
DETAIL_SHOTS = {
    "audit": "figure.chart",
    "diff": "table.diff-table",
    "agency": "table.stack",
    "algorithm": "table.stack",
    "methods": "table.stack",
}


def test_screenshots_of_every_page_type(browser, site, screenshots):  # type: ignore[no-untyped-def]
    to_docs = os.environ.get("REGISTRY_DOCS_SCREENSHOTS") == "1"
    folder = DOCS_SHOTS if to_docs else screenshots / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size, (width, height) in SHOT_SIZES.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        for lang in LANGS:
            # The docs show a sample audit with its groups' names, as agencies publish them.
            pages = {**_page_types(site), "audit": f"/audits/{site.sample_audit_id}"}
            for name, path in pages.items():
                if size == "desktop" and lang != "en" and name not in DESKTOP_IN_CHINESE:
                    continue  # keeps docs/img/pages under 1.5 MB
                page.goto(_url(site, path, lang))
                target = folder / f"{name}-{size}-{lang}.png"
                page.screenshot(path=str(target))
                written.append(target)
                # Tables and charts on the narrowest phone (and the audit's on a desktop).
                if name in DETAIL_SHOTS and (size == "320" or (size, name) == ("desktop", "audit")):
                    page.locator(DETAIL_SHOTS[name]).first.evaluate(
                        "(el) => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 8)"
                    )
                    target = folder / f"{name}-{size}-{lang}-detail.png"
                    page.screenshot(path=str(target))
                    written.append(target)
        context.close()
    assert all(p.stat().st_size > 0 for p in written)
    if to_docs:
        _shrink(written)


def _shrink(paths: list[Path]) -> None:
    """Desktop shots at half size; all as 16-colour palette PNGs (text stays legible)."""
    from PIL import Image

    for path in paths:
        with Image.open(path) as image:
            picture = image.convert("RGB")
        if picture.width > 700:
            picture = picture.resize((picture.width // 2, picture.height // 2), Image.LANCZOS)
        palette = picture.quantize(colors=16, method=Image.Quantize.MEDIANCUT)
        palette.save(path, optimize=True, bits=4)


CONSOLE_PASSWORD = "e2e console passphrase"  # the one tests/e2e/test_console.py sets


def _console_accounts(site) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """E-mail of the demo admin, an editor and an auditor, with the console password set."""
    from sqlmodel import select

    from registry.db import make_engine, session_scope
    from registry.models import Account, Role
    from registry.services.clock import SystemClock
    from registry.services.staff.passwords import stage_password

    engine = make_engine(site.database_url)
    found: dict[str, str] = {}
    with session_scope(engine) as session:
        for role in (Role.admin, Role.agency_editor, Role.auditor):
            account = session.exec(
                select(Account).where(Account.role == role, Account.active == True)  # noqa: E712
            ).first()
            assert account is not None, role
            stage_password(
                session, account=account, password=CONSOLE_PASSWORD, now=SystemClock().now()
            )
            found[role.value] = account.email
        session.commit()
    engine.dispose()
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_console_pages_fit_a_320_px_screen(browser, site, lang):  # type: ignore[no-untyped-def]
    """The staff console at 320 px: each page type of each role, nothing sideways, every table
    cell on screen."""
    accounts = _console_accounts(site)
    pages = {
        "admin": ["/console", "/console/tokens", "/console/accounts", "/console/audits"],
        "agency_editor": [
            "/console",
            "/console/algorithms",
            "/console/algorithms/new",
            "/console/reviews",
            "/console/audits",
        ],
        "auditor": ["/console", "/console/audits", "/console/uploads"],
    }
    problems: list[str] = []
    for role, paths in pages.items():
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        page.goto(f"{site.base_url}/console/sign-in?lang={lang}")
        page.locator("#email").fill(accounts[role])
        page.locator("#password").fill(CONSOLE_PASSWORD)
        page.locator("main button[type=submit]").click()
        assert "/console/sign-in" not in page.url, (role, page.locator("main").inner_text())
        if role == "agency_editor":  # and one of the editor's own algorithms, its editor and diff
            page.goto(f"{site.base_url}/console/algorithms")
            link = page.locator("main a[href^='/console/algorithms/alg-']").first
            record = (link.get_attribute("href") or "").split("?")[0]
            paths = [*paths, record, f"{record}/edit", f"{record}/diff"]
        for path in paths:
            response = page.goto(site.base_url + path)
            assert response is not None and response.status < 500, (role, path)
            m = page.evaluate(MEASURE)
            where = f"{lang} {role} {path}"
            if m["scrollWidth"] > m["viewport"]:
                problems.append(f"{where}: the page is {m['scrollWidth']}px wide")
            problems.extend(f"{where}: off screen {cell}" for cell in m["cut"])
        context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
