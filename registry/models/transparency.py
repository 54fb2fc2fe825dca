"""The transparency log's tables: its leaves, the subtree hashes that answer proofs, and the
signed checkpoints. Written only by ``registry.services.transparency``; every row is public."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from registry.models.types import UTCDateTime


class LogEntry(SQLModel, table=True):
    """One leaf: a public fact's content hash and where to find it (docs/verification.md)."""

    __tablename__ = "log_entry"

    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: int = Field(foreign_key="event.id", unique=True)
    kind: str = Field(max_length=64)
    leaf: str = Field(sa_type=sa.Text, description="The leaf bytes: canonical JSON, UTF-8.")
    leaf_hash: str = Field(max_length=64, unique=True, description="SHA-256(0x00 || leaf), hex.")


class LogNode(SQLModel, table=True):
    """A complete subtree's hash: ``2**level`` leaves from leaf ``idx * 2**level`` (level >= 1)."""

    __tablename__ = "log_node"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: str = Field(max_length=64)


class LogCheckpoint(SQLModel, table=True):
    """A signed checkpoint: the signed note exactly as served."""

    __tablename__ = "log_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(index=True)
    root_hash: str = Field(max_length=64)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    key_name: str = Field(max_length=200)
    note: str = Field(sa_type=sa.Text)
