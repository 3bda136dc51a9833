"""Celery's time limits on a real worker. Soft: the run's tests are stopped, what they
recorded is kept, and the run ends ``timed_out`` with a reason. Hard (the tests did not
stop even then): the worker's main process kills the test process group the killed pool
process left behind and ends the run ``timed_out`` — never re-queued."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.config import Settings
from backend.outbox.celery import celery_for
from backend.outbox.core import CeleryDispatcher
from backend.runs.jobs import EXECUTE_RUN_TASK, execute_run_job
from backend.runs.schemas import RunOptions
from tests.execution.conftest import processes_matching
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
    api = await signed_in_api(client, "time-limit@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path / "repo",
            {
                "tests/test_slow.py": (
                    "import os, pathlib, time\n\n"
                    "def test_1_quick():\n    pass\n\n"
                    "def test_2_endless():\n"
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
            execute_run_job(run_id, task_id, SOFT_LIMIT_SECONDS, org_id=None),
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
    assert not _running(str(run_id))  # the test process (and its sandbox) was stopped


# The soft stop (SIGINT, ignored here) waits 15 s before SIGKILL: a hard limit a few
# seconds after the soft one comes first.
HARD_SOFT_LIMIT_SECONDS = 35
HARD_LIMIT_SECONDS = 41


async def test_tests_that_survive_the_soft_stop_end_timed_out_at_the_hard_limit_group_killed(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    # Found by command line: the sandboxed test process has pids of its own namespace and
    # can write nothing outside its checkout.
    marker = f"600.{uuid.uuid4().int % 10**9}"
    api = await signed_in_api(client, "hard-limit@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path / "repo",
            {
                "tests/test_stubborn.py": (
                    "import os, pathlib, signal, subprocess, time\n\n"
                    "def test_1_quick():\n    pass\n\n"
                    "def test_2_stubborn():\n"
                    "    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the soft stop\n"
                    f"    subprocess.Popen(['sleep', {marker!r}])\n"
                    "    while True:\n        time.sleep(1)\n"
                )
            },
        )
    )
    run_id, task_id = await undispatched_run(app, settings, project["id"], RunOptions(timeout=1800))
    with celery_worker(settings, tmp_path / "logs") as worker:
        await asyncio.to_thread(
            celery_for(settings.redis_url).send_task,
            EXECUTE_RUN_TASK,
            args=[str(run_id)],
            task_id=task_id,
            soft_time_limit=HARD_SOFT_LIMIT_SECONDS,
            time_limit=HARD_LIMIT_SECONDS,
        )
        detail = await api.wait(str(run_id), within=300)
        log = worker.output()

    assert detail["status"] == "timed_out", (detail["reason"], log)
    assert "Hard time limit" in log
    assert detail["reason"] == (
        f"the job's hard time limit ({HARD_LIMIT_SECONDS}s) was reached: the tests did not "
        "stop after the soft stop, so the worker process was killed; its test process group "
        "was killed. Events recorded until then are kept; pytest wrote no report, so there "
        "are no test results."
    )
    events = await api.events(str(run_id))
    finished = [e["data"]["nodeid"] for e in events if e["type"] == "test_finished"]
    assert finished == ["tests/test_stubborn.py::test_1_quick"]  # recorded before: kept
    statuses = [e["data"]["status"] for e in events if e["type"] == "run_status"]
    assert statuses == ["queued", "running", "timed_out"]
    assert not _running(str(run_id))  # pytest, in its sandbox
    assert not _running(f"sleep\0{marker}")  # and the child it started
    run_dir = settings.artifacts_dir / str(run_id)
    assert not (run_dir / ".runner").exists()  # the unmasked channel file is gone


def _running(fragment: str) -> bool:
    """True while a live process's command line contains ``fragment`` (checked for a few
    seconds): the run id is in the sandboxed pytest's (its report paths) and bwrap's."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not processes_matching(fragment):
            return False
        time.sleep(0.2)
    return True
