"""Issue #13: the local outbox (embedded mode) handed password-reset links to anyone who
could reach the api. It answers only loopback connections, judged by the socket peer: a
forwarded header cannot make a remote client local. `testable up` warns when it listens
beyond this machine."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from backend.cli import exposure_warning
from backend.config import Settings
from backend.kit.proxies import is_loopback_host
from tests.auth.helpers import register
from tests.security.test_forwarded_headers import served


def _client(app: FastAPI, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(host, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_outbox_answers_loopback_peers_only(app: FastAPI) -> None:
    async with _client(app, "203.0.113.7") as remote, _client(app, "127.0.0.1") as local:
        assert (await register(remote, "victim@example.com")).status_code == 201
        refused = await remote.get("/api/outbox", params={"to": "victim@example.com"})
        spoofed = await remote.get(
            "/api/outbox", headers={"X-Forwarded-For": "127.0.0.1", "Host": "localhost"}
        )
        allowed = await local.get("/api/outbox", params={"to": "victim@example.com"})
    async with _client(app, "::1") as local6:
        allowed6 = await local6.get("/api/outbox")

    assert refused.status_code == 403
    assert "loopback" in refused.json()["message"]
    assert "victim@example.com" not in refused.text
    assert spoofed.status_code == 403
    assert allowed.status_code == 200
    assert "verification" in {m["template"] for m in allowed.json()}
    assert allowed6.status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_trusted_proxy_cannot_make_a_remote_client_local(settings: Settings) -> None:
    """Behind a trusted proxy on this machine every request arrives from 127.0.0.1; the
    client it names is remote, so the outbox refuses it."""
    trusted = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with served(trusted) as (base_url, _), httpx.Client(base_url=base_url) as http:
        forwarded = http.get("/api/outbox", headers={"X-Forwarded-For": "198.51.100.9"})
        direct = http.get("/api/outbox")

    assert forwarded.status_code == 403
    assert direct.status_code == 200


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, local: bool) -> None:
    assert is_loopback_host(host) is local
    if host:
        assert (exposure_warning(host) is None) is local


def test_up_warns_when_listening_beyond_this_machine() -> None:
    warning = exposure_warning("0.0.0.0")

    assert warning is not None
    assert "0.0.0.0" in warning
    assert "/api/outbox" in warning
    assert exposure_warning("127.0.0.1") is None
