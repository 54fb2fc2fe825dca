"""Routes of the admins' account pages: list, add, set-password links, deactivate, reactivate."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.console import vm_accounts
from registry.console.auth import AdminDep
from registry.console.csrf import CsrfDep
from registry.console.rendering import lang_of, redirect, render
from registry.errors import DomainError
from registry.services.staff import accounts, invitations

router = APIRouter(prefix="/console/accounts", include_in_schema=False)
FormText = Annotated[str, Form()]


@router.get("", name="console_accounts")
def account_list(
    request: Request, admin: AdminDep, session: SessionDep, clock: ClockDep, done: str = ""
) -> Response:
    """Every account, its state and its actions; a form to add an account."""
    vm = vm_accounts.accounts_page(
        session, actor=admin, lang=lang_of(request), now=clock.now(), notice=done
    )
    return render(request, "console/accounts.html", vm)


@router.post("", name="console_account_create")
def account_create(
    request: Request,
    admin: AdminDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    email: FormText = "",
    display_name: FormText = "",
    role: FormText = "",
    agency: FormText = "",
) -> Response:
    """Add an account and show its first set-password link."""
    lang = lang_of(request)
    form = {"email": email, "display_name": display_name, "role": role, "agency": agency}
    data, errors = vm_accounts.parse_new_account(form, lang=lang)
    if data is not None:
        try:
            issued = invitations.invite_new_account(
                session,
                actor=admin,
                data=data,
                valid_for=timedelta(hours=settings.invitation_hours),
                now=clock.now(),
            )
        except DomainError as exc:
            errors = vm_accounts.creation_refusal(exc, lang=lang)
        else:
            vm = vm_accounts.invitation_page(
                issued,
                base_url=settings.public_base_url(str(request.base_url)),
                valid_hours=settings.invitation_hours,
                created=True,
            )
            return render(request, "console/invitation.html", vm, status=201)
    vm = vm_accounts.accounts_page(
        session, actor=admin, lang=lang, now=clock.now(), form=form, errors=errors
    )
    return render(request, "console/accounts.html", vm, status=422)


@router.post("/{account_id}/invitation", name="console_account_invite")
def account_invite(
    request: Request,
    account_id: int,
    admin: AdminDep,
    _csrf: CsrfDep,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> Response:
    """A new set-password link for an account (resets the password if it has one)."""
    issued = invitations.issue_invitation(
        session,
        actor=admin,
        account_id=account_id,
        valid_for=timedelta(hours=settings.invitation_hours),
        now=clock.now(),
    )
    vm = vm_accounts.invitation_page(
        issued,
        base_url=settings.public_base_url(str(request.base_url)),
        valid_hours=settings.invitation_hours,
        created=False,
    )
    return render(request, "console/invitation.html", vm, status=201)


@router.post("/{account_id}/deactivate", name="console_account_deactivate")
def account_deactivate(
    request: Request,
    account_id: int,
    admin: AdminDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Deactivate an account: its sessions and tokens stop working at once."""
    accounts.set_account_active(
        session, actor=admin, account_id=account_id, active=False, now=clock.now()
    )
    return redirect(request, f"{request.app.url_path_for('console_accounts')}?done=deactivated")


@router.post("/{account_id}/reactivate", name="console_account_reactivate")
def account_reactivate(
    request: Request,
    account_id: int,
    admin: AdminDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Reactivate a deactivated account."""
    accounts.set_account_active(
        session, actor=admin, account_id=account_id, active=True, now=clock.now()
    )
    return redirect(request, f"{request.app.url_path_for('console_accounts')}?done=reactivated")
