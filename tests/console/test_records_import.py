"""The console's records import: upload, review the per-record report, confirm; permissions;
both interface languages. Uses the real Dutch publication-standard format."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from registry.models import Agency, Algorithm, AlgorithmState, CardDraft, Role
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import make_agency

pytestmark = pytest.mark.db
NL = "nl_algoritmeregister"
RECORDS = [
    {
        "name": "Parkeercontrole",
        "organization": "Gemeente Amsterdam",
        "description_short": "Scanauto's controleren of voor het parkeren is betaald.",
    },
    {"name": "", "organization": "Gemeente Amsterdam"},
]
FILE = json.dumps(RECORDS, ensure_ascii=False).encode()


def _algorithms(session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Algorithm)).one()


def _review(console, data: bytes = FILE, **fields: str):
    token = csrf_of(console.get("/console/import"))
    return console.post(
        "/console/import",
        data={"csrf_token": token, "format": NL, **fields},
        files={"file": ("register.json", data, "application/json")},
    )


def _confirm(console, review):
    page = soup(review)
    form = page.select_one("form[action='/console/import/confirm']")
    assert form is not None, review.text[:2000]
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    return console.post("/console/import/confirm", data=data)


@pytest.fixture
def agency(session):
    return make_agency(session, name="Stadsdeel Noord")


def test_an_editor_reviews_then_confirms_and_the_drafts_join_their_list(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    review = _review(console)
    assert review.status_code == 200, review.text[:2000]
    page = soup(review)
    assert page.h1.get_text() == "Review the import"
    first, second = page.select("section.import-record")
    assert "Will be created as a draft" in first.get_text()
    assert first.select_one("h2 span")["lang"] == "nl"  # the record's own language
    kinds = [d["data-kind"] for d in first.select("details.note-group")]
    assert kinds[0] == "needs_person" and "mapped" in kinds
    assert first.select_one("details[data-kind=needs_person]").has_attr("open")
    assert "Skipped" in second.get_text()
    assert _algorithms(session) == 0  # the review wrote nothing

    done = _confirm(console, review)
    assert done.status_code == 200
    assert soup(done).h1.get_text() == "Import done"
    algorithm = session.exec(select(Algorithm)).one()
    assert algorithm.agency_id == agency.id and algorithm.state == AlgorithmState.draft
    assert algorithm.import_standard_version == "1.0.0"
    draft = session.exec(select(CardDraft)).one()
    assert draft.last_editor_id == editor.id and draft.card["language"] == "nl"
    listing = console.get("/console/algorithms")
    assert "Parkeercontrole" in listing.text
    detail = soup(console.get(f"/console/algorithms/{algorithm.public_id}")).get_text(" ")
    assert "Imported from Algoritmeregister publicatiestandaard 1.0.0" in " ".join(detail.split())

    again = _review(console)
    assert "Already imported" in soup(again).select("section.import-record")[0].get_text()
    assert soup(again).select_one("form[action='/console/import/confirm']") is None


def test_an_admin_imports_into_the_organisation_each_record_names(console, session):
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    review = _review(console, agency="")
    assert "Gemeente Amsterdam (new)" in soup(review).select("section.import-record")[0].get_text()
    _confirm(console, review)
    session.expire_all()
    created = session.exec(select(Agency).where(Agency.slug == "gemeente-amsterdam")).one()
    assert created.name == "Gemeente Amsterdam"
    assert session.exec(select(Algorithm)).one().agency_id == created.id


def test_an_editor_cannot_import_into_another_agency(console, session, agency):
    other = make_agency(session)
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    page = soup(console.get("/console/import"))
    assert page.select_one("select#agency") is None  # the editor's own agency, fixed
    review = _review(console, agency=other.slug)  # a forged field is ignored
    assert "Agency: Stadsdeel Noord" in soup(review).select("section.import-record")[0].get_text()


def test_auditors_may_not_import(console, session):
    auditor = make_staff(session, role=Role.auditor)
    signed_in(console, auditor)
    assert console.get("/console/import").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "Choose the file to import."), (b"not json", "could not be read")],
)
def test_a_missing_or_unreadable_file_is_said_on_the_form(console, session, agency, data, message):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    response = _review(console, data=data)
    assert response.status_code == 422
    assert message in soup(response).select_one(".error-summary").get_text()


def test_a_lost_file_on_confirm_is_said_and_nothing_is_written(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    token = csrf_of(console.get("/console/import"))
    response = console.post(
        "/console/import/confirm",
        data={"csrf_token": token, "format": NL, "data": "%%%"},
    )
    assert response.status_code == 422 and "upload it again" in response.text
    assert _algorithms(session) == 0


def test_the_import_pages_speak_chinese(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    page = console.get("/console/import", params={"lang": "zh-CN"})
    assert page.status_code == 200
    assert soup(page).html["lang"] == "zh-CN"
    assert "导入" in soup(page).h1.get_text()
    review = _review(console)
    assert "将创建为草稿" in review.text


# --- the agency of each organisation (the console's --agency-map) ---------------------------------
TWO_ORGS = json.dumps(
    [
        {"name": "Parkeercontrole", "organization": "Gemeente Amsterdam"},
        {"name": "Afvalroutes", "organization": "Gemeente Zaanstad"},
        {"name": "Handhaving", "organization": "Gemeente Amsterdam"},
    ],
    ensure_ascii=False,
).encode()


def _form_of(response, action: str) -> dict[str, str]:
    form = soup(response).select_one(f"form[action='{action}']")
    assert form is not None, response.text[:2000]
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    for select_ in form.select("select"):
        chosen = select_.select_one("option[selected]")
        data[select_["name"]] = chosen["value"] if chosen else ""
    return data


def _agencies(session) -> set[str]:
    session.expire_all()
    return set(session.exec(select(Agency.slug)).all())


def test_an_admin_chooses_the_agency_of_each_organisation_on_the_review(console, session, agency):
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    review = _review(console, data=TWO_ORGS, agency="")
    rows = soup(review).select("#agency-map select")
    labels = [soup(review).select_one(f"label[for={s['id']}]").get_text() for s in rows]
    assert labels == ["Records of “Gemeente Amsterdam”", "Records of “Gemeente Zaanstad”"]
    assert [o["value"] for o in rows[0].select("option")][:1] == [""]  # by name, or new
    assert agency.slug in [o["value"] for o in rows[0].select("option")]

    choices = _form_of(review, "/console/import/review")
    assert choices["map_name_0"] == "Gemeente Amsterdam"
    choices["map_agency_0"] = agency.slug
    again = console.post("/console/import/review", data=choices)
    assert again.status_code == 200, again.text[:2000]
    records = soup(again).select("section.import-record")
    assert "Agency: Stadsdeel Noord" in records[0].get_text()
    assert "Gemeente Zaanstad (new)" in records[1].get_text()
    assert "Agency: Stadsdeel Noord" in records[2].get_text()
    assert soup(again).select_one("#map_agency_0 option[selected]")["value"] == agency.slug
    assert _algorithms(session) == 0  # reviewing again wrote nothing
    before = _agencies(session)

    done = console.post("/console/import/confirm", data=_form_of(again, "/console/import/confirm"))
    assert done.status_code == 200
    session.expire_all()
    algorithms = session.exec(select(Algorithm)).all()
    zaanstad = session.exec(select(Agency).where(Agency.slug == "gemeente-zaanstad")).one()
    assert sorted(a.agency_id for a in algorithms) == sorted([agency.id, agency.id, zaanstad.id])
    assert _agencies(session) - before == {"gemeente-zaanstad"}  # no Gemeente Amsterdam


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"map_agency_0": "no-such-agency"}, "There is no agency “no-such-agency” for the records"),
        ({"map_name_0": "Gemeente Elders"}, "“Gemeente Elders” is not named by any record"),
        ({"map_name_0": ""}, "The list of organisations was damaged"),
    ],
)
@pytest.mark.parametrize("step", ["/console/import/review", "/console/import/confirm"])
def test_a_bad_agency_choice_is_said_at_its_field_and_nothing_is_written(
    console, session, agency, change, message, step
):
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    review = _review(console, data=TWO_ORGS, agency="")
    form = {**_form_of(review, "/console/import/review"), "map_agency_0": agency.slug, **change}
    before = _agencies(session)
    response = console.post(step, data=form)
    assert response.status_code == 422, response.text[:2000]
    page = soup(response)
    link = page.select_one(".error-summary a")
    assert link["href"] == "#map_agency_0" and message in link.get_text()
    assert message in page.select_one("#map_agency_0-error").get_text()
    assert page.select_one("form[action='/console/import/confirm']") is None
    assert _algorithms(session) == 0 and _agencies(session) == before


@pytest.mark.parametrize(
    ("role", "one_agency", "refusal"),
    [
        # an editor imports for their own agency only: no map offered, a forged one refused
        (Role.agency_editor, False, "Only an admin can choose"),
        # an admin who chose one agency for every record gets no map either
        (Role.admin, True, "not both"),
    ],
    ids=["editor", "admin-with-one-agency"],
)
def test_a_map_is_refused_where_none_was_offered(
    console, session, agency, role, one_agency, refusal
):
    other = make_agency(session)
    staff = make_staff(session, role=role, agency=agency if role == Role.agency_editor else None)
    signed_in(console, staff)
    extra = {"agency": agency.slug} if one_agency else {}
    review = _review(console, data=TWO_ORGS, **extra)
    assert soup(review).select_one("#agency-map") is None
    form = {
        **_form_of(review, "/console/import/confirm"),
        "map_name_0": "Gemeente Amsterdam",
        "map_agency_0": other.slug,
    }
    response = console.post("/console/import/confirm", data=form)
    assert response.status_code == 422
    assert refusal in soup(response).select_one(".error-summary").get_text()
    assert _algorithms(session) == 0


def test_the_mapping_notes_and_reasons_are_shown_in_chinese(console, session, agency):
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    signed_in(console, editor)
    console.get("/console/import", params={"lang": "zh-CN"})
    review = _review(console)
    first, second = soup(review).select("section.import-record")
    notes = first.select("details.note-group li span")
    assert notes and all(n["lang"] == "zh-CN" for n in notes), [n.get_text() for n in notes]
    texts = " ".join(n.get_text() for n in notes)
    # the standards' keys stay as written; the sentence around them is Chinese
    assert "'name' 已复制到 name。" in texts
    assert "来源键 'contact_email' 为空，但 Algoritmeregister publicatiestandaard 要求填写" in texts
    reason = second.select_one("p.reason span")
    assert reason["lang"] == "zh-CN" and "该记录没有可用于登记的名称" in reason.get_text()
    console.get("/console/import", params={"lang": "en"})
    english = soup(_review(console)).select("section.import-record")[0]
    assert "'name' was copied into name." in english.get_text()
