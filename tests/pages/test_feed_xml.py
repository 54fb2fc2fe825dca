"""The Atom feeds are well-formed XML whatever the database holds.

Input validation now refuses characters XML 1.0 cannot carry, but older rows (or rows written
around the API) may still hold them; one such row must not break the feed for every reader. The
characters are written straight into the database here, bypassing validation.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlmodel import select

from registry.models import Agency, Algorithm, CardVersion
from tests.registry.factories import T0

pytestmark = pytest.mark.db

ATOM = "{http://www.w3.org/2005/Atom}"
# Characters XML 1.0 does not allow (the Char production of the XML 1.0 specification).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _bad_characters(session) -> str:  # type: ignore[no-untyped-def]
    """What the database can hold: PostgreSQL text cannot hold NUL, SQLite text can."""
    chars = "\x0b\x1b\x01\ufffe\uffff"
    return chars + ("\x00" if session.get_bind().dialect.name == "sqlite" else "")


def _poison(session, world, bad: str) -> None:  # type: ignore[no-untyped-def]
    main = session.get(Algorithm, world.main.id)
    main.name = f"Benefit{bad}claim triage"
    agency = session.exec(select(Agency).where(Agency.id == main.agency_id)).one()
    agency.name = f"City{bad} of Example"
    version = session.exec(
        select(CardVersion).where(CardVersion.algorithm_id == main.id, CardVersion.number == 2)
    ).one()
    version.change_summary = f"Fixed{bad} the summary"
    retired = session.get(Algorithm, world.retired.id)
    retired.retired_reason = f"Replaced{bad}"
    retired.name = f'Bus lane{bad} <camera> & "alerts" ]]>'
    session.add_all([main, agency, version, retired])
    session.commit()


@pytest.mark.parametrize("path", ["/feed.atom", "agency"])
def test_feeds_stay_well_formed_when_stored_text_holds_characters_xml_cannot_carry(
    client, world, session, path
):
    bad = _bad_characters(session)
    _poison(session, world, bad)
    url = f"/agencies/{world.agency_slug}/feed.atom" if path == "agency" else path
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    text = response.content.decode("utf-8")
    assert not NOT_XML.search(text)
    feed = ET.fromstring(response.content)  # expat: raises on anything not well-formed
    assert feed.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
    assert any(t.startswith("Benefit\ufffd") and "claim triage" in t for t in titles), titles
    authors = {e.findtext(f"{ATOM}author/{ATOM}name") for e in feed.findall(f"{ATOM}entry")}
    assert any(a and a.startswith("City\ufffd") for a in authors), authors
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert any(s and s.startswith("Fixed\ufffd") for s in summaries), summaries


def test_markup_in_stored_text_is_escaped_not_interpreted(client, world, session):
    _poison(session, world, "")
    feed = ET.fromstring(client.get("/feed.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert 'Bus lane <camera> & "alerts" ]]>: retired' in titles
    assert not feed.findall(f".//{ATOM}camera")


def test_the_feed_is_a_complete_atom_document(client, world):
    response = client.get("/feed.atom", headers={"Accept-Language": "zh-CN"})
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>") or (
        response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    )
    feed = ET.fromstring(response.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    for child in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{child}"), child
    links = {link.get("rel"): link for link in feed.findall(f"{ATOM}link")}
    assert links["self"].get("href").endswith("/feed.atom?lang=zh-CN")  # its canonical URL
    assert links["self"].get("type") == "application/atom+xml"
    assert links["alternate"].get("type") == "text/html"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "公共算法登记册"
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for child in ("id", "title", "updated", "author/" + ATOM + "name"):
            assert entry.findtext(f"{ATOM}{child}"), child
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    assert updated[0] > (T0 + timedelta(days=1)).isoformat()
