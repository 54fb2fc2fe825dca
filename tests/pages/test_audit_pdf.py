"""`/audits/{id}.pdf`: the audit page printed (same view-model and template), for filing."""

from __future__ import annotations

import builtins
import io
import os
import re
import sys
from typing import Any

import pytest

from registry.pages import pdf as pdf_module
from tests.pages.conftest import parse

pypdf = pytest.importorskip("pypdf")


def _needs_weasyprint() -> None:
    """WeasyPrint needs Pango, which pip cannot install: skip naming it (fail with CI=true)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        message = (
            f"audit PDFs need WeasyPrint and Pango ({exc}): pip install weasyprint; "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (required when CI=true)")
        pytest.skip(message)


@pytest.fixture
def weasyprint_ready() -> None:
    _needs_weasyprint()


@pytest.fixture(autouse=True)
def fresh_pdf_memo() -> None:
    """The printed bytes are memoised per process; each test starts without them."""
    pdf_module._pdf_cache.clear()


def _squash(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines where the layout wrapped them."""
    return re.sub(r"\s+", "", text)


def _pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(body: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


@pytest.mark.usefixtures("weasyprint_ready")
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_pdf_holds_the_pages_headings_verdict_results_and_charts(client, world, lang):
    page = parse(client.get(f"/audits/{world.audit_id}?lang={lang}"))
    response = client.get(f"/audits/{world.audit_id}.pdf?lang={lang}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="audits-{world.audit_id}-{lang}.pdf"'
    )
    assert response.headers["content-language"] == lang
    text = _squash(_pdf_text(response.content))
    main = page.select_one("main")
    headings = [h.get_text() for h in main.select("h1, h2, h3, h4")]
    assert len(headings) >= 8
    for heading in headings:
        assert _squash(heading) in text, heading
    # The overall verdict in words, each check's result, the findings in the per-group tables.
    verdict = main.select_one(".facts dd")
    assert _squash(verdict.get_text()) in text
    for row in main.select("table tbody tr"):
        assert _squash(row.select_one("th").get_text()) in text
        assert _squash(row.select("td")[-1].get_text()) in text
    # Charts: their captions, and the words drawn inside the SVG (group names, the threshold).
    for figure in main.select("figure.chart"):
        assert _squash(figure.select_one("figcaption").get_text()) in text
        for label in figure.select("svg text"):
            assert _squash(label.get_text()) in text
    # The print stylesheet applied: the print-only line shows, the download link does not.
    assert _squash(main.select_one(".print-only").get_text()) in text
    link = main.select_one(f'a[href="/audits/{world.audit_id}.pdf?lang={lang}"]')
    assert link is not None and _squash(link.get_text()) not in text


@pytest.mark.usefixtures("weasyprint_ready")
def test_chinese_text_is_set_in_an_embedded_cjk_font_and_extracts_as_chinese(client, world):
    response = client.get(f"/audits/{world.audit_id}.pdf?lang=zh-CN")

    text = _pdf_text(response.content)
    assert "测试了什么，为什么" in text
    assert "分群体结果" in text
    cjk = [f for f in _fonts(response.content) if re.search("Hei|CJK|Song|Ming|Kai", f)]
    assert cjk, _fonts(response.content)


def test_the_audit_page_links_its_pdf_in_the_readers_language(client, world):
    soup = parse(client.get(f"/audits/{world.audit_id}?lang=zh-CN"))

    link = soup.select_one(f'a[href="/audits/{world.audit_id}.pdf?lang=zh-CN"]')
    assert link is not None
    assert link.get_text() == "下载本审计的 PDF"
    assert link["type"] == "application/pdf"
    assert "no-print" in link.parent["class"]


def test_pdf_of_a_private_or_unknown_audit_is_not_found(client, world):
    assert client.get(f"/audits/{world.private_audit_id}.pdf").status_code == 404
    assert client.get("/audits/aud-0000000000.pdf").status_code == 404


@pytest.mark.usefixtures("weasyprint_ready")
def test_the_pdf_is_cached_under_the_public_stamp(client, world, monkeypatch):
    first = client.get(f"/audits/{world.audit_id}.pdf")
    calls: list[str] = []
    monkeypatch.setattr(
        pdf_module, "render_pdf", lambda html, **kw: calls.append(html) or b"%PDF-fresh"
    )

    again = client.get(f"/audits/{world.audit_id}.pdf")
    revalidated = client.get(
        f"/audits/{world.audit_id}.pdf", headers={"If-None-Match": first.headers["etag"]}
    )

    assert again.content == first.content and calls == []
    assert revalidated.status_code == 304


def test_without_weasyprint_the_pdf_answers_503_naming_what_is_missing(client, world, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)

    response = client.get(f"/audits/{world.audit_id}.pdf")
    page = client.get(f"/audits/{world.audit_id}")

    assert response.status_code == 503
    assert "WeasyPrint is not installed" in response.text
    assert "pip install weasyprint" in response.text
    assert page.status_code == 200


def test_without_pango_the_pdf_answers_503_naming_the_system_packages(client, world, monkeypatch):
    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "weasyprint")
    monkeypatch.setattr(builtins, "__import__", failing_import)

    response = client.get(f"/audits/{world.audit_id}.pdf?lang=zh-CN")

    assert response.status_code == 503
    assert "本服务器无法提供 PDF 下载" in response.text
    assert "libpango-1.0-0" in response.text


def test_the_same_html_is_printed_once_and_changed_html_again(monkeypatch):
    printed: list[str] = []

    def fake_print(html: str, **kwargs: Any) -> bytes:
        printed.append(html)
        return b"%PDF-" + html.encode()

    monkeypatch.setattr(pdf_module, "_print", fake_print)
    base = "https://registry.example"

    first = pdf_module.render_pdf("<p>audit</p>", base_url=base, lang="en")
    second = pdf_module.render_pdf("<p>audit</p>", base_url=base, lang="en")
    changed = pdf_module.render_pdf("<p>audit, with a response</p>", base_url=base, lang="en")

    assert first == second == b"%PDF-<p>audit</p>"
    assert changed == b"%PDF-<p>audit, with a response</p>"
    assert printed == ["<p>audit</p>", "<p>audit, with a response</p>"]


@pytest.mark.parametrize(
    ("url", "served"),
    [
        ("https://registry.example/static/site.css", True),
        ("https://registry.example/static/../config.py", False),
        ("https://registry.example/static/nothing.css", False),
        ("https://elsewhere.example/static/site.css", False),
        ("https://registry.example/audits/x", False),
        ("file:///etc/passwd", False),
    ],
)
def test_the_pdf_renderer_reads_only_the_sites_static_files(url, served):
    found = pdf_module.static_file(url, origin="https://registry.example/")

    assert (found is not None) == served


@pytest.mark.usefixtures("weasyprint_ready")
def test_collapsed_sections_print_in_full():
    html = (
        "<!doctype html><html lang=en><body><details><summary>Findings</summary>"
        "<p>Every finding sentence.</p></details></body></html>"
    )

    body = pdf_module.render_pdf(html, base_url="https://registry.example", lang="en")

    assert "Every finding sentence." in _pdf_text(body)
