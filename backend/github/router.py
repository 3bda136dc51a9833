"""HTTP endpoints of backend.github (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["github"])
