"""Every page type, in both languages, on a register with no translations at all.

An agency known by one name only shows that name to readers of the other language (never "None",
never an empty link), and a card without a translation shows its original text, marked with its
language. The pages and their ``.json`` twins agree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.pages.conftest import parse
from tests.pages.world import (
    CHINESE_ONLY_AGENCY,
    CHINESE_ONLY_CARD,
    ENGLISH_ONLY_AGENCY,
    ENGLISH_ONLY_CARD,
    UntranslatedWorld,
    build_untranslated_world,
)

pytestmark = pytest.mark.db
ATOM = "{http://www.w3.org/2005/Atom}"
LANGS = ["en", "zh-CN"]
# (which record, its agency's only name, its card's only name, the card's language)
RECORDS = {
    "english": (ENGLISH_ONLY_AGENCY, ENGLISH_ONLY_CARD, "en"),
    "chinese": (CHINESE_ONLY_AGENCY, CHINESE_ONLY_CARD, "zh-CN"),
}
# A missing value rendered as text (the interface's own "None yet" is fine).
NONE_WORD = re.compile(r"\bNone\b(?! yet)|\bnull\b")


@pytest.fixture
def bare(session) -> UntranslatedWorld:
    return build_untranslated_world(session)


def _record(bare: UntranslatedWorld, which: str) -> tuple[str, str, str]:
    """(algorithm public id, audit id, agency slug) of the English or the Chinese record."""
    if which == "english":
        return bare.english.public_id, bare.english_audit_id, bare.english_agency_slug
    return bare.chinese.public_id, bare.chinese_audit_id, bare.chinese_agency_slug


def _page(client, path: str, lang: str):  # type: ignore[no-untyped-def]
    response = client.get(path, params={"lang": lang})
    soup = parse(response)
    assert soup.html["lang"] == lang
    text = soup.get_text(" ")
    assert not NONE_WORD.search(text), NONE_WORD.search(text)
    return soup


def _twin(client, path: str, lang: str, **params: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(path, params={**params, "lang": lang})
    assert response.status_code == 200, response.text[:500]
    assert "None" not in response.text
    return response.json()


def _agency_link(soup, slug: str) -> str:  # type: ignore[no-untyped-def]
    links = soup.select(f'main a[href^="/agencies/{slug}?lang="]')
    assert links, f"no link to /agencies/{slug}"
    texts = {a.get_text(strip=True) for a in links}
    assert len(texts) == 1, texts
    return texts.pop()


RECORD_PAGES = {
    "algorithm": ("/algorithms/{id}", {}),
    "history": ("/algorithms/{id}/versions", {}),
    "version": ("/algorithms/{id}/versions/1", {}),
    "diff": ("/algorithms/{id}/diff", {"from": "1", "to": "2"}),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", sorted(RECORDS))
@pytest.mark.parametrize("page", sorted(RECORD_PAGES))
def test_record_pages_name_an_untranslated_agency_in_its_own_language(
    client, bare, page, which, lang
):
    agency_name, _card, _card_lang = RECORDS[which]
    public_id, _audit, slug = _record(bare, which)
    path, params = RECORD_PAGES[page]
    path = path.format(id=public_id)
    response = client.get(path, params={**params, "lang": lang})
    soup = parse(response)
    assert soup.html["lang"] == lang
    assert not NONE_WORD.search(soup.get_text(" "))
    assert _agency_link(soup, slug) == agency_name
    twin = _twin(client, f"{path}.json", lang, **params)
    assert twin["agency"]["name"] == agency_name


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", sorted(RECORDS))
def test_algorithm_page_shows_an_untranslated_card_in_its_own_language(client, bare, which, lang):
    _agency, card_name, card_lang = RECORDS[which]
    public_id, _audit, _slug = _record(bare, which)
    soup = _page(client, f"/algorithms/{public_id}", lang)
    h1 = soup.select_one("h1")
    assert h1.get_text() == card_name
    if card_lang == lang:
        assert not h1.has_attr("lang")
    else:  # the original text, marked with its language for screen readers
        assert h1["lang"] == card_lang


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", sorted(RECORDS))
def test_audit_page_names_an_untranslated_agency_and_card(client, bare, which, lang):
    agency_name, card_name, _card_lang = RECORDS[which]
    _public_id, audit_id, slug = _record(bare, which)
    soup = _page(client, f"/audits/{audit_id}", lang)
    assert _agency_link(soup, slug) == agency_name
    assert card_name in soup.select_one("h1").get_text()
    twin = _twin(client, f"/audits/{audit_id}.json", lang)
    assert twin["agency"] == {
        "slug": slug,
        "name": agency_name,
        "name_lang": _name_lang(which, lang),
    }
    link = soup.select_one(f'main a[href^="/agencies/{slug}?lang="]')
    assert link.get("lang") == _name_lang(which, lang)  # marked when not the reader's language


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", sorted(RECORDS))
def test_agency_page_is_headed_by_its_only_name(client, bare, which, lang):
    agency_name, card_name, _card_lang = RECORDS[which]
    _public_id, _audit, slug = _record(bare, which)
    soup = _page(client, f"/agencies/{slug}", lang)
    assert soup.select_one("h1").get_text() == agency_name
    assert soup.select_one("h1").get("lang") == _name_lang(which, lang)
    feed_link = soup.select_one(
        f'link[rel=alternate][href="/agencies/{slug}/feed.atom?lang={lang}"]'
    )
    assert agency_name in feed_link["title"]
    assert [a.get_text() for a in soup.select("ul.results h3 a")] == [card_name]
    twin = _twin(client, f"/agencies/{slug}.json", lang)
    assert twin["name"] == agency_name
    assert twin["name_lang"] == _name_lang(which, lang)
    assert [r["agency"]["name"] for r in twin["algorithms"]] == [agency_name]
    assert [r["agency"]["name_lang"] for r in twin["algorithms"]] == [_name_lang(which, lang)]


@pytest.mark.parametrize("lang", LANGS)
def test_agencies_list_names_every_agency_in_one_language_or_the_other(client, bare, lang):
    soup = _page(client, "/agencies", lang)
    assert _agency_link(soup, bare.english_agency_slug) == ENGLISH_ONLY_AGENCY
    assert _agency_link(soup, bare.chinese_agency_slug) == CHINESE_ONLY_AGENCY
    twin = _twin(client, "/agencies.json", lang)
    assert {a["slug"]: a["name"] for a in twin["agencies"]} == {
        bare.english_agency_slug: ENGLISH_ONLY_AGENCY,
        bare.chinese_agency_slug: CHINESE_ONLY_AGENCY,
    }


@pytest.mark.parametrize("lang", LANGS)
def test_home_results_and_agency_filter_use_the_fallback_names(client, bare, lang):
    soup = _page(client, "/", lang)
    by_card = {
        item.select_one("h3 a").get_text(): item.select_one("ul.meta li").get_text()
        for item in soup.select("ol.results li.result")
    }
    assert by_card == {
        ENGLISH_ONLY_CARD: ENGLISH_ONLY_AGENCY,
        CHINESE_ONLY_CARD: CHINESE_ONLY_AGENCY,
    }
    labels = {
        inp["value"]: inp.find_parent("label").get_text(" ", strip=True)
        for inp in soup.select('input[name="agency"]')
    }
    assert labels == {
        bare.english_agency_slug: f"{ENGLISH_ONLY_AGENCY} (1)",
        bare.chinese_agency_slug: f"{CHINESE_ONLY_AGENCY} (1)",
    }
    twin = _twin(client, "/index.json", lang)
    assert sorted(r["agency"]["name"] for r in twin["results"]) == sorted(
        [ENGLISH_ONLY_AGENCY, CHINESE_ONLY_AGENCY]
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/about", "/methods"])
def test_info_pages_render_on_an_untranslated_register(client, bare, path, lang):
    soup = _page(client, path, lang)
    assert soup.select_one("h1").get_text(strip=True)


def _feed(client, path: str, lang: str) -> ET.Element:  # type: ignore[no-untyped-def]
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 200
    assert not NONE_WORD.search(response.text)
    return ET.fromstring(response.content)


INDEPENDENT_AUDITOR = {"en": "Independent auditor", "zh-CN": "独立审计方"}


def _name_lang(which: str, lang: str) -> str | None:
    """The ``name_lang`` a twin gives the record's agency: its only name's language, if not the
    reader's."""
    own = RECORDS[which][2]
    return None if own == lang else own


