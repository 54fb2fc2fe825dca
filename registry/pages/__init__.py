"""Server-rendered public pages (HTML) and their JSON/CSV twins."""

from __future__ import annotations

from fastapi import FastAPI


def install_pages(app: FastAPI) -> None:
    """Attach page routes, static files and page middleware to ``app``."""
