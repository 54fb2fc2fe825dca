"""The demo's audits come from sample specs with labels: in a real browser, the audit page and
its algorithm's page show the auditor's names in both languages and no data code at all."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

#: Codes of samples/predictions/benefit-fraud-risk (attributes, groups, checks, settings); the
#: attribute `nationality` is left out, its groups' names ("EU nationality") hold the word.
CODES = ("age_band", "non-eu", "eu", "18-24", "65+", "fpr_ratio", "tpr_difference", "bh")
NAMES = {
    "en": ("Age band", "Non-EU nationality", "Wrongful flag ratio", "Benjamini-Hochberg"),
    "zh-CN": ("年龄段", "非欧盟国籍", "误标比值", "错误发现率控制"),
}


def _codes_in(text: str) -> list[str]:
    return [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_demo_audit_and_algorithm_pages_show_names_not_codes(page, site, lang):  # type: ignore[no-untyped-def]
    page.goto(site.base_url + f"/?q=fraud&lang={lang}")
    page.locator("main a[href^='/algorithms/alg-']").first.click()
    algorithm_url = page.url
    assert _codes_in(page.locator("body").inner_text()) == []
    page.locator("#latest-audit a").click()
    assert "/audits/aud-" in page.url
    text = page.locator("body").inner_text()
    for name in NAMES[lang]:
        assert name in text
    assert _codes_in(text) == []
    assert page.locator("figure.chart svg title").first.text_content()
    chart = page.locator("figure.chart svg title").all_text_contents()
    assert not any(_codes_in(title) for title in chart)
    page.goto(algorithm_url)
    assert page.locator("html").get_attribute("lang") == lang
