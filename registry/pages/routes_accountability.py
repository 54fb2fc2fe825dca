"""Routes across agencies: the audits list, the comparison of agencies, the audits download."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.db import session_scope
from registry.errors import NotFound
from registry.pages import vm_accountability
from registry.pages.languages import language_specific
from registry.pages.rendering import PageResult, cached, page_route, request_lang
from registry.pages.twins import CSV_BOM, READ_ONLY_CORS, csv_text, json_bytes
from registry.services.participation.timeliness import clock_from_settings
from registry.services.public import audit_listing

router = APIRouter()


def _page(request: Request) -> int:
    raw = request.query_params.get("page")
    return int(raw) if raw and raw.isdigit() else (1 if not raw else -1)


def _values(request: Request, name: str) -> tuple[str, ...]:
    return tuple(v for v in request.query_params.getlist(name) if v)


@page_route(router, "/audits", name="audits", csv=True)
def audits(request: Request, session: SessionDep, settings: SettingsDep) -> PageResult:
    """Published audits across the register, filtered by agency, scenario, result, who ran it
    and publication date."""
    params = request.query_params
    filters = audit_listing.audit_filters(
        agency=_values(request, "agency"),
        scenario=_values(request, "scenario"),
        verdict=_values(request, "verdict"),
        kind=_values(request, "kind"),
        published_from=params.get("published_from"),
        published_to=params.get("published_to"),
    )
    vm = vm_accountability.audits_page(
        session,
        filters=filters,
        page=_page(request),
        per_page=settings.page_size,
        lang=request_lang(request),
        k=settings.small_cell_k,
    )
    return PageResult("audits/list.html", vm, csv=vm_accountability.audits_csv)


@page_route(router, "/compare/agencies", name="compare_agencies", csv=True)
def compare_agencies(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> PageResult:
    """Every agency's accountability figures side by side, sortable by any column."""
    vm = vm_accountability.compare_page(
        session,
        sort=request.query_params.get("sort"),
        order=request.query_params.get("order"),
        today=clock.now().date(),
        lang=request_lang(request),
        clock=clock_from_settings(settings),
    )
    return PageResult("agencies/compare.html", vm, csv=vm_accountability.compare_csv)


def _check_records(request: Request, k: int) -> Iterator[dict[str, object]]:
    lang = request_lang(request)
    with session_scope(request.app.state.engine) as session:
        for row in audit_listing.audit_check_rows(session, k=k):
            yield vm_accountability.check_record(row, lang)


def _stream_json(request: Request, k: int) -> Iterator[bytes]:
    yield b'{"items":['
    for index, record in enumerate(_check_records(request, k)):
        yield (b"," if index else b"") + json_bytes(record) + b"\n"
    yield b"]}"


def _stream_csv(request: Request, k: int) -> Iterator[bytes]:
    columns = vm_accountability.CHECK_COLUMNS
    # With the BOM, as every CSV here: spreadsheet programs then read Chinese (twins.py).
    yield (CSV_BOM + csv_text(columns, [])).encode()
    for record in _check_records(request, k):
        yield csv_text([], [[record[c] for c in columns]]).split("\r\n", 1)[1].encode()


@router.get(
    "/downloads/audits.{fmt}",
    name="download_audits",
    include_in_schema=False,
    dependencies=language_specific("download_audits"),  # the checks' words are translated
)
def download_audits(request: Request, fmt: str, settings: SettingsDep) -> Response:
    """Every check of every public audit, one row per group checked (small cells withheld)."""
    headers = {**READ_ONLY_CORS, "Content-Disposition": f'attachment; filename="audits.{fmt}"'}
    k = settings.small_cell_k
    if fmt not in ("json", "csv"):
        raise NotFound(f"No download in the '{fmt}' format; use audits.json or audits.csv.")

    def produce() -> Response:
        if fmt == "json":
            return StreamingResponse(
                _stream_json(request, k), media_type="application/json", headers=headers
            )
        return StreamingResponse(
            _stream_csv(request, k), media_type="text/csv; charset=utf-8", headers=headers
        )

    # Streamed, so revalidated by its ETag but never kept whole in memory.
    return cached(request, fmt, produce, store=False)
