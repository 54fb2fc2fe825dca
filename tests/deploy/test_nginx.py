"""The deployment of docs/deploy.md, started for real: nginx (caching) in front of two
`registry serve` processes and one `registry worker` on a throwaway PostgreSQL database.

Checks what the deployment promises: a cached public page is served while every app process is
stopped (stale-if-error); a publication is visible through the cache within the documented time
(max-age plus one revalidation); pages for signed-in staff are never cached, never shared.

Needs nginx (apt-get install nginx) and a PostgreSQL server (tests/postgres.py); without either the
test skips saying which, and with CI=true it fails instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from sqlmodel import Session

from tests.postgres import postgres_url

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MAX_AGE = 4  # REGISTRY_PAGE_MAX_AGE for this stack: short, so the test can wait it out
# Publication is visible through the cache within max-age plus one revalidation (docs/deploy.md);
# the margin covers the revalidation and the poll interval on a busy two-core machine.
VISIBLE_WITHIN_S = MAX_AGE + 3.0
SESSION_COOKIE = "registry_session"  # REGISTRY_ENVIRONMENT=development: no __Host- prefix


def _load_local_stack() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_stack", ROOT / "deploy" / "local_stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["local_stack"] = module
    spec.loader.exec_module(module)
    return module


local_stack = _load_local_stack()


@dataclass
class World:
    stack: local_stack.LocalStack  # type: ignore[name-defined]
    database_url: str
    algorithm_id: str
    algorithm_pk: int
    editor_id: int
    publisher_id: int
    staff: dict[str, str]  # session cookie -> display name


def _require_nginx() -> str:
    nginx = local_stack.find_nginx()
    if nginx is None:
        message = f"nginx not found: {local_stack.HOW_TO_GET_NGINX}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (required when CI=true)")
        pytest.skip(message)
    return str(nginx)


def _seed(url: str) -> dict[str, object]:
    """A published algorithm and two signed-in staff members, written through the services."""
    from registry.db import make_engine
    from registry.models import Role
    from registry.services.staff.sessions import SessionPolicy, start_session
    from tests.registry.factories import make_account, make_agency, make_published_algorithm

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            agency = make_agency(session, slug="deploy-agency", name="Deploy Agency")
            editor = make_account(session, role=Role.agency_editor, agency=agency)
            publisher = make_account(session, role=Role.agency_editor, agency=agency)
            algorithm = make_published_algorithm(
                session, agency=agency, editor=editor, publisher=publisher
            )
            policy = SessionPolicy.of(idle_minutes=30, absolute_hours=12)
            staff: dict[str, str] = {}
            for account in (editor, publisher):
                cookie = start_session(
                    session, account=account, policy=policy, now=datetime.now(UTC)
                )
                staff[cookie] = account.display_name
            return {
                "algorithm_id": algorithm.public_id,
                "algorithm_pk": algorithm.id,
                "editor_id": editor.id,
                "publisher_id": publisher.id,
                "staff": staff,
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    nginx = _require_nginx()
    # nginx's workers drop root to nobody: the state folder must be reachable by others, so it is
    # made directly under the system temp folder rather than under pytest's private one.
    import tempfile

    state = Path(tempfile.mkdtemp(prefix="registry-deploy-test-"))
    state.chmod(0o711)
    with postgres_url() as url:
        config = local_stack.StackConfig(
            database_url=url,
            state_dir=state,
            apps=2,
            workers=1,
            port=local_stack.free_port(),
            nginx=nginx,
            env={
                "REGISTRY_ENVIRONMENT": "development",
                "REGISTRY_PAGE_MAX_AGE": str(MAX_AGE),
                "REGISTRY_PAGE_STALE_WHILE_REVALIDATE": "60",
                "REGISTRY_PAGE_STALE_IF_ERROR": "600",
            },
            start_timeout_s=120.0,
        )
        stack = local_stack.LocalStack(config)
        stack.start()
        try:
            seeded = _seed(url)
            yield World(stack=stack, database_url=url, **seeded)  # type: ignore[arg-type]
        finally:
            stack.stop()
            import shutil

            shutil.rmtree(state, ignore_errors=True)


def _cache_keys(stack: local_stack.LocalStack) -> list[str]:  # type: ignore[name-defined]
    """The keys of every page in nginx's cache on disk (each file holds ``KEY: ...``)."""
    keys = []
    for path in Path(stack.cache_dir).rglob("*"):
        if path.is_file():
            found = re.search(rb"\nKEY: ([^\n]*)\n", path.read_bytes())
            if found:
                keys.append(found.group(1).decode())
    return keys


