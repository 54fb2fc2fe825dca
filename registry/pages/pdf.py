"""A page as a PDF: the page's own HTML (same view-model, same template) printed by WeasyPrint.

WeasyPrint lays the HTML out with the print stylesheet (``@media print`` in ``static/site.css``),
draws the inline SVG charts as vectors and embeds subsets of the fonts it used (fontconfig finds a
CJK font such as WenQuanYi or Noto CJK for Chinese text). It needs the Pango library at run time,
so it is imported only when a PDF is asked for: a server without it still serves every page, and
answers the PDF with 503 naming what is missing (see docs/deploy.md for the system packages).

The renderer fetches nothing from the network: the only resources a page references are its
stylesheets under ``/static/``, which are read from the package's static folder; any other URL is
refused (WeasyPrint logs the refusal and goes on without it).

Printing is slow (about 1 to 5 s for the demo's audits on 2 cores, docs/pages.md), so the bytes are
memoised under the sha256 of the HTML they were printed from: the same page gives the same PDF, a
public change elsewhere in the register (which moves the page cache's stamp) does not print an
unchanged audit again, and a changed page (a response added, a withdrawal) can never get a stale
PDF. The page cache (``rendering.cached``) also keeps the response under the public stamp.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from registry import i18n
from registry.errors import ServiceUnavailable
from registry.lru import LRUCache

N_ = i18n.N_
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/"
PDF_MEDIA_TYPE = "application/pdf"
ERR_PDF_UNAVAILABLE = N_(
    "PDF downloads are not available on this server: %(missing)s. "
    "The page itself, and its JSON and CSV, are available as usual."
)
MISSING_WEASYPRINT = "the Python package WeasyPrint is not installed (pip install weasyprint)"
MISSING_PANGO = (
    "WeasyPrint cannot load the Pango text layout library "
    "(install the system packages libpango-1.0-0 and libpangoft2-1.0-0)"
)
PDF_CACHE_SIZE = 64  # entries; an audit's PDF is 40-150 KiB
_pdf_cache: LRUCache[tuple[bytes, str], bytes] = LRUCache(PDF_CACHE_SIZE)
_STATIC_MEDIA = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


def _weasyprint(lang: str) -> Any:
    """The weasyprint module, or ServiceUnavailable naming what is missing."""
    try:
        import weasyprint
    except ModuleNotFoundError as exc:
        missing = MISSING_WEASYPRINT if exc.name == "weasyprint" else f"{MISSING_PANGO}: {exc}"
        raise ServiceUnavailable(
            i18n.gettext(lang, ERR_PDF_UNAVAILABLE) % {"missing": missing}
        ) from exc
    except OSError as exc:  # cffi could not dlopen libpango / libgobject
        raise ServiceUnavailable(
            i18n.gettext(lang, ERR_PDF_UNAVAILABLE) % {"missing": f"{MISSING_PANGO}: {exc}"}
        ) from exc
    # WeasyPrint reports each CSS property it does not support (``content-visibility``, the
    # ``-webkit-`` ones) and fontTools each table it drops while subsetting, at WARNING: expected
    # for a stylesheet written for browsers, so kept out of the server's log.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return weasyprint


def static_file(url: str, *, origin: str) -> Path | None:
    """The file under ``static/`` that ``url`` names, or None (other origin, outside the folder)."""
    parts = urlsplit(url)
    base = urlsplit(origin)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not parts.path.startswith(STATIC_PREFIX):
        return None
    path = (STATIC_DIR / parts.path[len(STATIC_PREFIX) :]).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        return None
    return path


def render_pdf(html: str, *, base_url: str, lang: str) -> bytes:
    """The PDF of ``html`` laid out for print (memoised). Links resolve against ``base_url``."""
    key = (hashlib.sha256(html.encode()).digest(), base_url)
    return _pdf_cache.get_or_compute(key, lambda: _print(html, base_url=base_url, lang=lang))


def _print(html: str, *, base_url: str, lang: str) -> bytes:
    weasyprint = _weasyprint(lang)
    from weasyprint.urls import URLFetcherResponse

    origin = base_url.rstrip("/") + "/"

    class StaticOnly(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = static_file(url, origin=origin)
            if path is None:
                raise ValueError(f"the PDF renderer fetches only the site's static files: {url}")
            media = _STATIC_MEDIA.get(path.suffix, "application/octet-stream")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media})

    document = weasyprint.HTML(string=html, base_url=origin, url_fetcher=StaticOnly())
    pdf: bytes = document.write_pdf()
    return pdf
