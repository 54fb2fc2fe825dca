"""What every ``registry`` command shares: settings with one-line errors, a session per command,
domain errors turned into an exit status."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

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


@contextmanager
def service_session(settings: Settings) -> Iterator[Session]:
    """A session for one command: domain errors exit with their message; the engine is closed."""
    from registry.db import make_engine, session_scope

    engine = make_engine(settings.resolved_database_url)
    try:
        with session_scope(engine) as session:
            yield session
    except DomainError as exc:
        raise fail(exc) from None
    finally:
        engine.dispose()


def upgrade_database(settings: Settings) -> None:
    from registry.migrate import upgrade

    upgrade(settings.resolved_database_url)
