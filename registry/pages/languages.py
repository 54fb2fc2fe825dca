"""Every language-specific public page has one URL per language: ``?lang=en`` or ``?lang=zh-CN``.

A shared cache keys on the URL. While the language was negotiated from the ``lang`` cookie and
``Accept-Language``, every page had to say ``Vary: Accept-Language, Cookie``, and a cache kept one
copy per distinct header value (in practice: per reader). Now the language is part of the address:

- a ``GET``/``HEAD`` of a language-specific route without ``lang`` (or with a value that is not
  exactly one of :data:`registry.i18n.SUPPORTED_LANGUAGES`, e.g. ``zh``, ``zh-cn``, ``fr``, or
  ``lang`` given twice) answers ``303 See Other`` to the same URL with the canonical value, the
  language negotiated from the cookie, then ``Accept-Language`` (:func:`registry.i18n.negotiate`).
  That redirect is ``Cache-Control: private, no-store`` with ``Vary: Accept-Language, Cookie``;
- every link a page generates to a language-specific route carries the reader's ``lang`` (the
  templates' ``url()`` helper adds it for the names in :data:`LANGUAGE_ROUTES`), so a reader
  clicking around never meets the redirect;
- language-neutral routes (the API, the transparency log, health, robots, the sitemap, static
  files, the register and history downloads, exports in other registers' formats) never redirect.

A route is language-specific by declaring ``dependencies=language_specific(name)``; ``page_route``
does so for every page and its twins. The list per route family is in docs/pages.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from registry import i18n

#: Names of the routes whose answer depends on the reader's language (filled at import time by
#: :func:`language_specific`; ``page_route`` adds each page and its twins).
LANGUAGE_ROUTES: set[str] = set()
REDIRECT_HEADERS = {"Cache-Control": "private, no-store", "Vary": "Accept-Language, Cookie"}


class LanguageRedirect(Exception):
    """Raised by :func:`canonical_language`; answered with a 303 by :func:`redirect_response`."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def explicit_lang(request: Request) -> str | None:
    """The request's ``lang`` when it names a language canonically (exactly once), else None."""
    values = request.query_params.getlist("lang")
    if len(values) == 1 and values[0] in i18n.SUPPORTED_LANGUAGES:
        return values[0]
    return None


def language_vary(request: Request) -> dict[str, str]:
    """``Vary: Accept-Language, Cookie`` unless the URL names the language (then nothing varies)."""
    return {} if explicit_lang(request) else {"Vary": "Accept-Language, Cookie"}


def canonical_url(request: Request, lang: str) -> str:
    """This request's path and query with ``lang`` set to ``lang`` (last, other parameters kept
    in their order)."""
    raw_path = request.scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(request.url.path, safe="/")
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{path}?{urlencode([*items, ('lang', lang)])}"


def canonical_language(request: Request) -> None:
    """The dependency of every language-specific route: a URL without a canonical ``lang`` is
    redirected to the one with the reader's language."""
    if explicit_lang(request):
        return
    values = request.query_params.getlist("lang")
    lang = i18n.normalise(values[-1]) if values else None
    if lang is None:
        lang = i18n.negotiate(
            query=None,
            cookie=request.cookies.get(i18n.LANG_COOKIE),
            accept_language=request.headers.get("accept-language"),
        )
    raise LanguageRedirect(canonical_url(request, lang))


def language_specific(name: str) -> list[Any]:
    """``dependencies=`` for a language-specific route named ``name``."""
    LANGUAGE_ROUTES.add(name)
    return [Depends(canonical_language)]


def redirect_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LanguageRedirect)
    return RedirectResponse(exc.location, status_code=303, headers=REDIRECT_HEADERS)
