"""Downloads of published versions in other registers' formats (``registry.pages.vm_exports``):
one version (``/algorithms/{id}/versions/{n}/export/{format}``) and the whole register per
format (``/downloads/register.{format}.zip``, streamed). Published content only."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from registry.api.deps import SessionDep, SettingsDep
from registry.db import session_scope
from registry.pages import vm_exports
from registry.pages.twins import READ_ONLY_CORS

router = APIRouter()


def _base_url(request: Request, settings: SettingsDep) -> str:
    return settings.public_base_url(str(request.base_url))


@router.get(
    "/algorithms/{public_id}/versions/{number:int}/export/{format_id}",
    name="version_export",
    include_in_schema=False,
)
def version_export(
    request: Request,
    public_id: str,
    number: int,
    format_id: str,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One published version as a file of another register's format (what it lacks is listed in
    the file, and on the algorithm page)."""
    result = vm_exports.export_version(
        session,
        public_id=public_id,
        number=number,
        format_id=format_id,
        base_url=_base_url(request, settings),
        k=settings.small_cell_k,
    )
    headers = {
        **READ_ONLY_CORS,
        "Content-Disposition": f'attachment; filename="{result.filename}"',
    }
    return Response(result.content, media_type=result.media_type, headers=headers)


def _stream(request: Request, format_id: str, base_url: str, k: int) -> Iterator[bytes]:
    with session_scope(request.app.state.engine) as session:
        yield from vm_exports.stream_register_zip(
            session, format_id=format_id, base_url=base_url, k=k
        )


@router.get(
    "/downloads/register.{format_id}.zip", name="download_register", include_in_schema=False
)
def download_register(request: Request, format_id: str, settings: SettingsDep) -> StreamingResponse:
    """The current published version of every public algorithm in one format, as a zip."""
    vm_exports.require_format(format_id)  # 404 before the stream starts
    filename = vm_exports.bulk_filename(format_id)
    headers = {**READ_ONLY_CORS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return StreamingResponse(
        _stream(request, format_id, _base_url(request, settings), settings.small_cell_k),
        media_type="application/zip",
        headers=headers,
    )
