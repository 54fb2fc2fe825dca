"""Routes of the staff home page and of "Your API tokens"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.console import vm_home, vm_tokens
from registry.console.auth import StaffDep, VisitorDep, session_policy
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.services.cards import tokens
from registry.services.participation.timeliness import clock_from_settings

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("", name="console_home")
def home(
    request: Request,
    staff: StaffDep,
    visitor: VisitorDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """Who you are, your role and agency, what awaits you, and where to go next."""
    assert visitor.active is not None  # StaffDep guarantees it
    vm = vm_home.home_page(
        session,
        active=visitor.active,
        policy=session_policy(settings),
        lang=lang_of(request),
        today=clock.now().date(),
        clock=clock_from_settings(settings),
    )
    return render(request, "console/home.html", vm)


@router.get("/tokens", name="console_tokens")
def token_list(request: Request, staff: StaffDep, session: SessionDep, done: str = "") -> Response:
    """Your API tokens, and a form to create one."""
    vm = vm_tokens.tokens_page(session, account=staff, lang=lang_of(request), notice=done)
    return render(request, "console/tokens.html", vm)


@router.post("/tokens", name="console_token_create")
def token_create(
    request: Request,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    name: Annotated[str, Form()] = "",
) -> Response:
    """Create a token and show it once."""
    lang = lang_of(request)
    errors = vm_tokens.token_name_errors(name, lang=lang)
    if errors:
        vm = vm_tokens.tokens_page(session, account=staff, lang=lang, name=name, errors=errors)
        return render(request, "console/tokens.html", vm, status=422)
    created = tokens.create_token(session, account=staff, name=name.strip(), now=clock.now())
    vm = vm_tokens.token_created_page(
        created, base_url=settings.public_base_url(str(request.base_url))
    )
    return render(request, "console/token_created.html", vm, status=201)


@router.post("/tokens/{token_id}/revoke", name="console_token_revoke")
def token_revoke(
    request: Request,
    token_id: int,
    staff: StaffDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Revoke one of your tokens."""
    tokens.revoke_token(session, actor=staff, token_id=token_id, now=clock.now())
    target = request.app.url_path_for("console_tokens")
    return redirect(request, f"{target}?done=token_revoked")
