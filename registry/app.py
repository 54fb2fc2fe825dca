"""The application factory: ``create_app(settings)`` wires settings, database, routers, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import __version__
from registry.config import Settings, get_settings
from registry.db import make_engine
from registry.errors import DomainError


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


def install_error_handlers(app: FastAPI) -> None:
    """One JSON error shape under /api; HTML error pages elsewhere (see registry.pages.errors)."""
    from registry.pages.errors import render_error_page

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        if _is_api(request):
            return JSONResponse(exc.to_dict(), status_code=exc.status)
        return render_error_page(request, exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        if _is_api(request):
            body = {
                "error": {
                    "code": "invalid",
                    "message": "The request is not valid.",
                    "details": details,
                }
            }
            return JSONResponse(body, status_code=422)
        return render_error_page(
            request, 422, "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        if _is_api(request):
            body = {"error": {"code": code, "message": str(exc.detail), "details": []}}
            return JSONResponse(
                body, status_code=exc.status_code, headers=getattr(exc, "headers", None)
            )
        return render_error_page(request, exc.status_code, str(exc.detail))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the handler thread pool; start ``settings.audit_workers`` audit worker threads."""
    import anyio.to_thread

    from registry.services.audits.worker import start_workers, stop_workers

    # Sync handlers run in this pool. Far more threads than cores only adds GIL contention: on
    # 2 cores a cap of a few threads per process lowered p95 page times (benchmarks/bench_pages.py).
    anyio.to_thread.current_default_thread_limiter().total_tokens = (
        app.state.settings.threadpool_size
    )
    workers = start_workers(app.state.engine, app.state.settings)
    try:
        yield
    finally:
        stop_workers(workers)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the registry application. Tests pass their own settings and engine."""
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
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.resolved_database_url)

    from registry.api import api_router
    from registry.api.docs_page import install_api_docs
    from registry.api.rate_limits import install_write_limits
    from registry.console import install_console
    from registry.pages import install_pages

    app.include_router(api_router, prefix="/api/v1")
    install_write_limits(app)  # before install_pages: the security headers wrap its 429s too
    install_api_docs(app)
    install_console(app)
    install_pages(app)
    install_error_handlers(app)
    return app
