"""HTML error pages for non-API requests, in the reader's language, from the shared base layout."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry import i18n
from registry.errors import error_body
from registry.pages.languages import language_vary
from registry.pages.rendering import page_context
from registry.pages.twins import READ_ONLY_CORS

_TITLES = {
    400: i18n.N_("The request could not be understood"),
    401: i18n.N_("Please sign in"),
    403: i18n.N_("You do not have access to this page"),
    404: i18n.N_("Page not found"),
    405: i18n.N_("This address does not accept that kind of request"),
    413: i18n.N_("The upload is too large"),
    422: i18n.N_("Some of the request is not valid"),
    503: i18n.N_("This is not available on this server right now"),
}
_GENERIC = i18n.N_("Something went wrong")


def render_error_page(
    request: Request,
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: list[Any] | None = None,
) -> Response:
    """Render the error page. ``message`` is shown escaped, never as markup.

    A page's ``.json`` twin gets the JSON error shape instead (``code`` defaults to the status's
    code from ``registry.errors``, and the ``details`` that locate a bad query parameter), so
    programs reading the open data never have to parse HTML.
    """
    if request.url.path.endswith(".json"):
        body = error_body(status, message, code=code, details=details)
        return JSONResponse(body, status_code=status, headers=READ_ONLY_CORS)
    env = getattr(request.app.state, "page_templates", None)
    if env is None:  # pages not installed (should not happen outside unit tests of the app factory)
        from registry.pages.templating import create_environment

        env = create_environment(strict=False)
    context = page_context(request)
    context["vm"] = {
        "status": status,
        "title": _TITLES.get(status, _GENERIC),
        "message": message,
    }
    html = env.get_template("errors/error.html").render(context)
    headers = {"Content-Language": context["lang"], **language_vary(request)}
    return HTMLResponse(html, status_code=status, headers=headers)
