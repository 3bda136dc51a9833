"""Issue #13: a 7 MiB body sent chunked (no Content-Length) answered 400 -- FastAPI turned
the size cap's error while reading into "error parsing the body". It must be 413, as for
a body whose Content-Length is too big, and the route must not run."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from backend.config import Settings
from tests.runs.servers import live_api

SEVEN_MIB = 7 * 1024 * 1024


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/auth/login", "application/json"),
        ("/api/auth/register", "application/json"),
        ("/api/orgs", "application/json"),
    ],
)
def test_a_chunked_body_over_the_limit_gets_413(
    settings: Settings, path: str, content_type: str
) -> None:
    with live_api(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        response = http.post(
            path, content=_chunks(SEVEN_MIB), headers={"content-type": content_type}
        )

    assert response.status_code == 413, response.text
    assert response.json()["error"] == "payload_too_large"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_chunked_body_under_the_limit_still_reaches_the_route(settings: Settings) -> None:
    body = b'{"email": "nobody@example.com", "password": "wrong-password-1"}'
    with live_api(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as http:
        response = http.post(
            "/api/auth/login",
            content=iter([body[:10], body[10:]]),
            headers={"content-type": "application/json"},
        )

    assert response.status_code == 401, response.text
