"""``/sitemap.xml`` (sitemaps.org protocol 0.9) written with ElementTree, like the Atom feeds.

One ``urlset`` while the register has at most :data:`MAX_URLS` public pages; past that,
``/sitemap.xml`` is a ``sitemapindex`` of ``/sitemap-<n>.xml`` parts of :data:`MAX_URLS` each
(the protocol's limit per file).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from registry.pages.atom import xml_text

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_URLS = 50_000
STATIC_PATHS = ("/", "/agencies", "/methods", "/about")

Entry = tuple[str, datetime | None]  # a path and when it last changed (None: unknown)


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _lastmod(parent: ET.Element, at: datetime | None) -> None:
    if at is not None:
        ET.SubElement(parent, "lastmod").text = at.isoformat()


def part_count(entries: Sequence[Entry]) -> int:
    return max(1, -(-len(entries) // MAX_URLS))


def urlset(base: str, entries: Sequence[Entry]) -> bytes:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for path, at in entries:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = xml_text(base + quote(path))
        _lastmod(url, at)
    return _document(root)


def sitemap_index(base: str, entries: Sequence[Entry]) -> bytes:
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for n in range(1, part_count(entries) + 1):
        part = entries[(n - 1) * MAX_URLS : n * MAX_URLS]
        sitemap = ET.SubElement(root, "sitemap")
        ET.SubElement(sitemap, "loc").text = xml_text(f"{base}/sitemap-{n}.xml")
        _lastmod(sitemap, max((at for _p, at in part if at is not None), default=None))
    return _document(root)
