"""Routes of citizen participation: the form, the submission, the private status page.

The form page and the algorithm page's form post to ``participate_post``: cross-site posts are
refused, then the per-address and per-algorithm rate limits count it (429 with a page of its own),
then one service call stores it. The confirmation and status pages are never cached or indexed
and send no referrer (the tracking code is in their address). See docs/participation.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from registry.api.deps import ClockDep, SessionDep, SettingsDep
from registry.api.rate_limits import hit_participation_limits, refuse_cross_site
from registry.errors import Conflict, Invalid
from registry.pages import vm_participation
from registry.pages.languages import language_specific
from registry.pages.rendering import PageResult, cached, remember_lang, request_lang, respond
from registry.pages.twins import MEDIA_TYPES, READ_ONLY_CORS, csv_document, with_query
from registry.services.participation import submission
from registry.services.participation.timeliness import clock_from_settings
from registry.services.staff.throttle import TooManyRequests

router = APIRouter()
FormText = Annotated[str, Form()]
Code = Annotated[str, Path(max_length=submission.TRACKING_CODE_MAX)]
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _html(request: Request, template: str, vm: object, *, status: int = 200) -> Response:
    response = respond(request, PageResult(template, vm, status=status), "html", ())
    response.headers.update(PRIVATE_HEADERS)
    remember_lang(request, response)  # private pages may set the language cookie
    return response


@router.get(
    "/algorithms/{public_id}/participate",
    name="participate",
    include_in_schema=False,
    dependencies=language_specific("participate"),
)
def form(request: Request, public_id: str, session: SessionDep) -> Response:
    """Ask a question or raise a concern about this algorithm (no account needed)."""
    vm = vm_participation.form_page(session, public_id=public_id, lang=request_lang(request))
    return _html(request, "participation/form.html", vm)


@router.post(
    "/algorithms/{public_id}/participate", name="participate_post", include_in_schema=False
)
def submit(
    request: Request,
    public_id: str,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    kind: FormText = "",
    text: FormText = "",
    contact_email: FormText = "",
    display_name: FormText = "",
    website: FormText = "",
) -> Response:
    """Store the message (awaiting moderation) and show its tracking code, once."""
    lang = request_lang(request)
    refuse_cross_site(request)
    try:
        hit_participation_limits(request, public_id)
    except TooManyRequests as exc:
        limited = vm_participation.rate_limited_page(
            public_id=public_id, lang=lang, retry_after=exc.retry_after
        )
        response = _html(request, "participation/rate_limited.html", limited, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    values = {
        "kind": kind,
        "text": text,
        "contact_email": contact_email,
        "display_name": display_name,
    }
    try:
        done = submission.submit_item(
            session,
            public_id=public_id,
            honeypot=website,
            duplicate_hours=settings.participation_duplicate_hours,
            now=clock.now(),
            **values,
        )
    except (Invalid, Conflict) as exc:
        if not exc.details:
            raise
        again = vm_participation.form_page(
            session, public_id=public_id, lang=lang, values=values, problems=exc.details
        )
        return _html(request, "participation/form.html", again, status=exc.status)
    status_path = with_query(
        str(request.app.url_path_for("participation_status", code=done.tracking_code)),
        {"lang": lang},
    )
    page = vm_participation.submitted_page(
        session, done, public_id=public_id, lang=lang, status_path=status_path
    )
    return _html(request, "participation/submitted.html", page, status=201)


@router.get(
    "/participation/{code}",
    name="participation_status",
    include_in_schema=False,
    dependencies=language_specific("participation_status"),
)
def status(
    request: Request, code: Code, session: SessionDep, clock: ClockDep, done: str = ""
) -> Response:
    """The private status page of one message: its state, masked text and the answer."""
    vm = vm_participation.status_page(
        session,
        code=code,
        lang=request_lang(request),
        today=clock.now().date(),
        notice=done,
    )
    return _html(request, "participation/status.html", vm)


@router.post(
    "/participation/{code}/erase-contact", name="participation_erase", include_in_schema=False
)
def erase_contact(request: Request, code: Code, session: SessionDep, clock: ClockDep) -> Response:
    """Delete the contact address given with the message (whoever holds the tracking code)."""
    refuse_cross_site(request)
    item = submission.item_by_tracking_code(session, code)
    submission.erase_contact(session, item=item, actor_id=None, now=clock.now())
    target = with_query(
        str(request.app.url_path_for("participation_status", code=code)),
        {"done": "erased", "lang": request_lang(request)},
    )
    return RedirectResponse(target, status_code=303, headers=PRIVATE_HEADERS)


@router.get(
    "/agencies/{slug}/participation.csv",
    name="agency_participation_csv",
    include_in_schema=False,
    dependencies=language_specific("agency_participation_csv"),
)
def agency_participation_csv(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """The agency's published questions and concerns with their answers (UTF-8 with a BOM)."""

    def produce() -> Response:
        columns, rows = vm_participation.agency_items_csv(
            session,
            slug=slug,
            lang=request_lang(request),
            today=clock.now().date(),
            clock=clock_from_settings(settings),
        )
        return Response(
            csv_document(columns, rows),
            media_type=MEDIA_TYPES["csv"],
            headers={
                **READ_ONLY_CORS,
                "Content-Disposition": f'inline; filename="agencies-{slug}-participation.csv"',
            },
        )

    return cached(request, "csv", produce)
