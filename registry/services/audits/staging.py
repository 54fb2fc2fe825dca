"""A sample streamed to disk before its audit row exists: where it lives and what is known of it.

The HTTP layer (``registry.api.uploads``) fills a ``StagedUpload`` while streaming the request
body; the submission service moves the file to its final place or discards it. No database here.

**Who owns a staging file.** Several server processes may share one data folder, and a server
killed mid-upload (``kill -9``, a crash, a lost machine) leaves its ``.part`` file behind. So each
process stages into its own folder ``<uploads>/.staging/<host>-<pid>-<random>/`` and holds an
exclusive ``flock`` on the folder's ``.owner.lock`` for as long as it lives; the operating system
drops the lock when the process dies, however it dies. ``sweep_staging`` (run when an app or a
worker starts, and with every periodic reap) removes the folders whose lock it can take: their
owner is gone, so nothing is still writing there. A live process's folder is never touched, however
old its files look. Staged files never belong to an audit: the submission moves the file out of
staging before the row is committed, so a queued audit's sample is never in here.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

STAGING_DIRNAME = ".staging"
#: The console wizard's drafts (``wizard_drafts``): kept across requests, swept by their expiry.
WIZARD_DIRNAME = ".wizard"
OWNER_LOCK_NAME = ".owner.lock"

#: When this process started (near enough: when this module was imported). Loose files in the
#: staging folder, from before per-process folders, are removed once older than this.
PROCESS_STARTED = time.time()
#: A staging folder without its lock file is removed only once older than this (see
#: ``_sweep_folder``): long enough that no owner can still be setting it up.
UNLOCKED_FOLDER_GRACE_SECONDS = 3600


@dataclass
class StagedUpload:
    """A file part streamed to disk, plus the form's text parts."""

    path: Path
    sha256: str
    size: int
    source_format: str  # "csv", "csv.gz" or "parquet", judged by content
    filename: str | None  # as the client named it; informational only
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class _Owned:
    pid: int
    folder: Path
    fd: int
    holders: int = 0


_owned: dict[Path, _Owned] = {}
_owned_lock = threading.Lock()


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _claim_folder(root: Path) -> _Owned:
    """Make and lock a folder of this process's own (retrying if a sweep removed it meanwhile)."""
    while True:
        folder = root / f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        folder.mkdir(parents=True)
        lock_path = folder / OWNER_LOCK_NAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # a sweep removed the folder between mkdir and open
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A sweep that took the lock first removed the folder while holding it: start again.
        if _same_file(fd, lock_path):
            return _Owned(pid=os.getpid(), folder=folder, fd=fd)
        os.close(fd)


def _key(uploads_dir: Path) -> Path:
    return (uploads_dir / STAGING_DIRNAME).resolve()


def _owned_folder(uploads_dir: Path) -> _Owned:
    """This process's entry for ``uploads_dir``, claimed on first use; call with the lock held."""
    key = _key(uploads_dir)
    owned = _owned.get(key)
    # After a fork the child must not share its parent's folder (nor its lock).
    if owned is None or owned.pid != os.getpid() or not owned.folder.is_dir():
        holders = 0
        if owned is not None:
            # Closing an inherited descriptor leaves the parent's lock in place (flock locks go
            # with the open file, which the parent still has open).
            with contextlib.suppress(OSError):
                os.close(owned.fd)
            holders = owned.holders if owned.pid == os.getpid() else 0
        owned = _claim_folder(uploads_dir / STAGING_DIRNAME)
        owned.holders = holders
        _owned[key] = owned
    return owned


def staging_dir(uploads_dir: Path) -> Path:
    """This process's own staging folder under ``uploads_dir`` (made and locked on first use)."""
    with _owned_lock:
        return _owned_folder(uploads_dir).folder


def hold_staging(uploads_dir: Path) -> Path:
    """Claim this process's staging folder for an app's lifetime; pair with ``release_staging``."""
    with _owned_lock:
        owned = _owned_folder(uploads_dir)
        owned.holders += 1
        return owned.folder


def release_staging(uploads_dir: Path) -> None:
    """Let go of the folder claimed by ``hold_staging``; the last holder removes it and unlocks.

    A folder used without ``hold_staging`` is released here too (nothing else holds it).
    """
    key = _key(uploads_dir)
    with _owned_lock:
        owned = _owned.get(key)
        if owned is None or owned.pid != os.getpid():
            return
        owned.holders -= 1
        if owned.holders > 0:
            return
        del _owned[key]
    shutil.rmtree(owned.folder, ignore_errors=True)
    os.close(owned.fd)


def _files_in(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file() and p.name != OWNER_LOCK_NAME)


def _remove_contents(folder: Path, keep: Path) -> None:
    for entry in folder.iterdir():
        if entry == keep:
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def _sweep_folder(folder: Path) -> int:
    """Remove ``folder`` if its owner is gone; the number of staged files removed."""
    lock_path = folder / OWNER_LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        # Its owner is between mkdir and lock, or a sweep stopped after removing the lock. Only
        # the second can be old, so wait a grace period before removing a folder without a lock.
        if folder.stat().st_mtime < time.time() - UNLOCKED_FOLDER_GRACE_SECONDS:
            removed = _files_in(folder)
            shutil.rmtree(folder, ignore_errors=True)
            return removed
        return 0
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # its owner is alive and may be writing
        removed = _files_in(folder)
        # Files first and the lock last, while holding it: an owner-to-be that locked this file
        # after us sees it gone and starts again in a new folder.
        _remove_contents(folder, keep=lock_path)
        lock_path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()
        return removed
    finally:
        os.close(fd)


def sweep_staging(uploads_dir: Path) -> int:
    """Remove what dead processes left in staging; the number of files removed.

    A folder is removed when its owner's lock is free (the owner exited or was killed). A loose
    file directly in the staging folder (the layout before per-process folders) is removed once
    it is older than this process.
    """
    root = uploads_dir / STAGING_DIRNAME
    if not root.is_dir():
        return 0
    with _owned_lock:
        mine = {o.folder.resolve() for o in _owned.values() if o.pid == os.getpid()}
    removed = 0
    for entry in root.iterdir():
        if entry.name == WIZARD_DIRNAME:
            continue  # not a process's folder: ``wizard_drafts.sweep_drafts`` keeps it
        try:
            if entry.is_dir():
                if entry.resolve() not in mine:
                    removed += _sweep_folder(entry)
            elif entry.stat().st_mtime < PROCESS_STARTED:
                entry.unlink()
                removed += 1
        except OSError:  # gone already (another sweep got there first) or not ours to remove
            continue
    return removed
