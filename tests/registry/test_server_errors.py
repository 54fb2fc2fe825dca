"""An unexpected exception answers like every other error: the JSON error shape under /api, the HTML
error page elsewhere, with the security headers, and without the exception's text."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry.app import ERR_INTERNAL
from registry.pages.security import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.db

SECRET = "database password is hunter2"


def _boom() -> None:
    raise RuntimeError(SECRET)


@pytest.fixture
def failing_client(app: FastAPI):
    """The app with routes that fail on purpose; they exist only in this test's app."""
    app.add_api_route("/api/v1/test-failure", _boom, methods=["GET", "POST"])
    app.add_api_route("/test-failure", _boom, methods=["GET"])
    app.add_api_route("/test-failure.json", _boom, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_api_failure_is_a_500_in_the_json_error_shape_with_security_headers(
    failing_client, method
):
    # A write needs a token-shaped Authorization header to get past the guard; this one is not
    # checked further, since the failing route has no account dependency.
    headers = {"Authorization": "Bearer reg_" + "A" * 43}
    response = failing_client.request(method, "/api/v1/test-failure", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"code": "internal_error", "message": ERR_INTERNAL, "details": []}
    }
    assert SECRET not in response.text
    _assert_security_headers(response)


def test_a_page_failure_is_the_html_error_page_with_security_headers(failing_client):
    response = failing_client.get("/test-failure", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == "zh-CN"
    assert soup.select_one("main#main h1").get_text(strip=True) == "出现了问题"
    assert SECRET not in response.text
    _assert_security_headers(response)


def test_a_json_twin_failure_is_the_json_error_shape(failing_client):
    response = failing_client.get("/test-failure.json")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    _assert_security_headers(response)


def test_a_page_failure_is_answered_even_when_the_error_page_cannot_be_rendered(
    failing_client, app
):
    class BrokenTemplates:
        def get_template(self, name: str) -> None:
            raise RuntimeError("templates are gone")

    app.state.page_templates = BrokenTemplates()
    response = failing_client.get("/test-failure")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert ERR_INTERNAL in response.text and SECRET not in response.text
    _assert_security_headers(response)


def test_the_exception_still_reaches_the_server_log(app):
    """The handler answers the client; the exception is re-raised for the server to log."""
    app.add_api_route("/api/v1/test-failure", _boom, methods=["GET"])
    with TestClient(app) as client, pytest.raises(RuntimeError, match="hunter2"):
        client.get("/api/v1/test-failure")
