"""Demo step: the sample prediction audits (``samples/predictions/``) as published audits. Listed in
``registry.services.demo.DEMO_STEPS`` after the card steps. Each sample is matched to its card by
``source_id``, run with the engine right here (the samples are small; a real submission goes
through the queue) and stored as a succeeded, published, independent audit by the demo auditor,
with the same events a real run writes. Idempotent: an audit with the same algorithm, sample
sha256 and spec sha256 is not added again. Stages rows only; ``load_demo`` commits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlmodel import Session, select

from fairness import sniff_format
from registry.models import (
    Account,
    Algorithm,
    AlgorithmState,
    Audit,
    AuditInput,
    AuditKind,
    AuditState,
    AuditVisibility,
    CardVersion,
)
from registry.services.audits.engine import execute_audit, resolve_spec
from registry.services.audits.submission import new_public_id
from registry.services.canonical import canonical_dumps, sha256_hex
from registry.services.demo.context import AUDITOR_EMAIL, DemoContext
from registry.services.events import record_event


def _sample_files(folder: Path) -> list[tuple[str, Path, Path]]:
    out = []
    for spec_path in sorted(folder.glob("*.spec.json")):
        name = spec_path.name.removesuffix(".spec.json")
        data = [
            p for p in folder.glob(f"{name}.*") if p != spec_path and not p.name.endswith(".json")
        ]
        if data:
            out.append((name, data[0], spec_path))
    return out


def load_demo_audits(session: Session, ctx: DemoContext) -> None:
    """Add one published audit per sample prediction file whose card is published."""
    auditor = session.exec(select(Account).where(Account.email == AUDITOR_EMAIL)).first()
    if auditor is None:
        return
    session.flush()
    for name, data_path, spec_path in _sample_files(ctx.samples_dir / "predictions"):
        algorithm = session.exec(select(Algorithm).where(Algorithm.source_id == name)).first()
        if algorithm is None or algorithm.state != AlgorithmState.published:
            continue
        version = session.exec(
            select(CardVersion).where(
                CardVersion.algorithm_id == algorithm.id,
                CardVersion.number == algorithm.current_version,
            )
        ).one()
        input_kind = AuditInput.counts if ".counts." in data_path.name else AuditInput.sample
        spec = resolve_spec(
            spec_path.read_text("utf-8"), card=version.card, input_kind=input_kind.value
        )
        spec_sha = sha256_hex(canonical_dumps(spec))
        data = data_path.read_bytes()
        sample_sha = hashlib.sha256(data).hexdigest()
        exists = session.exec(
            select(Audit.id).where(
                Audit.algorithm_id == algorithm.id,
                Audit.sample_sha256 == sample_sha,
                Audit.spec_sha256 == spec_sha,
            )
        ).first()
        if exists is not None:
            continue
        audit = Audit(
            public_id=new_public_id(),
            algorithm_id=algorithm.id,  # type: ignore[arg-type]
            card_version_id=version.id,  # type: ignore[arg-type]
            algorithm_public_id=algorithm.public_id,
            version_number=version.number,
            submitter_id=auditor.id,  # type: ignore[arg-type]
            submitter_name=auditor.display_name,
            kind=AuditKind.independent,
            input_kind=input_kind,
            spec=spec,
            spec_sha256=spec_sha,
            sample_sha256=sample_sha,
            sample_bytes=len(data),
            sample_format=sniff_format(data),
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        outcome = execute_audit(audit, data_path)
        audit.state = AuditState.succeeded
        audit.attempts = 1
        audit.started_at = audit.finished_at = audit.published_at = ctx.now
        audit.report, audit.counts = outcome.report, outcome.counts
        audit.verdict, audit.verdicts = outcome.verdict, outcome.verdicts
        audit.engine_version = outcome.engine_version
        audit.progress = {"fraction": 1.0}
        audit.visibility = AuditVisibility.published
        session.add(audit)
        session.flush()
        payloads = {
            "audit.submitted": {"algorithm": algorithm.public_id, "version": version.number,
                                "kind": "independent", "input": input_kind.value,
                                "spec_sha256": spec_sha, "sample_sha256": sample_sha},
            "audit.succeeded": {"verdict": outcome.verdict,
                                "engine_version": outcome.engine_version},
            "audit.published": {"verdict": outcome.verdict,
                                "report_sha256": sha256_hex(canonical_dumps(outcome.report))},
        }  # fmt: skip
        for action, payload in payloads.items():
            actor = None if action == "audit.succeeded" else auditor.id
            record_event(
                session, at=ctx.now, actor_id=actor, action=action, subject_type="audit",
                subject_id=audit.public_id, payload=json.loads(json.dumps(payload)),
            )  # fmt: skip
        ctx.result.counts["audits"] += 1
