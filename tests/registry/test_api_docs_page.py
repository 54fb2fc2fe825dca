"""The interactive API docs are served from this origin: no CDN, no third-party request."""

from __future__ import annotations

import re

from registry.api.docs_page import DOCS_CONTENT_SECURITY_POLICY


def test_docs_page_loads_swagger_ui_from_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in sources
    assert "/docs/assets/swagger-ui.css" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "'/api/v1/openapi.json'" in page.text or '"/api/v1/openapi.json"' in page.text


def test_docs_assets_are_served_with_the_site_policy(client):
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "unsafe-inline" not in script.headers["content-security-policy"]
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200


def test_docs_policy_allows_nothing_outside_this_origin():
    assert "http" not in DOCS_CONTENT_SECURITY_POLICY
    assert "*" not in DOCS_CONTENT_SECURITY_POLICY
