"""Embedded mode caps concurrent runs (``embedded_max_concurrent_runs``), queues the rest
and gives a free slot to the organisation with the fewest runs executing: 17 hanging runs
of one account hold at most N pytest processes, and another organisation's run takes the
next free slot instead of waiting behind them."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.config import Settings
from backend.outbox import Job, handler
from backend.outbox.embedded import EmbeddedRegistry
from backend.runs.jobs import wait_in_process
from tests.runs.helpers import Api, make_git_repo, signed_in_api

CAP = 2
HANGING_SUITE = {"tests/test_hang.py": "import time\n\ndef test_hang():\n    time.sleep(900)\n"}
PASSING_SUITE = {"tests/test_ok.py": "def test_ok():\n    assert True\n"}


def pytest_processes(run_ids: set[str]) -> set[str]:
    """The runs among ``run_ids`` that have a live pytest process (read from /proc: the
    runner gives each test process ``TESTABLE_RUN_ID``)."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pytest" not in cmdline:
            continue
        for entry in environ:
            if entry.startswith(b"TESTABLE_RUN_ID="):
                run_id = entry.removeprefix(b"TESTABLE_RUN_ID=").decode()
                if run_id in run_ids:
                    found.add(run_id)
    return found


async def statuses(api: Api, run_ids: list[str]) -> dict[str, str]:
    return {run_id: (await api.run(run_id))["status"] for run_id in run_ids}


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "env_cache_dir": shared_env_cache,
        "embedded_max_concurrent_runs": CAP,
    }


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_one_account_s_hanging_runs_hold_at_most_the_cap_and_starve_nobody(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    greedy = await signed_in_api(client, "greedy@example.com")
    other = await signed_in_api(client, "other@example.com")
    hanging = await greedy.project(make_git_repo(tmp_path / "hang", HANGING_SUITE))
    passing = await other.project(make_git_repo(tmp_path / "ok", PASSING_SUITE), name="ok")
    runs = [(await greedy.start(hanging["id"]))["id"] for _ in range(17)]
    try:
        first, second = runs[:CAP]
        for run_id in (first, second):  # the first in line take the slots
            await greedy.wait_for_event(run_id, "test_started")
        now = await statuses(greedy, runs)
        assert [s for s in now.values() if s == "running"] == ["running"] * CAP
        assert {r for r, s in now.items() if s == "running"} == {first, second}
        assert list(now.values()).count("queued") == 17 - CAP
        assert pytest_processes(set(runs)) == {first, second}

        newcomer = (await other.start(passing["id"]))["id"]
        assert (await other.run(newcomer))["status"] == "queued"  # no slot is free
        # A slot frees: the other organisation's run takes it, not the greedy one's next.
        cancel = await client.post(f"/api/runs/{first}/cancel", headers=greedy.headers)
        assert cancel.status_code == 200, cancel.text
        await other.wait_for(newcomer, "running")
        now = await statuses(greedy, runs)
        assert list(now.values()).count("queued") == 17 - CAP
        assert pytest_processes(set(runs)) <= {second}
        done = await other.wait(newcomer)
        assert done["status"] == "passed", done["reason"]
    finally:
        for run_id in runs:
            await client.post(f"/api/runs/{run_id}/cancel", headers=greedy.headers)
        for run_id in runs:
            assert wait_in_process(run_id, 120)
    assert pytest_processes(set(runs)) == set()


# The registry alone, with a job whose handler waits for the test to let it end.
_RELEASE: dict[str, threading.Event] = {}
_STARTED: list[str] = []
_STARTED_LOCK = threading.Lock()


@handler("tests.outbox.hold")
async def _hold(settings: Settings, name: str) -> None:
    with _STARTED_LOCK:
        _STARTED.append(name)
    await asyncio.to_thread(_RELEASE[name].wait)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_free_slots_go_to_the_organisation_with_the_fewest_runs_executing(
    settings: Settings,
) -> None:
    registry = EmbeddedRegistry()
    capped = settings.model_copy(update={"embedded_max_concurrent_runs": 2})
    names = [f"a{i}" for i in range(5)] + ["b0", "b1", "c0"]
    for name in names:
        _RELEASE[name] = threading.Event()

    def submit(name: str) -> None:
        job = Job(name="tests.outbox.hold", args=(name,), group=name[0], key=name, task_id=name)
        registry.submit(job, capped)

    def started() -> list[str]:
        with _STARTED_LOCK:
            return list(_STARTED)

    def end(name: str, then_started: int) -> None:
        """Let ``name`` end, then wait until ``then_started`` jobs have started (the next
        one's thread has called its handler)."""
        _RELEASE[name].set()
        assert registry.wait(key=name, timeout=30)
        deadline = time.monotonic() + 30
        while len(started()) < then_started and time.monotonic() < deadline:
            time.sleep(0.01)

    _STARTED.clear()
    for name in names:  # a's five first, then b's two, then c's one
        submit(name)
    assert registry.running_runs() == 2
    assert registry.waiting_runs() == 6
    assert registry.revoke("a4")  # a queued run dropped by a cancel
    assert registry.wait(key="a4", timeout=0)
    end("a0", 3)  # a still runs one, b and c none: b (first of them in line) goes
    end("a1", 4)  # a none, b one, c none: c, which never had a turn
    end("b0", 5)  # c runs one; a and b none: a, served longer ago than b
    for name in names:
        _RELEASE[name].set()
    assert registry.wait(timeout=30)
    # a0 and a1 start together, each on its own thread: their order is the threads'.
    assert set(started()[:2]) == {"a0", "a1"}
    assert started()[2:5] == ["b0", "c0", "a2"]
    assert sorted(started()) == sorted(n for n in names if n != "a4")
    _STARTED.clear()
