"""Celery's soft time limit on a real worker: the run's tests are stopped, what they
recorded is kept, and the run ends ``timed_out`` with a reason."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.runs.dispatch import CeleryDispatcher, Job
from backend.runs.schemas import RunOptions
from tests.runs.helpers import make_git_repo, signed_in_api, undispatched_run
from tests.runs.servers import celery_worker

pytestmark = [
    pytest.mark.xdist_group("celery-workers"),
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

# Short enough for a test, long enough for checkout and pytest's start on a busy machine.
SOFT_LIMIT_SECONDS = 45


async def test_a_run_over_the_job_time_limit_ends_timed_out_with_its_results(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    pid_file = tmp_path / "test-process.pid"
    api = await signed_in_api(client, "time-limit@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path / "repo",
            {
                "tests/test_slow.py": (
                    "import os, pathlib, time\n\n"
                    "def test_1_quick():\n    pass\n\n"
                    "def test_2_endless():\n"
                    f"    pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
                    "    time.sleep(900)\n"
                )
            },
        )
    )
    # pytest's own limit is far away: only the job's (Celery's) limit can stop the run.
    run_id, task_id = await undispatched_run(app, settings, project["id"], RunOptions(timeout=1800))
    with celery_worker(settings, tmp_path / "logs") as worker:
        # The real dispatcher, with a short limit instead of the run's (checkout + install +
        # timeout + a minute), which would make this test last half an hour.
        await asyncio.to_thread(
            CeleryDispatcher(settings).enqueue,
            Job(run_id=run_id, task_id=task_id, time_limit=SOFT_LIMIT_SECONDS),
        )
        detail = await api.wait(str(run_id), within=300)
        log = worker.output()

    assert detail["status"] == "timed_out", (detail["reason"], log)
    assert "soft time limit was reached" in log
    assert detail["reason"] == (
        f"the job's time limit ({SOFT_LIMIT_SECONDS}s for checkout, install and tests) was "
        "reached; the tests were stopped while running tests/test_slow.py::test_2_endless "
        "and the results so far are kept"
    )
    outcomes = {t["node_id"]: t["outcome"] for t in detail["tests"]}
    assert outcomes["tests/test_slow.py::test_1_quick"] == "passed"
    assert {a["kind"] for a in detail["artifacts"]} >= {"json_report", "junit_xml"}
    events = await api.events(str(run_id))
    assert events[-1]["type"] == "run_status"
    assert events[-1]["data"]["status"] == "timed_out"
    assert not _alive(int(pid_file.read_text()))  # the test process was stopped


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (checked for a few seconds)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.2)
    return True
