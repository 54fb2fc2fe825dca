"""Files for machines at the site's root: ``/robots.txt``, ``/sitemap.xml`` (and its parts past
50,000 pages), ``/health`` (the process answers) and ``/health/ready`` (the database answers and
the search index is built; 503 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from registry import __version__
from registry.api.deps import SessionDep
from registry.errors import NotFound
from registry.pages import sitemap
from registry.pages.rendering import cached, public_base_url
from registry.services.health import readiness
from registry.services.public.feeds import sitemap_paths

router = APIRouter()
XML = "application/xml; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store"}
ERR_NO_PART = "The sitemap has no part {n}; /sitemap.xml lists its parts."

# Crawlers may read every public page; the staff console and the API are not for them (the API's
# writes need a token anyway, and its reads repeat the pages' .json twins).
ROBOTS = """User-agent: *
Allow: /
Disallow: /console
Disallow: /api/

Sitemap: {base}/sitemap.xml
"""


@router.get("/robots.txt", name="robots", include_in_schema=False)
def robots(request: Request) -> PlainTextResponse:
    return PlainTextResponse(ROBOTS.format(base=public_base_url(request)))


def _entries(session: SessionDep) -> list[sitemap.Entry]:
    return [(p, None) for p in sitemap.STATIC_PATHS] + list(sitemap_paths(session))


@router.get("/sitemap.xml", name="sitemap", include_in_schema=False)
def sitemap_xml(request: Request, session: SessionDep) -> Response:
    """Every public page: a urlset, or past 50,000 pages an index of the parts."""

    def produce() -> Response:
        entries = _entries(session)
        base = public_base_url(request)
        if sitemap.part_count(entries) == 1:
            return Response(sitemap.urlset(base, entries), media_type=XML)
        return Response(sitemap.sitemap_index(base, entries), media_type=XML)

    return cached(request, "xml", produce)


@router.get("/sitemap-{n}.xml", name="sitemap_part", include_in_schema=False)
def sitemap_part(request: Request, session: SessionDep, n: Annotated[int, Path(ge=1)]) -> Response:
    def produce() -> Response:
        entries = _entries(session)
        if n > sitemap.part_count(entries) or sitemap.part_count(entries) == 1:
            raise NotFound(ERR_NO_PART.format(n=n))
        listed = sitemap.part(entries, n)
        return Response(sitemap.urlset(public_base_url(request), listed), media_type=XML)

    return cached(request, "xml", produce)


@router.get("/health", name="health", include_in_schema=False)
def health() -> JSONResponse:
    """Liveness: the process answers requests."""
    return JSONResponse({"status": "ok", "version": __version__}, headers=NO_STORE)


@router.get("/health/ready", name="health_ready", include_in_schema=False)
def health_ready(request: Request) -> JSONResponse:
    """Readiness: the database answers and the search index is built (else 503)."""
    checks = readiness(request.app.state.engine)
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if ok else "unavailable", "version": __version__, "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503, headers=NO_STORE)
