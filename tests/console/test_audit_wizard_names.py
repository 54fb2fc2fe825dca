"""The upload wizard's optional step "Names the public will read": for each group attribute and
each of its groups (read from the whole file, at most ``MAX_NAMED_GROUPS`` per column), names in
English and Chinese. They become the spec's ``labels``, checked by the engine's own rule; a bad
name is sent back to its field; only the draft's owner sees the step; skipping it adds no labels;
an earlier audit's names are the starting point; the public page then shows the names."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session

from registry.console.vm_audit_wizard import spec_field_of
from registry.models import Role
from registry.models.audit import AuditVisibility
from registry.services.audits import publication
from registry.services.audits.column_proposal import MAX_NAMED_GROUPS
from tests.console.conftest import make_staff, signed_in, soup
from tests.console.test_audit_wizard import (
    SAMPLES,
    _csv,
    audits,
    draft_path,
    post_form,
    upload,
)
from tests.console.test_audit_wizard import world as world  # the fixture
from tests.pages.test_audit_labels import visible_text
from tests.registry.audit_fixtures import drain
from tests.registry.factories import T0
from tests.registry.stored_audits import stored_audit

pytestmark = pytest.mark.db

CHECKS = {"favourable_outcome": "beneficial", "check_mode": "four-fifths", "reference": "overall"}
COLUMNS = {
    "mode": "prediction",
    "prediction": "selected",
    "label": "outcome",
    "sensitive_features": ["sex", "region"],
}
#: The _csv() sample's groups, as the names step lists them (sorted): sex F, M; region N, S.
NAMES = {
    "name_1_en": "Gender",
    "name_1_zh": "性别",
    "group_1_1_en": "Women",
    "group_1_1_zh": "女性",
    "group_1_2_en": "Men",
    "name_2_zh": "地区",
    "group_2_2_en": "The south",
}


def _to_names(console, world, content: bytes | None = None, columns=None) -> str:  # type: ignore[no-untyped-def]
    signed_in(console, world["auditor"])
    base = draft_path(upload(console, world["algorithm"].public_id, content or _csv()))
    saved = post_form(console, base + "/columns", columns or COLUMNS)
    assert saved.status_code == 303, saved.text[:2000]
    checks = post_form(console, base + "/checks", CHECKS)
    assert checks.status_code == 303 and checks.headers["location"] == base + "/names"
    return base


def _spec(console, base: str) -> dict:  # type: ignore[type-arg]
    return json.loads(soup(console.get(base + "/summary")).select_one("pre code").get_text())


def test_the_names_step_lists_each_attribute_and_its_groups_from_the_file(console, world):
    base = _to_names(console, world)
    page = soup(console.get(base + "/names"))
    assert [i["name"] for i in page.select("form#names input[type=text]")] == [
        "name_1_en", "name_1_zh", "group_1_1_en", "group_1_1_zh", "group_1_2_en", "group_1_2_zh",
        "name_2_en", "name_2_zh", "group_2_1_en", "group_2_1_zh", "group_2_2_en", "group_2_2_zh",
    ]  # fmt: skip
    legends = [legend.get_text(" ", strip=True) for legend in page.select("form#names legend")]
    assert legends == [
        "Column “sex”", "Group “F”", "Group “M”", "Column “region”", "Group “N”", "Group “S”",
    ]  # fmt: skip
    assert page.select_one("#name_1_zh")["lang"] == "zh-CN"
    assert page.select_one('[aria-current="step"]').get_text(" ", strip=True) == "5 Names"
    assert [s.get_text(" ", strip=True) for s in page.select(".wizard-steps li")][-1] == "6 Summary"


def test_names_given_become_the_spec_labels_and_the_summary_shows_them(console, session, world):
    base = _to_names(console, world)
    done = post_form(console, base + "/names", NAMES)
    assert done.status_code == 303 and done.headers["location"] == base + "/summary"
    summary = soup(console.get(base + "/summary"))
    spec = json.loads(summary.select_one("pre code").get_text())
    assert spec["labels"] == {
        "attributes": {"sex": {"en": "Gender", "zh-CN": "性别"}, "region": {"zh-CN": "地区"}},
        "groups": {
            "sex": {"F": {"en": "Women", "zh-CN": "女性"}, "M": {"en": "Men"}},
            "region": {"S": {"en": "The south"}},
        },
    }
    words = {
        row.select_one("dt").get_text(): row.select_one("dd").get_text()
        for row in summary.select("dl.facts div")
    }
    assert words["Group attributes"] == "sex (Gender / 性别), region (地区)"
    assert words["Names of the groups of sex (Gender / 性别)"] == "F (Women / 女性), M (Men)"
    again = soup(console.get(base + "/names"))
    assert again.select_one("#group_1_1_zh")["value"] == "女性"  # kept between visits
    assert again.select_one("#group_2_1_en")["value"] == ""
    assert post_form(console, base + "/submit", {}).status_code == 303
    [audit] = audits(session)
    assert audit.spec["labels"]["groups"]["sex"]["F"]["zh-CN"] == "女性"


def test_the_summary_in_chinese_names_the_groups(console, world):
    base = _to_names(console, world)
    post_form(console, base + "/names", NAMES)
    summary = soup(console.get(base + "/summary?lang=zh-CN"))
    in_words = summary.select("dl.facts")[-1].get_text()
    assert "Women / 女性" in in_words and "The south" in in_words
    assert "Names of the groups" not in in_words  # the term is translated


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 121, "Enter a name of at most 120 characters"),
        ("Gen\tder", "Remove the control or formatting characters"),
        ("Gen\u202eder", "Remove the control or formatting characters"),  # a direction mark
    ],
)
def test_a_bad_name_is_422_on_its_field_and_nothing_is_kept(console, world, value, message):
    base = _to_names(console, world)
    refused = post_form(console, base + "/names", {**NAMES, "group_1_2_zh": value})
    assert refused.status_code == 422
    page = soup(refused)
    [link] = page.select(".error-summary a")
    assert link["href"] == "#group_1_2_zh" and message in link.get_text()
    field = page.select_one("#group_1_2_zh")
    assert field["aria-invalid"] == "true" and field["value"] == value  # shown back, not cut
    assert message in page.select_one("#group_1_2_zh-error").get_text()
    assert page.select_one("#name_1_en")["value"] == "Gender"  # the good ones stay in the form
    assert "labels" not in _spec(console, base)  # nothing saved


def test_a_bad_name_is_explained_in_chinese(console, world):
    base = _to_names(console, world)
    refused = post_form(console, base + "/names?lang=zh-CN", {"name_1_en": "x" * 121})
    assert refused.status_code == 422
    assert "Enter a name" not in soup(refused).select_one("#name_1_en-error").get_text()


def test_skipping_the_step_leaves_the_spec_without_labels(console, world):
    base = _to_names(console, world)
    assert "labels" not in _spec(console, base)  # straight from the checks to the summary
    empty = post_form(console, base + "/names", {"name_1_en": "  ", "group_1_1_zh": ""})
    assert empty.status_code == 303
    assert "labels" not in _spec(console, base)  # every field left empty


def test_only_the_drafts_owner_may_open_or_save_its_names(console, session, world):
    base = _to_names(console, world)
    other = make_staff(session, role=Role.auditor)
    console.cookies.clear()
    signed_in(console, other)
    assert console.get(base + "/names").status_code == 404
    assert post_form(console, base + "/names", NAMES).status_code == 404
    admin = make_staff(session, role=Role.admin)
    console.cookies.clear()
    signed_in(console, admin)
    assert console.get(base + "/names").status_code == 403
    console.cookies.clear()
    signed_in(console, world["auditor"])
    assert "labels" not in _spec(console, base)  # untouched by the others


def test_names_start_as_a_published_earlier_audits_of_the_algorithm(console, session, world):
    algorithm = world["algorithm"]
    earlier = stored_audit(
        session, algorithm, make_staff(session, role=Role.auditor), "aud-0000000ea1",
        visibility=AuditVisibility.published,
    )  # fmt: skip
    earlier.spec = {
        **earlier.spec,
        "labels": {
            "attributes": {"sex": {"en": "Gender", "zh-CN": "性别"}},
            "groups": {"sex": {"F": {"en": "Women"}}, "age": {"18-24": {"en": "18 to 24"}}},
        },
    }
    session.add(earlier)
    hidden = stored_audit(
        session, algorithm, make_staff(session, role=Role.auditor), "aud-0000000ea2"
    )  # another auditor's private audit, newer: its names are not shown
    hidden.spec = {**hidden.spec, "labels": {"attributes": {"sex": {"en": "Secret"}}}}
    hidden.created_at = T0.replace(year=T0.year + 1)
    session.add(hidden)
    session.commit()
    base = _to_names(console, world)
    page = soup(console.get(base + "/names"))
    assert "aud-0000000ea1" in page.select_one(".banner").get_text()
    assert page.select_one("#name_1_en")["value"] == "Gender"
    assert page.select_one("#group_1_1_en")["value"] == "Women"
    assert page.select_one("#name_2_en")["value"] == ""  # never invented
    assert "labels" not in _spec(console, base)  # only a saved step gives labels
    assert post_form(console, base + "/names", {"name_1_en": "Sex"}).status_code == 303
    assert _spec(console, base)["labels"] == {"attributes": {"sex": {"en": "Sex"}}}
    again = soup(console.get(base + "/names"))
    assert again.select_one("#group_1_1_en")["value"] == ""  # the saved names, not the earlier
    assert again.select_one(".banner") is None


def test_a_column_with_too_many_groups_lists_the_first_ones_and_says_so(console, world):
    lines = ["office,selected,outcome"]
    lines += [f"office-{i % 60:02d},{i % 2},{i % 3 % 2}" for i in range(600)]
    content = ("\n".join(lines) + "\n").encode()
    columns = {**COLUMNS, "sensitive_features": ["office"]}
    base = _to_names(console, world, content, columns)
    page = soup(console.get(base + "/names"))
    groups = page.select("#attribute-1 fieldset.check-row")
    assert len(groups) == MAX_NAMED_GROUPS
    assert f"more than {MAX_NAMED_GROUPS} different values" in page.select_one("#names").get_text()


def test_a_count_tables_groups_are_read_from_the_table(console, session, world):
    signed_in(console, world["auditor"])
    content = (SAMPLES / "tax-audit-selection.counts.csv").read_bytes()
    base = draft_path(upload(console, world["algorithm"].public_id, content, input_kind="counts"))
    post_form(console, base + "/columns", {"sensitive_features": ["business_size"]})
    post_form(console, base + "/checks", {**CHECKS, "favourable_outcome": "adverse"})
    page = soup(console.get(base + "/names"))
    legends = [g.get_text(strip=True) for g in page.select("#attribute-1 fieldset legend")]
    assert legends == ["Group “large”", "Group “medium”", "Group “micro”", "Group “small”"]
    names = {"name_1_en": "Business size", "group_1_3_zh": "微型企业"}
    assert post_form(console, base + "/names", names).status_code == 303
    assert post_form(console, base + "/submit", {}).status_code == 303
    [audit] = audits(session)
    assert audit.spec["labels"] == {
        "attributes": {"business_size": {"en": "Business size"}},
        "groups": {"business_size": {"micro": {"zh-CN": "微型企业"}}},
    }


def test_an_engine_refusal_of_the_labels_links_to_the_names_step():
    assert spec_field_of(["spec", "labels", "groups", "sex", "F"]) == ("names", "name_1_en")


CODES = ("gender_cd", "gf", "gm")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_published_audit_from_the_wizard_shows_the_names_not_the_codes(
    app, console, session: Session, world, lang
):
    lines = ["gender_cd,selected,outcome"]
    lines += [f"{'gf' if i % 2 else 'gm'},{int(i % 5 < 2)},{int(i % 7 < 3)}" for i in range(400)]
    content = ("\n".join(lines) + "\n").encode()
    columns = {**COLUMNS, "sensitive_features": ["gender_cd"]}
    base = _to_names(console, world, content, columns)
    names = {
        "name_1_en": "Gender", "name_1_zh": "性别",
        "group_1_1_en": "Women", "group_1_1_zh": "女性",
        "group_1_2_en": "Men", "group_1_2_zh": "男性",
    }  # fmt: skip
    assert post_form(console, base + "/names", names).status_code == 303
    assert post_form(console, base + "/submit", {}).status_code == 303
    [audit] = audits(session)
    assert drain(app) == [audit.public_id]
    session.expire_all()
    assert audit.state == "succeeded", audit.error
    publication.publish_audit(session, actor=world["auditor"], audit=audit, now=T0)
    page = soup(console.get(f"/audits/{audit.public_id}?lang={lang}"))
    text = visible_text(page.select_one("main"))
    expected = {"en": ("Gender", "Women", "Men"), "zh-CN": ("性别", "女性", "男性")}[lang]
    for name in expected:
        assert name in text
    assert [c for c in CODES if re.search(rf"(?<![\w-]){c}(?![\w-])", text)] == []
