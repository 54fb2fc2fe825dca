"""Routes of the console's records import: upload a file of another register's records, review
the per-record report (a dry run), confirm to create the drafts.

Who may import: admins (into any agency, or each record's own organisation, matched by name or
created) and agency editors (into their own agency only); auditors get 403. The reviewed file
travels with the confirm form (base64, at most ``vm_import.MAX_IMPORT_MB``), so nothing is kept on
the server between the two steps and the confirmation imports exactly the reviewed bytes (their
sha256 is shown on both pages); the service re-checks every permission on confirm. An admin who
did not put every record into one agency chooses, on the review, the agency of each organisation
the file names (the command line's ``--agency-map``): "review again" shows the report with those
choices, and the confirm form carries them. Drafts are
never published here: each imported draft goes through the four-eyes review like any other.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

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
from registry.services.records_import import (
    ERR_NOT_IMPORTER,
    ImportReport,
    import_records,
    readable_formats,
)

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


MAX_MAP_ROWS = 1000
_MAP_KEY = re.compile(r"^map_(name|agency)_(\d{1,4})$")


def _agency_map(
    form: FormData, staff: Account, chosen: str, slugs: set[str], lang: str
) -> tuple[dict[str, str], FormErrors]:
    """The review's organisation -> agency choices (``map_name_N`` / ``map_agency_N``), the
    valid ones and the problems of the others; an empty choice means "an agency of this name,
    or a new one" and is left out of the map."""
    errors = FormErrors()
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        match = _MAP_KEY.match(key)
        if match:
            rows.setdefault(int(match[2]), {})[match[1]] = str(form.get(key) or "").strip()
    if len(rows) > MAX_MAP_ROWS:
        errors.add("map_agency_0", gettext(lang, W.ERR_MAP_FORM))
        return {}, errors
    valid: dict[str, str] = {}
    for index in sorted(rows):
        field_id = f"map_agency_{index}"
        name, slug = rows[index].get("name", ""), rows[index].get("agency")
        if not name or slug is None:
            errors.add(field_id, gettext(lang, W.ERR_MAP_FORM))
        elif not slug:
            continue
        elif staff.role != Role.admin:
            errors.add(field_id, gettext(lang, W.ERR_MAP_EDITOR))
        elif chosen:
            errors.add(field_id, gettext(lang, W.ERR_MAP_AND_AGENCY))
        elif slug not in slugs:
            errors.add(field_id, gettext(lang, W.ERR_MAP_AGENCY) % {"slug": slug, "name": name})
        else:
            valid[name] = slug
    return valid, errors


def _check_map_names(report: ImportReport, form: FormData, errors: FormErrors, lang: str) -> None:
    """Every organisation of the map must be one the file's records name."""
    named = set(vm_import.organisations(report))
    for key in form:
        match = _MAP_KEY.match(key)
        if match and match[1] == "name":
            name = str(form.get(key) or "").strip()
            if name and name not in named:
                errors.add(f"map_agency_{match[2]}", gettext(lang, W.ERR_MAP_NAME) % {"name": name})


def _map_agencies(session: SessionDep, staff: Account, chosen: str) -> list[Agency] | None:
    """The agencies an admin may put each organisation into (None: no choice to make)."""
    return list_agencies(session) if staff.role == Role.admin and not chosen else None


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
                map_agencies=_map_agencies(session, staff, _agency_of(staff, chosen) or ""),
            )
            return render(request, "console/import/report.html", vm)
    vm_upload = _upload_vm(
        session, staff, lang, chosen_format=format_id, chosen_agency=chosen, errors=errors
    )
    return render(request, "console/import/upload.html", vm_upload, status=422)


@router.post("/review", name="console_import_remap")
async def import_remap(
    request: Request,
    staff: ImporterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Step 2 again: the same file, with the agency chosen for each organisation (nothing
    written)."""
    return await _reviewed(request, staff, session, clock, confirm=False)


@router.post("/confirm", name="console_import_confirm")
async def import_confirm(
    request: Request,
    staff: ImporterDep,
    _csrf: CsrfDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Step 3: import the reviewed file; each record as a draft, one transaction each."""
    return await _reviewed(request, staff, session, clock, confirm=True)


async def _reviewed(
    request: Request, staff: Account, session: SessionDep, clock: ClockDep, *, confirm: bool
) -> Response:
    """A reviewed file (carried by the form) reviewed again or imported, with its agency map.
    A bad map shows the review again with the problem at its field and writes nothing."""
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
    fixed = _agency_of(staff, chosen)
    slugs = {a.slug for a in list_agencies(session)}
    agency_map, errors = _agency_map(form, staff, fixed or "", slugs, lang)

    def run(dry_run: bool, mapping: dict[str, str]) -> ImportReport:
        return import_records(
            session,
            format_id=format_id,
            data=data,
            actor=staff,
            now=clock.now(),
            agency=fixed,
            agency_map=mapping or None,
            dry_run=dry_run,
        )

    try:
        report = run(True, agency_map if not errors else {})
    except Invalid as exc:
        errors.add("file", exc.message)
        vm_upload = _upload_vm(session, staff, lang, chosen_format=format_id, errors=errors)
        return render(request, "console/import/upload.html", vm_upload, status=422)
    _check_map_names(report, form, errors, lang)
    if confirm and not errors:
        report = run(False, agency_map)
    vm = vm_import.report_page(
        report,
        lang=lang,
        format_title=readable_formats()[format_id],
        data=data,
        agency=chosen,
        filename=str(form.get("filename") or ""),
        agency_names=_agency_names(session, lang),
        map_agencies=_map_agencies(session, staff, fixed or ""),
        agency_map=agency_map,
        errors=errors,
    )
    return render(request, "console/import/report.html", vm, status=422 if errors else 200)
