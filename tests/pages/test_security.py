"""Security headers, escaping of agency-written text, safe links, and HTML error pages."""

from __future__ import annotations

import itertools

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from registry.models import CardVersion
from registry.pages.security import CONTENT_SECURITY_POLICY
from tests.pages.conftest import parse

pytestmark = pytest.mark.db


def test_every_public_response_carries_the_security_headers(client, world):
    for path in (
        "/",
        f"/algorithms/{world.main.public_id}",
        "/index.json",
        "/feed.atom",
        "/static/site.css",
        "/nope",
    ):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-frame-options"] == "DENY"


def test_pages_use_no_inline_script_or_style_and_no_third_party_resources(client, world):
    for path in (
        "/",
        f"/algorithms/{world.main.public_id}",
        f"/audits/{world.audit_id}",
        "/methods",
    ):
        soup = parse(client.get(path))
        assert not soup.select("script:not([src])"), path
        assert not soup.select("style") and not soup.select("[style]"), path
        for tag in soup.select("script[src], link[href], img[src]"):
            url = tag.get("src") or tag.get("href")
            # canonical and hreflang links name this site's own pages by absolute URL
            own_page = tag.get("rel") in (["canonical"], ["alternate"]) and url.startswith(
                "http://testserver/"
            )
            assert url.startswith("/") or url.startswith("data:") or own_page, (path, url)


def test_agency_text_is_escaped_and_only_web_links_become_links(client, world, session):
    version = session.exec(
        select(CardVersion).where(
            CardVersion.algorithm_id == world.main.id, CardVersion.number == 3
        )
    ).one()
    card = dict(version.card)
    card["purpose_and_impact"] = "<script>alert(1)</script><b>bold</b>"
    card["source_code_url"] = "javascript:alert(1)"
    version.card = card
    session.add(version)
    session.commit()
    response = client.get(f"/algorithms/{world.main.public_id}")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    soup = BeautifulSoup(response.text, "html.parser")
    assert not soup.select('a[href^="javascript:"]')
    assert (
        soup.select_one("#detail-source_code_url dd").get_text(strip=True) == "javascript:alert(1)"
    )


def test_not_found_is_an_html_page_in_the_readers_language(client, world):
    response = client.get("/algorithms/alg-zzzzzzzz", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("h1").get_text() == "找不到页面"
    assert "alg-zzzzzzzz" in soup.select_one("main").get_text()
    assert soup.select_one("a.skip-link") and soup.select_one("main#main")


def test_json_twins_answer_errors_in_json(client, world):
    response = client.get("/algorithms/alg-zzzzzzzz.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.headers["access-control-allow-origin"] == "*"


def test_api_errors_stay_json(client, world):
    response = client.get("/api/v1/algorithms/alg-zzzzzzzz")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_layout_has_landmarks_skip_link_and_ordered_headings(client, world):
    for path in (
        "/",
        f"/algorithms/{world.main.public_id}",
        f"/audits/{world.audit_id}",
        f"/agencies/{world.agency_slug}",
        "/methods",
    ):
        soup = parse(client.get(path))
        assert soup.select_one('a.skip-link[href="#main"]')
        assert (
            soup.select_one("header") and soup.select_one("main#main") and soup.select_one("footer")
        )
        assert len(soup.select("h1")) == 1, path
        levels = [int(h.name[1]) for h in soup.select("main h1, main h2, main h3, main h4")]
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, levels)
        for table in soup.select("table"):
            assert table.select_one("caption"), path
            assert all(th.has_attr("scope") for th in table.select("th")), path
