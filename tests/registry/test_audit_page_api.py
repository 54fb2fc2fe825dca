"""GET /api/v1/audits/{id}/page (the page as the public will see it, for a private audit's
readers) and the agency's response in both languages (POST /api/v1/audits/{id}/response)."""

from __future__ import annotations

import pytest

from registry.models import Role
from registry.models.audit import AuditKind, AuditState, AuditVisibility
from registry.services.audits.publication import (
    DEFAULT_RESPONSE_PASSED,
    DEFAULT_RESPONSE_PASSED_ZH,
)
from tests.registry.factories import (
    auth_headers,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)
from tests.registry.stored_audits import stored_audit

pytestmark = pytest.mark.db

PRIVATE = "aud-0000000p01"
PUBLISHED = "aud-0000000p02"
QUEUED = "aud-0000000p03"
SELF = "aud-0000000p04"


@pytest.fixture
def people(session):  # type: ignore[no-untyped-def]
    agency = make_agency(session)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_published_algorithm(session, agency=agency, editor=editor)
    accounts = {
        "editor": editor,
        "other_editor": make_account(session, role=Role.agency_editor),
        "auditor": make_account(session, role=Role.auditor),
        "other_auditor": make_account(session, role=Role.auditor),
        "admin": make_account(session, role=Role.admin),
    }
    auditor = accounts["auditor"]
    stored_audit(session, algorithm, auditor, PRIVATE)
    stored_audit(session, algorithm, auditor, PUBLISHED, visibility=AuditVisibility.published)
    stored_audit(session, algorithm, auditor, QUEUED, state=AuditState.queued)
    stored_audit(session, algorithm, editor, SELF, kind=AuditKind.self_assessment)
    return {name: auth_headers(make_token(session, a)) for name, a in accounts.items()}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("auditor", 200),
        ("admin", 200),
        ("other_auditor", 404),
        ("editor", 404),
        ("other_editor", 404),
    ],
)
def test_private_page_json_is_for_its_submitter_and_admins(client, people, who, status) -> None:
    response = client.get(f"/api/v1/audits/{PRIVATE}/page", headers=people.get(who, {}))
    assert response.status_code == status, response.text
    if status == 404:
        assert PRIVATE in response.json()["error"]["message"]


def test_self_assessment_page_is_also_for_the_agencys_editors(client, people) -> None:
    url = f"/api/v1/audits/{SELF}/page"
    assert client.get(url, headers=people["editor"]).status_code == 200
    assert client.get(url, headers=people["other_editor"]).status_code == 404
    assert client.get(url, headers=people["auditor"]).status_code == 404


def test_private_page_json_withholds_small_cells_like_the_public_twin(client, people) -> None:
    private = client.get(f"/api/v1/audits/{PRIVATE}/page", headers=people["auditor"]).json()
    rows = [r for s in private["attributes"] for t in s["tables"] for r in t["rows"]]
    small = next(r for r in rows if r["group"] == "nonbinary")
    assert small["suppressed"] is True and small["n"] is None and small["rate"] is None
    published = client.get(f"/api/v1/audits/{PUBLISHED}/page").json()
    public_twin = client.get(f"/audits/{PUBLISHED}.json").json()
    assert published == public_twin
    # Everything but the audit's own id and publication facts is the same document.
    for key in ("id", "published_at", "response", "log_entry"):
        private.pop(key)
        published.pop(key)
    assert private == published


def test_page_json_in_chinese_and_a_bad_language_is_422(client, people) -> None:
    url = f"/api/v1/audits/{PRIVATE}/page"
    assert client.get(url, params={"lang": "zh-CN"}, headers=people["auditor"]).json()["lang"] == (
        "zh-CN"
    )
    bad = client.get(url, params={"lang": "fr"}, headers=people["auditor"])
    assert bad.status_code == 422
    assert "lang" in str(bad.json()["error"]["details"])


def test_page_of_a_queued_audit_is_409_naming_its_state(client, people) -> None:
    response = client.get(f"/api/v1/audits/{QUEUED}/page", headers=people["auditor"])
    assert response.status_code == 409
    assert "queued" in response.json()["error"]["message"]


def _respond(client, people, json=None):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/audits/{PUBLISHED}/response", headers=people["editor"], json=json)


def test_response_in_both_languages_reaches_each_readers_page(client, people) -> None:
    texts = {"en": "We will retrain the model.", "zh-CN": "我们将重新训练模型。"}
    answer = _respond(client, people, {"texts": texts})
    assert answer.status_code == 200, answer.text
    assert answer.json()["response"]["texts"] == texts
    assert answer.json()["response"]["text"] == texts["en"]
    en = client.get(f"/audits/{PUBLISHED}.json").json()["response"]
    zh = client.get(f"/audits/{PUBLISHED}.json", params={"lang": "zh-CN"}).json()["response"]
    assert (en["text"], en["lang"]) == (texts["en"], "en")
    assert (zh["text"], zh["lang"]) == (texts["zh-CN"], "zh-CN")


def test_response_without_text_is_the_default_wording_in_both_languages(client, people) -> None:
    answer = _respond(client, people)
    assert answer.json()["response"]["texts"] == {
        "en": DEFAULT_RESPONSE_PASSED,
        "zh-CN": DEFAULT_RESPONSE_PASSED_ZH,
    }


def test_older_single_text_is_english_and_chinese_readers_see_it_marked(client, people) -> None:
    answer = _respond(client, people, {"text": "We will retrain."})
    assert answer.json()["response"]["texts"] == {"en": "We will retrain."}
    zh_page = client.get(f"/audits/{PUBLISHED}", params={"lang": "zh-CN"})
    assert '<blockquote lang="en"><p>We will retrain.</p></blockquote>' in zh_page.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"texts": {"en": ""}}, "en"),
        ({"texts": {"zh": "错"}}, "zh"),
        ({"texts": {"zh-CN": "x" * 4001}}, "zh-CN"),
    ],
)
def test_bad_response_texts_are_422_naming_the_language(client, people, body, field) -> None:
    answer = _respond(client, people, body)
    assert answer.status_code == 422
    locs = [d["loc"] for d in answer.json()["error"]["details"]]
    assert any(loc[-1] == field for loc in locs), locs
