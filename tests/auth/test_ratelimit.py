"""Rate limits on register, login, forgot-password and verification: 429 with Retry-After,
per IP and per account, in memory (embedded) and in Redis (distributed)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.kit.ratelimit import (
    MemoryRateLimiter,
    RedisRateLimiter,
    create_rate_limiter,
)
from tests.auth.helpers import PASSWORD

REDIS_URL = os.environ.get("TESTABLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_per_ip": 5, "rate_limit_per_account": 3, "rate_limit_window_seconds": 60}


def _assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert response.json()["details"]["retry_after"] == retry_after


async def _login(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": "x" * 12})


async def test_login_is_limited_per_account(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (await _login(client, "target@example.com")).status_code == 401
    _assert_limited(await _login(client, "target@example.com"))
    # Another account from the same IP is still under the per-IP limit.
    assert (await _login(client, "other@example.com")).status_code == 401


async def test_login_is_limited_per_ip(client: httpx.AsyncClient) -> None:
    for i in range(5):
        assert (await _login(client, f"user{i}@example.com")).status_code == 401
    _assert_limited(await _login(client, "fresh@example.com"))


async def test_register_is_limited(client: httpx.AsyncClient) -> None:
    for i in range(5):
        response = await client.post(
            "/api/auth/register", json={"email": f"r{i}@example.com", "password": PASSWORD}
        )
        assert response.status_code == 201
    _assert_limited(
        await client.post(
            "/api/auth/register", json={"email": "r9@example.com", "password": PASSWORD}
        )
    )


async def test_forgot_password_is_limited_per_account(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        response = await client.post(
            "/api/auth/forgot-password", json={"email": "victim@example.com"}
        )
        assert response.status_code == 202
    _assert_limited(
        await client.post("/api/auth/forgot-password", json={"email": "victim@example.com"})
    )


async def test_verification_is_limited(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        response = await client.post(
            "/api/auth/resend-verification", json={"email": "v@example.com"}
        )
        assert response.status_code == 202
    _assert_limited(
        await client.post("/api/auth/resend-verification", json={"email": "v@example.com"})
    )
    # verify-email shares the per-IP budget of the "verify" action (4 used, limit 5).
    for _ in range(1):
        assert (
            await client.get("/api/auth/verify-email", params={"token": "x"})
        ).status_code == 400
    _assert_limited(await client.get("/api/auth/verify-email", params={"token": "x"}))


async def test_rate_limited_attempts_are_audited(client: httpx.AsyncClient, app: FastAPI) -> None:
    from sqlalchemy import select

    from backend.auth.models import AuditLog

    for _ in range(4):
        await _login(client, "audited@example.com")
    async with app.state.db.session(read_only=True) as session:
        outcomes = list(
            await session.scalars(select(AuditLog.action).where(AuditLog.action == "login"))
        )
    # Three refused passwords are recorded; the fourth never reached the password check.
    assert len(outcomes) == 3


# --- the limiters themselves ------------------------------------------------------------


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_memory_limiter_counts_per_window_and_reports_the_time_left() -> None:
    clock = FakeClock(1_200_000.0)  # a multiple of 60: the start of a window
    limiter = MemoryRateLimiter(clock=clock)
    results = [await limiter.hit("a", "x", limit=2, window_seconds=60) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert results[-1].retry_after == 60
    clock.now += 45.5
    blocked = await limiter.hit("a", "x", limit=2, window_seconds=60)
    assert not blocked.allowed
    assert blocked.retry_after == 15
    assert (await limiter.hit("a", "y", limit=2, window_seconds=60)).allowed  # other subject
    clock.now += 15
    assert (await limiter.hit("a", "x", limit=2, window_seconds=60)).allowed  # new window


async def test_redis_limiter_counts_per_window_across_instances() -> None:
    prefix = f"test:ratelimit:{uuid.uuid4().hex}"
    clock = FakeClock(2_000_000.0 - 10)  # 10 s before a window boundary (multiple of 20)
    first = RedisRateLimiter.from_url(REDIS_URL, prefix=prefix)
    second = RedisRateLimiter.from_url(REDIS_URL, prefix=prefix)
    first._clock = second._clock = clock
    try:
        assert (await first.hit("login", "ip", limit=2, window_seconds=20)).allowed
        assert (await second.hit("login", "ip", limit=2, window_seconds=20)).allowed
        blocked = await first.hit("login", "ip", limit=2, window_seconds=20)
        assert not blocked.allowed
        assert blocked.count == 3
        assert blocked.retry_after == 10
        clock.now += 10
        assert (await second.hit("login", "ip", limit=2, window_seconds=20)).allowed
    finally:
        await first.close()
        await second.close()


async def test_redis_is_chosen_when_the_event_bus_is_redis(settings: Settings) -> None:
    redis_settings = settings.model_copy(update={"event_bus": "redis"})
    limiter = create_rate_limiter(redis_settings)
    try:
        assert isinstance(limiter, RedisRateLimiter)
    finally:
        await limiter.close()
    assert isinstance(create_rate_limiter(settings), MemoryRateLimiter)


async def test_login_limit_with_the_redis_limiter(client: httpx.AsyncClient, app: FastAPI) -> None:
    limiter = RedisRateLimiter.from_url(REDIS_URL, prefix=f"test:ratelimit:{uuid.uuid4().hex}")
    app.state.rate_limiter = limiter
    try:
        for _ in range(3):
            assert (await _login(client, "redis@example.com")).status_code == 401
        _assert_limited(await _login(client, "redis@example.com"))
    finally:
        await limiter.close()
