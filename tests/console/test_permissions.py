"""The console's permission matrix: every console route x (anonymous, admin, editor of the agency,
editor of another agency, auditor), with the exact status expected. Anonymous visitors are sent to
sign in; pages for admins answer 403 to other staff. A test checks the matrix covers every route.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select

from registry.console import routers
from registry.models import ApiToken, AuditInput, Role
from registry.services.audits import wizard_drafts
from registry.services.audits.staging import StagedUpload, staging_dir
from registry.services.audits.submission import submit_audit
from registry.services.cards.drafts import current_revision, draft_revision, save_draft
from registry.services.cards.reviews import ask_for_review
from registry.services.cards.versions import list_versions
from registry.services.staff.accounts import set_account_active
from registry.services.staff.invitations import issue_invitation
from tests.console.audit_world import PRIVATE, PUBLISHED, TO_RERUN, TO_WITHDRAW, build_audit_world
from tests.console.conftest import csrf_of, make_staff, signed_in
from tests.registry.factories import (
    T0,
    card,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

pytestmark = pytest.mark.db

ROLES = ["anonymous", "admin", "editor_same", "editor_other", "auditor"]
STAFF = ROLES[1:]
SIGN_IN = 303  # anonymous: redirect to the sign-in page


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(STAFF, status)


def _admin_only(status: int) -> dict[str, int]:
    return {"admin": status, "editor_same": 403, "editor_other": 403, "auditor": 403}


def _submitters(status: int) -> dict[str, int]:
    """Who may submit an audit of the world's algorithm: its agency's editor and auditors."""
    return {"admin": 403, "editor_same": status, "editor_other": 403, "auditor": status}


WIZARD_COLUMNS: dict[str, object] = {
    "mode": "prediction",
    "prediction": "selected",
    "sensitive_features": ["sex"],
}
WIZARD_CHECKS = {
    "favourable_outcome": "beneficial",
    "check_mode": "default",
    "reference": "overall",
}
WIZARD_CSV = b"sex,selected\n" + b"F,1\nM,0\n" * 20


def _editors_only(status: int, *, other: int = 403) -> dict[str, int]:
    """Editors of the agency get ``status``; an editor of another agency ``other``; admins and
    auditors the 403 page."""
    return {"admin": 403, "editor_same": status, "editor_other": other, "auditor": 403}


def _private(status: int, *, admin: int | None = None) -> dict[str, int]:
    """A private audit submitted by the auditor: theirs and admins'; hidden from the editors."""
    return {
        "admin": status if admin is None else admin,
        "auditor": status,
        "editor_same": 404,
        "editor_other": 404,
    }


def _agency_editor(status: int) -> dict[str, int]:
    """The agency's answer to a published audit: its editors only."""
    return {"admin": 403, "auditor": 403, "editor_same": status, "editor_other": 403}


AUDIT_IDS = {
    "private": PRIVATE,
    "published": PUBLISHED,
    "to_withdraw": TO_WITHDRAW,
    "to_rerun": TO_RERUN,
}


def _editors(status: int) -> dict[str, int]:
    return {"admin": 403, "editor_same": status, "editor_other": status, "auditor": 403}


def _agency_only(status: int) -> dict[str, int]:
    return {"admin": 403, "editor_same": status, "editor_other": 403, "auditor": 403}


def _agency_and_admin(status: int) -> dict[str, int]:
    return {"admin": status, "editor_same": status, "editor_other": 403, "auditor": 403}


def _importers(status: int) -> dict[str, int]:
    """Records import: admins (any agency) and agency editors (their own); not auditors."""
    return {"admin": status, "editor_same": status, "editor_other": status, "auditor": 403}


