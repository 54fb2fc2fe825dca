"""Nothing of a sample outlives its use: a failed audit's raw sample is deleted like a successful
one's (unless ``REGISTRY_KEEP_SAMPLES``), and a half-written upload left by a killed server is
removed at the next start, while files that a live process is still writing, or that a queued
audit needs, are left alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.app import create_app
from registry.db import session_scope
from registry.models import AuditState
from registry.services.audits import staging
from registry.services.audits.worker import (
    MAX_ATTEMPTS,
    ORPHAN_AFTER_SECONDS,
    claim_next,
    reap_stale,
    sweep_orphan_files,
)
from registry.services.clock import SystemClock
from tests.registry.audit_fixtures import audit_rows, drain, leftovers, make_world, upload

pytestmark = pytest.mark.db

REPO_ROOT = Path(__file__).resolve().parents[2]
BAD_LABELS = b"sex,age_band,pred,label\n" + b"f,young,1,2\nm,old,0,1\nf,old,1,0\n" * 20


@pytest.fixture
def world(session):
    return make_world(session)


# --- failed audits --------------------------------------------------------------------------------


def test_a_failed_audits_raw_sample_is_deleted(client, app, session, settings, world) -> None:
    body = upload(client, world, data=BAD_LABELS).json()
    assert len(leftovers(settings)) == 1
    drain(app)
    (row,) = audit_rows(session)
    assert row.state == AuditState.failed
    assert leftovers(settings) == []
    assert row.sample_path is None and row.sample_sha256  # the hash stays on record
    view = client.get(body["api_url"], headers=world.headers("auditor")).json()
    assert view["sample_kept"] is False


def test_keep_samples_keeps_a_failed_audits_sample(client, app, session, settings, world) -> None:
    settings.keep_samples = True
    body = upload(client, world, data=BAD_LABELS).json()
    drain(app)
    assert len(leftovers(settings)) == 1
    assert audit_rows(session)[0].sample_path is not None
    view = client.get(body["api_url"], headers=world.headers("auditor")).json()
    assert view["state"] == "failed" and view["sample_kept"] is True


@pytest.mark.parametrize("keep", [False, True])
def test_an_audit_failed_for_a_lost_worker_loses_its_sample_too(
    client, session, settings, world, keep
) -> None:
    upload(client, world)
    clock = SystemClock()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claim = claim_next(session, worker_id=f"w{attempt}", now=clock.now() - timedelta(hours=1))
        assert claim is not None
        reap_stale(
            session,
            now=clock.now(),
            stale_after=60,
            uploads_dir=settings.uploads_dir,
            keep_samples=keep,
        )
    (row,) = audit_rows(session)
    assert row.state == AuditState.failed and row.error["reason"] == "worker_lost"
    assert len(leftovers(settings)) == (1 if keep else 0)
    assert (row.sample_path is not None) == keep


# --- half-written uploads -------------------------------------------------------------------------


def _dead_owner(uploads_dir: Path, name: str = "deadhost-4242-0f0f") -> Path:
    """A staging folder as a killed server leaves it: an unlocked owner lock and a .part file."""
    folder = uploads_dir / staging.STAGING_DIRNAME / name
    folder.mkdir(parents=True)
    (folder / staging.OWNER_LOCK_NAME).write_bytes(b"")
    (folder / "5f2d.part").write_bytes(b"sex,pred\n" * 1000)
    return folder


def _start(settings, engine) -> None:
    """Start (and stop) an app process on ``settings``: what a restart does at start-up."""
    with TestClient(create_app(settings, engine=engine)):
        pass


def test_a_killed_servers_part_file_is_removed_at_the_next_start(settings, engine) -> None:
    settings.ensure_dirs()
    folder = _dead_owner(settings.uploads_dir)
    _start(settings, engine)
    assert not folder.exists()
    assert leftovers(settings) == []


def test_the_worker_removes_a_dead_processes_staging_at_its_start(settings, engine) -> None:
    from registry.services.audits.worker import AuditWorker

    settings.ensure_dirs()
    folder = _dead_owner(settings.uploads_dir)
    worker = AuditWorker(engine, settings, poll_seconds=0.05)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while folder.exists():
            assert time.monotonic() < deadline, "the worker did not sweep the staging folder"
            time.sleep(0.05)
    finally:
        worker.stop(10)


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from registry.services.audits.staging import staging_dir
    folder = staging_dir(Path(sys.argv[1]))
    (folder / "live.part").write_bytes(b"still streaming")
    print(folder, flush=True)
    time.sleep(120)
    """
)


def test_a_live_processes_upload_is_never_removed_and_is_once_it_dies(settings, engine) -> None:
    settings.ensure_dirs()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.uploads_dir)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert proc.stdout is not None
        folder = Path(proc.stdout.readline().strip())
        part = folder / "live.part"
        assert part.is_file()
        old = time.time() - 2 * ORPHAN_AFTER_SECONDS  # even an old-looking file of a live owner
        os.utime(part, (old, old))
        _start(settings, engine)  # another server starts beside the live one
        assert staging.sweep_staging(settings.uploads_dir) == 0
        with session_scope(engine) as session:
            sweep_orphan_files(session, settings.uploads_dir)
        assert part.is_file()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert staging.sweep_staging(settings.uploads_dir) == 1
    assert not folder.exists()


def test_loose_part_files_older_than_the_process_are_removed_newer_ones_kept(settings) -> None:
    settings.ensure_dirs()
    root = settings.uploads_dir / staging.STAGING_DIRNAME
    root.mkdir(parents=True, exist_ok=True)
    old, new = root / "old.part", root / "new.part"  # the layout before per-process folders
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    before = staging.PROCESS_STARTED - 60
    os.utime(old, (before, before))
    after = time.time() + 60
    os.utime(new, (after, after))
    assert staging.sweep_staging(settings.uploads_dir) == 1
    assert not old.exists() and new.exists()


def test_a_queued_audits_sample_survives_a_restart(client, app, session, settings, engine, world):
    body = upload(client, world).json()
    (sample,) = leftovers(settings)
    old = time.time() - 2 * ORPHAN_AFTER_SECONDS
    os.utime(sample, (old, old))
    _start(settings, engine)
    assert sample.is_file()
    assert drain(app) == [body["id"]]
    assert audit_rows(session)[0].state == AuditState.succeeded


def test_this_processes_own_staging_folder_survives_its_sweeps(settings) -> None:
    settings.ensure_dirs()
    mine = staging.staging_dir(settings.uploads_dir)
    (mine / "in-flight.part").write_bytes(b"x")
    assert staging.sweep_staging(settings.uploads_dir) == 0
    assert (mine / "in-flight.part").is_file()
    staging.release_staging(settings.uploads_dir)
    assert not mine.exists()
