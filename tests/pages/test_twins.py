"""Machine-readable twins: every page as JSON (same view-model), lists and tables as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from registry.pages.twins import csv_text, html_path, safe_cell, twin_path
from tests.pages.conftest import parse


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_csv_plain_cells_pass_through():
    assert safe_cell("School places") == "School places"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(3.0) == "3"
    text = csv_text(["a"], [["=cmd"]])
    assert list(csv.reader(io.StringIO(text))) == [["a"], ["'=cmd"]]


def test_twin_paths_round_trip():
    assert twin_path("/", "json") == "/index.json"
    assert twin_path("/algorithms/alg-1", "csv") == "/algorithms/alg-1.csv"
    assert html_path("/index.csv") == "/"
    assert html_path("/audits/aud-1.json") == "/audits/aud-1"


def _pages(world) -> dict[str, tuple[str, bool]]:  # type: ignore[no-untyped-def]
    alg = world.main.public_id
    return {
        "home": ("/", True),
        "algorithm": (f"/algorithms/{alg}", False),
        "versions": (f"/algorithms/{alg}/versions", True),
        "version": (f"/algorithms/{alg}/versions/2", False),
        "diff": (f"/algorithms/{alg}/diff?from=1&to=3", True),
        "audit": (f"/audits/{world.audit_id}", True),
        "agency": (f"/agencies/{world.agency_slug}", True),
        "agencies": ("/agencies", True),
        "methods": ("/methods", False),
        "about": ("/about", False),
    }


@pytest.mark.db
def test_every_page_has_twins_with_alternate_links_link_header_and_cors(client, world):
    for name, (bare, has_csv) in _pages(world).items():
        path = bare + ("&" if "?" in bare else "?") + "lang=en"  # the canonical URL
        base, _, query = path.partition("?")
        suffix = f"?{query}" if query else ""
        html = client.get(path)
        soup = parse(html)
        json_url = twin_path(base, "json") + suffix
        assert soup.select_one(
            f'link[rel=alternate][type="application/json"][href="{json_url}"]'
        ), name
        assert f"<{json_url}>" in html.headers["link"], name
        twin = client.get(json_url)
        assert twin.status_code == 200, name
        assert twin.headers["access-control-allow-origin"] == "*"
        assert twin.headers["content-type"].startswith("application/json")
        assert 'rel="canonical"' in twin.headers["link"]
        csv_url = twin_path(base, "csv") + suffix
        if has_csv:
            assert soup.select_one(f'link[rel=alternate][type="text/csv"][href="{csv_url}"]'), name
            table = client.get(csv_url)
            assert table.status_code == 200 and table.headers["access-control-allow-origin"] == "*"
            assert table.content.startswith(b"\xef\xbb\xbf"), name  # the BOM spreadsheets need
            rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
            assert len(rows) >= 2 and not rows[0][0].startswith("\ufeff"), name
        else:
            assert client.get(csv_url).status_code == 404, name
        assert "access-control-allow-origin" not in html.headers


@pytest.mark.db
def test_home_page_shows_the_values_of_its_json_twin(client, world):
    data = client.get("/index.json").json()
    soup = parse(client.get("/"))
    assert [a.get_text() for a in soup.select("ol.results h3 a")] == [
        r["name"] for r in data["results"]
    ]
    assert [li.select_one(".tag").get_text() for li in soup.select("ol.results li.result")] == [
        "Record: " + r["state"]["text"] for r in data["results"]
    ]
    counts = [s.get_text() for s in soup.select("ul.counts strong")]
    assert counts == [
        str(data["counts"][k]) for k in ("algorithms", "agencies", "audited", "retired")
    ]
    for facet in data["facets"]:
        labels = [
            label.get_text(" ", strip=True)
            for label in soup.select(f'input[name="{facet["name"]}"]')
        ]
        assert len(labels) == len(facet["options"])


@pytest.mark.db
def test_algorithm_page_shows_the_values_of_its_json_twin(client, world):
    path = f"/algorithms/{world.main.public_id}"
    data = client.get(path + ".json").json()
    soup = parse(client.get(path))
    assert soup.select_one("h1").get_text() == data["name"]["value"]["text"]
    for fact in data["key_facts"]:
        shown = soup.select_one(f"#field-{fact['name']}")
        assert shown is not None, fact["name"]
        assert shown.select_one("dt").get_text() == fact["label"]
        if fact["state"] == "provided" and fact["value"]["kind"] in ("text", "choice"):
            assert fact["value"]["text"] in shown.select_one("dd").get_text()
    assert [s.select_one("summary").get_text() for s in soup.select("details")] == [
        s["title"] for s in data["sections"]
    ]
    assert data["version"]["sha256"] in soup.get_text()


@pytest.mark.db
def test_audit_page_shows_the_values_of_its_json_twin(client, world):
    path = f"/audits/{world.audit_id}"
    data = client.get(path + ".json").json()
    soup = parse(client.get(path))
    assert data["verdict"]["text"] in soup.select_one("dl.facts dd").get_text()
    tables = [
        t for t in soup.select("table") if "reference group" in t.select_one("caption").get_text()
    ]
    json_tables = [t for s in data["attributes"] for t in s["tables"]]
    assert len(tables) == len(json_tables)
    for table, jt in zip(tables, json_tables, strict=True):
        assert [
            th.get_text(" ", strip=True).split(" ")[0] for th in table.select("tbody th[scope=row]")
        ] == [r["group"] for r in jt["rows"]]
    assert data["provenance"]["sample_sha256"] in soup.get_text()


@pytest.mark.db
def test_list_json_has_next_url(client, world, settings):
    settings.page_size = 1
    data = client.get("/index.json").json()
    assert data["pagination"]["pages"] == 2
    assert data["next_url"] == "http://testserver/index.json?lang=en&page=2"
    second = client.get("/index.json?lang=en&page=2").json()
    assert second["next_url"] is None
    assert second["prev_url"] == "http://testserver/index.json?lang=en"
    assert {r["public_id"] for r in data["results"] + second["results"]} == {
        world.main.public_id,
        world.retired.public_id,
    }


@pytest.mark.db
def test_pages_are_cached_until_the_register_changes_and_revalidate_with_etag(
    client, world, session
):
    from datetime import timedelta

    from registry.models import Account
    from registry.services.cards import drafts as drafts
    from tests.registry.factories import T0, card

    path = f"/algorithms/{world.main.public_id}"
    first = client.get(path)
    tag = first.headers["etag"]
    assert client.get(path).headers["etag"] == tag
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(path + "?lang=zh-CN").headers["etag"] != tag
    staff = session.exec(select(Account).where(Account.agency_id == world.main.agency_id)).all()
    new = card(name="Benefit claim triage (revised)")
    drafts.save_draft(
        session, actor=staff[0], algorithm=world.main, card=new, now=T0 + timedelta(days=500)
    )
    drafts.publish_draft(
        session,
        actor=staff[1],
        algorithm=world.main,
        change_summary="Renamed.",
        four_eyes=True,
        revision=drafts.current_revision(session, world.main),
        now=T0 + timedelta(days=501),
    )
    fresh = client.get(path, headers={"If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != tag
    assert parse(fresh).select_one("h1").get_text() == "Benefit claim triage (revised)"
