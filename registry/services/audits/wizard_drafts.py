"""The console's upload wizard keeps a sample between its steps: a draft on disk, not in the DB.

An upload made in the wizard's second step must survive the next requests (choosing columns and
checks, the summary), possibly served by another process. So the streamed file is moved from the
process's own staging folder (``registry.services.audits.staging``) into
``<uploads>/.staging/.wizard/<account id>/<draft id>.sample``, beside ``<draft id>.json`` holding
what the wizard has learnt so far (algorithm, version, the file's sha256 and format, the chosen
columns and checks). Only the account that uploaded a draft can open it (the folder is the
account's), and a draft lives ``DRAFT_LIFETIME`` at most: ``sweep_drafts`` removes expired ones
(run beside ``sweep_staging``: at start, with every worker reap, before
``registry worker``). Discarding, submitting, or uploading more than
``MAX_DRAFTS_PER_ACCOUNT`` removes drafts at once. Submitting hands the engine a hard link in the
process's staging folder, so the submission service may remove its copy on any refusal while the
draft stays for the user to correct; on success the draft is removed. No database here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from registry.errors import NotFound
from registry.services.audits.column_proposal import GroupValues, group_values
from registry.services.audits.staging import (
    STAGING_DIRNAME,
    WIZARD_DIRNAME,
    StagedUpload,
    staging_dir,
)

DRAFT_LIFETIME = timedelta(hours=24)
MAX_DRAFTS_PER_ACCOUNT = 3
_DRAFT_ID = re.compile(r"^[A-Za-z0-9_-]{16,40}$")

ERR_NO_DRAFT = (
    "This upload is no longer available: it was submitted, discarded, or it expired after "
    "24 hours. Start again."
)


@dataclass
class WizardDraft:
    """What the wizard knows about one upload, stored as JSON beside the file."""

    draft_id: str
    account_id: int
    algorithm: str  # public id
    version: int
    input_kind: str  # "sample" or "counts"
    filename: str | None
    sha256: str
    size: int
    source_format: str
    created_at: str
    expires_at: str
    columns: dict[str, Any] | None = None  # the accepted mapping (a spec's "columns")
    choices: dict[str, Any] | None = None  # preset, favourable outcome, reference, checks, sample
    problems: dict[str, str] = field(default_factory=dict)  # field -> message from a refusal
    #: The names readers will see (a spec's ``labels`` block: attributes, groups); None until the
    #: names step is saved.
    labels: dict[str, Any] | None = None
    #: Each attribute's groups as read from the whole file (``column_proposal.group_values``),
    #: kept so that the file is read once per column: column -> {values, more, unread}.
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def expired(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.expires_at) <= now


def wizard_root(uploads_dir: Path) -> Path:
    return uploads_dir / STAGING_DIRNAME / WIZARD_DIRNAME


def _account_dir(uploads_dir: Path, account_id: int) -> Path:
    return wizard_root(uploads_dir) / str(int(account_id))


def sample_path(uploads_dir: Path, draft: WizardDraft) -> Path:
    return _account_dir(uploads_dir, draft.account_id) / f"{draft.draft_id}.sample"


def _meta_path(uploads_dir: Path, account_id: int, draft_id: str) -> Path:
    return _account_dir(uploads_dir, account_id) / f"{draft_id}.json"


def save_draft(uploads_dir: Path, draft: WizardDraft) -> None:
    """Write the draft's JSON (atomically: a reader never sees half a file)."""
    path = _meta_path(uploads_dir, draft.account_id, draft.draft_id)
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(asdict(draft), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def _remove(uploads_dir: Path, account_id: int, draft_id: str) -> None:
    folder = _account_dir(uploads_dir, account_id)
    for name in (f"{draft_id}.sample", f"{draft_id}.json"):
        with contextlib.suppress(OSError):
            (folder / name).unlink(missing_ok=True)


def _read(path: Path) -> WizardDraft | None:
    try:
        return WizardDraft(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def account_drafts(uploads_dir: Path, account_id: int) -> list[WizardDraft]:
    """The account's drafts, oldest first."""
    folder = _account_dir(uploads_dir, account_id)
    if not folder.is_dir():
        return []
    found = [d for p in folder.glob("*.json") if (d := _read(p)) is not None]
    return sorted(found, key=lambda d: d.created_at)


def create_draft(
    uploads_dir: Path,
    *,
    account_id: int,
    upload: StagedUpload,
    algorithm: str,
    version: int,
    input_kind: str,
    now: datetime,
) -> WizardDraft:
    """Move ``upload`` into the account's wizard folder and describe it; the oldest drafts beyond
    ``MAX_DRAFTS_PER_ACCOUNT`` are removed. On any error the upload is removed too."""
    try:
        folder = _account_dir(uploads_dir, account_id)
        folder.mkdir(parents=True, exist_ok=True)
        draft = WizardDraft(
            draft_id=secrets.token_urlsafe(18),
            account_id=account_id,
            algorithm=algorithm,
            version=version,
            input_kind=input_kind,
            filename=upload.filename,
            sha256=upload.sha256,
            size=upload.size,
            source_format=upload.source_format,
            created_at=now.isoformat(),
            expires_at=(now + DRAFT_LIFETIME).isoformat(),
        )
        upload.path.replace(sample_path(uploads_dir, draft))
        save_draft(uploads_dir, draft)
    except BaseException:
        upload.discard()
        raise
    older = [d for d in account_drafts(uploads_dir, account_id) if d.draft_id != draft.draft_id]
    for old in older[: max(0, len(older) - (MAX_DRAFTS_PER_ACCOUNT - 1))]:
        _remove(uploads_dir, account_id, old.draft_id)
    return draft


def load_draft(uploads_dir: Path, *, account_id: int, draft_id: str, now: datetime) -> WizardDraft:
    """The account's draft ``draft_id``; 404 when unknown, another account's, or expired (an
    expired draft is removed on the way)."""
    if not _DRAFT_ID.match(draft_id):
        raise NotFound(ERR_NO_DRAFT)
    draft = _read(_meta_path(uploads_dir, account_id, draft_id))
    if draft is None or draft.account_id != account_id:
        raise NotFound(ERR_NO_DRAFT)
    if draft.expired(now) or not sample_path(uploads_dir, draft).is_file():
        _remove(uploads_dir, account_id, draft_id)
        raise NotFound(ERR_NO_DRAFT)
    return draft


def draft_groups(uploads_dir: Path, draft: WizardDraft) -> dict[str, GroupValues]:
    """The groups of each of the draft's group attributes, then of its control features (the
    categories within which groups are compared; ``column_proposal.group_values``: at most
    ``MAX_NAMED_GROUPS`` each, the file streamed, never loaded). Columns not read before are read
    now and kept in the draft (saved), so a step's GET and POST list the same groups."""
    columns = draft.columns or {}
    attributes = [
        *(columns.get("sensitive_features") or []),
        *(columns.get("control_features") or []),
    ]
    missing = [a for a in attributes if a not in draft.groups]
    if missing:
        found = group_values(sample_path(uploads_dir, draft), draft.source_format, missing)
        draft.groups.update({column: asdict(values) for column, values in found.items()})
        save_draft(uploads_dir, draft)
    return {a: GroupValues(**draft.groups[a]) for a in attributes}


def discard_draft(uploads_dir: Path, draft: WizardDraft) -> None:
    _remove(uploads_dir, draft.account_id, draft.draft_id)


def staged_for_submission(
    uploads_dir: Path, draft: WizardDraft, *, fields: dict[str, str]
) -> StagedUpload:
    """A ``StagedUpload`` for ``submit_audit``: a hard link to the draft's file in this process's
    staging folder (a copy where links are impossible), so a refusal removes only the link."""
    source = sample_path(uploads_dir, draft)
    link = staging_dir(uploads_dir) / f"{uuid.uuid4().hex}.part"
    try:
        os.link(source, link)
    except OSError:
        shutil.copyfile(source, link)
    return StagedUpload(
        path=link,
        sha256=draft.sha256,
        size=draft.size,
        source_format=draft.source_format,
        filename=draft.filename,
        fields=fields,
    )


def sweep_drafts(uploads_dir: Path, *, now: datetime | None = None) -> int:
    """Remove expired drafts, half-written JSON and files without a description; the number of
    drafts removed."""
    now = now or datetime.now(UTC)
    root = wizard_root(uploads_dir)
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        described: set[str] = set()
        for meta in folder.glob("*.json"):
            draft = _read(meta)
            if draft is None or draft.expired(now):
                _remove(uploads_dir, int(folder.name) if folder.name.isdigit() else -1, meta.stem)
                with contextlib.suppress(OSError):
                    meta.unlink(missing_ok=True)
                removed += 1
            else:
                described.add(meta.stem)
        grace = now.timestamp() - 3600  # a JSON being written right now may not exist yet
        for entry in folder.iterdir():
            stem = entry.name.split(".", 1)[0]
            if stem in described or entry.suffix == ".json":
                continue
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < grace:
                    entry.unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty
    return removed
