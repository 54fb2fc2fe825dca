"""Across agencies: the audits list and its twins, the audits download, register.csv's latest
audit, the agency scorecard and the comparison of agencies (sorting without JavaScript)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlmodel import Session, select

from registry.models import Account, Algorithm
from registry.models.audit import Audit, AuditKind, AuditState, AuditVisibility
from registry.pages.twin_schemas import twin_schema
from registry.services.audits.publication import withdraw_audit
from registry.services.clock import FixedClock
from registry.services.public import audit_listing, scorecards
from registry.services.public.audit_listing import AuditFilters
from tests.pages.conftest import parse
from tests.pages.world import World, _audit

pytestmark = pytest.mark.db
ZH = {"Accept-Language": "zh-CN"}
TODAY = datetime(2025, 6, 1, 12, tzinfo=UTC)  # the world's cards are due for review 2026-03-01


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def clocked(app) -> FixedClock:  # type: ignore[no-untyped-def]
    clock = FixedClock(TODAY)
    app.state.clock = clock
    return clock


def _add_audit(
    session: Session,
    world: World,
    algorithm: Algorithm,
    public_id: str,
    *,
    kind: AuditKind = AuditKind.independent,
    verdict: str = "fail",
    published_days: int = 0,
    response: bool = False,
    visibility: AuditVisibility = AuditVisibility.published,
) -> Audit:
    auditor = session.exec(select(Account).where(Account.role == "auditor")).first()
    audit = _audit(session, algorithm, auditor, public_id=public_id, visibility=visibility)
    audit.kind = kind
    audit.verdict = verdict
    if audit.published_at is not None:
        audit.published_at += timedelta(days=published_days)
    if not response:
        audit.response_text = None
        audit.response_at = None
    session.add(audit)
    session.commit()
    return audit


@pytest.fixture
def audits(session, world) -> World:  # type: ignore[no-untyped-def]
    """The world plus: a self-assessment finding a disparity (unanswered) published 10 days later
    on the same record, and an independent failed audit of the retired record, answered."""
    _add_audit(
        session,
        world,
        world.main,
        "aud-00000000ef",
        kind=AuditKind.self_assessment,
        published_days=10,
    )
    _add_audit(session, world, world.retired, "aud-00000000gh", published_days=20, response=True)
    return world


# --- the audits list ------------------------------------------------------------------------------


def test_audits_page_lists_published_audits_newest_first_never_private(client, audits):
    soup = parse(client.get("/audits"))
    assert soup.select_one("h1").get_text() == "Published audits"
    links = [a["href"] for a in soup.select("table.audit-list td a[href^='/audits/']")]
    assert links == [
        "/audits/aud-00000000gh?lang=en",
        "/audits/aud-00000000ef?lang=en",
        "/audits/aud-00000000ab?lang=en",
    ]
    assert "aud-00000000cd" not in soup.get_text()  # private
    assert soup.select_one("#audits-results-heading").get_text() == "3 audits found"
    first = soup.select("table.audit-list tbody tr")[0]
    assert "Bus lane camera alerts" in first.get_text()
    assert "Disparity beyond the declared threshold" in first.get_text()
    legends = [lg.get_text() for lg in soup.select(".filters legend")]
    assert legends == ["Public body", "Scenario", "Result", "Who ran it", "Published"]
    assert soup.select_one("form.filters")["method"] == "get"


def test_audits_page_in_chinese(client, audits):
    soup = parse(client.get("/audits", headers=ZH))
    assert soup.select_one("h1").get_text() == "已发布的审计"
    assert soup.select_one("html")["lang"] == "zh-CN"
    assert "差异超出声明的阈值" in soup.select_one("table.audit-list").get_text()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "city-transport"}, ["aud-00000000gh"]),
        ({"agency": ["city-transport", "benefits-office"]}, ["gh", "ef", "ab"]),
        ({"scenario": "urban_living"}, ["aud-00000000gh"]),
        ({"verdict": "fail"}, ["gh", "ef"]),
        ({"verdict": "inconclusive"}, ["ab"]),
        ({"kind": "self_assessment"}, ["ef"]),
        ({"kind": "independent", "verdict": "fail"}, ["gh"]),
        ({"published_from": "2024-08-12"}, ["gh", "ef"]),
        ({"published_to": "2024-08-11"}, ["ab"]),
        ({"published_from": "2024-08-12", "published_to": "2024-08-12"}, ["ef"]),
        ({"published_from": "2030-01-01"}, []),
    ],
)
def test_audits_filters_narrow_the_list(client, audits, params, expected):
    data = client.get("/audits.json", params=params).json()
    ids = [a["id"][-2:] for a in data["audits"]]
    assert ids == [e[-2:] for e in expected]
    assert data["total"] == len(expected)
    assert data["filtered"] is True


def test_audits_filter_form_echoes_choices(client, audits):
    soup = parse(client.get("/audits", params={"verdict": "fail", "published_from": "2024-08-12"}))
    assert soup.select_one("input[name=verdict][value=fail]").has_attr("checked")
    assert not soup.select_one("input[name=verdict][value=pass]").has_attr("checked")
    assert soup.select_one("#published_from")["value"] == "2024-08-12"
    assert soup.select_one("form.filters a[href='/audits?lang=en']").get_text() == "Clear filters"
    agencies = [i["value"] for i in soup.select("input[name=agency]")]
    assert agencies == ["benefits-office", "city-transport"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"verdict": "great"}, "verdict"),
        ({"kind": "friend"}, "kind"),
        ({"scenario": "space"}, "scenario"),
        ({"agency": "no-such-body"}, "agency"),
        ({"published_from": "yesterday"}, "published_from"),
        ({"published_to": "2024-13-01"}, "published_to"),
        ({"published_to": "20240101"}, "published_to"),
        ({"published_from": "2024-05-02", "published_to": "2024-05-01"}, "published_from"),
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_audit_filters_are_a_422_naming_the_parameter(client, audits, params, name):
    response = client.get("/audits.json", params=params)
    assert response.status_code == 422
    assert f"'{name}'" in response.text or name == "page"
    html = client.get("/audits", params=params)
    assert html.status_code == 422
    assert html.headers["content-type"].startswith("text/html")


def test_bad_filter_error_names_the_parameter_in_details(client, audits):
    error = client.get("/audits.json", params={"verdict": "great"}).json()["error"]
    assert error["details"][0]["loc"] == ["query", "verdict"]
    assert "pass, fail, inconclusive, not_assessed" in error["message"]


def test_audits_paginate(client, settings, audits):
    settings.page_size = 2
    first = client.get("/audits.json").json()
    assert len(first["audits"]) == 2 and first["pagination"]["pages"] == 2
    assert first["next_url"].endswith("/audits.json?lang=en&page=2")
    second = client.get("/audits.json", params={"page": 2}).json()
    assert [a["id"] for a in second["audits"]] == ["aud-00000000ab"]
    soup = parse(client.get("/audits", params={"verdict": "fail", "kind": "independent"}))
    assert soup.select_one("a[rel=next]") is None


def test_audits_csv_twin(client, audits):
    response = client.get("/audits.csv", params={"verdict": "fail"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    rows = _rows(response.text)
    assert list(rows[0]) == [
        "audit_id", "agency", "agency_name", "algorithm", "algorithm_name", "version",
        "scenario", "auditor_kind", "verdict", "published_at", "withdrawn", "withdrawn_reason",
        "response_at",
    ]  # fmt: skip
    assert [(r["audit_id"], r["auditor_kind"], r["verdict"]) for r in rows] == [
        ("aud-00000000gh", "independent", "fail"),
        ("aud-00000000ef", "self_assessment", "fail"),
    ]
    assert rows[0]["response_at"] and not rows[1]["response_at"]


def test_withdrawn_audit_stays_listed_as_withdrawn(client, session, audits):
    audit = session.exec(select(Audit).where(Audit.public_id == audits.audit_id)).one()
    submitter = session.get(Account, audit.submitter_id)
    withdraw_audit(session, actor=submitter, audit=audit, reason="Wrong sample.", now=TODAY)
    data = client.get("/audits.json").json()
    withdrawn = next(a for a in data["audits"] if a["id"] == audits.audit_id)
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_reason"] == "Wrong sample."
    row = parse(client.get("/audits")).find("a", href=f"/audits/{audits.audit_id}?lang=en")
    assert "Withdrawn" in row.find_parent("tr").get_text()


def test_twins_validate_against_their_schemas(client, audits, clocked):
    for lang in ("en", "zh-CN"):
        headers = {"Accept-Language": lang}
        for page, url in [
            ("audits", "/audits.json"),
            ("audits", "/audits.json?verdict=fail&published_from=2024-01-01"),
            ("compare_agencies", "/compare/agencies.json"),
            ("compare_agencies", "/compare/agencies.json?sort=failed_audits&order=asc"),
            ("agency", "/agencies/benefits-office.json"),
        ]:
            twin = client.get(url, headers=headers).json()
            Draft202012Validator(twin_schema(page)).validate(twin)


# --- the service: visibility and queries ------------------------------------------------------


def test_service_never_lists_private_or_unpublished_or_draft_audits(session, audits):
    # An audit withdrawn before it was ever published, a failed job and a draft's audit.
    _add_audit(session, audits, audits.main, "aud-00000000jk", visibility=AuditVisibility.private)
    never = session.exec(select(Audit).where(Audit.public_id == "aud-00000000jk")).one()
    never.visibility = AuditVisibility.withdrawn
    never.withdrawn_at = TODAY
    failed = _add_audit(session, audits, audits.main, "aud-00000000mn")
    failed.state = AuditState.failed
    session.add_all([never, failed])
    session.commit()
    listing = audit_listing.list_audits(session, filters=AuditFilters(), page=1, per_page=50)
    ids = {row.audit.public_id for row in listing.rows}
    assert ids == {"aud-00000000ab", "aud-00000000ef", "aud-00000000gh"}
    checks = {r.audit_id for r in audit_listing.audit_check_rows(session, k=10)}
    assert checks == ids


def test_service_list_uses_a_fixed_number_of_queries(session, audits, engine):
    import sqlalchemy as sa

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        audit_listing.list_audits(session, filters=AuditFilters(), page=1, per_page=50)
        listed = len(statements)
        statements.clear()
        list(audit_listing.audit_check_rows(session, k=10))
        downloaded = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert listed <= 5  # agencies, count, page ids, their rows, agencies with audits
    assert downloaded <= 3  # agencies, one batch, the empty batch after it


# --- the download -----------------------------------------------------------------------------


def test_audits_download_csv_has_one_row_per_check_with_small_cells_withheld(client, audits):
    response = client.get("/downloads/audits.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="audits.csv"'
    rows = _rows(response.text)
    assert list(rows[0]) == [
        "audit_id", "agency", "agency_name", "algorithm", "algorithm_name", "version",
        "auditor_kind", "published_at", "withdrawn", "check", "metric", "check_kind", "threshold",
        "attribute", "attribute_label", "group", "group_label", "reference", "reference_label",
        "value", "ci_low", "ci_high", "withheld", "result",
    ]  # fmt: skip
    ours = [r for r in rows if r["audit_id"] == "aud-00000000ab"]
    assert [(r["group"], r["reference"], r["result"]) for r in ours] == [
        ("female", "male", "inconclusive"),
        ("nonbinary", "male", "inconclusive"),
    ]
    female, nonbinary = ours
    assert female["agency"] == "benefits-office" and female["version"] == "3"
    assert female["check"] == "selection_ratio" and female["metric"] == "selection_rate"
    assert float(female["value"]) == pytest.approx(0.7692, abs=1e-4)
    assert female["ci_low"] and female["ci_high"] and female["withheld"] == "false"
    # 7 people: fewer than k, so its numbers are withheld; the verdict stays.
    assert (
        nonbinary["withheld"] == "true" and nonbinary["value"] == "" and nonbinary["ci_low"] == ""
    )
    assert {r["audit_id"] for r in rows} == {"aud-00000000ab", "aud-00000000ef", "aud-00000000gh"}


def test_audits_download_json_matches_csv(client, audits):
    response = client.get("/downloads/audits.json")
    assert response.headers["access-control-allow-origin"] == "*"
    items = json.loads(response.text)["items"]
    csv_rows = _rows(client.get("/downloads/audits.csv").text)
    assert len(items) == len(csv_rows) == 6
    assert [i["audit_id"] for i in items] == [r["audit_id"] for r in csv_rows]
    assert items[1]["value"] is None and items[1]["withheld"] is True
    assert client.get("/downloads/audits.xml").status_code == 404


def test_register_csv_gains_latest_audit_verdict_and_date(client, audits):
    rows = {r["public_id"]: r for r in _rows(client.get("/downloads/register.csv").text)}
    main, retired = rows[audits.main.public_id], rows[audits.retired.public_id]
    # The latest standing audit of the main record is the self-assessment published 10 days on.
    assert main["latest_audit_verdict"] == "fail"
    assert main["latest_audit_published_at"].startswith("2024-08-12")
    assert retired["latest_audit_verdict"] == "fail"


def test_register_csv_without_audits_says_not_audited(client, world):
    rows = {r["public_id"]: r for r in _rows(client.get("/downloads/register.csv").text)}
    assert rows[world.retired.public_id]["latest_audit_verdict"] == "not_audited"
    assert rows[world.retired.public_id]["latest_audit_published_at"] == ""
    items = json.loads(client.get("/downloads/register.json").text)["items"]
    latest = {i["public_id"]: i["latest_audit"] for i in items}
    assert latest[world.main.public_id]["id"] == world.audit_id
    assert latest[world.retired.public_id] is None


# --- scorecards -------------------------------------------------------------------------------


def test_scorecards_count_in_use_audits_failures_responses_and_overdue_reviews(session, audits):
    cards = {c.agency.slug: c for c in scorecards.scorecards(session, today=TODAY.date())}
    benefits, transport = cards["benefits-office"], cards["city-transport"]
    assert (benefits.in_use, benefits.retired) == (1, 0)
    assert benefits.by_risk == {"high_risk": 0, "impactful": 0, "other": 1}
    assert benefits.independently_audited == 1  # the inconclusive independent audit
    assert (benefits.failed_audits, benefits.failed_responded) == (1, 0)
    assert benefits.review_overdue == 0
    late = scorecards.scorecards(session, today=datetime(2026, 3, 2, tzinfo=UTC).date())
    assert {c.agency.slug: c.review_overdue for c in late} == {
        "benefits-office": 1,
        "city-transport": 0,  # retired: no longer due for review
    }
    assert (transport.in_use, transport.retired, transport.independently_audited) == (0, 1, 0)
    assert (transport.failed_audits, transport.failed_responded) == (1, 1)


def test_withdrawn_audit_no_longer_counts_on_the_scorecard(session, audits):
    audit = session.exec(select(Audit).where(Audit.public_id == audits.audit_id)).one()
    submitter = session.get(Account, audit.submitter_id)
    withdraw_audit(session, actor=submitter, audit=audit, reason="Wrong sample.", now=TODAY)
    (card,) = [
        c
        for c in scorecards.scorecards(session, today=TODAY.date())
        if c.agency.slug == "benefits-office"
    ]
    assert card.independently_audited == 0


def test_agency_page_scorecard_equals_its_row_in_the_comparison(client, audits, clocked):
    """The agency page counts from the rows it loaded, the comparison with its own queries; both
    count with the same function and must agree, in every case the world has."""
    compared = client.get("/compare/agencies.json").json()["agencies"]
    assert len(compared) == 2
    for row in compared:
        page = client.get(f"/agencies/{row['slug']}.json").json()
        assert page["scorecard"] == row["scorecard"], row["slug"]


def test_agency_page_leads_with_the_scorecard_each_number_explained(client, audits, clocked):
    soup = parse(client.get("/agencies/benefits-office"))
    first_section = soup.select("main section")[0]
    assert first_section.select_one("h2").get_text() == "Accountability scorecard"
    figures = {
        div["id"].removeprefix("figure-"): div for div in first_section.select(".scorecard > div")
    }
    assert list(figures) == [
        "in_use", "high_risk", "independently_audited", "failed_audits", "failed_responded",
        "review_overdue",
    ]  # fmt: skip
    assert figures["failed_audits"].select_one("strong").get_text() == "1"
    assert "threshold declared before the test" in figures["failed_audits"].get_text()
    answered = figures["failed_responded"].get_text(" ", strip=True)
    assert "(out of 1) that the body has answered in public. Still unanswered: 1." in answered
    assert "Jun 1, 2025" in figures["review_overdue"].get_text()
    risks = [tr.get_text(" ", strip=True) for tr in first_section.select("tbody tr")]
    assert risks == ["High risk 0", "Impactful 0", "Other 1"] or len(risks) == 3
    link = first_section.select_one("a[href^='/audits?']")["href"]
    assert link == "/audits?agency=benefits-office&lang=en"
    twin = client.get("/agencies/benefits-office.json").json()
    assert twin["scorecard"]["failed_audits"] == 1 and twin["scorecard"]["as_of"] == "2025-06-01"


def test_agency_scorecard_in_chinese(client, audits, clocked):
    soup = parse(client.get("/agencies/benefits-office", headers=ZH))
    assert soup.select_one("#scorecard-heading").get_text() == "问责记分卡"
    assert "正在使用的算法" in soup.select_one(".scorecard").get_text()


# --- the comparison ---------------------------------------------------------------------------


def _compared(soup) -> list[str]:  # type: ignore[no-untyped-def]
    return [th.get_text(strip=True) for th in soup.select("table.compare tbody th")]


def test_compare_page_lists_every_agency_with_the_same_figures(client, audits, clocked):
    soup = parse(client.get("/compare/agencies"))
    assert soup.select_one("h1").get_text() == "Public bodies compared"
    assert _compared(soup) == ["Benefits Office", "City Transport Department"]
    headers = soup.select("table.compare thead th")
    assert [h.get_text(strip=True).rstrip("▲▼ ") for h in headers] == [
        "Public body", "Algorithms in use", "High risk", "With a published independent audit",
        "Audits finding a disparity", "Answered", "Past their review date",
        "Questions and concerns received", "Answered in time", "Median days to answer",
        "Waiting past the target",
    ]  # fmt: skip
    assert headers[0]["aria-sort"] == "ascending"
    assert all(not h.has_attr("aria-sort") for h in headers[1:])
    cells = [td.get_text() for td in soup.select("table.compare tbody tr")[1].select("td")]
    assert cells == ["0", "0", "0", "1", "1", "0", "0", "0 of 0", "—", "0"]


def test_compare_sorts_by_links_without_javascript(client, audits, clocked):
    soup = parse(client.get("/compare/agencies"))
    link = soup.find("a", string=lambda s: s and "Algorithms in use" in s)["href"]
    assert link == "/compare/agencies?sort=in_use&order=desc&lang=en"
    sorted_soup = parse(client.get(link))
    assert _compared(sorted_soup) == ["Benefits Office", "City Transport Department"]
    header = sorted_soup.select("table.compare thead th")[1]
    assert header["aria-sort"] == "descending"
    assert header.a["href"] == "/compare/agencies?sort=in_use&order=asc&lang=en"
    ascending = parse(client.get(header.a["href"]))
    assert _compared(ascending) == ["City Transport Department", "Benefits Office"]
    by_name = parse(client.get("/compare/agencies?sort=name&order=desc"))
    assert _compared(by_name) == ["City Transport Department", "Benefits Office"]


def test_compare_twins_and_bad_sort(client, audits, clocked):
    data = client.get("/compare/agencies.json", params={"sort": "failed_responded"}).json()
    assert (data["sort"], data["order"]) == ("failed_responded", "desc")
    assert [a["slug"] for a in data["agencies"]] == ["city-transport", "benefits-office"]
    rows = _rows(client.get("/compare/agencies.csv").text)
    assert list(rows[0]) == [
        "agency", "agency_name", "in_use", "retired", "high_risk", "impactful", "other_risk",
        "independently_audited", "failed_audits", "failed_responded", "review_overdue",
        "response_target_days", "items_received", "items_answered", "items_answered_in_time",
        "median_days_to_answer", "items_open_past_target", "as_of",
    ]  # fmt: skip
    assert rows[0]["agency"] == "benefits-office" and rows[0]["other_risk"] == "1"
    for params, name in [({"sort": "colour"}, "sort"), ({"order": "sideways"}, "order")]:
        response = client.get("/compare/agencies.json", params=params)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["loc"] == ["query", name]


def test_compare_in_chinese(client, audits, clocked):
    soup = parse(client.get("/compare/agencies", headers=ZH))
    assert soup.select_one("html")["lang"] == "zh-CN"
    assert soup.select_one("h1").get_text() == "公共机构比较"


def test_new_pages_are_linked_from_navigation_home_and_agencies(client, audits):
    home = parse(client.get("/"))
    assert home.select_one("nav.main-nav a[href='/audits?lang=en']")
    assert home.select_one("main a[href='/compare/agencies?lang=en']")
    assert home.select_one("footer a[href='/downloads/audits.csv?lang=en']")
    agencies = parse(client.get("/agencies"))
    assert agencies.select_one("main a[href='/compare/agencies?lang=en']")
