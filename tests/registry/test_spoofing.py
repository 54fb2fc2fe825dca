"""Text that could pass for something it is not.

- Bidirectional override and isolate characters (U+202A-U+202E, U+2066-U+2069) make text display
  in another order than it is stored (``"\u202egnp.exe"`` shows as ``exe.png``): refused in names
  (agencies, accounts, model card names) and in URLs and contact addresses.
- Agency names are NFKC-normalised and refused when they repeat an existing agency's name (case
  and spacing aside) or could be mistaken for it (lookalike letters), or mix scripts with
  lookalike letters.
- Email addresses are checked with ``email-validator``.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from registry.cli import app as cli_app
from registry.models import Role
from registry.services.cards.agencies import ERR_AGENCY_NAME_LOOKALIKE, ERR_AGENCY_NAME_TAKEN
from registry.spoofing import (
    BIDI_CONTROLS,
    find_bidi_controls,
    looks_alike,
    mixed_script_confusables,
    name_key,
)
from tests.registry.factories import auth_headers, card, make_account, make_agency, make_token

pytestmark = pytest.mark.db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ALL_BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


@pytest.fixture
def admin(session):
    return auth_headers(make_token(session, make_account(session, role=Role.admin)))


@pytest.fixture
def editor(session):
    agency = make_agency(session)
    return auth_headers(
        make_token(session, make_account(session, role=Role.agency_editor, agency=agency))
    )


def _agency(client, admin, **fields):
    body = {"slug": fields.pop("slug", "city-housing"), "name": "City Housing Department", **fields}
    return client.post("/api/v1/agencies", json=body, headers=admin)


def _detail(response):
    assert response.status_code == 422, response.text
    (detail,) = response.json()["error"]["details"]
    return detail


# --- bidirectional controls -----------------------------------------------------------------------


def test_the_bidi_set_is_exactly_the_overrides_and_isolates() -> None:
    assert sorted(BIDI_CONTROLS) == ALL_BIDI
    assert find_bidi_controls("ab\u200fc") == []  # RIGHT-TO-LEFT MARK is not an override
    assert find_bidi_controls(f"x{RLO}y\u2066") == ["U+202E at position 2", "U+2066 at position 4"]


@pytest.mark.parametrize("char", ALL_BIDI)
def test_an_agency_name_with_any_bidi_control_is_refused(client, admin, char) -> None:
    detail = _detail(_agency(client, admin, name=f"City {char}Housing"))
    assert detail["loc"] == ["body", "name"]
    assert detail["type"] == "bidi_control"
    assert f"U+{ord(char):04X}" in detail["msg"]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        (
            {"name_translations": {"zh-CN": f"市住房{RLO}局"}},
            ["body", "name_translations", "zh-CN"],
        ),
        ({"website": f"https://city.example/{RLO}fdp.exe"}, ["body", "website"]),
        ({"contact_email": f"info{RLO}@city.example"}, ["body", "contact_email"]),
    ],
)
def test_agency_urls_addresses_and_translations_refuse_bidi(client, admin, fields, loc) -> None:
    detail = _detail(_agency(client, admin, **fields))
    assert detail["loc"] == loc


def test_an_account_display_name_or_email_with_bidi_is_refused(client, admin) -> None:
    body = {"email": "new@city.gov", "display_name": f"Admin{RLO}", "role": "auditor"}
    assert _detail(client.post("/api/v1/accounts", json=body, headers=admin))["loc"] == [
        "body",
        "display_name",
    ]
    body = {"email": f"n{RLO}ew@city.gov", "display_name": "New", "role": "auditor"}
    assert _detail(client.post("/api/v1/accounts", json=body, headers=admin))["loc"] == [
        "body",
        "email",
    ]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"name": f"Benefit {RLO}triage"}, ["body", "card", "name"]),
        ({"source_code_url": f"https://git.example/{RLO}x"}, ["body", "card", "source_code_url"]),
        (
            {"contact": {"form_url": f"https://city.example/{RLO}f", "offline_route": "Desk."}},
            ["body", "card", "contact", "form_url"],
        ),
        (
            {"suppliers": [{"name": f"Acme{RLO} Ltd", "in_house": False}]},
            ["body", "card", "suppliers", 0, "name"],
        ),
        (
            {"data_sources": [{"name": "Forms\u2067", "role": "operational_input"}]},
            ["body", "card", "data_sources", 0, "name"],
        ),
        (
            {"translations": {"zh-CN": {"name": f"福利{RLO}分诊"}}},
            ["body", "card", "translations", "zh-CN", "name"],
        ),
        (
            {"legal_basis": [{"title": "Act", "url": "https://law.example/\u202a1"}]},
            ["body", "card", "legal_basis", 0, "url"],
        ),
    ],
)
def test_card_names_and_urls_refuse_bidi(client, editor, changes, loc) -> None:
    response = client.post("/api/v1/algorithms", json={"card": card(**changes)}, headers=editor)
    assert response.status_code == 422, response.text
    detail = next(d for d in response.json()["error"]["details"] if d["type"] == "bidi_control")
    assert detail["loc"] == loc


def test_card_names_without_bidi_controls_are_fine_in_any_script(client, editor) -> None:
    response = client.post(
        "/api/v1/algorithms",
        json={"card": card(name="مساعد الفرز", translations={"zh-CN": {"name": "福利分诊"}})},
        headers=editor,
    )
    assert response.status_code == 201, response.text


# --- agency names: NFKC, duplicates, lookalikes, mixed scripts ------------------------------------


def test_agency_names_are_stored_nfkc_normalised(client, admin) -> None:
    response = _agency(
        client, admin, name="\uff23\uff49\uff54\uff59 Housing \ufb01les"
    )  # Ｃｉｔｙ, ﬁ
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "City Housing files"


@pytest.mark.parametrize(
    "name",
    [
        "City Housing Department",
        "city housing  department",  # case and spacing
        "\uff23ity Housing Department",  # fullwidth C: the same after NFKC
        " CITY HOUSING DEPARTMENT ",
    ],
)
def test_a_duplicate_agency_name_is_a_conflict_naming_the_existing_agency(
    client, admin, name
) -> None:
    assert _agency(client, admin).status_code == 201
    response = _agency(client, admin, slug="city-housing-2", name=name)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["message"] == ERR_AGENCY_NAME_TAKEN.format(
        name="City Housing Department", slug="city-housing"
    )
    assert response.json()["error"]["details"][0]["loc"] == ["body", "name"]


@pytest.mark.parametrize(
    "name",
    [
        "City H0using Department",  # zero for o
        "City Housing Departrnent",  # r n for m
        "City Housin\u0261 Department",  # LATIN SMALL LETTER SCRIPT G for g
        "CITY H0USING DEPARTMENT",  # and case aside
    ],
)
def test_a_lookalike_agency_name_is_a_conflict_naming_the_existing_agency(
    client, admin, name
) -> None:
    assert _agency(client, admin).status_code == 201
    response = _agency(client, admin, slug="city-housing-2", name=name)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["message"] == ERR_AGENCY_NAME_LOOKALIKE.format(
        name=name, existing="City Housing Department", slug="city-housing"
    )


def test_a_whole_script_lookalike_agency_name_is_a_conflict(client, admin) -> None:
    assert _agency(client, admin, slug="abc", name="ABC").status_code == 201
    cyrillic = "\u0410\u0412\u0421"  # А В С, all Cyrillic
    response = _agency(client, admin, slug="abc-2", name=cyrillic)
    assert response.status_code == 409, response.text


@pytest.mark.parametrize(
    "name",
    [
        "City Housing D\u0435partment",  # Cyrillic е among Latin letters
        "\u0392enefits Office",  # Greek Beta for B
        "Міnistry of Finance",  # Cyrillic М and і
    ],
)
def test_a_mixed_script_name_with_lookalike_letters_is_refused(client, admin, name) -> None:
    detail = _detail(_agency(client, admin, slug="spoof", name=name))
    assert detail["loc"] == ["body", "name"]
    assert detail["type"] == "mixed_script"


@pytest.mark.parametrize(
    "name",
    [
        "上海市 AI 办公室",  # Han and Latin
        "東京都デジタル局",  # Han and Katakana: Japanese
        "서울시 AI 센터",  # Hangul and Latin
        "Office of the Γ Programme",  # a Greek letter that looks like no Latin one
        "Ministry of Finance 2024",
        "Управление ЖКХ",  # all Cyrillic
    ],
)
def test_names_in_one_writing_system_are_accepted(client, admin, name) -> None:
    response = _agency(client, admin, slug="fine", name=name)
    assert response.status_code == 201, response.text
    assert mixed_script_confusables(name) == []


def test_distinct_names_are_not_lookalikes() -> None:
    assert not looks_alike("Agency 1", "Agency 7")
    assert not looks_alike("Tax office", "Tax offices")
    assert looks_alike("Paypal", "PayPaI")  # capital I for l
    assert name_key(" Tax\u3000Office ") == name_key("tax office")


# --- email addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "not-an-email",
        "a@b",
        "a..b@city.gov",
        "x@registry.test",
        "x@localhost",
        "@city.gov",
        "a b@c.gov",
    ],
)
def test_account_emails_are_validated(client, admin, email) -> None:
    body = {"email": email, "display_name": "New", "role": "auditor"}
    detail = _detail(client.post("/api/v1/accounts", json=body, headers=admin))
    assert detail["loc"] == ["body", "email"]
    assert detail["type"] == "email"


def test_a_valid_email_is_stored_normalised(client, admin) -> None:
    body = {"email": "Jane.Doe@City.GOV", "display_name": "Jane", "role": "auditor"}
    response = client.post("/api/v1/accounts", json=body, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "jane.doe@city.gov"


def test_agency_contact_email_is_validated(client, admin) -> None:
    assert _detail(_agency(client, admin, contact_email="info@"))["loc"] == [
        "body",
        "contact_email",
    ]


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def run(settings, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path / "data"))
    from registry.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, list(args))
    get_settings.cache_clear()


def test_the_cli_validates_emails_and_agency_names(run) -> None:
    bad = run("account", "create", "--email", "jane@", "--role", "auditor")
    assert bad.exit_code == 2
    assert "email" in bad.output
    assert run("agency", "create", "--slug", "parks", "--name", "Parks department").exit_code == 0
    twin = run("agency", "create", "--slug", "parks-3", "--name", "PARKS  Department")
    assert twin.exit_code == 1
    assert "already exists" in twin.output and "parks" in twin.output
    spoof = run("agency", "create", "--slug", "parks-4", "--name", f"Parks {RLO}department")
    assert spoof.exit_code == 2
    assert "bidirectional" in spoof.output
    lookalike = run("agency", "create", "--slug", "parks-5", "--name", "Parks departrnent")
    assert lookalike.exit_code == 1, lookalike.output  # 'rn' for 'm'
    assert "looks like" in lookalike.output
