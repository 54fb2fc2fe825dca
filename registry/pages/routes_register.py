"""Routes of the register's list pages, feeds and bulk downloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.db import session_scope
from registry.errors import NotFound
from registry.pages import vm_feeds, vm_register
from registry.pages.atom import atom_document
from registry.pages.languages import language_specific
from registry.pages.rendering import (
    PageResult,
    cached,
    page_route,
    public_base_url,
    request_lang,
)
from registry.pages.twins import READ_ONLY_CORS, csv_document, csv_text, json_bytes
from registry.services.participation.timeliness import clock_from_settings
from registry.services.public import feeds as public_feeds
from registry.services.public.search import FACETS

router = APIRouter()
ATOM = "application/atom+xml; charset=utf-8"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return -1  # rejected by the service with a clear message


@page_route(router, "/", name="home", csv=True)
def home(request: Request, session: SessionDep, settings: SettingsDep) -> PageResult:
    """The register: what it is, counts, search with filters, one page of results."""
    params = request.query_params
    filters = {name: tuple(v for v in params.getlist(name) if v) for name in FACETS}
    vm = vm_register.home_page(
        session,
        q=params.get("q", ""),
        filters={k: v for k, v in filters.items() if v},
        page=_int(params.get("page"), 1),
        per_page=settings.page_size,
        lang=request_lang(request),
    )
    return PageResult("home/index.html", vm, csv=vm_register.results_csv)


@page_route(router, "/agencies", name="agencies", csv=True)
def agencies(request: Request, session: SessionDep) -> PageResult:
    """Every public body with algorithms on the register."""
    vm = vm_register.agencies_page(session, lang=request_lang(request))
    return PageResult("agencies/list.html", vm, csv=vm_register.agencies_csv)


@page_route(router, "/agencies/{slug}", name="agency", csv=True)
def agency(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> PageResult:
    """One agency: its accountability scorecard, algorithms, audits and how it responds."""
    vm = vm_register.agency_page(
        session,
        slug=slug,
        today=clock.now().date(),
        page=_int(request.query_params.get("page"), 1),
        per_page=settings.page_size,
        lang=request_lang(request),
        k=settings.small_cell_k,
        clock=clock_from_settings(settings),
    )
    return PageResult("agencies/detail.html", vm, csv=vm_register.agency_csv)


def _atom(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    slug: str | None,
    public_id: str | None = None,
) -> Response:
    lang = request_lang(request)

    def produce() -> Response:
        feed = vm_feeds.feed(
            session,
            slug=slug,
            lang=lang,
            base_url=public_base_url(request),
            now=clock.now(),
            public_id=public_id,
        )
        return Response(atom_document(feed, lang=lang), media_type=ATOM, headers=READ_ONLY_CORS)

    return cached(request, "atom", produce)


@router.get(
    "/feed.atom", name="feed", include_in_schema=False, dependencies=language_specific("feed")
)
def feed(request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep) -> Response:
    """Atom feed of every public change to the register."""
    return _atom(request, session, settings, clock, None)


@router.get(
    "/agencies/{slug}/feed.atom",
    name="agency_feed",
    include_in_schema=False,
    dependencies=language_specific("agency_feed"),
)
def agency_feed(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Atom feed of one agency's public changes, with questions and concerns and answers."""
    return _atom(request, session, settings, clock, slug)


@router.get(
    "/algorithms/{public_id}/feed.atom",
    name="algorithm_feed",
    include_in_schema=False,
    dependencies=language_specific("algorithm_feed"),
)
def algorithm_feed(
    request: Request, public_id: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Atom feed of one algorithm: its versions, audits, retirement, and the published questions
    and concerns from the public with the agency's answers."""
    return _atom(request, session, settings, clock, None, public_id)


def _stream_json(request: Request, records: Any) -> Iterator[bytes]:
    with session_scope(request.app.state.engine) as session:
        yield b'{"items":['
        for index, record in enumerate(records(session)):
            yield (b"," if index else b"") + json_bytes(record) + b"\n"
        yield b"]}"


def _stream_csv(request: Request) -> Iterator[bytes]:
    columns = [
        "public_id",
        "name",
        "summary",
        "agency",
        "agency_name",
        "scenario",
        "risk_category",
        "status",
        "state",
        "current_version",
        "published_at",
        "accountable_role",
        "contact_email",
        "contact_form",
        "appeal_route",
        "autonomy_level",
        "retired_at",
        "sha256",
        "latest_audit_verdict",
        "latest_audit_published_at",
    ]
    yield csv_document(columns, [])  # the byte-order mark and the header row
    with session_scope(request.app.state.engine) as session:
        for r in public_feeds.register_records(session):
            card, contact = r["card"], r["card"].get("contact") or {}
            latest = r["latest_audit"] or {}
            row = [
                r["public_id"],
                card.get("name"),
                card.get("summary"),
                r["agency"],
                r["agency_name"],
                card.get("scenario"),
                card.get("risk_category"),
                card.get("status"),
                r["state"],
                r["current_version"],
                r["published_at"],
                card.get("accountable_role"),
                contact.get("email"),
                contact.get("form_url"),
                card.get("appeal_route"),
                card.get("autonomy_level"),
                r["retired_at"],
                r["sha256"],
                latest.get("verdict") or "not_audited",
                latest.get("published_at"),
            ]
            yield csv_text([], [row]).split("\r\n", 1)[1].encode()


@router.get("/downloads/register.{fmt}", name="download_register", include_in_schema=False)
def download_register(request: Request, fmt: str) -> StreamingResponse:
    """The whole public register: every algorithm's current card (JSON) or its summary (CSV)."""
    headers = {**READ_ONLY_CORS, "Content-Disposition": f'attachment; filename="register.{fmt}"'}
    if fmt == "json":
        return StreamingResponse(
            _stream_json(request, public_feeds.register_records),
            media_type="application/json",
            headers=headers,
        )
    if fmt == "csv":
        return StreamingResponse(
            _stream_csv(request), media_type="text/csv; charset=utf-8", headers=headers
        )
    raise NotFound(f"No download in the '{fmt}' format; use register.json or register.csv.")


@router.get("/downloads/history.json", name="download_history", include_in_schema=False)
def download_history(request: Request) -> StreamingResponse:
    """Every published version of every public algorithm, streamed."""
    headers = {**READ_ONLY_CORS, "Content-Disposition": 'attachment; filename="history.json"'}
    return StreamingResponse(
        _stream_json(request, public_feeds.history_records),
        media_type="application/json",
        headers=headers,
    )
