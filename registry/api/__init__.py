"""JSON API under /api/v1. Each domain module contributes a router; this package assembles them."""

from __future__ import annotations

from fastapi import APIRouter

from registry.api import (
    accounts,
    agencies,
    algorithms,
    audits,
    participation,
    reviews,
    schema,
    tokens,
    transparency,
)

api_router = APIRouter()
api_router.include_router(agencies.router)
api_router.include_router(accounts.router)
api_router.include_router(algorithms.router)
api_router.include_router(reviews.router)
api_router.include_router(tokens.router)
api_router.include_router(schema.router)
api_router.include_router(audits.router)
api_router.include_router(participation.router)
api_router.include_router(transparency.router)
