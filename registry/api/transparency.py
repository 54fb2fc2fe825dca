"""The transparency log's public endpoints (docs/verification.md): read-only, no token needed,
cacheable. Entries and proofs for a given size never change, so they are cached for a year."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from registry.api.deps import SessionDep, SettingsDep
from registry.api.responses import OPTIONAL_AUTH, errors
from registry.errors import NotFound
from registry.services import transparency

router = APIRouter(prefix="/log", tags=["transparency log"])

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=10"
KEYS_CACHE = "public, max-age=300"
CORS = {"Access-Control-Allow-Origin": "*"}
ERR_NO_CHECKPOINT = "The log has no signed checkpoint yet."
HEX64 = r"^[0-9a-fA-F]{64}$"


class LogEntryOut(BaseModel):
    index: int
    leaf: str = Field(description="The leaf: canonical JSON; its UTF-8 bytes are hashed.")
    leaf_hash: str = Field(description="SHA-256(0x00 || leaf), hex.")


class LogEntries(BaseModel):
    tree_size: int = Field(description="The log's size now (entries may exist past a checkpoint).")
    entries: list[LogEntryOut]


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str] = Field(description="RFC 9162 inclusion path, hex, leaf side first.")


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex.")


def _cache(response: Response, value: str) -> None:
    response.headers["Cache-Control"] = value
    response.headers.update(CORS)


class CheckpointOut(BaseModel):
    """The latest signed checkpoint; ``note`` is the signed note itself (also served as text at
    ``/log/checkpoint``)."""

    size: int
    root_hash: str = Field(description="The tree's root hash, hex (base64 in the note).")
    issued_at: datetime
    key_name: str
    note: str = Field(description="The signed note, byte for byte (docs/verification.md).")


class LogKeys(BaseModel):
    """Every public key the log has signed with, oldest first (also served as text at
    ``/log/keys``)."""

    keys: list[str] = Field(description="Verifier keys: <name>+<hash>+<base64 key>.")


@router.get(
    "/checkpoint", response_model=CheckpointOut, responses=errors(404), openapi_extra=OPTIONAL_AUTH
)
def get_checkpoint(session: SessionDep, response: Response) -> CheckpointOut:
    """The latest signed checkpoint."""
    latest = transparency.latest_checkpoint(session)
    if latest is None:
        raise NotFound(ERR_NO_CHECKPOINT)
    _cache(response, SHORT)
    return CheckpointOut(
        size=latest.size,
        root_hash=latest.root_hash,
        issued_at=latest.issued_at,
        key_name=latest.key_name,
        note=latest.note,
    )


@router.get("/keys", response_model=LogKeys, responses=errors(), openapi_extra=OPTIONAL_AUTH)
def get_keys(settings: SettingsDep, response: Response) -> LogKeys:
    """The log's public keys (verifier keys), oldest first; old keys are kept after a rotation."""
    _cache(response, KEYS_CACHE)
    return LogKeys(keys=[key.text() for key in transparency.verifier_keys(settings)])


# --- the same two as plain text, where witness tools look for them (not part of the JSON API) ---

text_router = APIRouter(prefix="/log", include_in_schema=False)


@text_router.get("/checkpoint", name="log_checkpoint")
def checkpoint_text(session: SessionDep) -> PlainTextResponse:
    """The latest signed checkpoint as a signed note (404 in words before the first)."""
    latest = transparency.latest_checkpoint(session)
    if latest is None:
        return PlainTextResponse(ERR_NO_CHECKPOINT + "\n", status_code=404, headers=CORS)
    return PlainTextResponse(latest.note, headers={"Cache-Control": SHORT, **CORS})


@text_router.get("/keys", name="log_keys")
def keys_text(settings: SettingsDep) -> PlainTextResponse:
    """The verifier keys, one a line, oldest first."""
    body = "".join(key.text() + "\n" for key in transparency.verifier_keys(settings))
    return PlainTextResponse(body, headers={"Cache-Control": KEYS_CACHE, **CORS})


@router.get("/entries", response_model=LogEntries, responses=errors(), openapi_extra=OPTIONAL_AUTH)
def get_entries(
    session: SessionDep,
    response: Response,
    start: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    end: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Exclusive.")] = None,
) -> LogEntries:
    """Entries ``[start, end)``, at most 1000 at a time (fewer answered: ask again from there)."""
    rows, size = transparency.entries(session, start=start, end=end)
    _cache(response, IMMUTABLE if end is not None and len(rows) == end - start else SHORT)
    return LogEntries(
        tree_size=size,
        entries=[LogEntryOut(index=r.idx, leaf=r.leaf, leaf_hash=r.leaf_hash) for r in rows],
    )


@router.get(
    "/proof/inclusion",
    response_model=InclusionProofOut,
    responses=errors(404),
    openapi_extra=OPTIONAL_AUTH,
)
def get_inclusion_proof(
    session: SessionDep,
    response: Response,
    index: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    leaf_hash: Annotated[str | None, Query(pattern=HEX64)] = None,
    size: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Tree size; default: the latest checkpoint's."),
    ] = None,
) -> InclusionProofOut:
    """The inclusion proof of an entry, by index or by leaf hash."""
    proof = transparency.inclusion(session, index=index, leaf_hash=leaf_hash, size=size)
    _cache(response, IMMUTABLE if size is not None else SHORT)
    return InclusionProofOut(**proof.__dict__)


@router.get(
    "/proof/consistency",
    response_model=ConsistencyProofOut,
    responses=errors(),
    openapi_extra=OPTIONAL_AUTH,
)
def get_consistency_proof(
    session: SessionDep,
    response: Response,
    first: Annotated[int, Query(ge=0, le=2**31 - 1)],
    second: Annotated[
        int | None,
        Query(ge=0, le=2**31 - 1, description="Default: the latest checkpoint's size."),
    ] = None,
) -> ConsistencyProofOut:
    """The consistency proof between two tree sizes (the smaller tree is a prefix)."""
    proof = transparency.consistency(session, first=first, second=second)
    _cache(response, IMMUTABLE if second is not None else SHORT)
    return ConsistencyProofOut(**proof.__dict__)
