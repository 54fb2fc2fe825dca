"""HTML error pages for non-API requests."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse


def render_error_page(request: Request, status: int, message: str) -> HTMLResponse:
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Error</title></head>"
        f"<body><main><h1>Error {status}</h1><p>{escape(message)}</p></main></body></html>"
    )
    return HTMLResponse(body, status_code=status)
