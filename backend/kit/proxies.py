"""Which peers may say who the client is (``X-Forwarded-For`` / ``X-Forwarded-Proto``).

The client address keys the per-IP rate limits and is written to the audit log. uvicorn
trusts forwarded headers from 127.0.0.1 by default; on a machine where tests run as local
processes that lets any test dodge the limits and forge audit addresses. So the server
trusts nobody (``server_options``), and the app trusts exactly the proxies listed in
``TESTABLE_TRUSTED_PROXIES`` (addresses or networks, comma-separated; empty by default),
whatever ASGI server runs it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

_PEER = "testable.socket_peer"


def trusted_proxies(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def server_options() -> dict[str, Any]:
    """uvicorn options for the api: forwarded headers are the app's decision, not uvicorn's
    (whose default trusts 127.0.0.1, or whatever FORWARDED_ALLOW_IPS says)."""
    return {"proxy_headers": False, "forwarded_allow_ips": ""}


def install_proxy_headers(app: FastAPI, value: str) -> None:
    """Read the client address from forwarded headers sent by a trusted proxy (the
    connection's own peer otherwise). Add it last: it must run before everything else."""
    proxies = trusted_proxies(value)
    if proxies:
        app.add_middleware(_TrustedProxyHeaders, trusted_hosts=proxies)


class _TrustedProxyHeaders:
    """uvicorn's ProxyHeadersMiddleware, keeping the socket peer it replaces: some
    decisions (the local outbox) must rest on the connection, never on a header."""

    def __init__(self, app: ASGIApp, trusted_hosts: list[str]) -> None:
        self.inner = ProxyHeadersMiddleware(app, trusted_hosts=trusted_hosts)  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[_PEER] = scope.get("client")
        await self.inner(scope, receive, send)  # type: ignore[arg-type]


def socket_peer(request: Request) -> str | None:
    """The address of the connection's other end, whatever forwarded headers say."""
    peer = request.scope.get(_PEER, request.scope.get("client"))
    return str(peer[0]) if peer else None


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1 (also IPv4-mapped); not 0.0.0.0 or other names."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
