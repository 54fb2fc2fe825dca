"""One map from HTTP status to error code, used by every error response (API and page twins)."""

from __future__ import annotations

import pytest

from registry.api.uploads import IncompleteUpload
from registry.errors import (
    ERROR_CODES,
    UNKNOWN_STATUS_CODE,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    error_body,
    error_code,
)
from registry.services.cards.drafts import FourEyesViolation


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (405, "method_not_allowed"),
        (409, "conflict"),
        (413, "payload_too_large"),
        (415, "unsupported_media_type"),
        (422, "invalid"),
        (500, "internal_error"),
    ],
)
def test_error_code_of_each_status_the_registry_answers_with(status, code):
    assert error_code(status) == code


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "too_many_requests"), (503, "service_unavailable")],
)
def test_other_statuses_get_their_reason_phrase_in_snake_case(status, code):
    assert error_code(status) == code


@pytest.mark.parametrize("status", [299, 499, 999])
def test_a_status_without_a_standard_phrase_gets_the_generic_code(status):
    assert error_code(status) == UNKNOWN_STATUS_CODE


@pytest.mark.parametrize(
    "cls", [Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType]
)
def test_domain_errors_take_their_code_from_the_map(cls):
    assert cls.code == ERROR_CODES[cls.status]
    assert cls("x").to_dict()["error"]["code"] == ERROR_CODES[cls.status]


def test_invalid_is_422_invalid():
    assert (Invalid.status, Invalid.code) == (422, "invalid")


def test_a_subclass_may_name_a_more_specific_code():
    assert (FourEyesViolation.status, FourEyesViolation.code) == (403, "four_eyes")
    assert (IncompleteUpload.status, IncompleteUpload.code) == (400, "incomplete_upload")


def test_a_subclass_that_keeps_the_status_keeps_the_parents_code():
    class StillFourEyes(FourEyesViolation):
        pass

    class Gone(DomainError):
        status = 410

    assert StillFourEyes.code == "four_eyes"
    assert Gone.code == "gone"


def test_error_body_is_the_one_shape():
    detail = {"loc": ["body", "name"], "msg": "Field required", "type": "missing"}
    assert error_body(404, "No such page.") == {
        "error": {"code": "not_found", "message": "No such page.", "details": []}
    }
    assert error_body(403, "no", details=[detail], code="four_eyes") == {
        "error": {"code": "four_eyes", "message": "no", "details": [detail]}
    }


def test_domain_error_to_dict_carries_message_and_details():
    detail = {"loc": ["query", "cursor"], "msg": "bad", "type": "value_error"}
    assert Invalid("Not valid.", details=[detail]).to_dict() == {
        "error": {"code": "invalid", "message": "Not valid.", "details": [detail]}
    }


#: Writes without a token-shaped bearer are refused (401) before routing (api/request_guard.py),
#: so a method check needs a header of the right shape; the token itself is never looked up.
_TOKEN_SHAPED = {"Authorization": "Bearer reg_" + "A" * 43}


@pytest.mark.db
def test_method_not_allowed_has_its_code_on_the_api(client):
    response = client.delete("/api/v1/agencies", headers=_TOKEN_SHAPED)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.db
def test_a_page_twin_and_the_api_give_the_same_code_for_the_same_status(client):
    api = client.delete("/api/v1/agencies", headers=_TOKEN_SHAPED)
    twin = client.delete("/agencies.json")
    assert twin.status_code == api.status_code == 405
    assert twin.json()["error"]["code"] == api.json()["error"]["code"] == "method_not_allowed"
    missing_api = client.get("/api/v1/algorithms/alg-zzzzzzzz")
    missing_twin = client.get("/algorithms/alg-zzzzzzzz.json")
    assert missing_api.json()["error"]["code"] == missing_twin.json()["error"]["code"]


@pytest.mark.db
def test_invalid_request_body_is_422_invalid_naming_the_field(client):
    from registry.app import ERR_REQUEST_INVALID

    response = client.get("/api/v1/algorithms", params={"limit": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid", ERR_REQUEST_INVALID)
    assert ["query", "limit"] in [d["loc"] for d in error["details"]]
