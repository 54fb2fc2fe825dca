"""``registry account invite|deactivate|reactivate EMAIL``: staff sign-in from the command line.

The command line acts as the local operator (its events have ``actor_id = null``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from registry.cli.common import load_settings, service_session

EmailArgument = Annotated[str, typer.Argument(help="Email address of the account.")]


def account_invite(email: EmailArgument) -> None:
    """Print a one-time link to set the account's password (a reset if it has one)."""
    from registry.services.cards.accounts import get_account_by_email
    from registry.services.clock import SystemClock
    from registry.services.staff.invitations import issue_invitation

    settings = load_settings()
    with service_session(settings) as session:
        account = get_account_by_email(session, email)
        issued = issue_invitation(
            session,
            actor=None,
            account_id=account.id,  # type: ignore[arg-type]
            valid_for=timedelta(hours=settings.invitation_hours),
            now=SystemClock().now(),
        )
    what = "reset the password of" if issued.purpose == "reset" else "set a password for"
    until = f"{issued.expires_at:%Y-%m-%d %H:%M} UTC"
    typer.echo(f"Link to {what} {issued.account.email} (works once, until {until}):")
    typer.echo(issued.url(settings.public_base_url()))


def _set_active(email: str, *, active: bool) -> None:
    from registry.services.cards.accounts import get_account_by_email
    from registry.services.clock import SystemClock
    from registry.services.staff.accounts import set_account_active

    with service_session(load_settings()) as session:
        account = get_account_by_email(session, email)
        set_account_active(
            session,
            actor=None,
            account_id=account.id,  # type: ignore[arg-type]
            active=active,
            now=SystemClock().now(),
        )
        typer.echo(f"{'reactivated' if active else 'deactivated'} account {account.email}")


def account_deactivate(email: EmailArgument) -> None:
    """Deactivate an account: its sessions end and its API tokens stop working at once."""
    _set_active(email, active=False)


def account_reactivate(email: EmailArgument) -> None:
    """Reactivate a deactivated account (its unrevoked API tokens work again)."""
    _set_active(email, active=True)
