"""The platform's cost around a suite, in distributed mode on real parts: PostgreSQL, a
private redis-server, a ``testable worker`` (Celery) process, the api on uvicorn and a
WebSocket client. Prints one JSON line:

* ``overhead_ratio`` — the example suite (a browser subset, against the demo shop)
  triggered through the api and run by the worker (trigger -> the run's socket closes
  after its final status) against plain ``pytest`` of the same files in the same
  environment, both with a warm element cache, alternated in the same process; medians
  (and the ratio of the quickest of each, less sensitive to a busy machine);
* ``trigger_to_first_test_s`` — start request sent -> first ``test_started`` event on the
  run's WebSocket (checkout, environment lookup, pytest start, event path);
* ``event_latency_ms`` — an event's creation (its ``ts``, taken in the test process or
  the worker) -> its arrival at the WebSocket client, over every event delivered live
  during the suite runs (channel tail, batch write, commit, Redis, socket): p50 / p95;
* ``events_per_second`` — a test that writes ``--burst`` output events to the channel as
  fast as it can: the rate at which they arrive at the WebSocket client.

    set -a && source <(scripts/services.sh) && set +a
    uv run python bench/bench_platform.py        # --repeat 3 --burst 10000

The machine's load (``os.getloadavg()``) is recorded: timings on a busy machine are
inflated, the ratio less so (both sides wait for the same CPUs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.config import Settings, normalise_database_url
from backend.db.migrate import upgrade
from backend.execution.environment import prepare_environment
from examples.demo_app import Variant, running_demo_app
from tests.runs.helpers import Api, git, make_git_repo, signed_in_api
from tests.runs.servers import celery_worker, free_port, live_api, private_redis
from tests.runs.ws import access_token, ws_url

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SUBSET = ["examples/tests/test_semantic_cache.py", "examples/tests/test_navigation.py"]
TERMINAL = {"passed", "failed", "error", "cancelled", "timed_out"}
POSTGRES_ADMIN_URL = os.environ.get(
    "TESTABLE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Watch:
    """What a WebSocket client of one run saw: each event with its arrival time."""

    connected_at: float
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def first(self, event_type: str) -> float:
        return next(at for at, event in self.events if event["type"] == event_type)

    def live_latencies(self) -> list[float]:
        """Arrival - creation of the events created after the client connected (the
        earlier ones came from the database backfill, not the live path)."""
        return [at - e["ts"] for at, e in self.events if e["ts"] >= self.connected_at]


async def watch(base_url: str, run_id: str, token: str) -> Watch:
    async with websockets.connect(ws_url(base_url, f"/api/ws/runs/{run_id}")) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        seen = Watch(connected_at=time.time())
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message["type"] == "event":
                    seen.events.append((time.time(), message["event"]))
        except websockets.ConnectionClosed:
            pass
        return seen


async def run_through_platform(
    api: Api, base_url: str, project_id: str, body: dict[str, Any]
) -> tuple[float, float, Watch]:
    """Trigger a run and follow it on its socket: (trigger -> finished seconds, trigger
    -> first test seconds, what the socket saw)."""
    token = access_token(api.headers)
    started = time.time()
    run = await api.start(project_id, **body)
    seen = await asyncio.wait_for(watch(base_url, run["id"], token), 900)
    detail = await api.wait(run["id"], within=60)  # the socket closed: it has finished
    finished = time.time() - started
    if detail["status"] != "passed":
        raise RuntimeError(f"the platform run ended {detail['status']}: {detail['reason']}")
    return finished, seen.first("test_started") - started, seen


def run_plain_pytest(workdir: Path, python: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"plain pytest failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    return wall


@contextmanager
def bench_database() -> Iterator[str]:
    name = f"testable_bench_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        engine = create_async_engine(
            normalise_database_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT"
        )
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rpartition("/")[0]
    url = normalise_database_url(f"{base}/{name}")
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(
    settings: Settings, base_url: str, shop_url: str, root: Path, repeat: int, burst: int
) -> dict[str, Any]:
    repository = make_git_repo(
        root / "examples-repo",
        {"pytest.ini": "[pytest]\n", "examples/__init__.py": ""},
        {"examples/demo_app": EXAMPLES / "demo_app", "examples/tests": EXAMPLES / "tests"},
    )
    burst_repository = make_git_repo(
        root / "burst-repo",
        {
            "tests/test_burst.py": (
                "from backend.execution.channel import emit\n\n"
                "def test_burst():\n"
                f"    for number in range({burst}):\n"
                "        emit('output', line=f'burst {number}')\n"
            )
        },
    )
    # Plain pytest: a clone of the same commit, the same interpreter environment the
    # worker uses (no dependency file: the shared base environment), its own local cache.
    plain_dir = root / "plain"
    git("clone", "-q", repository, str(plain_dir))
    python = prepare_environment(plain_dir, cache_dir=settings.resolved_env_cache_dir).python
    plain_env = {
        "PATH": f"{python.parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": tempfile.mkdtemp(prefix="bench-home-"),
        "TMPDIR": tempfile.mkdtemp(prefix="bench-tmp-"),
        "LANG": "C.UTF-8",
        "TESTABLE_DATA_DIR": str(root / "plain-cache"),
        "TESTABLE_PROJECT": "bench",
        "TESTABLE_DEMO_URL": shop_url,
    }
    browsers = Path.home() / ".cache" / "ms-playwright"
    if browsers.is_dir():
        plain_env["PLAYWRIGHT_BROWSERS_PATH"] = str(browsers)

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        api = await signed_in_api(client, "bench@example.com")
        project = await api.project(repository, name="examples")
        burst_project = await api.project(burst_repository, name="burst")
        body = {
            "selection": {"test_paths": SUBSET},
            "options": {"env": {"TESTABLE_DEMO_URL": shop_url}, "timeout": 600},
        }
        # Warm-up (not measured): each side fills its element cache once.
        await asyncio.to_thread(run_plain_pytest, plain_dir, python, plain_env)
        await run_through_platform(api, base_url, project["id"], body)

        plain, platform, first_test, latencies = [], [], [], []
        for _ in range(repeat):
            plain.append(await asyncio.to_thread(run_plain_pytest, plain_dir, python, plain_env))
            finished, to_first, seen = await run_through_platform(
                api, base_url, project["id"], body
            )
            platform.append(finished)
            first_test.append(to_first)
            latencies += seen.live_latencies()

        _, _, burst_seen = await run_through_platform(api, base_url, burst_project["id"], {})

    arrivals = [at for at, e in burst_seen.events if e["type"] == "output"]
    if len(arrivals) < burst:
        raise RuntimeError(f"only {len(arrivals)} of {burst} burst events reached the socket")
    plain_median, platform_median = statistics.median(plain), statistics.median(platform)
    return {
        "plain_pytest_s": round(plain_median, 2),
        "platform_s": round(platform_median, 2),
        "overhead_ratio": round(platform_median / plain_median, 3),
        # The quickest of each: less of the other processes' noise on a shared machine.
        "overhead_ratio_of_minimums": round(min(platform) / min(plain), 3),
        "plain_runs_s": [round(v, 2) for v in plain],
        "platform_runs_s": [round(v, 2) for v in platform],
        "trigger_to_first_test_s": round(statistics.median(first_test), 2),
        "event_latency_ms": {
            "p50": round(1000 * percentile(latencies, 0.50), 1),
            "p95": round(1000 * percentile(latencies, 0.95), 1),
            "events": len(latencies),
        },
        "events_per_second": round((len(arrivals) - 1) / (arrivals[-1] - arrivals[0])),
        "burst_events": burst,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--burst", type=int, default=10_000)
    options = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-platform-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        database_url = stack.enter_context(bench_database())
        redis = stack.enter_context(private_redis(root / "redis"))
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        settings = Settings(
            _env_file=None,
            data_dir=root / "data",
            database_url=database_url,
            redis_url=redis.url,
            dispatcher="celery",
            event_bus="redis",
            bcrypt_rounds=4,
            env_cache_dir=root / "envs",
            public_url=base_url,
        )
        shop = stack.enter_context(running_demo_app(Variant.ORIGINAL))
        stack.enter_context(live_api(settings, port=port))
        stack.enter_context(celery_worker(settings, root / "logs"))
        figures = asyncio.run(
            measure(settings, base_url, shop.base_url, root, options.repeat, options.burst)
        )
    print(
        json.dumps(
            {
                "bench": "platform",
                "subset": SUBSET,
                "repeat": options.repeat,
                **figures,
                "load_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
