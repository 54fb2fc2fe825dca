"""Interactive API docs (Swagger UI) served from local files.

FastAPI's default ``/docs`` page loads Swagger UI from a public CDN: a third-party request from a
site that promises none, and a page that breaks offline. The ``fastapi-offline`` package ships the
Swagger UI 5 assets (5.x reads the OpenAPI 3.1 document FastAPI writes); only its static folder is
used, served under ``/docs/assets``. The page gets its own content security policy: Swagger UI
needs inline script and style, but nothing outside this origin.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def install_api_docs(app: FastAPI) -> None:
    """Serve Swagger UI for the app's OpenAPI document at ``/docs``, with no CDN."""
    app.mount(
        ASSETS_PATH,
        StaticFiles(directory=SWAGGER_ASSETS),
        name="docs-assets",
    )
    openapi_url = app.openapi_url or "/api/v1/openapi.json"
    title = f"{app.title}: API"

    @app.get(DOCS_PATH, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        """Interactive documentation of the JSON API."""
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
        page.headers["content-security-policy"] = DOCS_CONTENT_SECURITY_POLICY
        return page
