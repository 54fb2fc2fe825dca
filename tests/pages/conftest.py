"""Fixtures for page tests: the app (rendering with StrictUndefined, since environment="test"), a
client, a small public register, and an HTML parser."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.pages.world import World, build_world


@pytest.fixture
def world(session) -> World:
    return build_world(session)


def parse(response) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")
