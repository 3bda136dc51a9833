"""Issue #13: X-Forwarded-For was trusted from 127.0.0.1 (uvicorn's default), so any local
process -- a test included -- could dodge the per-IP limit and forge audit IPs. It is now
trusted only from the proxies in TESTABLE_TRUSTED_PROXIES (empty by default).

Through uvicorn with the server options `testable up`/`testable api` use
(``backend.kit.proxies.server_options``), from 127.0.0.1 as a local process would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from backend.app import create_app
from backend.auth.models import AuditLog
from backend.config import Settings
from backend.kit.proxies import server_options
from tests.conftest import run_blocking
from tests.runs.servers import free_port, wait_for_port


@contextmanager
def served(settings: Settings) -> Iterator[tuple[str, Any]]:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", **server_options()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _failed_logins(base_url: str, count: int) -> list[int]:
    """Failed logins, each for another account and claiming another client address."""
    codes = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for index in range(count):
            response = http.post(
                "/api/auth/login",
                json={"email": f"nobody{index}@example.com", "password": "wrong-password-1"},
                headers={"X-Forwarded-For": f"198.51.100.{index + 1}"},
            )
            codes.append(response.status_code)
    return codes


def _audit_ips(settings: Settings) -> set[str | None]:
    from backend.db import Database

    async def read() -> set[str | None]:
        database = Database(settings.resolved_database_url)
        try:
            async with database.session(read_only=True) as session:
                return set((await session.scalars(select(AuditLog.ip))).all())
        finally:
            await database.dispose()

    return run_blocking(read())


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_per_ip": 3}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forwarded_for_from_an_untrusted_local_process_is_ignored(settings: Settings) -> None:
    assert settings.trusted_proxies == ""
    with served(settings) as (base_url, _):
        codes = _failed_logins(base_url, 4)

    assert codes == [401, 401, 401, 429]  # one client, 127.0.0.1, whatever it claims
    assert _audit_ips(settings) == {"127.0.0.1"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forwarded_for_from_a_trusted_proxy_names_the_client(settings: Settings) -> None:
    trusted = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with served(trusted) as (base_url, _):
        codes = _failed_logins(base_url, 4)

    assert codes == [401, 401, 401, 401]  # four clients behind the proxy
    assert _audit_ips(trusted) == {f"198.51.100.{i}" for i in range(1, 5)}
