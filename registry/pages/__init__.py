"""Server-rendered public pages (HTML) and their JSON/CSV twins."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR_NAME = "static"


def install_pages(app: FastAPI) -> None:
    """Attach page routes, static files, templates and security headers to ``app``."""
    from pathlib import Path

    from registry.console.auth import cookie_names
    from registry.lru import LRUCache
    from registry.pages import (
        routes_accountability,
        routes_exports,
        routes_info,
        routes_participation,
        routes_records,
        routes_register,
        routes_site,
    )
    from registry.pages.http_cache import PrivateNoStoreMiddleware
    from registry.pages.languages import LanguageRedirect, redirect_response
    from registry.pages.rendering import URL_CACHE_SIZE
    from registry.pages.security import SecurityHeadersMiddleware
    from registry.pages.templating import create_environment

    settings = app.state.settings
    strict = True if settings.environment == "test" else None
    app.state.page_templates = create_environment(strict=strict)
    app.state.page_cache = LRUCache(app.state.settings.page_cache_size)  # see pages/cache.py
    app.state.page_urls = LRUCache(URL_CACHE_SIZE)  # memoised route paths, see rendering.url_path
    app.state.stamp_times = LRUCache(64)  # public stamp -> its event's time (Last-Modified)
    static_dir = Path(__file__).resolve().parent.parent / STATIC_DIR_NAME
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.include_router(routes_exports.router)
    app.include_router(routes_records.router)
    app.include_router(routes_participation.router)
    app.include_router(routes_accountability.router)
    app.include_router(routes_register.router)
    app.include_router(routes_info.router)
    app.include_router(routes_site.router)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outside the security headers: sees every answer, redirects and error pages included.
    app.add_middleware(PrivateNoStoreMiddleware, session_cookie=cookie_names(settings).session)
    app.add_exception_handler(LanguageRedirect, redirect_response)
