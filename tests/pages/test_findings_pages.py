"""The demo's sample audits on the public pages: each audit page opens with its findings, and the
algorithm page's latest-audit block and the agency page's audit list carry the same headline, in
both languages."""

from __future__ import annotations

import pytest
from sqlmodel import select

from registry.models import Agency, Algorithm, Audit
from registry.paths import SAMPLES_DIR
from registry.services.clock import FixedClock
from registry.services.demo import load_demo
from tests.pages.conftest import parse
from tests.registry.factories import T0

pytestmark = [pytest.mark.db, pytest.mark.slow]


def test_sample_audits_lead_with_their_findings_on_every_page(client, session) -> None:
    load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    audits = session.exec(select(Audit)).all()
    assert len(audits) == 5
    for audit in audits:
        algorithm = session.get(Algorithm, audit.algorithm_id)
        assert algorithm is not None
        agency = session.get(Agency, algorithm.agency_id)
        assert agency is not None
        for lang in ("en", "zh-CN"):
            data = client.get(f"/audits/{audit.public_id}.json?lang={lang}").json()
            headline = data["findings"]["headline"]
            soup = parse(client.get(f"/audits/{audit.public_id}?lang={lang}"))
            section = soup.select_one("article section")
            assert section.select_one("h2")["id"] == "findings-heading"
            assert headline in section.get_text(" ", strip=True)
            if data["findings"]["failed"]:
                assert section.select_one("li").get_text(strip=True) == headline

            page = parse(client.get(f"/algorithms/{algorithm.public_id}?lang={lang}"))
            latest = page.select_one("#latest-audit")
            assert latest.select_one(".headline").get_text(strip=True) == headline
            twin = client.get(f"/algorithms/{algorithm.public_id}.json?lang={lang}").json()
            assert twin["latest_audit"]["headline"] == headline

            agency_page = parse(client.get(f"/agencies/{agency.slug}?lang={lang}"))
            link = f'a[href="/audits/{audit.public_id}?lang={lang}"]'  # links name the language
            row = agency_page.select_one(link).find_parent("tr")
            assert headline in row.get_text(" ", strip=True)


def test_the_benefit_fraud_audit_says_who_was_flagged_more_often(client, session) -> None:
    load_demo(session, SAMPLES_DIR, clock=FixedClock(T0.replace(year=2025)))
    algorithm = session.exec(
        select(Algorithm).where(Algorithm.source_id == "benefit-fraud-risk")
    ).one()
    audit = session.exec(select(Audit).where(Audit.algorithm_id == algorithm.id)).one()
    soup = parse(client.get(f"/audits/{audit.public_id}"))
    first = soup.select_one("#findings-heading ~ ul li").get_text(strip=True)
    assert "people who had done nothing wrong were flagged 2.48 times as often" in first
    assert "“18 to 24”" in first and "“35 to 49”" in first
    zh = parse(client.get(f"/audits/{audit.public_id}?lang=zh-CN"))
    first_zh = zh.select_one("#findings-heading ~ ul li").get_text(strip=True)
    assert "没有过错的人被标记的比例是" in first_zh and "2.48 倍" in first_zh
