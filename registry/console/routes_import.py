"""Routes of the console's records import: upload a file of another register's records, review
the per-record report (a dry run), confirm to create the drafts.

Who may import: admins (into any agency, or each record's own organisation, matched by name or
created) and agency editors (into their own agency only); auditors get 403. The reviewed file
travels with the confirm form (base64, at most ``vm_import.MAX_IMPORT_MB``), so nothing is kept on
the server between the two steps and the confirmation imports exactly the reviewed bytes (their
sha256 is shown on both pages); the service re-checks every permission on confirm. Drafts are
never published here: each imported draft goes through the four-eyes review like any other.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from registry.api.deps import ClockDep, SessionDep
from registry.console import vm_import
from registry.console import words_import as W
from registry.console.auth import StaffDep
from registry.console.csrf import CsrfDep
from registry.console.forms import FormErrors
from registry.console.rendering import lang_of, render
from registry.errors import Forbidden, Invalid
from registry.i18n import gettext
from registry.models import Account, Agency, Role, agency_name
from registry.services.cards.agencies import list_agencies
from registry.services.records_import import ERR_NOT_IMPORTER, import_records, readable_formats

router = APIRouter(prefix="/console/import", include_in_schema=False)


def _importer(staff: StaffDep) -> Account:
    if staff.role not in (Role.admin, Role.agency_editor):
        raise Forbidden(ERR_NOT_IMPORTER)
    return staff


ImporterDep = Annotated[Account, Depends(_importer)]


def _upload_vm(
    session: SessionDep,
    staff: Account,
    lang: str,
    *,
    chosen_format: str = "",
    chosen_agency: str = "",
    errors: FormErrors | None = None,
) -> dict[str, object]:
    is_admin = staff.role == Role.admin
    own = session.get(Agency, staff.agency_id) if staff.agency_id is not None else None
    return vm_import.upload_page(
        formats=readable_formats(),
        agencies=list_agencies(session) if is_admin else [],
        own_agency=None if is_admin else own,
        lang=lang,
        chosen_format=chosen_format,
        chosen_agency=chosen_agency,
        errors=errors,
    )


@router.get("", name="console_import")
def import_start(request: Request, staff: ImporterDep, session: SessionDep) -> Response:
    """Step 1: the file, its format and the agency."""
    return render(
        request, "console/import/upload.html", _upload_vm(session, staff, lang_of(request))
    )


def _agency_names(session: SessionDep, lang: str) -> dict[str, str]:
    return {a.slug: agency_name(a, lang) for a in list_agencies(session)}


def _agency_of(staff: Account, chosen: str) -> str | None:
    """An editor's own agency always (the service enforces it); an admin's choice, or None for
    each record's own organisation."""
    return None if staff.role == Role.agency_editor else (chosen or None)


@router.post("", name="console_import_review")
async def import_review(
    request: Request,
    staff: ImporterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Step 2: read the file and show what would happen to each record (nothing written)."""
    lang = lang_of(request)
    form = await request.form()
    format_id = str(form.get("format") or "")
    chosen = str(form.get("agency") or "")
    upload = form.get("file")
    errors = FormErrors()
    if format_id not in readable_formats():
        errors.add("format", gettext(lang, W.ERR_FORMAT))
    data = b""
    filename = ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add("file", gettext(lang, W.ERR_NO_FILE))
    else:
        filename = upload.filename
        data = await upload.read(vm_import.MAX_IMPORT_BYTES + 1)
        if not data:
            errors.add("file", gettext(lang, W.ERR_NO_FILE))
        elif len(data) > vm_import.MAX_IMPORT_BYTES:
            errors.add("file", gettext(lang, W.ERR_TOO_LARGE) % {"limit": vm_import.MAX_IMPORT_MB})
    if not errors:
        try:
            report = import_records(
                session,
                format_id=format_id,
                data=data,
                actor=staff,
                now=clock.now(),
                agency=_agency_of(staff, chosen),
                dry_run=True,
            )
        except Invalid as exc:
            errors.add("file", exc.message)
        else:
            vm = vm_import.report_page(
                report,
                lang=lang,
                format_title=readable_formats()[format_id],
                data=data,
                agency=chosen,
                filename=filename,
                agency_names=_agency_names(session, lang),
            )
            return render(request, "console/import/report.html", vm)
    vm_upload = _upload_vm(
        session, staff, lang, chosen_format=format_id, chosen_agency=chosen, errors=errors
    )
    return render(request, "console/import/upload.html", vm_upload, status=422)


@router.post("/confirm", name="console_import_confirm")
async def import_confirm(
    request: Request,
    staff: ImporterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Step 3: import the reviewed file; each record as a draft, one transaction each."""
    lang = lang_of(request)
    form = await request.form()
    format_id = str(form.get("format") or "")
    chosen = str(form.get("agency") or "")
    data = vm_import.decode_data(str(form.get("data") or ""))
    if data is None or format_id not in readable_formats():
        errors = FormErrors()
        errors.add("file", gettext(lang, W.ERR_DATA))
        vm_upload = _upload_vm(session, staff, lang, chosen_format=format_id, errors=errors)
        return render(request, "console/import/upload.html", vm_upload, status=422)
    report = import_records(
        session,
        format_id=format_id,
        data=data,
        actor=staff,
        now=clock.now(),
        agency=_agency_of(staff, chosen),
        dry_run=False,
    )
    vm = vm_import.report_page(
        report,
        lang=lang,
        format_title=readable_formats()[format_id],
        data=data,
        agency=chosen,
        filename=str(form.get("filename") or ""),
        agency_names=_agency_names(session, lang),
    )
    return render(request, "console/import/report.html", vm)
