"""One view-model, several representations: ``page_route`` registers ``P``, ``P.json`` and ``P.csv``
(and ``P.pdf`` where asked: the HTML page printed by ``registry.pages.pdf``).

A page handler parses the request, calls one view-model function and returns a :class:`PageResult`.
The endpoint wrapper renders that result as HTML, JSON, CSV or PDF depending on which URL was asked
for, adds the ``Link`` header and, for the read-only machine formats,
``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from registry import i18n
from registry.api.deps import get_clock
from registry.config import Settings
from registry.db import session_scope
from registry.lru import LRUCache
from registry.pages.cache import CachedPage, PageCache, etag, page_key
from registry.pages.http_cache import public_cache_control
from registry.pages.languages import LANGUAGE_ROUTES, language_specific, language_vary
from registry.pages.twins import (
    MEDIA_TYPES,
    READ_ONLY_CORS,
    csv_document,
    html_path,
    json_bytes,
    link_header,
    twin_path,
    with_query,
)
from registry.services.public import search_index as public_search_index

COOKIE_MAX_AGE = 365 * 24 * 3600
#: A view-model: one of the ``TypedDict``\ s of ``registry.pages.page_types`` (typed per page).
VM = TypeVar("VM", bound=Mapping[str, Any])


@dataclass
class PageResult(Generic[VM]):
    """What a page handler returns: a template and the view-model that feeds every format."""

    template: str
    vm: VM
    csv: Callable[[VM], tuple[Sequence[str], Iterable[Sequence[Any]]]] | None = None
    status: int = 200


def request_lang(request: Request) -> str:
    """The interface language for this request (see :func:`registry.i18n.negotiate`)."""
    cached = getattr(request.state, "lang", None)
    if cached:
        return cached
    lang = i18n.negotiate(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get(i18n.LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )
    request.state.lang = lang
    return lang


def _query(request: Request) -> dict[str, Any]:
    return {k: request.query_params.getlist(k) for k in request.query_params}


def _flat_query(request: Request) -> dict[str, Any]:
    return {k: (v[0] if len(v) == 1 else v) for k, v in _query(request).items()}


URL_CACHE_SIZE = 50_000


# Stand-ins for path parameters in a route's path template (Unicode private-use characters, which
# no public id, slug or number contains).
_OPEN, _CLOSE = "\ue000", "\ue001"
_NOT_A_TEMPLATE = ""  # cached for routes whose parameters are not plain strings (int convertors)


def _path_template(app: Any, name: str, names: tuple[str, ...]) -> str:
    try:
        return str(app.url_path_for(name, **{k: f"{_OPEN}{k}{_CLOSE}" for k in names}))
    except ValueError:  # a convertor that takes no stand-in (``{audit_id:int}``)
        return _NOT_A_TEMPLATE


def url_path(app: Any, name: str, **params: Any) -> str:
    """``app.url_path_for``, memoised.

    Route lookup walks every route (and, since FastAPI keeps included routers nested, every
    router), so it dominated page renders: an algorithm page links to dozens of ids, each a cache
    miss. So the path is looked up once per route and set of parameter names, with stand-ins for
    the values, and the values are put in place (exactly what Starlette's ``replace_params`` does
    for string parameters); values that Starlette's string convertor would refuse (empty, or with
    a ``/``) and non-string parameters take the full lookup, memoised per value.
    """
    cache: LRUCache[tuple[Any, ...], str] = app.state.page_urls
    if all(isinstance(v, str) and v and "/" not in v for v in params.values()):
        names = tuple(sorted(params))
        template = cache.get_or_compute(
            ("template", name, names), lambda: _path_template(app, name, names)
        )
        if template != _NOT_A_TEMPLATE:
            for k in names:
                template = template.replace(f"{_OPEN}{k}{_CLOSE}", params[k])
            return template
    key = (name, *sorted(params.items()))
    return cache.get_or_compute(key, lambda: str(app.url_path_for(name, **params)))


def page_context(request: Request, formats: Sequence[str] = ()) -> dict[str, Any]:
    """Template context shared by every HTML page (language switch, alternates, URL helper)."""
    lang = request_lang(request)
    # Percent-encoded: an error page echoes whatever path was asked for, control characters too.
    path = quote(html_path(request.url.path), safe="/")
    query = _flat_query(request)
    switch = []
    for code in i18n.SUPPORTED_LANGUAGES:
        switch.append(
            {
                "lang": code,
                "name": i18n.LANGUAGE_NAMES[code],
                "href": with_query(path, {**query, "lang": code}),
                "current": code == lang,
            }
        )
    bare_query = {k: v for k, v in query.items() if k != "lang"}
    alternates = [
        {
            "href": with_query(twin_path(path, fmt), query),
            "type": MEDIA_TYPES[fmt].split(";")[0],
            "fmt": fmt,
        }
        for fmt in formats
    ]

    def url(name: str, **params: Any) -> str:
        """The path of route ``name``; a language-specific route's carries the reader's ``lang``
        (last), so following it never meets the language redirect (registry.pages.languages)."""
        query_params = dict(params.pop("_query", None) or {})
        if name in LANGUAGE_ROUTES and "lang" not in query_params:
            query_params["lang"] = lang
        return with_query(url_path(request.app, name, **params), query_params)

    return {
        "lang": lang,
        "html_lang": lang,
        "page_path": path,
        "page_query": query,
        "lang_switch": switch,
        # the page without ``lang``: it redirects by the reader's cookie / Accept-Language
        "x_default_href": with_query(path, bare_query),
        "alternates": alternates,
        "url": url,
        "base_url": public_base_url(request),
        "pdf_href": None,  # set by respond() on pages that have a PDF
    }


def _pagination_links(request: Request, vm: dict[str, Any], fmt: str) -> None:
    pagination = vm.get("pagination")
    if not pagination:
        return
    base = public_base_url(request)
    query = {k: v for k, v in _flat_query(request).items() if k != "page"}
    path = twin_path(html_path(request.url.path), fmt)

    def link(page: int | None) -> str | None:
        if page is None:
            return None
        target = with_query(path, {**query, "page": page if page > 1 else None})
        return base + target if fmt != "html" else target

    vm["next_url"] = link(pagination.get("next_page"))
    vm["prev_url"] = link(pagination.get("prev_page"))


def _pdf_response(
    request: Request, html: str, *, path: str, lang: str, headers: dict[str, str]
) -> Response:
    from registry.pages.pdf import PDF_MEDIA_TYPE, render_pdf

    base_url = public_base_url(request)
    body = render_pdf(html, base_url=base_url, lang=lang)
    name = path.strip("/").replace("/", "-") or "index"
    headers["Content-Disposition"] = f'attachment; filename="{name}-{lang}.pdf"'
    return Response(body, media_type=PDF_MEDIA_TYPE, headers=headers)


def respond(
    request: Request,
    result: PageResult,
    fmt: str,
    formats: Sequence[str],
    *,
    pdf: bool = False,
) -> Response:
    """Render ``result`` in ``fmt`` with the headers every public page carries. ``pdf``: the page
    also has a PDF (its HTML offers the link; ``fmt == "pdf"`` prints that HTML)."""
    vm = dict(result.vm)
    _pagination_links(request, vm, fmt)
    path = html_path(request.url.path)
    headers = {
        "Link": link_header(path, _flat_query(request), formats, fmt),
        **language_vary(request),  # nothing, as the URL names the language (languages.py)
    }
    if fmt == "json":
        headers.update(READ_ONLY_CORS)
        return Response(
            json_bytes(vm),
            status_code=result.status,
            media_type=MEDIA_TYPES["json"],
            headers=headers,
        )
    if fmt == "csv":
        assert result.csv is not None
        columns, rows = result.csv(vm)
        headers.update(READ_ONLY_CORS)
        name = path.strip("/").replace("/", "-") or "index"
        headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
        return Response(
            csv_document(columns, rows),
            status_code=result.status,
            media_type=MEDIA_TYPES["csv"],
            headers=headers,
        )
    env = request.app.state.page_templates
    context = page_context(request, formats)
    context["vm"] = vm
    context["pdf_href"] = with_query(twin_path(path, "pdf"), _flat_query(request)) if pdf else None
    body = env.get_template(result.template).render(context)
    headers["Content-Language"] = context["lang"]
    if fmt == "pdf":
        return _pdf_response(request, body, path=path, lang=context["lang"], headers=headers)
    return Response(
        body, status_code=result.status, media_type="text/html; charset=utf-8", headers=headers
    )


def remember_lang(request: Request, response: Response) -> None:
    """A ``?lang=`` choice is remembered in a cookie, read when a URL without ``lang`` is
    redirected. Only private answers (the console, the participation pages) set it: a page a
    shared cache may hold sets no cookie (registry.pages.http_cache)."""
    chosen = i18n.normalise(request.query_params.get("lang"))
    if chosen and chosen != request.cookies.get(i18n.LANG_COOKIE):
        response.set_cookie(
            i18n.LANG_COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True
        )


def _public_stamp(request: Request) -> tuple[int, datetime | None] | None:
    """The public stamp and when its event was recorded (None: the index was never built)."""
    with session_scope(request.app.state.engine) as session:
        stamp = public_search_index.public_stamp(session)
        if stamp is None:
            return None
        times: LRUCache[int, datetime | None] = request.app.state.stamp_times
        return stamp, times.get_or_compute(
            stamp, lambda: public_search_index.stamp_time(session, stamp)
        )


def public_base_url(request: Request) -> str:
    """``REGISTRY_BASE_URL``, else the scheme and host this request came to (no trailing slash)."""
    settings: Settings = request.app.state.settings
    return settings.public_base_url(str(request.base_url))


def _http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    """``If-Modified-Since`` (only consulted without ``If-None-Match``, RFC 9110 §13.1.3)."""
    header = request.headers.get("if-modified-since")
    if not header or "if-none-match" in request.headers:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= since


def cached(
    request: Request, fmt: str, produce: Callable[[], Response], *, store: bool = True
) -> Response:
    """Serve from the page cache while the public register is unchanged; answer revalidations
    with 304 (``If-None-Match``, else ``If-Modified-Since``). Every 200 and 304 carries the
    public ``Cache-Control`` (registry.pages.http_cache). Uncached (and without an ETag) while
    the search index was never built. ``store=False``: a streamed answer, revalidated by its
    ETag but never kept in this process."""
    settings: Settings = request.app.state.settings
    cache: PageCache = request.app.state.page_cache
    cache_control = public_cache_control(settings)
    stamped = _public_stamp(request) if cache.enabled else None
    if stamped is None:
        response = produce()
        if response.status_code == 200:
            response.headers["Cache-Control"] = cache_control
        return response
    stamp, stamp_at = stamped
    if stamp_at is not None and stamp_at.tzinfo is None:  # stored as UTC
        stamp_at = stamp_at.replace(tzinfo=UTC)
    now = get_clock(request).now()
    # A page changes with the register and with the day (overdue counts, "today" figures).
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo or UTC)
    last_modified = _http_date(max(stamp_at, midnight) if stamp_at else midnight)
    key = page_key(
        fmt=fmt,
        # absolute links follow the request's host when no base URL is set: one entry per host,
        # so a forged Host header never reaches another reader's answer
        path=public_base_url(request) + request.url.path,
        query="&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items())),
        lang=request_lang(request),
        day=now.date().isoformat(),
        stamp=stamp,
    )
    tag = etag(key, secret=settings.secret_key)
    validators = {"ETag": tag, "Last-Modified": last_modified, "Cache-Control": cache_control}
    if request.headers.get("if-none-match") == tag or _not_modified_since(
        request, parsedate_to_datetime(last_modified)
    ):
        return Response(status_code=304, headers={**validators, **language_vary(request)})
    hit = cache.get(key) if store else None
    if hit is not None:
        response = Response(
            hit.body, status_code=hit.status, media_type=hit.media_type, headers=dict(hit.headers)
        )
    else:
        response = produce()
        if store and response.status_code == 200:
            headers = tuple(
                (k.decode(), v.decode())
                for k, v in response.raw_headers
                if k not in (b"set-cookie", b"content-length", b"content-type")
            )
            cache.put(
                key, CachedPage(200, bytes(response.body), response.media_type or "", headers)
            )
    if response.status_code == 200:
        response.headers.update(validators)
    return response


def _endpoint(
    handler: Callable[..., PageResult], fmt: str, formats: Sequence[str], *, pdf: bool = False
) -> Callable[..., Response]:
    def endpoint(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        return cached(
            request,
            fmt,
            lambda: respond(request, handler(*args, **kwargs), fmt, formats, pdf=pdf),
        )

    functools.update_wrapper(endpoint, handler)
    del endpoint.__wrapped__  # type: ignore[attr-defined]
    # FastAPI reads the signature: resolve string annotations in the handler's module.
    endpoint.__signature__ = inspect.signature(handler, eval_str=True).replace(  # type: ignore[attr-defined]
        return_annotation=Response
    )
    return endpoint


def page_route(
    router: APIRouter, path: str, *, name: str, csv: bool = False, pdf: bool = False
) -> Callable[..., Any]:
    """Register a handler for ``path`` and its twins; it must take ``request: Request``.

    ``pdf``: also ``P.pdf``, the HTML page printed (a download for filing, not a data twin, so it
    is not among the ``Link`` alternates; the page links it). Cached like the page: PDF bytes are
    stored under the public stamp, so each audit is printed once per change of the register."""
    formats: tuple[str, ...] = ("json", "csv") if csv else ("json",)

    def decorator(handler: Callable[..., PageResult]) -> Callable[..., PageResult]:
        # Twins first: ``{id}`` would otherwise swallow the ``.json`` suffix.
        for fmt in (*formats, "pdf") if pdf else formats:
            router.add_api_route(
                twin_path(path, fmt),
                _endpoint(handler, fmt, formats, pdf=pdf),
                methods=["GET"],
                name=f"{name}.{fmt}",
                include_in_schema=False,
                dependencies=language_specific(f"{name}.{fmt}"),
            )
        router.add_api_route(
            path,
            _endpoint(handler, "html", formats, pdf=pdf),
            methods=["GET"],
            name=name,
            include_in_schema=False,
            dependencies=language_specific(name),
        )
        return handler

    return decorator
