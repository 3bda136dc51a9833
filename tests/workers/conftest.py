"""A private redis-server per test module and the api configured for distributed mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runs.servers import RedisServer, private_redis


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with private_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def settings_overrides(redis_server: RedisServer, shared_env_cache: Path) -> dict[str, Any]:
    return {
        "dispatcher": "celery",
        "event_bus": "redis",
        "redis_url": redis_server.url,
        "env_cache_dir": shared_env_cache,
        "run_heartbeat_seconds": 1,
        "ws_heartbeat_seconds": 0.5,
    }
