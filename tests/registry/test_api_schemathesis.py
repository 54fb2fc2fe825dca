"""The OpenAPI document tells the truth: schemathesis generates requests from it for every
operation and checks that the in-process app answers no 5xx, only documented statuses, and bodies
and headers that match the documented schemas.

Bounded so it can run in CI on both databases: ``EXAMPLES`` derandomized examples per operation
(half with random path parameters, half aimed at the objects of a small world: an agency, a
published algorithm with a draft, a published audit), once anonymously and once per staff role.
Writes are really made, so later examples meet a changed world (a retired algorithm, a published
draft, a revoked token): every answer they get must still be documented. The operations that can
lock the token out (deactivating accounts, revoking tokens) run last, so they do not turn the
other operations' examples into 401s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from registry.models import Agency
from tests.registry.audit_fixtures import World, drain, make_world, upload

pytestmark = [pytest.mark.db, pytest.mark.slow]

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
#: Run last: each may lock the run's own token out, after which every answer is a 401.
LOCKOUT_OPERATIONS = ("/deactivate", "/reactivate", "DELETE /api/v1/tokens/")


@pytest.fixture
def settings_for_fuzzing(settings):
    """Generous write limits: the examples are many writes from one address and one account."""
    return settings.model_copy(
        update={
            "write_limit_per_address": "100000/minute",
            "write_limit_per_account": "100000/minute",
        }
    )


@pytest.fixture
def fuzz_app(settings_for_fuzzing, engine):
    from registry.app import create_app

    return create_app(settings_for_fuzzing, engine=engine)


@pytest.fixture
def small_world(fuzz_app, session) -> Iterator[tuple[World, dict[str, Any]]]:
    """Agencies, a published algorithm (two versions and a draft) and a published audit; the
    values of its path parameters that name real objects."""
    from fastapi.testclient import TestClient

    world = make_world(session, versions=2)
    with TestClient(fuzz_app) as client:
        submitted = upload(client, world)
        assert submitted.status_code == 202, submitted.text
        drain(fuzz_app)
        audit_id = submitted.json()["id"]
        published = client.post(
            f"/api/v1/audits/{audit_id}/publish", headers=world.headers("auditor")
        )
        assert published.status_code == 200, published.text
        draft = client.put(
            f"/api/v1/algorithms/{world.algorithm.public_id}/draft",
            headers=world.headers("editor"),
            json={"card": {"name": "Benefit claim triage v3"}},
        )
        assert draft.status_code == 200, draft.text
        asked = client.post(
            f"/api/v1/algorithms/{world.algorithm.public_id}/draft/review-requests",
            headers=world.headers("editor"),
            json={"note": "Please review."},
        )
        assert asked.status_code == 201, asked.text
        sent = client.post(
            f"/api/v1/algorithms/{world.algorithm.public_id}/participation",
            json={"kind": "question", "text": "Why?", "contact_email": "fuzz@example.com"},
        )
        assert sent.status_code == 201, sent.text
    known = {
        "public_id": world.algorithm.public_id,
        "slug": session.get(Agency, world.algorithm.agency_id).slug,
        "audit_id": audit_id,
        "number": 1,
        "page": "audit",
        "account_id": world.other_editor.id,
        "token_id": 1,
        "request_id": asked.json()["id"],
        "code": sent.json()["tracking_code"],
        "item_id": sent.json()["status"]["id"],
    }
    yield world, known


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]

    def last(operation: Any) -> bool:
        label = f"{operation.method.upper()} {operation.path}"
        return any(marker in label for marker in LOCKOUT_OPERATIONS)

    return sorted(operations, key=last)  # stable: the document's order otherwise


def _strategy(operation: Any, known: dict[str, Any]) -> st.SearchStrategy[Any]:
    names = {parameter.name for parameter in operation.path_parameters}
    strategies = [
        operation.as_strategy(generation_mode=mode)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    if names:
        aimed = {name: known[name] for name in names}
        strategies.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=aimed)
        )
    return st.one_of(strategies)


def _examples(strategy: st.SearchStrategy[Any], label: str, headers: dict[str, str]) -> list[str]:
    """Send ``EXAMPLES`` cases of one operation; its failures, one line each."""
    failures: list[str] = []

    @examples_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            failures.append(f"{label}: {' | '.join(str(exc).splitlines()[:14])}")

    run()
    return failures


def _fuzz(app: Any, known: dict[str, Any], headers: dict[str, str]) -> list[str]:
    """Run every operation's examples; the failures, one line each."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for operation in _operations(schema):
        label = f"{operation.method.upper()} {operation.path}"
        failures += _examples(_strategy(operation, known), label, headers)
    return failures


def _report(failures: list[str]) -> str:
    unique = sorted(set(failures))
    return f"{len(unique)} distinct failures:\n" + "\n".join(unique[:40])


@pytest.mark.parametrize("who", [None, "admin", "editor", "auditor"])
def test_every_answer_is_documented(fuzz_app, small_world, who: str | None) -> None:
    world, known = small_world
    failures = _fuzz(fuzz_app, known, world.headers(who))
    assert failures == [], _report(failures)


def test_the_fuzzing_reaches_real_objects(fuzz_app, small_world) -> None:
    """Guard against a run that only ever meets 404s: aimed examples find the world's objects."""
    _world, known = small_world
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    operation = next(
        op
        for op in _operations(schema)
        if op.method.upper() == "GET" and op.path == "/api/v1/audits/{audit_id}"
    )
    statuses: list[int] = []

    @examples_settings(max_examples=5, derandomize=True, deadline=None, database=None)
    @given(case=operation.as_strategy(path_parameters={"audit_id": known["audit_id"]}))
    def run(case: Any) -> None:
        statuses.append(case.call().status_code)

    run()
    assert 200 in statuses