def _key(world: World, path: str) -> str:
    """The cache key of a path: deploy/nginx/registry.conf's ``$scheme://$host$request_uri``."""
    return f"http://{world.stack.config.host}{path}"


def _signed_in(cookie: str) -> dict[str, str]:
    """The request headers of a signed-in browser (per-request cookies are deprecated in httpx)."""
    return {"Cookie": f"lang=en; {SESSION_COOKIE}={cookie}"}


@pytest.fixture
def client(world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.stack.url, timeout=30, follow_redirects=False) as c:
        yield c


def test_the_stack_runs_two_app_processes_and_a_worker(world: World) -> None:
    assert len(world.stack.apps) == 2 and all(app.running for app in world.stack.apps)
    assert len(world.stack.workers) == 1 and world.stack.workers[0].running
    assert world.stack.nginx.running


def test_public_pages_are_cached_and_the_language_is_part_of_the_key(
    world: World, client: httpx.Client
) -> None:
    # the agency's page: no other test asks for it, so the first request is a miss in any order
    en = "/agencies/deploy-agency?lang=en"
    zh = "/agencies/deploy-agency?lang=zh-CN"
    first = client.get(en)
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert first.headers["x-cache-status"] in {"MISS", "EXPIRED"}
    again = client.get(en)
    assert again.headers["x-cache-status"] == "HIT"
    assert again.headers["etag"] == first.headers["etag"]
    chinese = client.get(zh)
    assert chinese.headers["x-cache-status"] in {"MISS", "EXPIRED"}
    assert chinese.headers["content-language"] == "zh-CN"
    assert client.get(zh).headers["content-language"] == "zh-CN"
    assert client.get(en).headers["content-language"] == "en"
    # The bare address is the app's private redirect: never stored.
    bare = client.get("/agencies/deploy-agency")
    assert bare.status_code == 303 and "no-store" in bare.headers["cache-control"]
    keys = _cache_keys(world.stack)
    assert _key(world, en) in keys and _key(world, zh) in keys
    assert _key(world, "/agencies/deploy-agency") not in keys


def test_signed_in_staff_pages_are_never_cached(world: World, client: httpx.Client) -> None:
    (cookie_a, name_a), (cookie_b, name_b) = world.staff.items()
    assert name_a not in name_b and name_b not in name_a
    for _ in range(2):  # A, B, A, B: each sees only their own page
        for cookie, mine, theirs in ((cookie_a, name_a, name_b), (cookie_b, name_b, name_a)):
            page = client.get("/console?lang=en", headers=_signed_in(cookie))
            assert page.status_code == 200, page.text[:500]
            assert mine in page.text and theirs not in page.text
            assert page.headers["cache-control"] == "private, no-store"
            assert page.headers.get("x-cache-status") in (None, "BYPASS")
    # A public page asked for by signed-in staff goes to the app and is not stored...
    path = "/agencies?lang=en"
    staff = client.get(path, headers=_signed_in(cookie_a))
    assert staff.status_code == 200
    assert staff.headers["x-cache-status"] == "BYPASS"
    assert staff.headers["cache-control"] == "private, no-store"
    assert "etag" not in staff.headers
    keys = _cache_keys(world.stack)
    assert not [k for k in keys if "/console" in k], keys
    assert _key(world, path) not in keys
    # ... nor answered from the cache once a reader has cached it.
    reader = client.get(path)
    assert reader.headers["x-cache-status"] == "MISS"
    assert client.get(path).headers["x-cache-status"] == "HIT"
    assert client.get(path, headers=_signed_in(cookie_b)).headers["x-cache-status"] == "BYPASS"
    # An API token bypasses the cache too.
    token = client.get(path, headers={"Authorization": "Bearer not-a-real-token"})
    assert token.headers["x-cache-status"] == "BYPASS"
    # The session cookie's __Host- name (HTTPS deployments) is recognised as well.
    hosted = client.get(path, headers={"Cookie": "lang=en; __Host-registry_session=x"})
    assert hosted.headers["x-cache-status"] == "BYPASS"
    # Another cookie whose name merely ends like it does not bypass.
    other = client.get(path, headers={"Cookie": "xregistry_session=1"})
    assert other.headers["x-cache-status"] == "HIT"
    assert not [k for k in _cache_keys(world.stack) if "/console" in k]


