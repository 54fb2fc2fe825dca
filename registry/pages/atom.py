"""Atom documents (RFC 4287) written with ElementTree, so the feeds are well-formed XML whatever
the database holds.

Input validation refuses every character XML 1.0 cannot carry (``registry.cards.value_types``), but
rows stored before that rule, or written around the API, may still hold one. ElementTree escapes
markup yet does not check characters, so each text and attribute goes through ``xml_text`` first:
a character outside XML 1.0's ``Char`` production becomes U+FFFD (the replacement character), so
one bad row shows as a visible mark rather than breaking the feed for every reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
REPLACEMENT = "\ufffd"
# Everything outside XML 1.0's Char production (section 2.2 of the XML 1.0 specification).
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text that XML 1.0 can carry: each character it cannot becomes U+FFFD."""
    return NOT_XML_CHAR.sub(REPLACEMENT, str(value))


def _child(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _timestamp(value: datetime) -> str:
    return value.isoformat()


def atom_document(feed: dict[str, Any], *, lang: str) -> bytes:
    """The feed view-model (``registry.pages.vm_feeds.feed``) as a UTF-8 Atom document."""
    # Unprefixed names in the Atom namespace, declared once here. (ElementTree's default_namespace
    # option refuses the unprefixed attributes Atom uses, such as rel and href.)
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: xml_text(lang)})
    _child(root, "id", feed["id"])
    _child(root, "title", feed["title"])
    _child(root, "link", rel="self", type="application/atom+xml", href=feed["self"])
    _child(root, "link", rel="alternate", type="text/html", href=feed["alternate"])
    _child(root, "updated", _timestamp(feed["updated"]))
    _child(_child(root, "author"), "name", feed["author"])
    for item in feed["entries"]:
        entry = _child(root, "entry")
        _child(entry, "id", item["id"])
        _child(entry, "title", item["title"])
        _child(entry, "link", rel="alternate", type="text/html", href=item["link"])
        _child(entry, "updated", _timestamp(item["updated"]))
        _child(_child(entry, "author"), "name", item["author"])
        if item["summary"]:
            _child(entry, "summary", item["summary"])
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
