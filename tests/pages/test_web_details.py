"""Web details: HEAD on every GET route, feed links from the request's host, the auditor as an
audit entry's author, CSV that spreadsheet programs read in Chinese, robots.txt, sitemap.xml,
health endpoints, and lang on card text shown in its original language, nested values too."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from registry.pages.sitemap import ENTRIES_PER_PART, MAX_URLS, SITEMAP_NS, sitemap_index, urlset
from tests.pages.conftest import parse

pytestmark = pytest.mark.db
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{" + SITEMAP_NS + "}"
VOLATILE = {"date", "set-cookie"}  # differ between any two requests


def _get_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every route path that answers GET, however FastAPI nests included routers."""

    def walk(routes: Any) -> Any:
        for route in routes:
            if hasattr(route, "effective_candidates"):  # FastAPI's included router
                yield from walk(route.effective_candidates())
                continue
            original = getattr(route, "original_route", route)
            if "GET" in (getattr(original, "methods", None) or set()):
                yield route.path

    return sorted(set(walk(app.routes)))


def _concrete(path: str, world) -> str:  # type: ignore[no-untyped-def]
    values = {
        "public_id": world.main.public_id,
        "number": "1",
        "audit_id": world.audit_id,
        "slug": world.agency_slug,
        "fmt": "csv",
        "page": "audit",
        "n": "1",
    }
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def test_head_answers_every_get_route_with_the_get_status_and_headers_and_no_body(
    app, client, world
):
    paths = [_concrete(p, world) for p in _get_routes(app)]
    assert "/" in paths and "/api/v1/algorithms" in paths and "/console" in paths
    assert len(paths) > 60
    client.follow_redirects = False
    for path in [*paths, "/static/site.css", "/nope"]:
        got, again, head = client.get(path), client.get(path), client.head(path)
        assert head.status_code == got.status_code != 405, path
        assert head.content == b"", path
        # a page with a fresh CSRF token each time varies in length (two GETs may agree by
        # chance): compare lengths only on pages without a token whose two GETs agree
        fresh_token = b'name="csrf_token"' in got.content
        volatile = VOLATILE | (
            {"content-length"}
            if fresh_token
            or got.headers.get("content-length") != again.headers.get("content-length")
            else set()
        )
        same = {k: v for k, v in got.headers.items() if k not in volatile}
        assert {k: v for k, v in head.headers.items() if k not in volatile} == same, path
        assert ("content-length" in head.headers) == ("content-length" in got.headers), path
    # a path with no GET still says which methods it has
    assert client.head("/api/v1/tokens/x/revoke").status_code in (404, 405)


def test_feed_links_follow_the_requests_host_when_no_base_url_is_set(client, world):
    feed = ET.fromstring(client.get("/feed.atom", headers={"host": "register.example"}).content)
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links and all(h.startswith("http://register.example/") for h in links), links
    # another host's answer is its own, never the first one's from the cache
    other = client.get("/index.json?page=1&per_page=1", headers={"host": "other.example"})
    assert other.status_code == 200


def test_feed_links_use_the_configured_base_url(app, client, world):
    app.state.settings.base_url = "https://algorithms.example.gov"
    try:
        feed = ET.fromstring(client.get("/feed.atom", headers={"host": "evil.example"}).content)
    finally:
        app.state.settings.base_url = None
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert all(h.startswith("https://algorithms.example.gov/") for h in links), links


@pytest.mark.parametrize(
    ("lang", "auditor"), [("en", "Independent auditor"), ("zh-CN", "独立审计方")]
)
def test_an_audit_entry_is_authored_by_its_auditor(client, world, session, lang, auditor):
    from registry.models.audit import Audit, AuditKind

    feed = ET.fromstring(client.get("/feed.atom", params={"lang": lang}).content)
    authors = {
        e.find(f"{ATOM}link").get("href").split("?")[0].rsplit("/", 1)[-1]: e.find(
            f"{ATOM}author/{ATOM}name"
        ).text
        for e in feed.iter(f"{ATOM}entry")
    }
    assert authors[world.audit_id] == auditor
    assert auditor not in {a for k, a in authors.items() if k != world.audit_id}
    # a self-assessment is run by the agency itself: the agency is its author
    from sqlmodel import select

    audit = session.exec(select(Audit).where(Audit.public_id == world.audit_id)).one()
    audit.kind = AuditKind.self_assessment
    session.add(audit)
    session.commit()
    feed = ET.fromstring(client.get("/agencies/benefits-office/feed.atom").content)
    names = {e.find(f"{ATOM}author/{ATOM}name").text for e in feed.iter(f"{ATOM}entry")}
    assert names == {"Benefits Office"}


