"""Published versions in other registers' formats: links on the algorithm page and its twin,
one file per version and format, the whole register per format as a zip, and a card in its
original language (Dutch) read in both interface languages."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from bs4 import BeautifulSoup

from registry.formats import FORMATS
from registry.models import Role
from registry.services.cards import drafts
from tests.interop.fake_format import FAKE_ID
from tests.registry.factories import T0, card, make_account, make_agency, make_draft_algorithm

pytestmark = pytest.mark.db

DUTCH_CARD = card(
    name="Parkeercontrole met scanauto's",
    summary="Scanauto's lezen kentekens en controleren of voor het parkeren is betaald.",
    language="nl",
)


def _publish(session, agency, card_data):
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    publisher = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_draft_algorithm(session, agency=agency, editor=editor, card_data=card_data)
    drafts.publish_draft(
        session,
        actor=publisher,
        algorithm=algorithm,
        change_summary="Eerste versie.",
        four_eyes=True,
        revision=drafts.current_revision(session, algorithm),
        now=T0,
    )
    session.refresh(algorithm)
    return algorithm


@pytest.fixture
def register(session):
    agency = make_agency(session, name="Gemeente Amsterdam", name_translations={})
    dutch = _publish(session, agency, DUTCH_CARD)
    english = _publish(session, agency, card())
    draft = make_draft_algorithm(session, agency=agency, card_data=card(name="Not yet public"))
    return {"dutch": dutch, "english": english, "draft": draft}


def _soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:1000]
    return BeautifulSoup(response.text, "html.parser")


def test_algorithm_page_links_every_writable_format_and_says_what_each_lacks(client, register):
    public_id = register["dutch"].public_id
    soup = _soup(client.get(f"/algorithms/{public_id}", params={"lang": "en"}))
    items = soup.select("#exports li")
    assert {li["id"].removeprefix("export-") for li in items} == {
        fid for fid, f in FORMATS.items() if f.can_write
    }
    fake = soup.select_one(f"#export-{FAKE_ID}")
    assert fake.a["href"] == f"/algorithms/{public_id}/versions/1/export/{FAKE_ID}"
    assert "This export lacks: source_code_url (" in " ".join(fake.get_text(" ").split())


def test_the_json_twin_lists_the_exports_with_their_gaps(client, register):
    public_id = register["dutch"].public_id
    twin = client.get(f"/algorithms/{public_id}.json").json()
    fake = next(e for e in twin["exports"] if e["format"] == FAKE_ID)
    assert fake["url"] == f"/algorithms/{public_id}/versions/1/export/{FAKE_ID}"
    assert fake["missing_required"] == ["source_code_url"]
    assert fake["standard_version"] == "1.0"
    assert fake["register_url"] == f"/downloads/register.{FAKE_ID}.zip"


def test_a_version_downloads_in_a_format_with_the_gaps_in_the_file(client, register):
    public_id = register["dutch"].public_id
    response = client.get(f"/algorithms/{public_id}/versions/1/export/{FAKE_ID}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    assert body["name"] == DUTCH_CARD["name"] and body["organisation"] == "Gemeente Amsterdam"
    assert body["missing_required"] == ["source_code_url"]


@pytest.mark.parametrize("fid", [fid for fid, f in FORMATS.items() if f.can_write])
def test_every_real_format_downloads(client, register, fid):
    response = client.get(f"/algorithms/{register['english'].public_id}/versions/1/export/{fid}")
    assert response.status_code == 200 and response.content


@pytest.mark.parametrize(
    "path",
    [
        "/algorithms/{draft}/versions/1/export/fake",  # never published: no export at all
        "/algorithms/{dutch}/versions/2/export/fake",  # no such version
        "/algorithms/{dutch}/versions/1/export/nope",  # no such format
        "/downloads/register.nope.zip",
    ],
)
def test_no_export_of_what_is_not_published_or_not_known(client, register, path):
    ids = {k: a.public_id for k, a in register.items()}
    assert client.get(path.format(**ids)).status_code == 404


def test_the_whole_register_downloads_per_format_as_a_zip_without_drafts(client, register):
    response = client.get(f"/downloads/register.{FAKE_ID}.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    published = {register["dutch"].public_id, register["english"].public_id}
    assert {n.split("/")[0] for n in names if "/" in n} == published
    assert register["draft"].public_id not in response.text
    manifest = json.loads(archive.read("missing_required.json"))
    assert all(v == ["source_code_url"] for v in manifest["missing_required"].values())


@pytest.mark.parametrize(("lang", "language_name"), [("en", "Dutch"), ("zh-CN", "荷兰语")])
def test_a_dutch_card_is_shown_in_its_original_language_in_both_interfaces(
    client, register, lang, language_name
):
    public_id = register["dutch"].public_id
    soup = _soup(client.get(f"/algorithms/{public_id}", params={"lang": lang}))
    assert soup.html["lang"] == lang
    assert soup.h1["lang"] == "nl" and soup.h1.get_text() == DUTCH_CARD["name"]
    banner = soup.select_one("#original-language")
    assert language_name in banner.get_text()
    summary = soup.find(string=lambda s: s and "Scanauto's lezen" in s)
    assert summary is not None and summary.find_parent(attrs={"lang": "nl"}) is not None
    twin = client.get(f"/algorithms/{public_id}.json", params={"lang": lang}).json()
    assert twin["original_language"] == {"tag": "nl", "name": language_name}


def test_a_card_in_the_readers_language_has_no_original_language_note(client, register):
    public_id = register["english"].public_id
    soup = _soup(client.get(f"/algorithms/{public_id}", params={"lang": "en"}))
    assert soup.select_one("#original-language") is None
    assert client.get(f"/algorithms/{public_id}.json").json()["original_language"] is None
