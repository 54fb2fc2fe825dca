"""Routes of signing in and out, and of setting a password from a one-time link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.console import vm_auth
from registry.console.auth import (
    VisitorDep,
    clear_session_cookie,
    client_address,
    safe_next,
    session_policy,
    set_session_cookie,
)
from registry.console.csrf import CsrfDep, check_csrf
from registry.console.rendering import lang_of, redirect, render
from registry.errors import Invalid
from registry.services.staff import invitations, sessions
from registry.services.staff.sign_in import AccountDeactivated, SignInFailed, open_session
from registry.services.staff.throttle import TooManyRequests

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # the set-password URL holds a secret


@router.get("/sign-in", name="console_sign_in")
def sign_in_form(request: Request, visitor: VisitorDep, next: str = "", done: str = "") -> Response:
    """The sign-in form (signed-in staff go straight on)."""
    if visitor.account is not None:
        return redirect(request, safe_next(next))
    vm = vm_auth.sign_in_page(lang=lang_of(request), next_path=safe_next(next), notice=done)
    return render(request, "console/sign_in.html", vm)


@router.post("/sign-in", name="console_sign_in_submit")
def sign_in(
    request: Request,
    visitor: VisitorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    email: FormText = "",
    password: FormText = "",
    next: FormText = "",
) -> Response:
    """Check the email and password; on success start a new session (a new id) and go on."""
    lang = lang_of(request)
    errors = vm_auth.sign_in_form_errors(email, password, lang=lang)
    status = 422
    headers: dict[str, str] = {}
    if not errors:
        try:
            _account, session_id = open_session(
                session,
                email=email,
                password=password,
                client_address=client_address(request),
                user_agent=request.headers.get("user-agent"),
                replaces=visitor.session_id,
                limits=request.app.state.rate_limits,
                policy=session_policy(settings),
                now=clock.now(),
            )
        except (SignInFailed, AccountDeactivated, TooManyRequests) as exc:
            errors, status, headers = vm_auth.sign_in_refusal(exc, lang=lang)
        else:
            response = redirect(request, safe_next(next))
            set_session_cookie(response, settings, session_id)
            return response
    vm = vm_auth.sign_in_page(lang=lang, email=email, next_path=safe_next(next), errors=errors)
    return render(request, "console/sign_in.html", vm, status=status, headers=headers)


@router.post("/sign-out", name="console_sign_out")
def sign_out(
    request: Request,
    visitor: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: FormText = "",
) -> Response:
    """End the session (its row is deleted, so the old cookie is worthless) and clear the cookie."""
    if visitor.session_id is None:  # nothing to end
        return redirect(request, request.app.url_path_for("console_sign_in"))
    check_csrf(settings, visitor, csrf_token)
    sessions.end_session(session, visitor.session_id)
    target = request.app.url_path_for("console_sign_in")
    response = redirect(request, f"{target}?done=signed_out")
    clear_session_cookie(response, settings)
    return response


@router.get("/set-password/{token}", name="console_set_password")
def set_password_form(
    request: Request, token: str, visitor: VisitorDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The form behind a one-time set-password link, or why the link no longer works."""
    vm, status = vm_auth.set_password_page(
        session, token=token, lang=lang_of(request), now=clock.now()
    )
    return render(request, "console/set_password.html", vm, status=status, headers=NO_REFERRER)


@router.post("/set-password/{token}", name="console_set_password_submit")
def set_password(
    request: Request,
    token: str,
    visitor: VisitorDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
    password: FormText = "",
    confirm: FormText = "",
) -> Response:
    """Set the password (once per link); then sign in with it."""
    lang = lang_of(request)
    errors = vm_auth.password_form_errors(password, confirm, lang=lang)
    if not errors:
        try:
            invitations.redeem_invitation(session, token=token, password=password, now=clock.now())
        except invitations.InvitationNotUsable:
            pass  # the page below explains why
        except Invalid as exc:
            errors = vm_auth.password_policy_errors(exc.details, lang=lang)
        else:
            target = request.app.url_path_for("console_sign_in")
            return redirect(request, f"{target}?done=password_set")
    vm, status = vm_auth.set_password_page(
        session, token=token, lang=lang, now=clock.now(), errors=errors
    )
    return render(request, "console/set_password.html", vm, status=status, headers=NO_REFERRER)
