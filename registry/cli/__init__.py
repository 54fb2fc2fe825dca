"""The ``registry`` command: serve, demo, db upgrade, search reindex, agencies, accounts, tokens,
cards (push/publish over HTTP), audits, export/import, import-records (other registers' formats).

Settings come from ``REGISTRY_*`` environment variables (see ``registry.config``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from registry.cli.audit import audit_app, worker
from registry.cli.card import card_app
from registry.cli.common import fail, load_settings, service_session, upgrade_database
from registry.cli.records import import_records_cmd
from registry.cli.staff import account_deactivate, account_invite, account_reactivate
from registry.cli.transparency import log_app, verify

app = typer.Typer(
    help="Algorithm transparency registry.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
search_app = typer.Typer(help="The public search index.", no_args_is_help=True)
agency_app = typer.Typer(help="Agencies.", no_args_is_help=True)
account_app = typer.Typer(help="Accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
participation_app = typer.Typer(
    help="Questions and concerns from the public.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(search_app, name="search")
app.add_typer(agency_app, name="agency")
app.add_typer(account_app, name="account")
app.add_typer(token_app, name="token")
app.add_typer(participation_app, name="participation")
app.add_typer(audit_app, name="audit")
app.add_typer(card_app, name="card")
app.add_typer(log_app, name="log")
app.command("verify")(verify)
app.command("worker")(worker)
app.command("import-records")(import_records_cmd)
account_app.command("invite")(account_invite)
account_app.command("deactivate")(account_deactivate)
account_app.command("reactivate")(account_reactivate)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the database migrations (creates the schema on a new database)."""
    from registry.migrate import upgrade

    upgrade(load_settings().resolved_database_url, revision)
    typer.echo(f"database at revision {revision}")


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild the public search index from the database (the repair path; safe while serving)."""
    from registry.services.public.search_index import rebuild

    with service_session(load_settings()) as session:
        stamp = rebuild(session)
        session.commit()
    typer.echo(f"search index rebuilt through ledger event {stamp}")


@participation_app.command("sweep")
def participation_sweep() -> None:
    """Delete the public's contact addresses past REGISTRY_PARTICIPATION_CONTACT_DAYS (the server
    does this at start-up; run it daily from cron on a server that stays up)."""
    from registry.services.clock import SystemClock
    from registry.services.participation.submission import sweep_contacts

    settings = load_settings()
    with service_session(settings) as session:
        deleted = sweep_contacts(
            session, retention_days=settings.participation_contact_days, now=SystemClock().now()
        )
    typer.echo(f"{deleted} contact address(es) deleted")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the web application with uvicorn."""
    import uvicorn

    load_settings()  # refuse bad configuration here, with a clear message, not inside uvicorn

    uvicorn.run("registry.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after loading.")
    ] = True,
    samples: Annotated[
        Path | None, typer.Option(help="Samples folder (default: the bundled samples).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Upgrade the database and load the demo agencies, accounts and sample cards (idempotent)."""
    from registry.paths import SAMPLES_DIR
    from registry.services.clock import SystemClock
    from registry.services.demo import load_demo

    settings = load_settings()
    upgrade_database(settings)
    if not settings.resolved_log_key_file.exists():
        # The demo's publications sign transparency-log checkpoints (docs/verification.md).
        from registry.services.transparency import generate_key

        generate_key(settings, name=settings.log_origin)
        typer.echo(f"transparency log key created at {settings.resolved_log_key_file}")
    with service_session(settings) as session:
        result = load_demo(session, samples or SAMPLES_DIR, clock=SystemClock())
    summary = ", ".join(f"{n} {what}" for what, n in sorted(result.counts.items())) or "nothing new"
    typer.echo(f"demo data loaded: {summary}")
    for email, token in sorted(result.tokens.items()):
        typer.echo(f"  token for {email}: {token}")
    if result.tokens:
        typer.echo(
            "  (tokens are shown once; create more with `registry token create --account EMAIL`)"
        )
    typer.echo("  staff console: /console (set a password: registry account invite EMAIL)")
    if serve_after:
        typer.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
        serve(host=host, port=port, workers=1)


@agency_app.command("create")
def agency_create(
    slug: Annotated[str, typer.Option(help="URL id: lower-case letters, digits, hyphens.")],
    name: Annotated[str, typer.Option(help="Official name.")],
    website: Annotated[str | None, typer.Option()] = None,
    contact_email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create an agency."""
    from registry.models import AgencyCreate
    from registry.services.cards.agencies import create_agency
    from registry.services.clock import SystemClock

    try:
        data = AgencyCreate(slug=slug, name=name, website=website, contact_email=contact_email)
    except ValidationError as exc:
        raise _validation_exit(exc) from None
    with service_session(load_settings()) as session:
        agency = create_agency(session, actor=None, data=data, now=SystemClock().now())
        typer.echo(f"created agency {agency.slug}")


def _validation_exit(exc: ValidationError) -> typer.Exit:
    for err in exc.errors():
        typer.echo(f"error: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}", err=True)
    return typer.Exit(code=2)


@account_app.command("create")
def account_create(
    email: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, agency_editor or auditor.")],
    agency: Annotated[str | None, typer.Option(help="Agency slug (agency_editor only).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name (default: the email).")] = None,
) -> None:
    """Create an account."""
    from registry.models import AccountCreate
    from registry.services.cards.accounts import create_account
    from registry.services.clock import SystemClock

    try:
        data = AccountCreate(email=email, display_name=name or email, role=role, agency=agency)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _validation_exit(exc) from None
    with service_session(load_settings()) as session:
        account = create_account(session, actor=None, data=data, now=SystemClock().now())
        typer.echo(f"created account {account.email} ({account.role}) id={account.id}")


@token_app.command("create")
def token_create(
    account: Annotated[str, typer.Option(help="Email of the account.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Create an API token and print it (shown once)."""
    from registry.services.cards.accounts import get_account_by_email
    from registry.services.cards.tokens import create_token
    from registry.services.clock import SystemClock

    with service_session(load_settings()) as session:
        owner = get_account_by_email(session, account)
        created = create_token(session, account=owner, name=name, now=SystemClock().now())
        typer.echo(created.token)


@app.command("export")
def export_cmd(
    target: Annotated[str, typer.Argument(help="File to write, or - for standard output.")],
) -> None:
    """Export the whole registry as JSON (tokens excluded)."""
    from registry.services.export_import import dump_export, export_registry

    with service_session(load_settings()) as session:
        text = dump_export(export_registry(session))
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
        typer.echo(f"exported to {target}", err=True)


@app.command("import")
def import_cmd(
    source: Annotated[Path, typer.Argument(help="An export file.", exists=True, dir_okay=False)],
    without_log: Annotated[
        bool,
        typer.Option(
            "--without-log",
            help="Import an export that carries no transparency log (from before exports "
            "carried it): its content is not checked; the log is rebuilt from its events.",
        ),
    ] = False,
) -> None:
    """Import an export into an empty registry (all or nothing), checking its content against its
    transparency log, and the log's checkpoints against the register's public log keys."""
    from registry.errors import Invalid
    from registry.services.export_import import import_registry
    from registry.services.transparency import public_keys_file, verifier_keys

    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(Invalid(f"{source} is not JSON: {exc}")) from None
    settings = load_settings()
    keys = verifier_keys(settings)
    if not keys:
        typer.echo(
            "note: no public log keys at "
            f"{public_keys_file(settings.resolved_log_key_file)}: the checkpoints' signatures "
            "are not checked (registry verify --database checks them once the exporting "
            "register's public keys are there)",
            err=True,
        )
    with service_session(settings) as session:
        summary = import_registry(session, data, keys=keys or None, without_log=without_log)
    typer.echo("imported: " + ", ".join(f"{n} {k}" for k, n in summary.counts.items()))


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
