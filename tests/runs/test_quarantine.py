"""Quarantine as runs see it: a quarantined test still runs and its result is stored, but
its failure does not fail the run; the quarantined set is read once, when the run starts,
through the source registered in ``backend.runs.hooks`` (the analytics domain's in the
app; a plain function here, so these tests hold whatever analytics decides)."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics.quarantine import quarantine as quarantine_test
from backend.config import Settings
from backend.db import Database
from backend.orgs.models import Organization
from backend.projects.models import Project
from backend.runs import hooks
from backend.runs.executor import _note_quarantine
from backend.runs.local import LOCAL_ORG_SLUG
from backend.runs.models import Run, RunToken
from backend.runs.quarantine import counted_status, note
from backend.runs.states import RunState
from tests.runs.helpers import (
    MIXED_SUITE,
    Api,
    make_git_repo,
    signed_in_api,
    undispatched_run,
    write_files,
)
from tests.runs.test_cli import run_cli

BROKEN = "tests/test_mixed.py::test_broken"


async def finished(api: Api, app: FastAPI, run_id: str) -> dict[str, Any]:
    """The run's detail once its worker is done with it too: after the final state the
    executor still runs the finish hooks and revokes the run's token (the last write),
    which must not meet the next test's clean-up of the database."""
    detail = await api.wait(run_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with app.state.db.session(read_only=True) as session:
            open_tokens = await session.scalar(
                select(func.count())
                .select_from(RunToken)
                .where(RunToken.run_id == run_id, RunToken.revoked_at.is_(None))
            )
        if not open_tokens:
            break
        await asyncio.sleep(0.1)
    return detail


def test_a_failed_run_whose_failures_are_all_quarantined_passes_with_a_note() -> None:
    results = [("t::a", "passed"), ("t::b", "failed"), ("t::c", "error")]

    assert counted_status(RunState.FAILED, "1 failed, 1 errors", results, {"t::b", "t::c"}) == (
        RunState.PASSED,
        "quarantined: 2 tests failed, not counted",
    )
    assert counted_status(RunState.FAILED, "1 failed, 1 errors", results, {"t::b"}) == (
        RunState.FAILED,
        "1 errors; quarantined: 1 test failed, not counted",
    )
    # nothing quarantined failed, or nothing is quarantined: unchanged
    assert counted_status(RunState.FAILED, "x", results, {"t::a"}) == (RunState.FAILED, "x")
    assert counted_status(RunState.FAILED, "x", results, set()) == (RunState.FAILED, "x")


def test_a_run_that_errored_or_timed_out_is_not_rescued_by_quarantine() -> None:
    results = [("t::b", "failed")]
    for state in (RunState.ERROR, RunState.TIMED_OUT, RunState.CANCELLED):
        assert counted_status(state, "why", results, {"t::b"}) == (state, "why")
    assert note(1) == "quarantined: 1 test failed, not counted"


@pytest.fixture
def quarantine(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The tests the registered source answers (only this source, for these tests)."""
    quarantined: set[str] = set()

    async def source(session: AsyncSession, project_id: uuid.UUID) -> set[str]:
        return set(quarantined)

    monkeypatch.setattr(hooks, "_quarantine_sources", [source])
    return quarantined


async def test_a_run_whose_only_failure_is_quarantined_passes_and_keeps_the_result(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, quarantine: set[str]
) -> None:
    quarantine.add(BROKEN)
    api = await signed_in_api(client, "quarantine@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))

    run = await finished(api, app, (await api.start(project["id"]))["id"])

    assert run["status"] == "passed", run["reason"]
    assert run["reason"] == "quarantined: 1 test failed, not counted"
    assert run["options"]["quarantined"] == [BROKEN]
    # the result is stored and shown as it happened
    assert (run["passed"], run["failed"]) == (1, 1)
    broken = next(t for t in run["tests"] if t["node_id"] == BROKEN)
    assert broken["outcome"] == "failed"
    assert "arithmetic is broken" in broken["error_message"]


async def test_a_failure_outside_the_quarantine_still_fails_the_run(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, quarantine: set[str]
) -> None:
    quarantine.add("tests/test_mixed.py::test_ok")  # quarantined, but it passes
    api = await signed_in_api(client, "not-quarantined@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))

    run = await finished(api, app, (await api.start(project["id"]))["id"])

    assert run["status"] == "failed"
    assert run["reason"] == "1 failed"


async def test_a_failing_quarantine_source_counts_every_failure(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken_source(session: AsyncSession, project_id: uuid.UUID) -> set[str]:
        raise RuntimeError("analytics is down")

    monkeypatch.setattr(hooks, "_quarantine_sources", [broken_source])
    api = await signed_in_api(client, "source-down@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))

    run = await finished(api, app, (await api.start(project["id"]))["id"])

    assert (run["status"], run["reason"]) == ("failed", "1 failed")
    assert "quarantined" not in run["options"]


async def test_a_test_quarantined_through_the_api_no_longer_fails_the_project_runs(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The app registers the analytics domain's quarantine: what a member quarantines on
    the dashboard is what the next run leaves out, and releasing it counts it again."""
    api = await signed_in_api(client, "analytics-quarantine@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))
    base = f"/api/projects/{project['id']}/analytics/quarantine"
    added = await client.post(
        base, json={"test": BROKEN, "reason": "known bug #12"}, headers=api.headers
    )
    assert added.status_code == 201, added.text

    passed = await finished(api, app, (await api.start(project["id"]))["id"])
    released = await client.delete(base, params={"test": BROKEN}, headers=api.headers)
    assert released.status_code == 204, released.text
    failed = await finished(api, app, (await api.start(project["id"]))["id"])

    assert (passed["status"], passed["reason"]) == ("passed", note(1))
    assert (failed["status"], failed["reason"]) == ("failed", "1 failed")


async def test_testable_run_exits_0_when_only_quarantined_tests_fail(tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    write_files(suite, MIXED_SUITE)
    data = tmp_path / "data"

    first = run_cli("run", str(suite), data_dir=data)
    assert first.returncode == 1, first.stdout + first.stderr
    # quarantined as the dashboard would, in the database `testable run` uses
    database = Database(Settings(_env_file=None, data_dir=data).resolved_database_url)
    try:
        async with database.session() as session:
            project_id = await session.scalar(
                select(Project.id)
                .join(Organization, Organization.id == Project.org_id)
                .where(Organization.slug == LOCAL_ORG_SLUG)
            )
            assert project_id is not None
            await quarantine_test(session, project_id, BROKEN, reason="known bug", by="user")
    finally:
        await database.dispose()
    second = run_cli("run", str(suite), data_dir=data)

    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{BROKEN} failed (quarantined, not counted)" in second.stdout
    assert note(1) in second.stdout


async def test_a_requeued_run_takes_the_quarantine_of_its_new_start(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, quarantine: set[str]
) -> None:
    """The reaper re-queues a dead worker's run: its next start reads the quarantine again
    and replaces the list kept from the first attempt (here: released meanwhile)."""
    api = await signed_in_api(client, "requeued@example.com")
    project = await api.project("file:///nowhere")
    run_id, _ = await undispatched_run(app, settings, project["id"])
    async with app.state.db.session() as session:
        run = await session.get(Run, run_id)
        assert run is not None
        run.options = {**run.options, "quarantined": [BROKEN]}

    async with app.state.db.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        assert run is not None
        session.expunge(run)
    options = await _note_quarantine(app.state.db, run)

    assert "quarantined" not in options
    async with app.state.db.session(read_only=True) as session:
        stored = await session.get(Run, run_id)
        assert stored is not None
        assert "quarantined" not in stored.options
