"""Serving the demo shop: in the foreground (``python -m examples.demo_app``) or on a
background thread for tests and ``make demo``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from examples.demo_app.app import create_app
from examples.demo_app.variants import Variant


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningDemo:
    base_url: str
    variant: Variant
    server: uvicorn.Server
    thread: threading.Thread

    def state(self) -> dict[str, Any]:
        """What the app recorded (``decoy_clicks``, ``orders_placed``)."""
        data: dict[str, Any] = httpx.get(f"{self.base_url}/__demo/state", timeout=5).json()
        return data

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_demo_app(
    variant: Variant | str = Variant.ORIGINAL, host: str = "127.0.0.1", port: int | None = None
) -> RunningDemo:
    """Start the demo shop on a daemon thread and return once it answers HTTP."""
    port = port or free_port(host)
    config = uvicorn.Config(create_app(variant), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"demo-app-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"{base_url}/__demo/state", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or not thread.is_alive():
                server.should_exit = True
                raise RuntimeError(f"the demo app did not start on {base_url}") from None
            time.sleep(0.05)
    return RunningDemo(base_url, Variant(variant), server, thread)


@contextmanager
def running_demo_app(variant: Variant | str = Variant.ORIGINAL) -> Iterator[RunningDemo]:
    demo = start_demo_app(variant)
    try:
        yield demo
    finally:
        demo.stop()
