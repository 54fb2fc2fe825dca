"""Interface languages: gettext catalogs compiled in memory from the shipped ``.po`` files.

The ``.po`` files live under ``registry/locale/<lang>/LC_MESSAGES/messages.po`` so a plain wheel
install carries them. They are compiled to ``.mo`` bytes in memory on first use (no build step, no
committed binaries), once per process.

Language choice, first match wins: ``?lang=`` in the URL, the ``lang`` cookie, ``Accept-Language``,
then English.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "zh-CN": "中文"}
_CATALOG_DIRS = {"en": "en", "zh-CN": "zh_CN"}
LANG_COOKIE = "lang"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated when rendered)."""
    return message


def po_path(lang: str) -> Path:
    return LOCALE_DIR / _CATALOG_DIRS[lang] / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(SUPPORTED_LANGUAGES))
def translations(lang: str) -> Translations:
    """The compiled catalog for ``lang`` (one of ``SUPPORTED_LANGUAGES``)."""
    lang = normalise(lang) or DEFAULT_LANGUAGE
    with po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=_CATALOG_DIRS[lang])
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain="messages")


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> Locale:
    return Locale.parse(_CATALOG_DIRS.get(lang, "en"))


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    """The form for ``n``: from a plural entry (``ngettext`` in a template), else from the two
    forms' own entries (the page modules mark each form with ``N_``, so the catalog holds them
    as two messages)."""
    found = translations(lang).ngettext(singular, plural, n)
    if found in (singular, plural):
        return translations(lang).gettext(singular if n == 1 else plural)
    return found


def normalise(value: str | None) -> str | None:
    """Map a tag (``zh``, ``zh-cn``, ``zh_Hans_CN``, ``en-GB``) to a supported one, or None."""
    if not value:
        return None
    tag = value.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        # Traditional-script tags still get the simplified catalog: it is closer than English.
        return "zh-CN"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def other_language(tag: str | None, lang: str) -> str | None:
    """``tag`` (normalised) when it names a language other than the reader's ``lang``, else None:
    the ``lang`` attribute a page puts on text shown in its own language."""
    known = normalise(tag)
    return known if known and known != lang else None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags from an ``Accept-Language`` header, best first (q=0 entries dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((-quality, index, tag.strip()))
    return [tag for _q, _i, tag in sorted(ranked)]


def negotiate(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Pick the interface language for one request."""
    for candidate in (query, cookie):
        chosen = normalise(candidate)
        if chosen:
            return chosen
    for tag in parse_accept_language(accept_language):
        chosen = normalise(tag)
        if chosen:
            return chosen
    return DEFAULT_LANGUAGE
