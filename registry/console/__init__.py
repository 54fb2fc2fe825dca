"""The staff console: server-rendered pages under ``/console`` for signed-in staff.

Pages follow the public pages' conventions (thin routes, one view-model per page, Jinja2
templates under ``templates/console/``, both interface languages, no script) and add sign-in:
server-side sessions (``registry.services.staff``), a CSRF token on every form
(``registry.console.csrf``) and ``Cache-Control: private, no-store`` on every response.
See docs/console.md.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response


def routers() -> tuple[APIRouter, ...]:
    """The console's routers (tests walk their routes, e.g. for the permission matrix)."""
    from registry.console import (
        routes_accounts,
        routes_audit_wizard,
        routes_audits,
        routes_auth,
        routes_cards,
        routes_home,
        routes_import,
        routes_participation,
        routes_reviews,
    )

    return (
        routes_auth.router,
        routes_home.router,
        routes_accounts.router,
        routes_audit_wizard.router,
        routes_audits.router,
        routes_cards.router,
        routes_reviews.router,
        routes_participation.router,
        routes_import.router,
    )


def install_console(app: FastAPI) -> None:
    """Attach the console's routes, its error pages and its no-store header to ``app``."""
    from registry.console import words
    from registry.console.auth import AdminOnly, SignInRequired, safe_next
    from registry.console.csrf import CsrfFailed
    from registry.console.rendering import NoStoreMiddleware, lang_of, redirect, render
    from registry.pages.twins import with_query

    for router in routers():
        app.include_router(router)
    app.add_middleware(NoStoreMiddleware)

    @app.exception_handler(SignInRequired)
    async def _sign_in_required(request: Request, exc: SignInRequired) -> Response:
        visitor = getattr(request.state, "console_visitor", None)
        ended = visitor is not None and visitor.stale_session
        target = with_query(
            app.url_path_for("console_sign_in"),
            {"next": safe_next(exc.next_path), "done": "session_ended" if ended else None},
        )
        return redirect(request, target)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
        lang = lang_of(request)
        vm = {"problem": words.text(lang, words.CSRF_PROBLEMS[exc.reason]), "reason": exc.reason}
        return render(request, "console/csrf_failed.html", vm, status=403)

    @app.exception_handler(AdminOnly)
    async def _admin_only(request: Request, exc: AdminOnly) -> Response:
        return render(request, "console/admin_only.html", {}, status=403)
