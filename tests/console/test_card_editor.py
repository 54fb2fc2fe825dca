"""The agency editor's card editor, generated from the card schema: every field with its label in
both languages, problems at the top and next to the field (from the API's own validation), list
items added and removed without JavaScript, saving, a stale revision, preview, diff, discard and
retire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from registry.cards import validate_draft
from registry.cards.sections import card_sections
from registry.console import card_form
from registry.models import Algorithm, AlgorithmState, CardDraft, Event, Role
from registry.services.cards import drafts
from tests.console.conftest import csrf_of, make_staff, signed_in, soup
from tests.registry.factories import (
    PUBLISHABLE_CARD,
    T0,
    card,
    make_agency,
    make_draft_algorithm,
    make_published_algorithm,
)

pytestmark = pytest.mark.db
SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "cards"


def _sample_cards() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(SAMPLES.glob("*.json")):
        for number, version in enumerate(json.loads(path.read_text())["versions"], start=1):
            out.append((f"{path.stem}-v{number}", version["card"]))
    return out


@pytest.mark.parametrize(("name", "sample"), _sample_cards(), ids=[n for n, _c in _sample_cards()])
def test_card_to_form_to_card_is_the_identity_for_every_sample_card(name, sample):
    form = card_form.raw_to_form(card_form.card_to_raw(sample))
    back = card_form.form_to_card(form)
    assert validate_draft(back) == validate_draft(sample) == sample


def test_form_names_are_flat_and_predictable():
    form = card_form.raw_to_form(card_form.card_to_raw(PUBLISHABLE_CARD))
    assert form["name"] == [PUBLISHABLE_CARD["name"]]
    assert form["data_sources-count"] == [str(len(PUBLISHABLE_CARD["data_sources"]))]
    assert form["data_sources-0-name"] == [PUBLISHABLE_CARD["data_sources"][0]["name"]]
    assert form["contact-email"] == [PUBLISHABLE_CARD["contact"]["email"]]


def test_empty_list_items_are_left_out_and_problems_map_back_to_the_form_index():
    raw = card_form.card_to_raw({"name": "X"})
    raw["risks"] = [
        {"name": "", "description": "", "mitigation": ""},
        {"name": " ", "description": "d", "mitigation": ""},
    ]
    built, index = card_form.raw_to_card(raw)
    assert built["risks"] == [{"description": "d"}]  # blank text is left out: "missing"
    assert card_form.loc_to_id(["risks", 0, "name"], index) == "risks-1-name"


@pytest.fixture
def world(session):
    agency = make_agency(session)
    editor = make_staff(session, role=Role.agency_editor, agency=agency)
    other = make_staff(session, role=Role.agency_editor, agency=agency)
    return {"agency": agency, "editor": editor, "other": other}


def _post_form(client, path: str, fields: dict[str, list[str]], action: str = "save"):
    page = client.get(path)
    data = {**fields, "csrf_token": [csrf_of(page)], "action": [action]}
    return client.post(path, data=data)


def _fields_of(response) -> dict[str, list[str]]:
    """The form as a browser would send it (text, textareas, checked choices, selects, hidden)."""
    form = soup(response).select_one("form.card-form")
    assert form is not None
    out: dict[str, list[str]] = {}
    for element in form.select("input, textarea, select"):
        name = element.get("name")
        if not name or name in ("csrf_token", "action"):
            continue
        if element.name == "textarea":
            out.setdefault(name, []).append(element.text)
        elif element.name == "select":
            chosen = element.select_one("option[selected]")
            out.setdefault(name, []).append(str(chosen["value"]) if chosen else "")
        elif element.get("type") in ("radio", "checkbox"):
            if element.has_attr("checked"):
                out.setdefault(name, []).append(str(element["value"]))
        else:
            out.setdefault(name, []).append(str(element.get("value", "")))
    return out


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_field_of_the_schema_appears_with_its_label(console, world, lang):
    signed_in(console, world["editor"])
    page = soup(console.get(f"/console/algorithms/new?lang={lang}"))
    text = page.get_text(" ")
    for section in card_sections():
        assert section.labels[lang] in text
        for field in section.fields:
            if not field.in_payload:
                continue
            assert field.labels[lang] in text, field.name
            assert page.find(id=field.name) is not None, field.name
            if field.help[lang]:
                assert field.help[lang] in text, field.name
    # Sub-objects show their own fields, labelled in the reader's language too.
    for widget in card_form.card_widgets():
        if widget.kind == "object":
            for child in widget.children:
                label = child.labels.get(lang) or child.labels["en"]
                element = page.find(id=f"{widget.key}-{child.key}")
                assert element is not None, (widget.key, child.key)
                assert label in text, (widget.key, child.key)


def test_a_new_algorithm_is_registered_from_the_form(console, session, world):
    signed_in(console, world["editor"])
    fields = _fields_of(console.get("/console/algorithms/new"))
    fields["name"] = ["Parking permit check"]
    fields["summary"] = ["Checks permit applications."]
    response = _post_form(console, "/console/algorithms/new", fields)
    assert response.status_code == 303
    assert "done=created" in response.headers["location"]
    algorithm = session.exec(
        select(Algorithm).where(Algorithm.name == "Parking permit check")
    ).one()
    draft = session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).one()
    assert draft.card == {"name": "Parking permit check", "summary": "Checks permit applications."}


def test_a_validation_error_shows_in_the_summary_and_next_to_the_field(console, world):
    signed_in(console, world["editor"])
    fields = _fields_of(console.get("/console/algorithms/new"))
    fields["name"] = ["Parking permit check"]
    fields["in_use_from"] = ["March 2024"]
    response = _post_form(console, "/console/algorithms/new", fields)
    assert response.status_code == 422
    page = soup(response)
    summary = page.select_one("div.error-summary[role=alert]")
    links = summary.select("a")
    assert [a["href"] for a in links] == ["#in_use_from"]
    assert "YYYY-MM" in links[0].get_text()
    assert page.find(id="in_use_from") is not None  # the link works
    assert "YYYY-MM" in page.select_one("#in_use_from-error").get_text()
    assert page.select_one("#in_use_from")["value"] == "March 2024"  # kept as typed


def test_a_problem_inside_a_list_item_links_to_that_item_field(console, session, world):
    algorithm = make_draft_algorithm(session, agency=world["agency"], editor=world["editor"])
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    fields = _fields_of(console.get(path))
    item = len(PUBLISHABLE_CARD.get("legal_basis", []))  # a new item after the card's own
    fields["legal_basis-count"] = [str(item + 2)]  # and an empty one, which is left out
    fields[f"legal_basis-{item + 1}-title"] = ["Permit act"]
    fields[f"legal_basis-{item + 1}-url"] = ["not a link"]
    response = _post_form(console, path, fields)
    assert response.status_code == 422
    page = soup(response)
    hrefs = [a["href"] for a in page.select(".error-summary a")]
    assert hrefs == [f"#legal_basis-{item + 1}-url"]
    target = hrefs[0][1:]
    assert page.find(id=target) is not None
    assert page.select_one(f"#{target}-error") is not None


def test_saving_a_complete_draft_leads_on_to_asking_for_review(console, session, world):
    complete = make_draft_algorithm(session, agency=world["agency"], editor=world["editor"])
    partial = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "Partial"}
    )
    signed_in(console, world["editor"])
    for algorithm, leads_on in ((complete, True), (partial, False)):
        path = f"/console/algorithms/{algorithm.public_id}/edit"
        saved = _post_form(console, path, _fields_of(console.get(path)))
        assert saved.status_code == 303
        page = soup(console.get(saved.headers["location"]))
        link = page.select_one("#next-step a")
        if leads_on:
            assert link is not None
            assert link["href"] == f"/console/algorithms/{algorithm.public_id}/review"
        else:
            assert link is None
        # Only right after saving: opening the editor again shows no such line.
        assert soup(console.get(path)).select_one("#next-step") is None


def test_name_missing_on_a_new_algorithm_is_explained(console, world):
    signed_in(console, world["editor"])
    fields = _fields_of(console.get("/console/algorithms/new"))
    response = _post_form(console, "/console/algorithms/new", fields)
    assert response.status_code == 422
    assert [a["href"] for a in soup(response).select(".error-summary a")] == ["#name"]


def test_list_items_are_added_and_removed_without_javascript(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "Lists"}
    )
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    page = console.get(path)
    assert soup(page).select_one("button[name=action][value='add:risks']") is not None
    assert soup(page).find("script") is None or all(
        s.get("src") for s in soup(page).find_all("script")
    )
    added = _post_form(console, path, _fields_of(page), action="add:risks")
    assert added.status_code == 200
    assert soup(added).find(id="risks-0-name") is not None
    assert soup(added).find(id="risks-0-name").has_attr("autofocus")
    fields = _fields_of(added)
    fields["risks-0-name"] = ["Wrong flag"]
    again = _post_form(console, path, fields, action="add:risks")
    fields = _fields_of(again)
    fields["risks-1-name"] = ["Stale data"]
    saved = _post_form(console, path, fields)
    assert saved.status_code == 303
    session.expire_all()
    draft = drafts.find_draft(session, algorithm)
    assert [r["name"] for r in draft.card["risks"]] == ["Wrong flag", "Stale data"]
    page = console.get(path)
    removed = _post_form(console, path, _fields_of(page), action="remove:risks-0")
    assert removed.status_code == 200
    assert soup(removed).select_one("#risks-0-name")["value"] == "Stale data"
    assert soup(removed).find(id="risks-1-name") is None
    session.expire_all()
    assert [r["name"] for r in drafts.find_draft(session, algorithm).card["risks"]] == [
        "Stale data"
    ]


def test_saving_keeps_every_value(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data=card()
    )
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    before = drafts.find_draft(session, algorithm).card
    saved = _post_form(console, path, _fields_of(console.get(path)))
    assert saved.status_code == 303
    session.expire_all()
    assert drafts.find_draft(session, algorithm).card == before
    assert "saved" in console.get(saved.headers["location"]).text.lower()


def test_missing_fields_for_publishing_are_listed_without_blocking(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "Half done"}
    )
    signed_in(console, world["editor"])
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}/edit"))
    hrefs = [a["href"] for a in page.select("#missing a")]
    assert "#summary" in hrefs and "#contact" in hrefs
    assert page.select_one(".error-summary") is None


def test_a_stale_revision_is_refused_and_nothing_is_overwritten(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "First"}
    )
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    fields = _fields_of(console.get(path))
    drafts.save_draft(
        session, actor=world["other"], algorithm=algorithm, card={"name": "Theirs"}, now=T0
    )
    fields["name"] = ["Mine"]
    response = _post_form(console, path, fields)
    assert response.status_code == 409
    page = soup(response)
    assert page.select_one("#stale a")["href"] == path
    assert page.select_one("#name")["value"] == "Mine"  # the user's text is kept in the form
    session.expire_all()
    assert drafts.find_draft(session, algorithm).card["name"] == "Theirs"


def _published_with_draft(session, world, **changes):
    algorithm = make_published_algorithm(session, agency=world["agency"], versions=1)
    published = drafts.find_draft(session, algorithm)
    assert published is None
    from registry.services.cards.versions import list_versions

    base = list_versions(session, algorithm)[-1].card
    drafts.save_draft(
        session, actor=world["editor"], algorithm=algorithm, card={**base, **changes}, now=T0
    )
    return algorithm, base


def test_preview_shows_the_public_page_of_the_draft(console, client, session, world):
    algorithm, _base = _published_with_draft(session, world)
    signed_in(console, world["editor"])
    preview = console.get(f"/console/algorithms/{algorithm.public_id}/preview")
    assert preview.status_code == 200
    assert preview.headers["X-Robots-Tag"] == "noindex"
    page = soup(preview)
    assert "Preview — not published" in page.select_one("#preview-banner").get_text()
    assert page.select_one("meta[name=robots]")["content"].startswith("noindex")
    public = soup(client.get(f"/algorithms/{algorithm.public_id}"))
    # The same card: the same title, key facts and sections as the public page shows.
    assert page.select_one("h1").get_text() == public.select_one("h1").get_text()
    assert page.select_one("#details-heading").find_parent("section").get_text() == (
        public.select_one("#details-heading").find_parent("section").get_text()
    )
    assert [d.get_text() for d in page.select("#summary-heading ~ dl dd")] == [
        d.get_text() for d in public.select("#summary-heading ~ dl dd")
    ]


def test_preview_of_a_never_published_draft_shows_its_text(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data=card(name="Brand new")
    )
    signed_in(console, world["editor"])
    preview = console.get(f"/console/algorithms/{algorithm.public_id}/preview?lang=zh-CN")
    assert preview.status_code == 200
    assert soup(preview).select_one("h1").get_text() == "Brand new"


def test_diff_shows_exactly_the_changed_field(console, session, world):
    algorithm, _base = _published_with_draft(
        session, world, summary=PUBLISHABLE_CARD["summary"] + " Now also at weekends."
    )
    signed_in(console, world["editor"])
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}/diff"))
    rows = page.select("table.diff-table tbody tr")
    assert [r["id"] for r in rows] == ["change-summary"]
    assert "Now also at weekends." in rows[0].select_one("ins").get_text()
    assert "added" in rows[0].select_one("ins").get_text()


def test_diff_puts_what_matters_first_and_names_added_inputs(console, session, world):
    algorithm, base = _published_with_draft(
        session,
        world,
        license="EUPL-1.2",
        inputs=["Income", "Postcode"],
        human_oversight=PUBLISHABLE_CARD["human_oversight"].replace("any", "every"),
    )
    assert "Postcode" not in (base.get("inputs") or [])
    signed_in(console, world["editor"])
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}/diff?lang=zh-CN"))
    groups = page.select("section.diff-group")
    assert groups[0].select_one("h2").get_text() == "最重要的变更"
    key_rows = {r.select_one("th").get_text(): r for r in groups[0].select("tbody tr")}
    assert "输入 › Postcode" in key_rows
    oversight = key_rows["人工监督"]
    assert [d.get_text() for d in oversight.select("del")] == ["[删除: any]"]
    assert [i.get_text() for i in oversight.select("ins")] == ["[新增: every]"]
    assert groups[-1].select_one("h2").get_text() == "技术信息"
    assert "许可证" in groups[-1].select_one("tbody th").get_text()


def test_discarding_asks_first_then_keeps_the_published_version(console, session, world):
    algorithm, _base = _published_with_draft(session, world, summary="Changed.")
    signed_in(console, world["editor"])
    confirm = console.get(f"/console/algorithms/{algorithm.public_id}/discard")
    assert confirm.status_code == 200
    assert session.exec(select(CardDraft).where(CardDraft.algorithm_id == algorithm.id)).first()
    response = console.post(
        f"/console/algorithms/{algorithm.public_id}/discard",
        data={
            "csrf_token": csrf_of(confirm),
            "revision": soup(confirm).select_one("input[name=revision]")["value"],
        },
    )
    assert response.status_code == 303 and "done=discarded" in response.headers["location"]
    session.expire_all()
    assert drafts.find_draft(session, algorithm) is None
    assert session.exec(select(Event).where(Event.action == "draft.discarded")).first()


def test_discarding_a_draft_that_changed_meanwhile_is_refused(console, session, world):
    algorithm, base = _published_with_draft(session, world, summary="Changed.")
    signed_in(console, world["editor"])
    confirm = console.get(f"/console/algorithms/{algorithm.public_id}/discard")
    drafts.save_draft(
        session, actor=world["other"], algorithm=algorithm, card={**base, "summary": "x"}, now=T0
    )
    response = console.post(
        f"/console/algorithms/{algorithm.public_id}/discard",
        data={
            "csrf_token": csrf_of(confirm),
            "revision": soup(confirm).select_one("input[name=revision]")["value"],
        },
    )
    assert response.status_code == 409
    session.expire_all()
    assert drafts.find_draft(session, algorithm) is not None


def test_retiring_needs_a_reason_then_retires(console, session, world):
    algorithm = make_published_algorithm(session, agency=world["agency"], versions=1)
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/retire"
    empty = console.post(path, data={"csrf_token": csrf_of(console.get(path)), "reason": " "})
    assert empty.status_code == 422
    assert [a["href"] for a in soup(empty).select(".error-summary a")] == ["#reason"]
    done = console.post(
        path, data={"csrf_token": csrf_of(console.get(path)), "reason": "Replaced by a person."}
    )
    assert done.status_code == 303 and "done=retired" in done.headers["location"]
    session.expire_all()
    retired = session.get(Algorithm, algorithm.id)
    assert retired.state == AlgorithmState.retired
    assert retired.retired_reason == "Replaced by a person."
    again = console.post(path, data={"csrf_token": csrf_of(console.get(path)), "reason": "Twice."})
    assert again.status_code == 409


def test_the_home_page_shows_what_awaits_an_editor(console, session, world):
    make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "To finish"}
    )
    signed_in(console, world["editor"])
    page = soup(console.get("/console"))
    awaits = page.select_one(".awaits").get_text(" ")
    assert "To finish" in awaits and "required fields still missing" in awaits
    listing = soup(console.get("/console/algorithms")).get_text(" ")
    assert "To finish" in listing and "Draft, never published" in listing


def test_a_draft_started_elsewhere_while_the_form_was_open_is_not_overwritten(
    console, session, world
):
    algorithm = make_published_algorithm(session, agency=world["agency"], versions=1)
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    fields = _fields_of(console.get(path))  # no draft yet: the form starts from version 1
    assert fields["revision"] == [""]
    from registry.services.cards.versions import list_versions

    base = list_versions(session, algorithm)[-1].card
    drafts.save_draft(
        session, actor=world["other"], algorithm=algorithm, card={**base, "name": "Theirs"}, now=T0
    )
    response = _post_form(console, path, fields)
    assert response.status_code == 409
    session.expire_all()
    assert drafts.find_draft(session, algorithm).card["name"] == "Theirs"


def test_admins_see_every_agency_and_cannot_register(console, session, world):
    other_agency = make_agency(session)
    make_draft_algorithm(session, agency=other_agency, card_data={"name": "Elsewhere"})
    make_draft_algorithm(session, agency=world["agency"], card_data={"name": "Here"})
    admin = make_staff(session, role=Role.admin)
    signed_in(console, admin)
    page = soup(console.get("/console/algorithms"))
    names = [a.get_text() for a in page.select("tbody th a")]
    assert "Elsewhere" in names and "Here" in names
    assert page.find("a", href="/console/algorithms/new") is None
    assert console.get("/console/algorithms/new").status_code == 403


def _publish(session, world, card_data):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data=card_data
    )
    drafts.publish_draft(
        session,
        actor=world["other"],
        algorithm=algorithm,
        change_summary="First.",
        four_eyes=True,
        revision=drafts.current_revision(session, algorithm),
        now=T0,
    )
    return algorithm


def test_an_overdue_review_date_is_listed_on_the_home_page(console, session, world):
    _publish(session, world, card(name="Late review", next_review_date="2023-06-01"))
    _publish(session, world, card(name="On time", next_review_date="2026-06-01"))
    signed_in(console, world["editor"])  # the clock stands at T0, 2024-01-15
    awaits = soup(console.get("/console")).select_one(".awaits").get_text(" ")
    assert "Late review" in awaits and "On time" not in awaits
    listing = soup(console.get("/console/algorithms"))
    overdue = [
        r.select_one("th a").get_text()
        for r in listing.select("tbody tr")
        if r.select_one(".tag-warn")
    ]
    assert overdue == ["Late review"]


def test_never_published_algorithms_cannot_be_retired_or_their_draft_discarded(
    console, session, world
):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "New"}
    )
    signed_in(console, world["editor"])
    assert console.get(f"/console/algorithms/{algorithm.public_id}/discard").status_code == 409
    path = f"/console/algorithms/{algorithm.public_id}/retire"
    response = console.post(path, data={"csrf_token": csrf_of(console.get(path)), "reason": "x"})
    assert response.status_code == 409
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}"))
    assert page.find("a", href=f"/console/algorithms/{algorithm.public_id}/discard") is None
    assert page.find("a", href=path) is None


def test_two_translations_in_the_same_language_are_refused_not_merged(console, session, world):
    algorithm = make_draft_algorithm(
        session, agency=world["agency"], editor=world["editor"], card_data={"name": "Bilingual"}
    )
    signed_in(console, world["editor"])
    path = f"/console/algorithms/{algorithm.public_id}/edit"
    fields = _fields_of(console.get(path))
    fields |= {
        "translations-count": ["2"],
        "translations-0-lang": ["zh-CN"],
        "translations-0-name": ["第一"],
        "translations-1-lang": ["zh-CN"],
        "translations-1-name": ["第二"],
    }
    response = _post_form(console, path, fields)
    assert response.status_code == 422
    assert [a["href"] for a in soup(response).select(".error-summary a")] == [
        "#translations-1-lang"
    ]
    session.expire_all()
    assert "translations" not in drafts.find_draft(session, algorithm).card


def test_the_home_page_shows_reviews_asked_and_returned_and_the_awaiting_state(
    console, session, world
):
    from registry.services.cards import reviews

    algorithm, _ = _published_with_draft(session, world, summary="Asked about.")
    request = reviews.ask_for_review(session, actor=world["editor"], algorithm=algorithm, now=T0)
    signed_in(console, world["other"])
    awaits = soup(console.get("/console")).select_one(".awaits")
    assert "Reviews asked" in awaits.get_text(" ")
    assert awaits.select_one(f'a[href="/console/reviews/{request.id}"]') is not None
    listing = soup(console.get("/console/algorithms")).get_text(" ")
    assert "Awaiting review" in listing
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}"))
    assert page.select_one(f'#review a[href="/console/algorithms/{algorithm.public_id}/review"]')

    reviews.return_with_comment(
        session,
        actor=world["other"],
        algorithm=algorithm,
        request=request,
        comment="Name the data.",
        four_eyes=True,
        now=T0,
    )
    console.cookies.clear()
    signed_in(console, world["editor"])
    awaits = soup(console.get("/console")).select_one(".awaits").get_text(" ")
    assert "Returned to the author" in awaits and "Reviews asked" not in awaits
    page = soup(console.get(f"/console/algorithms/{algorithm.public_id}")).get_text(" ")
    assert "Name the data." in page
    assert "Awaiting review" not in soup(console.get("/console/algorithms")).get_text(" ")


def test_saving_after_asking_for_review_ends_the_awaiting_state(console, session, world):
    from registry.services.cards import reviews

    algorithm, base = _published_with_draft(session, world, summary="Asked about.")
    reviews.ask_for_review(session, actor=world["editor"], algorithm=algorithm, now=T0)
    drafts.save_draft(
        session,
        actor=world["editor"],
        algorithm=algorithm,
        card={**base, "summary": "Later."},
        now=T0,
    )
    signed_in(console, world["other"])
    listing = soup(console.get("/console/algorithms")).get_text(" ")
    assert "Awaiting review" not in listing and "Published, with a draft of changes" in listing
    awaits = soup(console.get("/console")).select_one(".awaits").get_text(" ")
    assert "the draft changed after review was asked" in awaits
