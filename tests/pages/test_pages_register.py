"""Home and search, agencies, methods and about, feeds and bulk downloads."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

from tests.pages.conftest import parse

pytestmark = pytest.mark.db
ATOM = "{http://www.w3.org/2005/Atom}"


def _names(soup) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_text() for a in soup.select("ol.results h3 a")]


def test_home_explains_the_register_with_counts_search_and_filters(client, world):
    soup = parse(client.get("/"))
    assert soup.select_one("h1").get_text() == "Public algorithm register"
    assert [s.get_text() for s in soup.select("ul.counts strong")] == ["2", "2", "1", "1"]
    assert soup.select_one("form[role=search] input[type=search][name=q]")
    legends = [lg.get_text() for lg in soup.select(".filters legend")]
    assert legends == ["Scenario", "Agency", "Risk category", "Status", "Latest audit"]
    verdicts = {
        inp["value"]: inp.find_parent("label").get_text(" ", strip=True)
        for inp in soup.select('input[name="latest_verdict"]')
    }
    assert verdicts == {"inconclusive": "Inconclusive (1)", "not_audited": "No published audit (1)"}
    assert _names(soup) == ["Bus lane camera alerts", "Benefit claim triage"]
    assert soup.select_one("#results-heading").get_text() == "2 algorithms found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("housing", ["Benefit claim triage"]),
        ("hous", ["Benefit claim triage"]),
        ("bus lane", ["Bus lane camera alerts"]),
        ("福利", ["Benefit claim triage"]),
        ("申请分流", ["Benefit claim triage"]),
        ("City Transport", ["Bus lane camera alerts"]),
        ("nothing-like-this", []),
    ],
)
def test_search_matches_words_prefixes_and_chinese(client, world, query, expected):
    soup = parse(client.get("/", params={"q": query}))
    assert _names(soup) == expected
    if not expected:
        assert "Nothing matches" in soup.get_text()


def test_filters_combine_with_search_and_counts_follow(client, world):
    data = client.get("/index.json", params={"scenario": "urban_living"}).json()
    assert [r["name"] for r in data["results"]] == ["Bus lane camera alerts"]
    scenario = next(f for f in data["facets"] if f["name"] == "scenario")
    # A facet's own counts ignore its own filter, so other choices stay visible.
    assert {o["value"]: o["count"] for o in scenario["options"]} == {
        "public_services": 1,
        "urban_living": 1,
    }
    agency = next(f for f in data["facets"] if f["name"] == "agency")
    assert {o["value"]: o["count"] for o in agency["options"]} == {"city-transport": 1}
    data = client.get("/index.json", params={"agency": world.agency_slug, "q": "bus"}).json()
    assert data["total"] == 0
    data = client.get("/index.json", params={"latest_verdict": "inconclusive"}).json()
    assert [r["public_id"] for r in data["results"]] == [world.main.public_id]


def test_search_rejects_bad_input_with_an_html_error(client, world):
    response = client.get("/", params={"q": "x" * 201})
    assert response.status_code == 422
    assert "longer than 200" in parse_error(response)
    assert client.get("/", params={"page": "0"}).status_code == 422


def parse_error(response) -> str:  # type: ignore[no-untyped-def]
    from bs4 import BeautifulSoup

    return BeautifulSoup(response.text, "html.parser").select_one("main").get_text(" ")


def test_agency_page_lists_algorithms_audits_and_response_time(client, world):
    soup = parse(client.get(f"/agencies/{world.agency_slug}"))
    assert soup.select_one("h1").get_text() == "Benefits Office"
    assert _names_in(soup) == ["Benefit claim triage"]
    numbers = [s.get_text() for s in soup.select("#response-heading + ul.counts strong")]
    assert numbers == ["1", "1", "0", "12.0"]
    assert soup.select_one(f'a[href="/audits/{world.audit_id}?lang=en"]')
    assert client.get("/agencies/no-such-agency").status_code == 404
    listing = parse(client.get("/agencies"))
    assert [a.get_text() for a in listing.select("tbody th a")] == [
        "Benefits Office",
        "City Transport Department",
    ]


def _names_in(soup) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.get_text() for a in soup.select("ul.results h3 a")]


def test_methods_and_about_pages_never_claim_certification(client, world):
    for path in ("/methods", "/about", "/", f"/audits/{world.audit_id}"):
        for lang in ("en", "zh-CN"):
            text = parse(client.get(path, params={"lang": lang})).get_text(" ").lower()
            for banned in ("certified fair", "unbiased", "debiased", "bias-free"):
                assert banned not in text, (path, banned)
    methods = parse(client.get("/methods?lang=en"))
    assert [h.get_text() for h in methods.select("h3")] == [
        "Representation or errors?",
        "Assistive or punitive?",
        "The four-fifths rule",
    ]
    assert len(methods.select("tbody tr")) == 16  # 13 before, then F1, BA, positive share
    about = parse(client.get("/about?lang=en"))
    assert about.select_one("#api")
    assert any(code.get_text() == "/downloads/history.json" for code in about.select("code"))


def test_atom_feeds_list_public_changes_only(client, world):
    response = client.get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert "Benefit claim triage: audit published (Inconclusive)" in titles
    assert "Bus lane camera alerts: retired" in titles
    assert sum("version" in t and "published" in t for t in titles) == 4
    assert not any("Secret draft" in t for t in titles)
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    agency_feed = ET.fromstring(
        client.get(f"/agencies/{world.other_agency_slug}/feed.atom").content
    )
    assert {e.findtext(f"{ATOM}title") for e in agency_feed.findall(f"{ATOM}entry")} == {
        "Bus lane camera alerts: retired",
        "Bus lane camera alerts: version 1 published",
    }


def test_bulk_downloads_stream_the_whole_register_and_history(client, world):
    register = client.get("/downloads/register.json")
    assert register.headers["access-control-allow-origin"] == "*"
    items = json.loads(register.content)["items"]
    assert {i["public_id"] for i in items} == {world.main.public_id, world.retired.public_id}
    main = next(i for i in items if i["public_id"] == world.main.public_id)
    assert (
        main["current_version"] == 3
        and main["card"]["translations"]["zh-CN"]["name"] == "福利申请分流"
    )
    body = client.get("/downloads/register.csv").content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the Chinese right
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2
    summary = next(r for r in rows if r["public_id"] == world.main.public_id)["summary"]
    assert summary.startswith("'=HYPERLINK")
    history = json.loads(client.get("/downloads/history.json").content)["items"]
    assert [
        (h["public_id"], h["number"]) for h in history if h["public_id"] == world.main.public_id
    ] == [
        (world.main.public_id, 1),
        (world.main.public_id, 2),
        (world.main.public_id, 3),
    ]
    assert client.get("/downloads/register.xml").status_code == 404


def test_listing_uses_tier1_translations_and_marks_originals(client, world):
    soup = parse(client.get("/?lang=zh-CN"))
    items = soup.select("ol.results li.result")
    by_name = {item.select_one("h3 a").get_text(): item for item in items}
    assert set(by_name) == {"Bus lane camera alerts", "福利申请分流"}
    translated = by_name["福利申请分流"]
    assert translated.select_one("h3 a")["lang"] == "zh-CN"
    summary = translated.select_one("p[lang]")
    assert summary.get_text() == "对住房福利申请进行排序，让紧急个案优先处理。"
    assert translated.select_one(".orig-lang") is None
    original = by_name["Bus lane camera alerts"]
    assert original.select_one("h3 a")["lang"] == "en"
    assert original.select_one(".orig-lang").get_text() == "以机构撰写时使用的语言显示。"
    twin = client.get("/index.json?lang=zh-CN").json()
    assert {r["name"] for r in twin["results"]} == set(by_name)
