"""The application factory: ``create_app(settings)`` wires settings, database, routers, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import __version__
from registry.config import Settings, get_settings
from registry.db import make_engine
from registry.errors import DomainError, error_body

ERR_REQUEST_INVALID = "The request is not valid."

#: An error lists at most this many problems in ``details``; its message says how many there were.
MAX_ERROR_DETAILS = 50
NOTE_MORE_DETAILS = " Only the first {shown} of {total} problems are listed."
ERR_INTERNAL = (
    "The server could not complete this request because of an error on its side. The error has "
    "been logged; please try again later."
)
_BARE_500_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Server error</title>"
    "<h1>Something went wrong</h1><p>" + ERR_INTERNAL + "</p></html>"
)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


class _ValidationDetail(TypedDict):
    loc: list[str]
    msg: str
    type: str


def _validation_details(exc: RequestValidationError) -> list[_ValidationDetail]:
    return [
        {
            "loc": [str(p) for p in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


def _first_details(message: str, details: list[Any]) -> tuple[str, list[Any]]:
    """At most ``MAX_ERROR_DETAILS`` details, and a message that says when some were left out."""
    if len(details) <= MAX_ERROR_DETAILS:
        return message, details
    note = NOTE_MORE_DETAILS.format(shown=MAX_ERROR_DETAILS, total=len(details))
    return message + note, details[:MAX_ERROR_DETAILS]


def install_error_handlers(app: FastAPI) -> None:
    """One JSON error shape under /api; HTML error pages elsewhere (see registry.pages.errors)."""
    from registry.pages.errors import render_error_page
    from registry.pages.security import with_security_headers

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        body = exc.to_dict()
        message, details = _first_details(exc.message, exc.details)
        body["error"].update(message=message, details=details)
        retry_after = getattr(exc, "retry_after", None)  # a rate limit's 429
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        if _is_api(request):
            return JSONResponse(body, status_code=exc.status, headers=headers)
        response = render_error_page(request, exc.status, message, code=exc.code, details=details)
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        message, details = _first_details("The request is not valid.", _validation_details(exc))
        if _is_api(request):
            body = error_body(422, message, details=[dict(d) for d in details])
            return JSONResponse(body, status_code=422)
        listed = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details)
        return render_error_page(
            request, 422, listed if len(details) == 1 else message + " " + listed
        )

    @app.exception_handler(Exception)
    async def _server_error(request: Request, exc: Exception) -> Response:
        # Starlette calls this from its outermost layer, outside the middleware that adds the
        # security headers, so the answer adds them itself. The exception is raised again after
        # this answer is sent, so the server still logs it with its traceback.
        if _is_api(request):
            body = error_body(500, ERR_INTERNAL)
            response: Response = JSONResponse(body, status_code=500)
        else:
            try:
                response = render_error_page(request, 500, ERR_INTERNAL)
            except Exception:  # the page itself cannot be rendered: answer without templates
                response = HTMLResponse(_BARE_500_PAGE, status_code=500)
        # Never stored: a cache keeps serving its stale copy instead (stale-if-error).
        response.headers["Cache-Control"] = "no-store"
        return with_security_headers(response)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            body = error_body(exc.status_code, str(exc.detail))
            return JSONResponse(
                body, status_code=exc.status_code, headers=getattr(exc, "headers", None)
            )
        return render_error_page(request, exc.status_code, str(exc.detail))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the handler thread pool; clear what a killed server left half-uploaded; claim this
    process's staging folder; bring the search index and the transparency log up to the ledger;
    delete contact addresses past their retention period; start ``settings.audit_workers`` audit
    worker threads."""
    import anyio.to_thread

    from registry.services.audits.staging import hold_staging, release_staging, sweep_staging
    from registry.services.audits.wizard_drafts import sweep_drafts
    from registry.services.audits.worker import start_workers, stop_workers
    from registry.services.clock import SystemClock
    from registry.services.log_check import catch_up_at_start
    from registry.services.participation.submission import sweep_contacts_at_start
    from registry.services.public.search_index import sync_at_start

    # Sync handlers run in this pool. Far more threads than cores only adds GIL contention: on
    # 2 cores a cap of a few threads per process lowered p95 page times (benchmarks/bench_pages.py).
    anyio.to_thread.current_default_thread_limiter().total_tokens = (
        app.state.settings.threadpool_size
    )
    sync_at_start(app.state.engine)  # reads never write the index: catch up before serving
    # Public facts of a kind logged only since an upgrade enter the log once, before serving.
    catch_up_at_start(app.state.engine, app.state.settings, now=SystemClock().now())
    # Contact addresses of the public past their retention period (docs/participation.md).
    sweep_contacts_at_start(
        app.state.engine,
        retention_days=app.state.settings.participation_contact_days,
        now=SystemClock().now(),
    )
    uploads_dir = app.state.settings.uploads_dir
    sweep_staging(uploads_dir)
    sweep_drafts(uploads_dir)
    hold_staging(uploads_dir)
    workers = start_workers(app.state.engine, app.state.settings)
    try:
        yield
    finally:
        stop_workers(workers)
        release_staging(uploads_dir)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the registry application. Tests pass their own settings and engine."""
    from registry.api.deps import refuse_forbidden_url_characters
    from registry.api.request_guard import WriteRequestGuard
    from registry.head_requests import HeadAsGet

    settings = settings or get_settings()
    settings.ensure_dirs()
    app = FastAPI(
        title="Algorithm transparency registry",
        version=__version__,
        description=(
            "Model cards, fairness audits and disclosure pages for algorithms used by public bodies"
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served from local files by registry.api.docs_page
        redoc_url=None,
        lifespan=_lifespan,
        # The character rule for path and query parameters, ahead of every route's own lookups.
        dependencies=[Depends(refuse_forbidden_url_characters)],
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)

    from registry.api import api_router
    from registry.api.docs_page import install_api_docs
    from registry.api.rate_limits import install_write_limits
    from registry.api.transparency import text_router as log_text_router
    from registry.console import install_console
    from registry.pages import install_pages

    app.include_router(api_router, prefix="/api/v1")
    app.include_router(
        log_text_router
    )  # /log/checkpoint and /log/keys as text (docs/verification.md)
    install_api_docs(app)
    # Middleware added later wraps what was added before. Order, outermost first: HEAD as GET
    # (registry.head_requests), security headers
    # (install_pages), write rate limits (a flood of tokenless writes is still counted per
    # address), the guard that refuses tokenless writes and caps JSON bodies before they are read.
    app.add_middleware(WriteRequestGuard, max_json_bytes=settings.max_json_kb * 1024)
    install_write_limits(app)
    install_console(app)
    install_pages(app)
    app.add_middleware(HeadAsGet)  # outermost: every layer below sees the GET it answers
    install_error_handlers(app)
    return app
