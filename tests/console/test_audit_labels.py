"""The console's audit preview and response form name attributes, groups and checks by the
auditor's labels in both languages, exactly as the public page will."""

from __future__ import annotations

import pytest

from tests.console.audit_world import PRIVATE, PUBLISHED, build_audit_world
from tests.console.conftest import signed_in, soup
from tests.pages.labelled_audit import LABELS, label_stored_audit
from tests.pages.test_audit_labels import codes_in, visible_text

pytestmark = pytest.mark.db


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    built = build_audit_world(session)
    label_stored_audit(session, PRIVATE)
    published = label_stored_audit(session, PUBLISHED)
    published.response_text = published.response_texts = published.response_at = None
    session.add(published)
    session.commit()
    return built


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_private_preview_shows_names_and_no_code(console, world, lang) -> None:
    signed_in(console, world.staff["auditor"])
    page = soup(console.get(f"/console/audits/{PRIVATE}?lang={lang}"))
    article = page.select_one("article")
    assert article is not None
    panel = article.select_one(".staff-panel")
    if panel is not None:
        panel.decompose()
    text = visible_text(article)
    assert LABELS["attributes"]["sex"][lang] in text
    assert LABELS["groups"]["sex"]["nonbinary"][lang] in text
    assert LABELS["checks"]["selection_ratio"][lang] in text
    assert codes_in(text) == []


def test_response_form_names_the_failed_check_by_its_label_in_each_language(console, world):
    signed_in(console, world.staff["editor_same"])
    page = soup(console.get(f"/console/audits/{PUBLISHED}/response"))
    english = page.select_one("textarea#response_en").text
    chinese = page.select_one("textarea#response_zh").text
    assert "did not pass: “Offer rate ratio”." in english
    assert "以下检查未通过：“录取率比值”。" in chinese
    assert "selection_ratio" not in english + chinese
