"""CLI for audits: ``registry audit submit`` and ``registry audit publish`` (to any registry, over
HTTP) and ``registry worker``.

Mounted on the main ``registry`` command in ``registry/cli/__init__.py``.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli.common import http_error_text, load_settings

audit_app = typer.Typer(
    help="Audits: submit samples or count tables to a registry, and publish them.",
    no_args_is_help=True,
)

FINAL_STATES = ("succeeded", "failed")
#: The submitter's private preview of an audit in the staff console.
PREVIEW_PATH = "/console/audits/{audit_id}"

UrlOption = Annotated[
    str, typer.Option(help="Base URL of the registry, e.g. https://registry.example.gov")
]
TokenOption = Annotated[
    str, typer.Option(envvar="REGISTRY_TOKEN", help="API token (or REGISTRY_TOKEN).")
]


def failure_text(error: dict[str, Any] | None) -> str:
    """A failed audit's stored error in a sentence: the message, then the column and line."""
    if not error:
        return "audit failed"
    where = []
    if error.get("column"):
        where.append(f"column {error['column']!r}")
    if error.get("row"):
        where.append(f"line {error['row']}")
    if error.get("field"):
        where.append(f"field {error['field']!r}")
    suffix = f" ({', '.join(where)})" if where else ""
    return f"audit failed: {error.get('message')}{suffix}"


@audit_app.command("submit")
def submit(
    url: UrlOption,
    token: TokenOption,
    algorithm: Annotated[str, typer.Option(help="The algorithm's public id, e.g. alg-7k2m9q4x.")],
    file: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Sample or count table.")],
    spec: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Audit spec (JSON).")],
    counts: Annotated[
        bool, typer.Option("--counts", help="FILE is a pre-aggregated count table.")
    ] = False,
    version: Annotated[int | None, typer.Option(help="Card version (default: current).")] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the run and print the verdict.")
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between status checks with --wait.")] = 2.0,
    timeout: Annotated[
        float, typer.Option(help="Give up waiting after this many seconds.")
    ] = 3600.0,
) -> None:
    """Upload a sample (streamed, never read whole into memory) and queue its audit.

    With --wait, print the verdict, the private preview's address and the next step.
    """
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    endpoint = f"{url.rstrip('/')}/api/v1/algorithms/{algorithm}/audits" + (
        "/counts" if counts else ""
    )
    data = {"spec": spec.read_text(encoding="utf-8")}
    if version is not None:
        data["version"] = str(version)
    with httpx.Client(timeout=httpx.Timeout(60.0, write=None), headers=headers) as client:
        with file.open("rb") as fh:  # httpx streams file parts in chunks
            response = client.post(endpoint, data=data, files={"file": (file.name, fh)})
        if response.status_code != 202:
            typer.echo(http_error_text(response), err=True)
            raise typer.Exit(2)
        audit = response.json()
        typer.echo(f"audit {audit['id']} {audit['state']}: {url.rstrip('/')}{audit['api_url']}")
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while audit["state"] not in FINAL_STATES:
            if time.monotonic() > deadline:
                typer.echo(
                    f"gave up waiting after {timeout:.0f}s; audit is {audit['state']}", err=True
                )
                raise typer.Exit(3)
            time.sleep(poll)
            response = client.get(f"{url.rstrip('/')}{audit['api_url']}")
            if response.status_code != 200:
                typer.echo(http_error_text(response), err=True)
                raise typer.Exit(2)
            audit = response.json()
    if audit["state"] == "failed":
        typer.echo(failure_text(audit.get("error")), err=True)
        typer.echo(f"  as stored: {json.dumps(audit.get('error'), ensure_ascii=False)}", err=True)
        raise typer.Exit(1)
    typer.echo(f"verdict: {audit['verdict']}")
    for check in audit.get("checks", []):
        typer.echo(f"  {check['name']}: {check['verdict']}")
    preview = url.rstrip("/") + PREVIEW_PATH.format(audit_id=audit["id"])
    typer.echo(f"private preview (not published yet): {preview}")
    typer.echo(
        "next: read the preview as the public will see it, then publish it with "
        f"`registry audit publish {audit['id']} --url {url.rstrip('/')}`"
    )


@audit_app.command("publish")
def publish(
    audit_id: Annotated[str, typer.Argument(help="The audit's id, e.g. aud-3k9d2m7q.")],
    url: UrlOption,
    token: TokenOption,
) -> None:
    """Publish a succeeded audit (its submitter only): its public page goes online, for good."""
    import httpx

    base = url.rstrip("/")
    with httpx.Client(timeout=60.0, headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.post(f"{base}/api/v1/audits/{audit_id}/publish")
    if response.status_code != 200:
        typer.echo(http_error_text(response), err=True)
        raise typer.Exit(2)
    audit = response.json()
    typer.echo(f"audit {audit['id']} published: {base}{audit['url']}")


def worker(
    threads: Annotated[int, typer.Option(min=1, help="Worker threads in this process.")] = 1,
    once: Annotated[bool, typer.Option("--once", help="Run queued audits, then exit.")] = False,
) -> None:
    """Run audit workers in the foreground (for apps run with REGISTRY_AUDIT_WORKERS=0)."""
    from registry.db import make_engine, session_scope
    from registry.services.audits.staging import sweep_staging
    from registry.services.audits.wizard_drafts import sweep_drafts
    from registry.services.audits.worker import reap_stale, run_one, start_workers, stop_workers
    from registry.services.clock import SystemClock

    settings = load_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        sweep_staging(settings.uploads_dir)  # what a killed server left half-written
        sweep_drafts(settings.uploads_dir)  # console uploads never submitted, once expired
        if once:
            with session_scope(engine) as session:
                reap_stale(
                    session,
                    now=SystemClock().now(),
                    uploads_dir=settings.uploads_dir,
                    keep_samples=settings.keep_samples,
                )
            ran = 0
            while run_one(engine, settings) is not None:
                ran += 1
            typer.echo(f"ran {ran} audit(s)")
            return
        workers = start_workers(engine, settings, count=threads)
        small = " (one of them for small audits only)" if len(workers) > threads else ""
        typer.echo(f"{len(workers)} audit worker thread(s) running{small}; Ctrl-C to stop")
        stopping = False

        def _stop(*_args: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stopping and any(w.is_alive() for w in workers):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        typer.echo("stopping after the current audits...")
        stop_workers(workers)
    finally:
        engine.dispose()
