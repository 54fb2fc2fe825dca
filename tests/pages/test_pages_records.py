"""The algorithm record, its versions and diffs, and the audit page, read with real selectors."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from tests.pages.conftest import parse

pytestmark = pytest.mark.db


def test_algorithm_page_puts_the_plain_summary_and_accountability_first(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    assert soup.select_one("h1").get_text() == "Benefit claim triage"
    first_section = soup.select_one("main section")
    assert first_section.select_one("h2").get_text() == "In short"
    box = soup.select_one(".key-box")
    assert box.select_one("h2").get_text() == "Who is responsible and how to object"
    assert (
        box.select_one("#field-accountable_role dd").get_text(strip=True)
        == "Head of Benefits Operations"
    )
    assert box.select_one('#field-contact a[href="mailto:algorithms@example.gov"]')
    assert "human review" in box.select_one("#field-appeal_route dd").get_text()
    assert soup.select_one("#field-autonomy_level dd").get_text(strip=True)
    latest = soup.select_one("#latest-audit dd")
    assert latest.select_one(".tag").get_text() == "Inconclusive"
    audit_link = latest.select_one(f'a[href="/audits/{world.audit_id}?lang=en"]')
    assert audit_link.get_text() == "Independent audit"
    # Tier-2 detail is collapsed by default, one <details> per card section.
    details = soup.select("details")
    assert [d["id"] for d in details][:2] == ["section-identity", "section-responsibility"]
    assert not any(d.has_attr("open") for d in details)


def test_missing_fields_say_not_provided_and_withheld_fields_give_the_reason(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    team = soup.select_one("#detail-team dd")
    assert team.get_text(strip=True) == "Not provided by the agency"
    withheld = soup.select_one("#detail-source_code_url dd .withheld")
    assert "Withheld by the agency." in withheld.get_text()
    assert "Publishing the rules would let people game the queue." in withheld.get_text()
    assert soup.select_one("#withheld-heading")


def test_chinese_reader_gets_translated_tier1_fields_and_original_language_marks(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}?lang=zh-CN"))
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("h1").get_text() == "福利申请分流"
    assert not soup.select_one("h1").has_attr("lang")
    assert (
        soup.select_one("#field-appeal_route dd")
        .get_text(strip=True)
        .startswith("可在任何福利办公室")
    )
    purpose = soup.select_one("#field-purpose_and_impact dd")
    assert purpose.select_one("div[lang=en]").get_text(strip=True).startswith("Orders the queue")
    assert "以机构撰写时使用的语言显示" in purpose.get_text()
    assert soup.select_one("#detail-team dd").get_text(strip=True) == "机构未提供"


def test_retired_algorithm_keeps_its_page_with_a_banner(client, world):
    soup = parse(client.get(f"/algorithms/{world.retired.public_id}"))
    banner = soup.select_one(".banner")
    assert "This algorithm has been retired." in banner.get_text()
    assert "Replaced by manual review." in banner.get_text()
    assert soup.select_one(".tag").get_text() == "Record: Retired"


def test_drafts_and_unknown_records_are_not_found(client, world):
    for path in (
        f"/algorithms/{world.draft.public_id}",
        "/algorithms/alg-zzzzzzzz",
        f"/algorithms/{world.draft.public_id}.json",
    ):
        assert client.get(path).status_code == 404
    assert "Secret draft" not in client.get("/index.json").text
    assert "Secret draft" not in client.get("/downloads/register.json").text


def test_version_page_shows_that_version_with_a_pointer_to_the_current_one(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}/versions/1"))
    assert "You are reading version 1" in soup.select_one(".banner-info").get_text()
    assert (
        soup.select_one("#detail-human_oversight dd").get_text(strip=True)
        == "Caseworkers see the ranking and may reorder any case."
    )
    assert client.get(f"/algorithms/{world.main.public_id}/versions/9").status_code == 404


def test_versions_list_and_field_by_field_diff(client, world):
    soup = parse(client.get(f"/algorithms/{world.main.public_id}/versions"))
    rows = soup.select("table tbody tr")
    assert [r.select_one("th a").get_text() for r in rows] == [
        "Version 3",
        "Version 2",
        "Version 1",
    ]
    assert rows[0].select_one(".tag").get_text() == "Current"
    link = rows[0].select_one('a[href*="/diff"]')["href"]
    diff = parse(client.get(link))
    assert diff.select_one("h1").get_text() == "Changes from version 2 to 3"
    labels = [th.get_text() for th in diff.select("tbody th[scope=row]")]
    assert "Summary" in labels
    assert any(label.startswith("Withheld information") for label in labels)
    full = parse(client.get(f"/algorithms/{world.main.public_id}/diff?from=1&to=3"))
    row = next(
        r for r in full.select("tbody tr") if r.select_one("th").get_text() == "Human oversight"
    )
    for hidden in row.select(".visually-hidden"):
        hidden.decompose()
    assert row.select_one(".diff-old").get_text() == (
        "Caseworkers see the ranking and may reorder any case."
    )
    assert row.select_one(".diff-new").get_text().startswith("A caseworker checks every ranking")
    assert [d.get_text() for d in row.select("del")] == [
        "Caseworkers see the",
        "and may reorder any case.",
    ]
    assert [i.get_text() for i in row.select("ins")] == [
        "A caseworker checks every",
        "before any letter is sent.",
    ]
    assert client.get(f"/algorithms/{world.main.public_id}/diff?from=x").status_code == 422


def test_audit_page_explains_the_test_and_suppresses_small_cells(client, world):
    soup = parse(client.get(f"/audits/{world.audit_id}"))
    text = soup.get_text(" ")
    assert "What this means, and what it does not mean" in text
    assert "Independent audit" in text
    assert "the group that is best off on each measure" in text
    assert "Benefit claims decided in 2023" in text
    table = next(
        t for t in soup.select("table") if "reference group" in t.select_one("caption").get_text()
    )
    assert table.select("thead th[scope=col]")
    rows = {
        r.select_one("th").get_text(" ", strip=True).split(" ")[0]: r
        for r in table.select("tbody tr")
    }
    assert "reference" in rows["male"].get_text()
    assert rows["female"].select_one(".tag").get_text() == "Inconclusive"
    assert "20.0%" in rows["female"].get_text()
    small = rows["nonbinary"]
    assert "fewer than 10" in small.get_text()
    assert "%" not in small.get_text()
    figure = soup.select_one("figure.chart")
    svg = figure.select_one("svg[role=img]")
    assert svg.select_one("title").get_text() and svg.select_one("desc").get_text()
    assert svg.select_one("line.chart-threshold")
    assert "We are reviewing the selection threshold." in soup.select_one("blockquote").get_text()
    data = client.get(f"/audits/{world.audit_id}.json").json()
    small_json = next(
        r for r in data["attributes"][0]["tables"][0]["rows"] if r["group"] == "nonbinary"
    )
    assert (
        small_json["n"] is None and small_json["rate"] is None and small_json["suppressed"] is True
    )
    assert small_json["rate_withheld"] and small_json["comparison_withheld"]
    assert small_json["verdict"]["value"] == "inconclusive"  # verdicts use the true counts
    assert all(small_json[key] is None for key in ("n", "rate", "rate_low", "ratio", "p_value"))
    assert "7" not in json.dumps({k: v for k, v in small_json.items() if k != "verdict"})
    assert ",nonbinary,false,,true,true," in client.get(f"/audits/{world.audit_id}.csv").text


def test_private_audits_are_not_public(client, world):
    assert client.get(f"/audits/{world.private_audit_id}").status_code == 404
    assert client.get(f"/audits/{world.private_audit_id}.json").status_code == 404
    soup = parse(client.get(f"/algorithms/{world.main.public_id}"))
    assert world.private_audit_id not in soup.get_text()


def test_an_audit_withdrawn_before_publication_stays_private(client, world, session):
    from registry.models import Account, Audit
    from registry.services.audits.publication import withdraw_audit
    from tests.registry.factories import T0

    audit = session.exec(select(Audit).where(Audit.public_id == world.private_audit_id)).one()
    submitter = session.get(Account, audit.submitter_id)
    withdraw_audit(session, actor=submitter, audit=audit, reason="Wrong extract.", now=T0)
    assert client.get(f"/audits/{world.private_audit_id}").status_code == 404
    assert client.get(f"/audits/{world.private_audit_id}.json").status_code == 404
    page = client.get(f"/algorithms/{world.main.public_id}.json").text
    assert world.private_audit_id not in page
    assert client.get(f"/api/v1/audits/{world.private_audit_id}").status_code == 404


def test_algorithm_page_is_small(client, world):
    html = client.get(f"/algorithms/{world.main.public_id}").content
    css = client.get("/static/site.css").content
    assert len(html) + len(css) < 150_000
