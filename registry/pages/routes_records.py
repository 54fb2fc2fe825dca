"""Routes of one record: algorithm page, its versions and diffs, and audit pages."""

from __future__ import annotations

from fastapi import APIRouter, Request

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.errors import Invalid
from registry.pages import vm_algorithms, vm_audits
from registry.pages.rendering import PageResult, page_route, request_lang
from registry.services.participation.timeliness import clock_from_settings

router = APIRouter()
ERR_VERSION_NUMBER = "'{name}' must be a whole version number, got {value!r}."


def _version_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        msg = ERR_VERSION_NUMBER.format(name=name, value=raw)
        raise Invalid(msg, details=[{"loc": ["query", name], "msg": msg, "type": "int_parsing"}])
    return int(raw)


@page_route(router, "/algorithms/{public_id}", name="algorithm")
def algorithm(
    request: Request, public_id: str, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> PageResult:
    """An algorithm's public record: plain-language summary first, then every card section."""
    vm = vm_algorithms.algorithm_page(
        session,
        public_id=public_id,
        lang=request_lang(request),
        today=clock.now().date(),
        k=settings.small_cell_k,
        clock=clock_from_settings(settings),
        base_url=settings.public_base_url(str(request.base_url)),
    )
    return PageResult("algorithms/detail.html", vm)


@page_route(router, "/algorithms/{public_id}/versions", name="versions", csv=True)
def versions(request: Request, public_id: str, session: SessionDep) -> PageResult:
    """Every published version of the card."""
    vm = vm_algorithms.versions_page(session, public_id=public_id, lang=request_lang(request))
    return PageResult("algorithms/versions.html", vm, csv=vm_algorithms.versions_csv)


@page_route(router, "/algorithms/{public_id}/versions/{number:int}", name="version")
def version(
    request: Request,
    public_id: str,
    number: int,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PageResult:
    """One published version exactly as it was published."""
    vm = vm_algorithms.version_page(
        session,
        public_id=public_id,
        number=number,
        lang=request_lang(request),
        today=clock.now().date(),
        k=settings.small_cell_k,
        base_url=settings.public_base_url(str(request.base_url)),
    )
    return PageResult("algorithms/detail.html", vm)


@page_route(router, "/algorithms/{public_id}/diff", name="diff", csv=True)
def diff(request: Request, public_id: str, session: SessionDep) -> PageResult:
    """Field-by-field changes between two versions (``?from=1&to=3``)."""
    vm = vm_algorithms.diff_page(
        session,
        public_id=public_id,
        old=_version_param(request, "from"),
        new=_version_param(request, "to"),
        lang=request_lang(request),
    )
    return PageResult("algorithms/diff.html", vm, csv=vm_algorithms.diff_csv)


@page_route(router, "/audits/{audit_id}", name="audit", csv=True, pdf=True)
def audit(
    request: Request, audit_id: str, session: SessionDep, settings: SettingsDep
) -> PageResult:
    """A published audit: what was tested, verdicts in words, per-group tables and charts
    (also as a PDF, ``/audits/{id}.pdf``, printed from the same page)."""
    vm = vm_audits.audit_page(
        session, audit_id=audit_id, lang=request_lang(request), k=settings.small_cell_k
    )
    return PageResult("audits/detail.html", vm, csv=vm_audits.audit_csv)
