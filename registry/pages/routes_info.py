"""Routes of the explanatory pages."""

from __future__ import annotations

from fastapi import APIRouter, Request

from registry.api.deps import SettingsDep
from registry.pages import vm_info
from registry.pages.rendering import PageResult, page_route, public_base_url, request_lang

router = APIRouter()


@page_route(router, "/methods", name="methods")
def methods(request: Request) -> PageResult:
    """How audits are run and read: every metric, and how to choose between them."""
    return PageResult("info/methods.html", vm_info.methods_page(lang=request_lang(request)))


@page_route(router, "/about", name="about")
def about(request: Request, settings: SettingsDep) -> PageResult:
    """What the register is, and how to use its open data and API."""
    return PageResult(
        "info/about.html",
        vm_info.about_page(lang=request_lang(request), base_url=public_base_url(request)),
    )
