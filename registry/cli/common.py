"""What every ``registry`` command shares: settings with one-line errors, a session per command,
domain errors turned into an exit status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from pydantic import ValidationError

from registry.config import Settings, get_settings
from registry.errors import DomainError

if TYPE_CHECKING:
    from sqlmodel import Session


def load_settings() -> Settings:
    """The settings, or a short error naming each bad REGISTRY_* variable (exit status 2)."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "_".join(str(part) for part in error["loc"]).upper()
            where = f"REGISTRY_{name}: " if name else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            typer.echo(f"error: {where}{message}", err=True)
        raise typer.Exit(2) from None
    settings.ensure_dirs()
    return settings


def fail(exc: DomainError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    for detail in exc.details:
        loc = ".".join(str(p) for p in detail.get("loc", []))
        typer.echo(f"  {loc}: {detail.get('msg')}", err=True)
    return typer.Exit(code=1)


def http_error_text(response: Any) -> str:
    """An API error answer as lines for a terminal: status and message, then each detail once.

    A detail that only repeats the message (or an earlier detail) is not printed again."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:500]}"
    message = error.get("message")
    lines = [f"HTTP {response.status_code}: {message}"]
    seen = {message}
    for detail in error.get("details") or []:
        loc = ".".join(map(str, detail.get("loc", [])))
        msg = detail.get("msg")
        row = detail.get("row")
        where = f"{loc} (line {row})" if row else loc
        if msg in seen:
            lines.append(f"  {where}")
            continue
        seen.add(msg)
        lines.append(f"  {where}: {msg}")
    return "\n".join(lines)


@contextmanager
def service_session(settings: Settings) -> Iterator[Session]:
    """A session for one command: domain errors exit with their message; the engine is closed."""
    from registry.db import make_engine, session_scope
    from registry.services.transparency import SETTINGS_KEY

    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(engine) as session:
            session.info[SETTINGS_KEY] = settings  # signs transparency checkpoints
            yield session
    except DomainError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()


def upgrade_database(settings: Settings) -> None:
    from registry.migrate import upgrade

    upgrade(settings.resolved_database_url)
