"""HTTP endpoints of backend.repositories (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["repositories"])
