"""Real servers for run tests: the api on uvicorn (for WebSocket clients), a private
redis-server, a Celery worker process (``testable worker``)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from backend.app import create_app
from backend.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {within}s")


@contextmanager
def live_api(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The real app on uvicorn in a thread (its own app instance, so its database engine
    lives on uvicorn's loop); yields the base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class RedisServer:
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.data_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def private_redis(data_dir: Path) -> Iterator[RedisServer]:
    """A redis-server of our own on a free port (never the shared one on 6379)."""
    server = RedisServer(port=free_port(), data_dir=data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    name: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self) -> list[int]:
        """The worker and its pool processes."""
        found = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once: a machine that died."""
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TESTABLE_") or key.startswith("TESTABLE_TEST_")
    }
    env.update(
        {
            "TESTABLE_DATABASE_URL": settings.resolved_database_url,
            "TESTABLE_REDIS_URL": settings.redis_url,
            "TESTABLE_DATA_DIR": str(settings.data_dir),
            "TESTABLE_DISPATCHER": "celery",
            "TESTABLE_EVENT_BUS": "redis",
            "TESTABLE_RUN_HEARTBEAT_SECONDS": str(settings.run_heartbeat_seconds),
            "TESTABLE_PUBLIC_URL": settings.public_url,
        }
    )
    if settings.env_cache_dir is not None:
        env["TESTABLE_ENV_CACHE_DIR"] = str(settings.env_cache_dir)
    env.update(extra)
    return env


# A guard, not a measurement: a loaded 2-core machine took over 60 s to start a worker.
_START_TIMEOUT = 180


@contextmanager
def celery_worker(settings: Settings, log_dir: Path, **extra_env: str) -> Iterator[Worker]:
    """``testable worker`` as a subprocess with a unique node name; waits until ready."""
    name = f"test-{uuid.uuid4().hex[:8]}@%h"
    log = log_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
    log_dir.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker", "--name", name, "--concurrency", "1"],
        cwd=ROOT,
        env=worker_env(settings, **extra_env),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    worker = Worker(process=process, name=name, log=log)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while "ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the worker did not start:\n{worker.output()}")
            time.sleep(0.1)
        yield worker
    finally:
        worker.stop()
        handle.close()


@contextmanager
def celery_beat(settings: Settings, log_dir: Path) -> Iterator[Worker]:
    """``testable beat`` as a subprocess (its real schedule); waits until it started."""
    log = log_dir / f"beat-{uuid.uuid4().hex[:6]}.log"
    log_dir.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=worker_env(settings),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    beat = Worker(process=process, name="beat", log=log)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while "beat: Starting" not in beat.output():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"beat did not start:\n{beat.output()}")
            time.sleep(0.1)
        yield beat
    finally:
        beat.stop()
        handle.close()