@pytest.mark.parametrize("path", ["/index.csv", "/agencies.csv", "/downloads/register.csv"])
def test_csv_downloads_carry_a_utf8_bom_so_spreadsheets_read_chinese(client, world, path):
    response = client.get(path, params={"lang": "zh-CN"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert response.content.count(b"\xef\xbb\xbf") == 1  # once, at the start: not per row
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) >= 2
    if path == "/index.csv":
        assert "福利申请分流" in text  # the Chinese text, intact


def test_robots_txt_allows_public_pages_and_keeps_crawlers_out_of_console_and_api(client):
    response = client.get("/robots.txt", headers={"host": "register.example"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert "Disallow: /console" in lines and "Disallow: /api/" in lines
    assert "Sitemap: http://register.example/sitemap.xml" in lines


def test_sitemap_lists_every_public_page_and_nothing_private(client, world):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SM}urlset"
    locs = [u.find(f"{SM}loc").text for u in root.iter(f"{SM}url")]
    base = "http://testserver"
    pages = {
        f"{base}/",
        f"{base}/agencies",
        f"{base}/agencies/{world.agency_slug}",
        f"{base}/algorithms/{world.main.public_id}",
        f"{base}/algorithms/{world.main.public_id}/versions/3",
        f"{base}/algorithms/{world.retired.public_id}",  # retired records stay public
        f"{base}/audits/{world.audit_id}",
    }
    # each page once per language, at its canonical URL, naming the other languages' URLs
    expected = {f"{p}?lang={lang}" for p in pages for lang in ("en", "zh-CN")}
    assert expected <= set(locs)
    assert len(locs) == len(set(locs))
    for url in root.iter(f"{SM}url"):
        loc = url.find(f"{SM}loc").text
        page = loc.split("?")[0]
        alternates = {
            link.get("hreflang"): link.get("href")
            for link in url.iter("{http://www.w3.org/1999/xhtml}link")
        }
        assert alternates == {
            "en": f"{page}?lang=en",
            "zh-CN": f"{page}?lang=zh-CN",
            "x-default": page,
        }, loc
    assert not any(world.private_audit_id in loc for loc in locs)  # a private audit
    assert not any(world.draft.public_id in loc for loc in locs)  # a never-published draft
    for loc in locs:  # each listed page answers
        assert client.get(loc.removeprefix(base)).status_code == 200, loc
    lastmods = [u.find(f"{SM}lastmod") for u in root.iter(f"{SM}url")]
    assert any(m is not None and m.text.startswith("20") for m in lastmods)
    assert client.get("/sitemap-2.xml").status_code == 404  # one file: no parts


def test_a_sitemap_past_the_protocol_limit_becomes_an_index_of_parts():
    entries = [(f"/algorithms/alg-{i:08d}", None) for i in range(ENTRIES_PER_PART + 5)]
    index = ET.fromstring(sitemap_index("https://r.example", entries))
    assert [s.find(f"{SM}loc").text for s in index] == [
        "https://r.example/sitemap-1.xml",
        "https://r.example/sitemap-2.xml",
    ]
    part = ET.fromstring(urlset("https://r.example", entries[ENTRIES_PER_PART:]))
    assert len(part) == 5 * 2  # each page in both languages
    assert ENTRIES_PER_PART * 2 <= MAX_URLS  # a full part stays within the protocol's limit


def test_health_says_the_process_answers_and_ready_checks_the_database(client, world):
    live = client.get("/health")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    assert live.headers["cache-control"] == "no-store"
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "search_index": "ok"}


def test_ready_is_503_when_the_database_does_not_answer(app, client, monkeypatch):
    from registry.db import make_engine

    client.get("/health")  # the app is up
    monkeypatch.setattr(app.state, "engine", make_engine("sqlite:////nonexistent/dir/x.db"))
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "unreachable"
    assert "nonexistent" not in response.text  # no internals


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_original_language_text_is_marked_in_nested_lists_and_records(client, world, lang):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}", params={"lang": lang}))
    sources = soup.select_one("#detail-data_sources dd")
    provenance = [s for s in sources.select("span[lang]")]
    if lang == "zh-CN":  # the English card's own words, marked for a Chinese reader
        texts = {s.get_text() for s in provenance}
        assert "Claim forms" in texts
        assert "Submitted by applicants through the online portal." in texts
        assert {s["lang"] for s in provenance} == {"en"}
        # the words of the interface (a choice, yes/no) are the reader's: never marked
        for dd in sources.select("dl.record dd"):
            if not dd.select("[lang]"):
                assert not re.search(r"[A-Za-z]{4,}", dd.get_text()), dd
        assert sources.select_one(".orig-lang") is not None
    else:
        assert provenance == []


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_agencys_audit_list_marks_algorithm_names_in_another_language(client, world, lang):
    twin = client.get(f"/agencies/{world.agency_slug}.json", params={"lang": lang}).json()
    refs = [a["algorithm"] for a in twin["audits"]]
    assert refs and all(r["name_lang"] == (None if lang == "en" else "en") for r in refs)
    soup = parse(client.get(f"/agencies/{world.agency_slug}", params={"lang": lang}))
    link = soup.select_one(f'td a[href="/algorithms/{world.main.public_id}?lang={lang}"]')
    assert link.get("lang") == (None if lang == "en" else "en")
