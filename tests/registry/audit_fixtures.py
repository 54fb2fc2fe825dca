"""Helpers for the audit tests: a small world of accounts, uploads, and a synchronous worker."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from registry.models import Account, Algorithm, Audit, Role
from registry.paths import SAMPLES_DIR
from registry.services.audits.staging import OWNER_LOCK_NAME
from registry.services.audits.worker import run_one
from tests.registry.factories import (
    auth_headers,
    make_account,
    make_agency,
    make_published_algorithm,
    make_token,
)

PREDICTIONS = SAMPLES_DIR / "predictions"

SMALL_CSV = (
    "sex,age_band,pred,label\n"
    + "f,young,1,1\nf,young,0,0\nm,old,1,0\nm,old,0,1\nf,old,1,1\nm,young,0,0\n" * 40
).encode()
SMALL_SPEC: dict[str, Any] = {
    "columns": {"prediction": "pred", "label": "label", "sensitive_features": ["sex", "age_band"]},
    "bootstrap_replicates": 50,
    "seed": 3,
}


@dataclass
class World:
    algorithm: Algorithm
    editor: Account
    other_editor: Account
    auditor: Account
    admin: Account
    tokens: dict[str, str]

    def headers(self, who: str | None) -> dict[str, str]:
        return auth_headers(self.tokens[who]) if who else {}


def make_world(session: Session, *, versions: int = 1) -> World:
    agency = make_agency(session)
    editor = make_account(session, role=Role.agency_editor, agency=agency)
    algorithm = make_published_algorithm(session, agency=agency, editor=editor, versions=versions)
    other_editor = make_account(session, role=Role.agency_editor)
    auditor = make_account(session, role=Role.auditor)
    admin = make_account(session, role=Role.admin)
    tokens = {
        "editor": make_token(session, editor),
        "other_editor": make_token(session, other_editor),
        "auditor": make_token(session, auditor),
        "admin": make_token(session, admin),
    }
    return World(algorithm, editor, other_editor, auditor, admin, tokens)


def upload(
    client: Any,
    world: World,
    *,
    who: str | None = "auditor",
    data: bytes = SMALL_CSV,
    spec: dict[str, Any] | str | None = None,
    counts: bool = False,
    version: str | None = None,
    filename: str = "sample.csv",
    public_id: str | None = None,
) -> Any:
    spec_text = spec if isinstance(spec, str) else json.dumps(SMALL_SPEC if spec is None else spec)
    form = {"spec": spec_text}
    if version is not None:
        form["version"] = version
    path = f"/api/v1/algorithms/{public_id or world.algorithm.public_id}/audits"
    if counts:
        path += "/counts"
    return client.post(
        path, headers=world.headers(who), data=form,
        files={"file": (filename, data, "application/octet-stream")},
    )  # fmt: skip


def drain(app: Any) -> list[str]:
    """Run queued audits one by one in this thread until the queue is empty."""
    done = []
    while (
        audit_id := run_one(app.state.engine, app.state.settings, heartbeat_seconds=60)
    ) is not None:
        done.append(audit_id)
    return done


def leftovers(settings: Any) -> list[Path]:
    """Files under the uploads folder (a staging folder's owner lock is not an upload)."""
    return sorted(
        p for p in settings.uploads_dir.rglob("*") if p.is_file() and p.name != OWNER_LOCK_NAME
    )


def audit_rows(session: Session) -> list[Audit]:
    session.expire_all()
    return list(session.exec(select(Audit)))


def sample_files(name: str) -> tuple[Path, Path]:
    spec = PREDICTIONS / f"{name}.spec.json"
    data = next(p for p in PREDICTIONS.glob(f"{name}.*") if not p.name.endswith(".spec.json"))
    return data, spec
