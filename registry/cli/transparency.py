"""``registry log keygen|checkpoint`` (the log's key and checkpoints) and ``registry verify``:
check a registry's transparency log over HTTP, or the local database against its own log.

Exit status of ``verify``: 0 verified, 1 a problem found (the first one named), 2 cannot check
(bad arguments, unreachable server, unreadable files).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from registry.cli.common import load_settings, service_session

if TYPE_CHECKING:
    import httpx

log_app = typer.Typer(
    help="The transparency log: its signing key and checkpoints.", no_args_is_help=True
)


@log_app.command("keygen")
def log_keygen(
    name: Annotated[str | None, typer.Option(help="Key name (default: the log's origin).")] = None,
    rotate: Annotated[
        bool, typer.Option(help="Replace the current key; its public key stays in log.pub.")
    ] = False,
) -> None:
    """Create the log's Ed25519 signing key (0600) at REGISTRY_LOG_KEY_FILE."""
    from registry.services.transparency import generate_key, public_keys_file
    from registry.transparency.note import NoteError

    settings = load_settings()
    try:
        key = generate_key(settings, name=name or settings.log_origin, rotate=rotate)
    except (FileExistsError, NoteError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    path = settings.resolved_log_key_file
    typer.echo(f"signing key written to {path} (keep it secret; back it up)")
    typer.echo(f"public key (also in {public_keys_file(path)}):")
    typer.echo(key.verifier.text())


@log_app.command("checkpoint")
def log_checkpoint() -> None:
    """Append any public fact not yet in the log and sign a checkpoint now (batched mode: cron)."""
    from registry.services.clock import SystemClock
    from registry.services.events import lock_ledger
    from registry.services.transparency import (
        append_missing,
        issue_checkpoint,
        latest_checkpoint,
        load_signer,
        log_size,
    )

    settings = load_settings()
    signer = load_signer(settings)
    if signer is None:
        typer.echo(
            f"error: no signing key at {settings.resolved_log_key_file}; run `registry log keygen`",
            err=True,
        )
        raise typer.Exit(1)
    now = SystemClock().now()
    with service_session(settings) as session:
        lock_ledger(session)
        added = append_missing(session, now=now)
        latest = latest_checkpoint(session)
        if latest is None or latest.size < log_size(session):
            latest = issue_checkpoint(session, signer=signer, origin=settings.log_origin, now=now)
        session.commit()
        typer.echo(f"{added} entries appended; checkpoint of size {latest.size}:")
        typer.echo(latest.note, nl=False)


def verify(
    url: Annotated[
        str | None, typer.Argument(help="The registry's base URL, e.g. https://register.example")
    ] = None,
    since: Annotated[
        Path | None,
        typer.Option(
            help="The checkpoint saved by the last run: the new one must extend it; "
            "the new one is saved there."
        ),
    ] = None,
    key: Annotated[
        list[str] | None,
        typer.Option(help="A trusted verifier key (repeatable); default: the log's own list."),
    ] = None,
    database: Annotated[
        bool, typer.Option("--database", help="Check the local database against its own log.")
    ] = False,
) -> None:
    """Verify a registry's transparency log over HTTP, or (--database) the local database."""
    if database == (url is not None):
        typer.echo("error: give a URL, or --database (not both)", err=True)
        raise typer.Exit(2)
    if database:
        _verify_database()
    else:
        assert url is not None
        _verify_url(url, since, key or [])


def _verify_database() -> None:
    from registry.services.log_check import verify_database
    from registry.services.transparency import verifier_keys

    settings = load_settings()
    keys = verifier_keys(settings)
    with service_session(settings) as session:
        report = verify_database(session, keys)
    if not keys and report.checkpoints:
        report.problems.insert(0, f"no public keys at {settings.resolved_log_key_file}.pub")
    _finish(report.problems, f"{report.entries} entries, {report.checkpoints} checkpoints")


def _finish(problems: list[str], checked: str) -> None:
    if problems:
        typer.echo(f"FAILED: {problems[0]}")
        for problem in problems[1:]:
            typer.echo(f"  also: {problem}")
        raise typer.Exit(1)
    typer.echo(f"verified: {checked}")


def http_client() -> httpx.Client:
    """The HTTP client of ``registry verify URL`` (tests put the app's own client here)."""
    import httpx

    return httpx.Client(timeout=30, follow_redirects=True)


def _verify_url(url: str, since: Path | None, key_texts: list[str]) -> None:
    import httpx

    from registry.transparency.note import NoteError, VerifierKey
    from registry.transparency.remote import verify_remote

    try:
        trusted = [VerifierKey.parse(text) for text in key_texts]
    except NoteError as exc:
        typer.echo(f"error: --key: {exc}", err=True)
        raise typer.Exit(2) from None
    saved = since.read_text(encoding="utf-8") if since and since.exists() else None
    base = url.rstrip("/") + "/api/v1/log/"
    with http_client() as client:

        def fetch(path: str) -> str:
            response = client.get(base + path)
            response.raise_for_status()
            return response.text

        try:
            report = verify_remote(fetch, saved=saved, trusted=trusted)
        except httpx.HTTPError as exc:
            typer.echo(f"error: cannot read the log at {base}: {exc}", err=True)
            raise typer.Exit(2) from None
    for line in report.notes:
        typer.echo(line)
    if report.ok and since is not None and report.note is not None:
        since.write_text(report.note, encoding="utf-8")
    size = report.checkpoint.size if report.checkpoint else 0
    _finish(report.problems, f"{report.entries} entries; checkpoint of size {size}")
