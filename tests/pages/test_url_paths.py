"""``rendering.url_path``: the memoised route paths are exactly Starlette's."""

from __future__ import annotations

import pytest
from starlette.routing import NoMatchFound

from registry.app import create_app
from registry.pages.rendering import url_path


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from registry.config import Settings

    data_dir = tmp_path_factory.mktemp("urls")
    return create_app(
        Settings(
            environment="development",
            data_dir=data_dir,
            database_url=f"sqlite:///{data_dir / 'r.db'}",
            audit_workers=0,
        )
    )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("home", {}),
        ("algorithm", {"public_id": "alg-00000001"}),
        ("algorithm", {"public_id": "alg-00000002"}),  # the same template, another value
        ("agency", {"slug": "städtische-werke"}),
        ("audit", {"audit_id": "aud-0001"}),
        ("download_audits", {"fmt": "csv"}),
        ("console_algorithm", {"public_id": "alg-00000001"}),
    ],
)
def test_a_memoised_path_is_starlettes_path(app, name, params):  # type: ignore[no-untyped-def]
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))  # from cache


def test_values_the_string_convertor_refuses_take_the_full_lookup(app):  # type: ignore[no-untyped-def]
    with pytest.raises(AssertionError):  # Starlette's own check: no "/" in a path segment
        url_path(app, "algorithm", public_id="a/b")
    with pytest.raises(AssertionError):
        url_path(app, "algorithm", public_id="")


def test_unknown_routes_and_parameters_fail_as_starlette_does(app):  # type: ignore[no-untyped-def]
    with pytest.raises(NoMatchFound):
        url_path(app, "no_such_route")
    with pytest.raises(NoMatchFound):
        url_path(app, "algorithm", public_id="alg-1", extra="x")
