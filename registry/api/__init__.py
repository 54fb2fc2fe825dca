"""JSON API under /api/v1. Each domain module contributes a router; this package assembles them."""

from __future__ import annotations

from fastapi import APIRouter

api_router = APIRouter()
