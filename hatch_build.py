"""Hatch build hook: put the Alembic tree and the built dashboard inside the wheel.

Only for a real wheel: an editable install (``uv sync`` on a fresh clone, before any
``make frontend``) reads both from the checkout, so it must not require them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class PackagedAssets(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        root = Path(self.root)
        dashboard = root / "frontend" / "out"
        if not (dashboard / "index.html").is_file():
            raise RuntimeError(
                "the wheel carries the built dashboard: run `make frontend` first "
                f"({dashboard / 'index.html'} is missing)"
            )
        build_data["force_include"][str(root / "migrations")] = "backend/migrations"
        build_data["force_include"][str(dashboard)] = "backend/dashboard"
