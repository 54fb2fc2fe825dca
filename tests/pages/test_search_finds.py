"""Search that finds things: English stems, the synonym table (English and Chinese together),
jieba's Chinese words next to bigrams, "did you mean" when nothing matches, and no filter form
when there is nothing to filter."""

from __future__ import annotations

import pytest

from registry.models import Account, Agency
from registry.services.public.analysis import synonym_groups
from tests.pages.conftest import parse
from tests.pages.world import _publish
from tests.registry.factories import card, make_draft_algorithm

pytestmark = pytest.mark.db

FACE_TRANSLATION = {
    "zh-CN": {"name": "边检人脸识别", "summary": "在边境口岸用人脸识别核对旅客身份。"}
}


def _names(client, q: str, lang: str = "en") -> list[str]:  # type: ignore[no-untyped-def]
    data = client.get("/index.json", params={"q": q, "lang": lang}).json()
    return [r["name"] for r in data["results"]]


def _publish_face_matching(session, world) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    editor, publisher = (
        session.exec(sa.select(Account).where(Account.agency_id == world.main.agency_id))
        .scalars()
        .all()[:2]
    )
    data = card(
        name="Border gate face matching",
        summary="Compares a traveller's face with the passport photo at border gates.",
        translations=FACE_TRANSLATION,
    )
    algorithm = make_draft_algorithm(
        session, agency=session.get(Agency, world.main.agency_id), editor=editor, card_data=data
    )
    _publish(session, algorithm, editor, publisher, data, 1, "First publication.")


def test_english_stems_find_other_forms_of_a_word(client, world):
    # the card says "benefit claims"; "benefits" is no prefix of "benefit", its stem is
    assert _names(client, "benefits") == _names(client, "benefit") != []
    assert _names(client, "claim") == _names(client, "claiming") != []


def test_synonyms_find_the_other_words_of_a_group_in_both_languages(client, world, session):
    _publish_face_matching(session, world)
    found = ["Border gate face matching"]
    assert _names(client, "face recognition") == found
    assert _names(client, "facial recognition") == found
    # 人脸比对 is nowhere in the card; its group has 人脸识别 (the translation), "face matching"
    assert _names(client, "人脸比对") == found
    assert _names(client, "welfare") == _names(client, "benefit")
    assert _names(client, "welfare") != []


def test_chinese_words_are_segmented_so_words_apart_in_the_text_still_match(client, world):
    # the translated name is 福利申请分流: 利分 occurs nowhere, yet 福利 and 分流 both do
    assert len(_names(client, "福利分流", "zh-CN")) == 1
    assert _names(client, "福利分流", "zh-CN") == _names(client, "福利申请分流", "zh-CN")
    assert _names(client, "分流福利救助站", "zh-CN") == []  # every word must still be there


def test_did_you_mean_offers_a_query_that_finds_something(client, world, session):
    data = client.get("/index.json", params={"q": "benifit"}).json()
    assert data["total"] == 0
    assert data["suggestion"] == "benefit"
    assert client.get("/index.json", params={"q": "benefit"}).json()["suggestion"] is None
    # nothing near enough: no suggestion rather than a wild guess
    assert client.get("/index.json", params={"q": "zzqxj"}).json()["suggestion"] is None

    page = parse(client.get("/", params={"q": "benifit"}))
    link = page.select_one(".suggestion a")
    assert link is not None and link.get_text(strip=True) == "benefit"
    assert link["href"] == "/?q=benefit&lang=en"

    _publish_face_matching(session, world)
    zh = client.get("/index.json", params={"q": "人脸识另", "lang": "zh-CN"}).json()
    assert zh["total"] == 0 and zh["suggestion"] == "人脸识别"
    page = parse(client.get("/", params={"q": "人脸识另", "lang": "zh-CN"}))
    assert "您是不是要找" in page.select_one(".suggestion").get_text()


def test_no_filter_form_when_nothing_can_be_filtered(client, world):
    empty = parse(client.get("/", params={"q": "zzqxj"}))
    assert empty.select_one("form.filters") is None
    assert "Apply filters" not in empty.get_text()
    assert empty.select_one(".filters a")["href"] == "/?lang=en"  # the way back stays
    found = parse(client.get("/", params={"q": "benefit"}))
    assert found.select_one("form.filters button[type=submit]") is not None
    zh = parse(client.get("/", params={"q": "zzqxj", "lang": "zh-CN"}))
    assert zh.select_one("form.filters") is None


def test_synonym_table_parses_and_every_group_has_both_languages():
    groups = synonym_groups()
    assert len(groups) >= 5
    for group in groups:
        assert {phrase.han for phrase in group} == {True, False}