def test_a_publication_is_visible_through_the_cache_within_max_age(
    world: World, client: httpx.Client
) -> None:
    from registry.db import make_engine
    from registry.models import Account, Algorithm
    from registry.services.cards import drafts
    from tests.registry.factories import card

    path = f"/algorithms/{world.algorithm_id}?lang=en"
    client.get(path)
    cached = client.get(path)
    assert cached.headers["x-cache-status"] in {"HIT", "MISS", "EXPIRED", "STALE", "UPDATING"}
    new_name = f"Renamed for the cache test {time.time_ns()}"
    assert new_name not in cached.text

    engine = make_engine(world.database_url)
    try:
        with Session(engine) as session:
            algorithm = session.get(Algorithm, world.algorithm_pk)
            editor = session.get(Account, world.editor_id)
            publisher = session.get(Account, world.publisher_id)
            assert algorithm and editor and publisher
            now = datetime.now(UTC)
            drafts.save_draft(
                session, actor=editor, algorithm=algorithm, card=card(name=new_name), now=now
            )
            drafts.publish_draft(
                session,
                actor=publisher,
                algorithm=algorithm,
                change_summary="Renamed.",
                four_eyes=True,
                revision=drafts.current_revision(session, algorithm),
                now=now,
            )
            published_at = time.monotonic()
    finally:
        engine.dispose()

    served_old_from_cache = False
    while True:
        response = client.get(path)
        elapsed = time.monotonic() - published_at
        assert response.status_code == 200
        if new_name in response.text:
            break
        if response.headers["x-cache-status"] in {"HIT", "STALE", "UPDATING"}:
            served_old_from_cache = True
        assert elapsed <= VISIBLE_WITHIN_S, (
            f"the new version was not visible {elapsed:.1f} s after publication "
            f"(max-age {MAX_AGE} s): {response.headers}"
        )
        time.sleep(0.2)
    assert served_old_from_cache, "the cache never served the page between publication and refresh"
    # Once refreshed, every reader gets the new page from the cache.
    after = client.get(path)
    assert new_name in after.text and after.headers["x-cache-status"] == "HIT"


def test_cached_pages_are_served_while_every_app_process_is_stopped(
    world: World, client: httpx.Client
) -> None:
    path = "/about?lang=en"
    client.get(path)
    cached = client.get(path)
    assert cached.status_code == 200 and cached.headers["x-cache-status"] == "HIT"
    cached_at = time.monotonic()
    world.stack.stop_apps()
    try:
        assert not any(app.running for app in world.stack.apps)
        # now stale (nginx counts in whole seconds: an entry expires up to 1 s after max-age)
        time.sleep(max(0.0, MAX_AGE + 1.5 - (time.monotonic() - cached_at)))
        for _ in range(3):
            stale = client.get(path)
            assert stale.status_code == 200
            assert stale.headers["x-cache-status"] in {"STALE", "UPDATING"}
            assert stale.headers["etag"] == cached.headers["etag"]
            assert stale.text == cached.text
        # A page that was never cached has nothing to fall back on: the app really is down.
        assert client.get("/methods?lang=zh-CN").status_code in {502, 504}
    finally:
        world.stack.start_apps()
    fresh = client.get(path)
    assert fresh.status_code == 200


def test_without_nginx_the_test_skips_naming_it_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local_stack, "find_nginx", lambda explicit=None: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install nginx"):
        _require_nginx()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required when CI=true"):
        _require_nginx()