@pytest.mark.parametrize("lang", LANGS)
def test_feed_entries_are_authored_by_the_agencys_only_name(client, bare, lang):
    feed = _feed(client, "/feed.atom", lang)
    authors = {
        entry.find(f"{ATOM}link").get("href"): entry.find(f"{ATOM}author/{ATOM}name").text
        for entry in feed.iter(f"{ATOM}entry")
    }
    assert authors
    for href, author in authors.items():
        expected = ENGLISH_ONLY_AGENCY if bare.english.public_id in href else CHINESE_ONLY_AGENCY
        if "/audits/" in href:  # an independent audit's entry: by its auditor, not the agency
            expected = INDEPENDENT_AUDITOR[lang]
        assert author == expected, href


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", sorted(RECORDS))
def test_agency_feed_title_carries_the_agencys_only_name(client, bare, which, lang):
    agency_name, _card, _card_lang = RECORDS[which]
    _public_id, _audit, slug = _record(bare, which)
    feed = _feed(client, f"/agencies/{slug}/feed.atom", lang)
    assert feed.find(f"{ATOM}title").text.endswith(f" · {agency_name}")
    authors = {e.find(f"{ATOM}author/{ATOM}name").text for e in feed.iter(f"{ATOM}entry")}
    assert authors == {agency_name, INDEPENDENT_AUDITOR[lang]}


@pytest.mark.parametrize(
    ("lang", "expected"), [("en", "Linjiang Education Bureau"), ("zh-CN", "临江市教育局")]
)
def test_an_agency_named_in_chinese_with_an_english_translation_reads_in_each_language(
    client, session, lang, expected
):
    from tests.registry.factories import make_agency

    make_agency(
        session,
        slug="linjiang-education",
        name="临江市教育局",
        name_translations={"en": "Linjiang Education Bureau"},
    )
    soup = _page(client, "/agencies/linjiang-education", lang)
    assert soup.select_one("h1").get_text() == expected
    assert _agency_link(_page(client, "/agencies", lang), "linjiang-education") == expected
