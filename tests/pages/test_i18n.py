"""Interface languages: catalogs complete and in step with the code, negotiation, rendering."""

from __future__ import annotations

import re

import pytest

from registry import i18n
from registry.i18n.catalog import extract, read_catalog

PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _ids(catalog) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    missing, broken = [], []
    for message in read_catalog("zh-CN"):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else " ".join(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            missing.append(source)
        elif any(set(PLACEHOLDER.findall(s)) - set(PLACEHOLDER.findall(source)) for s in strings):
            broken.append(source)
    assert not missing, f"untranslated: {missing}"
    assert not broken, f"placeholders not in the source: {broken}"


@pytest.mark.parametrize("lang", i18n.SUPPORTED_LANGUAGES)
def test_catalogs_match_the_strings_in_the_code(lang):
    """Run `python -m registry.i18n.catalog` when this fails."""
    assert _ids(read_catalog(lang)) == _ids(extract())


def test_catalogs_ship_inside_the_package():
    # The wheel carries everything under registry/, so the .po files must live there.
    assert i18n.LOCALE_DIR.parent.name == "registry"
    assert i18n.po_path("zh-CN").is_file()


def test_translations_compile_in_memory():
    assert i18n.gettext("zh-CN", "Not provided by the agency") == "机构未提供"
    assert i18n.gettext("en", "Not provided by the agency") == "Not provided by the agency"
    assert i18n.ngettext("en", "%(num)s algorithm", "%(num)s algorithms", 2) == "%(num)s algorithms"


def test_ngettext_finds_forms_marked_one_by_one_in_the_catalog():
    # Page modules mark the two forms with N_ each: two catalog entries, not one plural entry.
    from registry.pages.audit_words import SMALL_NOTE_MANY, SMALL_NOTE_ONE

    many = i18n.ngettext("zh-CN", SMALL_NOTE_ONE, SMALL_NOTE_MANY, 2)
    assert many == i18n.gettext("zh-CN", SMALL_NOTE_MANY) and "群体" in many
    assert i18n.ngettext("en", SMALL_NOTE_ONE, SMALL_NOTE_MANY, 1) == SMALL_NOTE_ONE


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        ("zh-CN", None, "en", "zh-CN"),
        ("xx", "zh-CN", "en", "zh-CN"),
        (None, None, "fr-FR,zh;q=0.8,en;q=0.5", "zh-CN"),
        (None, None, "zh-TW;q=0.2,en-GB;q=0.9", "en"),
        (None, None, "de", "en"),
        (None, None, None, "en"),
        (None, "en", "zh-CN", "en"),
    ],
)
def test_language_negotiation(query, cookie, accept, expected):
    assert i18n.negotiate(query=query, cookie=cookie, accept_language=accept) == expected


@pytest.mark.db
def test_accept_language_sets_html_lang_and_lang_switch_is_a_plain_link(client, world):
    from tests.pages.conftest import parse

    soup = parse(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("h1").get_text() == "公共算法登记册"
    switch = soup.select_one("nav.lang-switch a[hreflang=en]")
    assert switch["href"] == "/?lang=en"
    response = client.get(switch["href"], follow_redirects=False)
    assert response.status_code == 200  # the switch names the language: no redirect
    assert parse(response).html["lang"] == "en"
    # A page a shared cache may keep sets no cookie (registry.pages.http_cache).
    assert "set-cookie" not in response.headers
    # A lang cookie (set by the private pages, e.g. the console) still wins over Accept-Language
    # when an address without lang is redirected.
    client.cookies.set("lang", "en")
    assert parse(client.get("/about", headers={"Accept-Language": "zh-CN"})).html["lang"] == "en"
