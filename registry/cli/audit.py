"""CLI for audits: ``registry audit submit`` (to any registry, over HTTP) and ``registry worker``.

Mounted on the main ``registry`` command in ``registry/cli/__init__.py``.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli.common import load_settings

audit_app = typer.Typer(
    help="Audits: submit samples or count tables to a registry.", no_args_is_help=True
)

FINAL_STATES = ("succeeded", "failed")


def _error_text(response: Any) -> str:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:500]}"
    lines = [f"HTTP {response.status_code}: {error.get('message')}"]
    lines += [
        f"  {'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}"
        for d in error.get("details", [])
    ]
    return "\n".join(lines)


@audit_app.command("submit")
def submit(
    url: Annotated[
        str, typer.Option(help="Base URL of the registry, e.g. https://registry.example.gov")
    ],
    token: Annotated[
        str, typer.Option(envvar="REGISTRY_TOKEN", help="API token (or REGISTRY_TOKEN).")
    ],
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
    """Upload a sample (streamed, never read whole into memory) and queue its audit."""
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
            typer.echo(_error_text(response), err=True)
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
                typer.echo(_error_text(response), err=True)
                raise typer.Exit(2)
            audit = response.json()
    if audit["state"] == "failed":
        typer.echo(f"audit failed: {json.dumps(audit.get('error'), ensure_ascii=False)}", err=True)
        raise typer.Exit(1)
    typer.echo(f"verdict: {audit['verdict']}")
    for check in audit.get("checks", []):
        typer.echo(f"  {check['name']}: {check['verdict']}")


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
        typer.echo(f"{threads} audit worker thread(s) running; Ctrl-C to stop")
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
