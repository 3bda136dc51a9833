"""WebSocket tests run on the in-process dispatcher and the in-memory bus (embedded mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.execution.environment import prepare_environment


@pytest.fixture(scope="session")
def shared_env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One environment cache for every run of the session (the base env is built once)."""
    cache = tmp_path_factory.mktemp("run-envs")
    prepare_environment(tmp_path_factory.mktemp("empty-repo"), cache_dir=cache)
    return cache


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "env_cache_dir": shared_env_cache,
        "ws_heartbeat_seconds": 0.5,
    }
