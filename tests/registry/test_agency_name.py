"""``agency_name``: the one rule for an agency's name in a reader's language."""

from __future__ import annotations

import pytest

from registry.models import AgencyCreate, agency_name


def _agency(name: str, translations: dict[str, str] | None = None) -> AgencyCreate:
    return AgencyCreate.model_construct(
        slug="city-housing", name=name, name_translations=translations or {}
    )


ENGLISH_FIRST = _agency("City Housing Department", {"zh-CN": "市住房局"})
CHINESE_FIRST = _agency("临江市教育局", {"en": "Linjiang Education Bureau"})


@pytest.mark.parametrize(
    ("agency", "lang", "expected"),
    [
        (ENGLISH_FIRST, "en", "City Housing Department"),
        (ENGLISH_FIRST, "zh-CN", "市住房局"),
        (CHINESE_FIRST, "en", "Linjiang Education Bureau"),
        (CHINESE_FIRST, "zh-CN", "临江市教育局"),
    ],
)
def test_the_requested_language_wins_whichever_language_the_agency_writes_in(
    agency, lang, expected
):
    assert agency_name(agency, lang) == expected


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_agency_with_one_name_is_shown_by_it_in_both_languages(lang):
    assert agency_name(_agency("Harbour Licensing Office"), lang) == "Harbour Licensing Office"
    assert agency_name(_agency("临江市交通运输局"), lang) == "临江市交通运输局"


@pytest.mark.parametrize("tag", ["zh", "zh-cn", "zh_CN", "zh-Hans-CN"])
def test_translation_tags_and_requested_languages_are_normalised(tag):
    agency = _agency("City Housing Department", {tag: "市住房局"})
    assert agency_name(agency, "zh-CN") == "市住房局"
    assert agency_name(agency, "zh") == "市住房局"
    assert agency_name(agency, "en-GB") == "City Housing Department"


def test_an_unsupported_language_reads_the_default_language():
    assert agency_name(CHINESE_FIRST, "fr") == "Linjiang Education Bureau"
    assert agency_name(ENGLISH_FIRST, "") == "City Housing Department"


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_translations_are_skipped(blank):
    assert agency_name(_agency("City Housing Department", {"zh-CN": blank}), "zh-CN") == (
        "City Housing Department"
    )


def test_a_blank_name_falls_back_to_a_translation_then_the_slug():
    assert agency_name(_agency(" ", {"zh-CN": "市住房局"}), "en") == "市住房局"
    assert agency_name(_agency(""), "zh-CN") == "city-housing"
    assert agency_name(_agency("", {"fr": ""}), "en") == "city-housing"


def test_a_name_is_never_none_or_the_word_none():
    agency = AgencyCreate.model_construct(slug="x", name=None, name_translations=None)
    assert agency_name(agency, "zh-CN") == "x"