# (method, route, form data, {role: status}); "anonymous" is SIGN_IN unless given.
CASES: list[tuple[str, str, dict[str, object], dict[str, int]]] = [
    ("GET", "/console", {}, _all(200)),
    ("GET", "/console/tokens", {}, _all(200)),
    ("POST", "/console/tokens", {"name": "matrix"}, _all(201)),
    ("POST", "/console/tokens/{own_token_id}/revoke", {}, _all(303)),
    ("GET", "/console/accounts", {}, _admin_only(200)),
    (
        "POST",
        "/console/accounts",
        {"email": "matrix@example.gov", "display_name": "M", "role": "auditor"},
        _admin_only(201),
    ),
    ("POST", "/console/accounts/{target_id}/invitation", {}, _admin_only(201)),
    ("POST", "/console/accounts/{target_id}/deactivate", {}, _admin_only(303)),
    ("POST", "/console/accounts/{inactive_id}/reactivate", {}, _admin_only(303)),
    # Audits (tests/console/audit_world.py): a private audit by the auditor is 404 to whoever may
    # not read it; an action someone may read but not take is 403 (as in the JSON API).
    ("GET", "/console/audits", {}, _all(200)),
    ("GET", "/console/audits/{private}", {}, _private(200)),
    ("GET", "/console/audits/{private}.json", {}, _private(200)),
    # The run's status, polled by the progress page's script: the page's readers.
    ("GET", "/console/audits/{private}/status.json", {}, _private(200)),
    ("GET", "/console/audits/{published}", {}, _all(200)),
    ("GET", "/console/audits/{private}/publish", {}, _private(200, admin=403)),
    ("GET", "/console/audits/{to_withdraw}/withdraw", {}, _private(200)),
    ("GET", "/console/audits/{to_rerun}/rerun", {}, _private(200)),
    ("GET", "/console/audits/{published}/response", {}, _agency_editor(200)),
    ("POST", "/console/audits/{private}/publish", {}, _private(303, admin=403)),
    ("POST", "/console/audits/{to_withdraw}/withdraw", {"reason": "Matrix."}, _private(303)),
    ("POST", "/console/audits/{to_rerun}/rerun", {}, _private(303)),
    (
        "POST",
        "/console/audits/{published}/response",
        {"response_en": "Matrix.", "response_zh": "矩阵。"},
        _agency_editor(303),
    ),
    # The agency editor's pages. The algorithm is published, with a draft, in "editor_same"'s
    # agency; admins may read and retire it but not write its card; auditors have no part in it.
    ("GET", "/console/algorithms", {}, {**_all(200), "auditor": 403}),
    ("GET", "/console/algorithms/new", {}, _editors(200)),
    ("POST", "/console/algorithms/new", {"name": "Matrix", "action": "save"}, _editors(303)),
    ("GET", "/console/algorithms/{public_id}", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/edit", {}, _agency_only(200)),
    (
        "POST",
        "/console/algorithms/{public_id}/edit",
        {"name": "Matrix edit", "revision": "{revision}", "action": "save"},
        _agency_only(303),
    ),
    ("GET", "/console/algorithms/{public_id}/preview", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/diff", {}, _agency_and_admin(200)),
    ("GET", "/console/algorithms/{public_id}/discard", {}, _agency_only(200)),
    ("POST", "/console/algorithms/{public_id}/discard", {}, _agency_only(303)),
    ("GET", "/console/algorithms/{public_id}/retire", {}, _agency_and_admin(200)),
    (
        "POST",
        "/console/algorithms/{public_id}/retire",
        {"reason": "Matrix"},
        _agency_and_admin(303),
    ),
    # Open to everyone: signing in, out, and setting a password from a link.
    # Four-eyes review: editors of the agency only (others get a page that says so). The request
    # {review_id} was asked by a third editor; {algorithm_id}'s draft too.
    ("GET", "/console/reviews", {}, _editors_only(200, other=200)),
    ("GET", "/console/reviews/{review_id}", {}, _editors_only(200)),
    (
        "POST",
        "/console/reviews/{review_id}/return",
        {"comment": "Name the appeal route."},
        _editors_only(303),
    ),
    (
        "POST",
        "/console/reviews/{publish_review_id}/publish",
        {"change_summary": "First version."},
        _editors_only(303),
    ),
    # Only its author may withdraw a request: nobody in the matrix asked it.
    ("POST", "/console/reviews/{review_id}/withdraw", {}, _editors_only(403)),
    ("GET", "/console/algorithms/{algorithm_id}/review", {}, _editors_only(200)),
    (
        "POST",
        "/console/algorithms/{algorithm_id}/review",
        {"note": "Please check."},
        _editors_only(303),
    ),
    (
        "POST",
        "/console/algorithms/{algorithm_id}/review/publish",
        {"change_summary": "First version.", "revision": "{algorithm_revision}"},
        _editors_only(303),
    ),
    # Citizen participation: the agency's editors moderate; an item of another agency is 404
    # (its existence is not revealed); admins and auditors get 403. Each POST has its own item.
    ("GET", "/console/participation", {}, _editors_only(200, other=200)),
    ("GET", "/console/participation/{item_publish}", {}, _editors_only(200, other=404)),
    (
        "POST",
        "/console/participation/{item_publish}/publish",
        {"answer": "Matrix answer.", "confirmed": "yes"},
        _editors_only(303, other=404),
    ),
    (
        "POST",
        "/console/participation/{item_published}/answer",
        {"answer": "Matrix answer.", "confirmed": "yes"},
        _editors_only(303, other=404),
    ),
    (
        "POST",
        "/console/participation/{item_merge}/merge",
        {"into": "{item_published}", "confirmed": "yes"},
        _editors_only(303, other=404),
    ),
    (
        "POST",
        "/console/participation/{item_decline}/decline",
        {"reason": "abusive", "confirmed": "yes"},
        _editors_only(303, other=404),
    ),
    (
        "POST",
        "/console/participation/{item_published}/erase-contact",
        {},
        _editors_only(303, other=404),
    ),
    # Records import: a form without a file (permission first, then 422 on the form).
    ("GET", "/console/import", {}, _importers(200)),
    ("POST", "/console/import", {"format": "nl_algoritmeregister"}, _importers(422)),
    ("POST", "/console/import/confirm", {"data": "x"}, _importers(422)),
    ("POST", "/console/import/review", {"data": "x"}, _importers(422)),
    ("GET", "/console/sign-in", {}, {"anonymous": 200, **_all(303)}),
    ("POST", "/console/sign-out", {}, {"anonymous": 303, **_all(303)}),
    ("GET", "/console/set-password/{link}", {}, {"anonymous": 200, **_all(200)}),
    # The upload wizard: the API's rule for submitting audits (auditors; editors of the
    # algorithm's agency, as a self-assessment; not admins). Drafts are the account's own.
    ("GET", "/console/uploads", {}, {**_all(200), "admin": 403}),
    ("GET", "/console/uploads/file?algorithm={upload_algorithm_id}", {}, _submitters(200)),
    # A form that is not multipart: permission first, then 422 on the file field.
    ("POST", "/console/uploads/file?algorithm={upload_algorithm_id}", {}, _submitters(422)),
    ("GET", "/console/uploads/drafts/{own_draft_id}/columns", {}, _submitters(200)),
    ("POST", "/console/uploads/drafts/{own_draft_id}/columns", WIZARD_COLUMNS, _submitters(303)),
    ("GET", "/console/uploads/drafts/{own_draft_id}/checks", {}, _submitters(200)),
    ("POST", "/console/uploads/drafts/{own_draft_id}/checks", WIZARD_CHECKS, _submitters(303)),
    ("GET", "/console/uploads/drafts/{own_draft_id}/names", {}, _submitters(200)),
    (
        "POST",
        "/console/uploads/drafts/{own_draft_id}/names",
        {"name_1_en": "Gender"},
        _submitters(303),
    ),
    ("GET", "/console/uploads/drafts/{own_draft_id}/summary", {}, _submitters(200)),
    ("POST", "/console/uploads/drafts/{own_draft_id}/submit", {}, _submitters(303)),
    # Anyone who may submit may throw away their own draft, even one they could no longer submit.
    ("POST", "/console/uploads/drafts/{spare_draft_id}/discard", {}, {**_all(303), "admin": 403}),
    # The job page's old address leads to the audit's page, for who may read the audit: its
    # submitter (the auditor) and admins.
    (
        "GET",
        "/console/uploads/{audit_id}/progress",
        {},
        {"admin": 303, "editor_same": 404, "editor_other": 404, "auditor": 303},
    ),
]
# Routes the matrix covers with a form that the rows above do not reach (checked for coverage).
ALSO_COVERED = {
    ("POST", "/console/sign-in"),  # tests/console/test_sign_in.py
    ("POST", "/console/set-password/{token}"),  # tests/console/test_invitations.py
}


@dataclass
class World:
    accounts: dict[str, object]
    values: dict[str, object]


def _staged(settings) -> StagedUpload:  # type: ignore[no-untyped-def]
    path = staging_dir(settings.uploads_dir) / f"{uuid.uuid4().hex}.part"
    path.write_bytes(WIZARD_CSV)
    digest = hashlib.sha256(WIZARD_CSV).hexdigest()
    return StagedUpload(path, digest, len(WIZARD_CSV), "csv", "matrix.csv")


def _draft_for(settings, account, algorithm) -> str:  # type: ignore[no-untyped-def]
    draft = wizard_drafts.create_draft(
        settings.uploads_dir,
        account_id=account.id,
        upload=_staged(settings),
        algorithm=algorithm.public_id,
        version=1,
        input_kind="sample",
        now=T0,
    )
    return draft.draft_id


def _participation_items(session, agency, editor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Items about one of the agency's algorithms: one published (with a contact address), and
    one awaiting moderation for each of publish, merge and decline."""
    from registry.services.participation import moderation, submission

    algorithm = make_published_algorithm(session, agency=agency)
    ids = {}
    for name in ("item_published", "item_publish", "item_merge", "item_decline"):
        done = submission.submit_item(
            session,
            public_id=algorithm.public_id,
            kind="question",
            text=f"Matrix {name}",
            contact_email="matrix@example.com",
            duplicate_hours=0,
            now=T0,
        )
        ids[name] = done.item.public_id
    moderation.publish_item(
        session, actor=editor, item_id=ids["item_published"], answer=None, now=T0
    )
    return ids


def _world(session, settings) -> World:  # type: ignore[no-untyped-def]
    agency = make_agency(session)
    other_agency = make_agency(session)
    accounts = {
        "admin": make_staff(session, role=Role.admin),
        "editor_same": make_staff(session, role=Role.agency_editor, agency=agency),
        "editor_other": make_staff(session, role=Role.agency_editor, agency=other_agency),
        "auditor": make_staff(session, role=Role.auditor),
    }
    target = make_account(session, role=Role.agency_editor, agency=agency)
    inactive = make_account(session, role=Role.auditor)
    set_account_active(session, actor=None, account_id=inactive.id, active=False, now=T0)
    drafter = make_account(session, role=Role.agency_editor, agency=agency)
    reviewed = make_published_algorithm(session, agency=agency, editor=drafter)
    save_draft(session, actor=drafter, algorithm=reviewed, card=card(name="Next"), now=T0)
    review = ask_for_review(session, actor=drafter, algorithm=reviewed, now=T0)
    to_publish = make_published_algorithm(session, agency=agency, editor=drafter)
    save_draft(session, actor=drafter, algorithm=to_publish, card=card(name="Pub"), now=T0)
    publish_review = ask_for_review(session, actor=drafter, algorithm=to_publish, now=T0)
    algorithm = make_published_algorithm(session, agency=agency, editor=drafter)
    save_draft(session, actor=drafter, algorithm=algorithm, card=card(name="Other"), now=T0)
    invited = make_account(session, role=Role.auditor)
    link = issue_invitation(
        session, actor=None, account_id=invited.id, valid_for=timedelta(days=3), now=T0
    )
    upload_algorithm = make_published_algorithm(session, agency=agency)
    upload = _staged(settings)
    columns = {"prediction": "selected", "sensitive_features": ["sex"]}
    upload.fields = {"spec": json.dumps({"columns": columns}), "version": "1"}
    audit = submit_audit(
        session,
        actor=accounts["auditor"],
        algorithm=upload_algorithm,
        upload=upload,
        input_kind=AuditInput.sample,
        uploads_dir=settings.uploads_dir,
        now=T0,
    )
    build_audit_world(session, staff=dict(accounts))  # type: ignore[arg-type]
    items = _participation_items(session, agency, accounts["editor_same"])
    edited = make_published_algorithm(session, agency=agency, versions=1)
    published = list_versions(session, edited)[-1].card
    draft = save_draft(
        session, actor=target, algorithm=edited, card={**published, "summary": "New."}, now=T0
    )
    return World(
        accounts,
        {
            "target_id": target.id,
            "inactive_id": inactive.id,
            "link": link.token,
            "review_id": review.id,
            "publish_review_id": publish_review.id,
            "algorithm_id": algorithm.public_id,
            "algorithm_revision": current_revision(session, algorithm),
            "upload_algorithm_id": upload_algorithm.public_id,
            "audit_id": audit.public_id,
            "algorithm": upload_algorithm,
            **AUDIT_IDS,
            "public_id": edited.public_id,
            "revision": draft_revision(draft),
            **items,
        },
    )


def test_the_matrix_covers_every_console_route():
    routes = {
        (method, route.path)
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }

    def generic(path: str) -> str:
        for name in AUDIT_IDS:
            path = path.replace("{" + name + "}", "{audit_id}")
        return path

    listed = {
        (
            m,
            generic(p.split("?")[0])
            .replace("{own_token_id}", "{token_id}")
            .replace("{own_draft_id}", "{draft_id}")
            .replace("{spare_draft_id}", "{draft_id}")
            .replace("{inactive_id}", "{account_id}")
            .replace("{target_id}", "{account_id}")
            .replace("{link}", "{token}")
            .replace("{review_id}", "{request_id}")
            .replace("{publish_review_id}", "{request_id}")
            .replace("{algorithm_id}", "{public_id}")
            .replace("{upload_algorithm_id}", "{public_id}")
            .replace("{item_publish}", "{item_id}")
            .replace("{item_published}", "{item_id}")
            .replace("{item_merge}", "{item_id}")
            .replace("{item_decline}", "{item_id}"),
        )
        for m, p, _d, _e in CASES
    }
    assert routes == listed | ALSO_COVERED


@pytest.mark.parametrize("role", ROLES)
def test_console_permissions(console, session, settings, role):
    world = _world(session, settings)
    algorithm = world.values.pop("algorithm")
    account = world.accounts.get(role)
    if account is not None:
        signed_in(console, account)  # type: ignore[arg-type]
        make_token(session, account, name="own")  # type: ignore[arg-type]
        own = session.exec(
            select(ApiToken.id).where(ApiToken.account_id == account.id, ApiToken.name == "own")  # type: ignore[attr-defined]
        ).one()
        drafts = [_draft_for(settings, account, algorithm) for _ in range(2)]
    else:
        own = 1
        drafts = ["x" * 24, "y" * 24]
    values = {
        **world.values,
        "own_token_id": own,
        "own_draft_id": drafts[0],
        "spare_draft_id": drafts[1],
    }
    failures = []
    for method, template, data, expected_by_role in CASES:
        if template == "/console/sign-out":
            continue  # checked last: it ends the session
        expected = expected_by_role.get(role, SIGN_IN)
        path = template.format(**values)
        if method == "GET":
            response = console.get(path)
        else:
            page = "/console" if account is not None else "/console/sign-in"
            token = csrf_of(console.get(page))
            filled = {k: v.format(**values) if isinstance(v, str) else v for k, v in data.items()}
            response = console.post(path, data={"csrf_token": token, **filled})
        if response.status_code != expected:
            failures.append((method, path, response.status_code, expected))
        elif expected == SIGN_IN and role == "anonymous" and template != "/console/sign-in":
            location = response.headers["location"]
            if not location.startswith("/console/sign-in"):
                failures.append((method, path, location, "sign-in"))
    page = "/console" if account is not None else "/console/sign-in"
    response = console.post("/console/sign-out", data={"csrf_token": csrf_of(console.get(page))})
    if response.status_code != 303:
        failures.append(("POST", "/console/sign-out", response.status_code, 303))
    assert failures == []
