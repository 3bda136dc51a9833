"""HTTP endpoints of backend.envvars (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["envvars"])
