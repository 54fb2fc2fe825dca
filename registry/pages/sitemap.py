"""``/sitemap.xml`` (sitemaps.org protocol 0.9) written with ElementTree, like the Atom feeds.

Each page is listed once per language, at its canonical URL (``?lang=en``, ``?lang=zh-CN``; see
``registry.pages.languages``), with ``xhtml:link rel="alternate" hreflang`` naming every language's
URL and ``x-default`` the address without ``lang`` (which redirects by the reader's language).

One ``urlset`` while the register has at most :data:`ENTRIES_PER_PART` public pages (each listed
once per language, so at most :data:`MAX_URLS` URLs, the protocol's limit per file); past that,
``/sitemap.xml`` is a ``sitemapindex`` of ``/sitemap-<n>.xml`` parts of that many pages each.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from registry.i18n import SUPPORTED_LANGUAGES
from registry.pages.atom import xml_text

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
MAX_URLS = 50_000
ENTRIES_PER_PART = MAX_URLS // len(SUPPORTED_LANGUAGES)
STATIC_PATHS = ("/", "/agencies", "/methods", "/about")

Entry = tuple[str, datetime | None]  # a path and when it last changed (None: unknown)


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _lastmod(parent: ET.Element, at: datetime | None) -> None:
    if at is not None:
        ET.SubElement(parent, "lastmod").text = at.isoformat()


def part_count(entries: Sequence[Entry]) -> int:
    return max(1, -(-len(entries) // ENTRIES_PER_PART))


def part(entries: Sequence[Entry], n: int) -> Sequence[Entry]:
    """The entries of part ``n`` (from 1)."""
    return entries[(n - 1) * ENTRIES_PER_PART : n * ENTRIES_PER_PART]


def urlset(base: str, entries: Sequence[Entry]) -> bytes:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS, "xmlns:xhtml": XHTML_NS})
    for path, at in entries:
        page = xml_text(base + quote(path))
        hrefs = {lang: f"{page}?lang={lang}" for lang in SUPPORTED_LANGUAGES}
        for lang in SUPPORTED_LANGUAGES:
            url = ET.SubElement(root, "url")
            ET.SubElement(url, "loc").text = hrefs[lang]
            _lastmod(url, at)
            for other, href in hrefs.items():
                ET.SubElement(
                    url, "xhtml:link", {"rel": "alternate", "hreflang": other, "href": href}
                )
            ET.SubElement(
                url, "xhtml:link", {"rel": "alternate", "hreflang": "x-default", "href": page}
            )
    return _document(root)


def sitemap_index(base: str, entries: Sequence[Entry]) -> bytes:
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for n in range(1, part_count(entries) + 1):
        sitemap = ET.SubElement(root, "sitemap")
        ET.SubElement(sitemap, "loc").text = xml_text(f"{base}/sitemap-{n}.xml")
        _lastmod(sitemap, max((at for _p, at in part(entries, n) if at is not None), default=None))
    return _document(root)
