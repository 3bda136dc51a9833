"""WebSocket tests run on the in-process dispatcher and the in-memory bus (embedded mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "env_cache_dir": shared_env_cache,
        "ws_heartbeat_seconds": 0.5,
    }
