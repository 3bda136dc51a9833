"""The reaper's rules on both databases: a run whose worker died is re-queued once as a
new job, a second death ends it as ``error``, a run asked to cancel ends ``cancelled``, a
run that was beating past its time limit (the hard limit killed its worker) ends
``timed_out``, a job that never reached a worker ends ``error``. (The same with a real
SIGKILLed Celery worker: tests/workers/test_worker_faults.py.)"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from backend.config import Settings
from backend.kit.time import utcnow
from backend.runs import service
from backend.runs.models import Run
from backend.runs.states import RunState
from tests.runs.helpers import signed_in_api, undispatched_run


async def _queued_run(client: httpx.AsyncClient, app: FastAPI, settings: Settings) -> uuid.UUID:
    api = await signed_in_api(client, f"reaper-{uuid.uuid4().hex[:6]}@example.com")
    project = await api.project("file:///nowhere/shop.git")
    run_id, _ = await undispatched_run(app, settings, project["id"])
    return run_id


async def _claim(app: FastAPI, run_id: uuid.UUID, worker: str) -> None:
    async with app.state.db.session() as session:
        assert await service.claim_run(session, run_id, worker=worker) is not None
        run = await service.get_run(session, run_id, lock=True)
        await service.add_events(session, run, [service.NewEvent("output", {"line": worker})])


async def _reap_later(app: FastAPI, settings: Settings) -> list[service.ReapedRun]:
    """A reaper pass as if it ran after the heartbeat timeout."""
    later = utcnow() + timedelta(seconds=settings.run_heartbeat_timeout_seconds + 1)
    async with app.state.db.session() as session:
        return await service.reap_dead_runs(session, settings, now=later)


async def _run_and_events(app: FastAPI, run_id: uuid.UUID) -> tuple[Run, list[dict[str, Any]]]:
    """The run as stored (detached, attributes loaded) and its events."""
    async with app.state.db.session(read_only=True) as session:
        run = await service.get_run(session, run_id)
        events = await service.events_after(session, run)
        session.expunge(run)
        return run, events


async def test_a_run_whose_worker_died_is_requeued_once_then_ends_as_error(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    run_id = await _queued_run(client, app, settings)
    async with app.state.db.session(read_only=True) as session:
        first_task = (await service.get_run(session, run_id)).task_id
    await _claim(app, run_id, "first-worker")

    [requeued] = await _reap_later(app, settings)
    run, events = await _run_and_events(app, run_id)
    assert (requeued.run_id, requeued.status) == (run_id, RunState.QUEUED)
    assert requeued.requeued is not None
    assert requeued.requeued.task_id == run.task_id != first_task  # a new job
    assert requeued.requeued.time_limit == service.run_time_limit(run, settings)
    assert (run.status, run.attempts, run.worker, run.heartbeat_at) == ("queued", 1, None, None)
    assert run.reason is not None
    assert run.reason.startswith("attempt 1: the worker first-worker stopped sending heartbeats")
    assert "Re-queued once" in run.reason
    assert [e["data"]["status"] for e in events if e["type"] == "run_status"] == [
        "queued",
        "running",
        "queued",
    ]
    assert events[-1]["data"]["reason"] == run.reason
    assert await _reap_later(app, settings) == []  # a queued run is not dead

    await _claim(app, run_id, "second-worker")
    [ended] = await _reap_later(app, settings)
    run, after = await _run_and_events(app, run_id)
    assert (ended.status, ended.requeued) == (RunState.ERROR, None)
    assert (run.status, run.attempts) == ("error", 2)
    assert run.reason is not None
    assert run.reason.startswith("the run's worker died twice (attempt 2: the worker second-worker")
    # The first attempt's events are kept; the second's continue the same sequence.
    assert after[: len(events)] == events
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    assert [e["data"].get("line") for e in after if e["type"] == "output"] == [
        "first-worker",
        "second-worker",
    ]
    assert await _reap_later(app, settings) == []  # a finished run is never reaped again


async def test_a_dead_run_that_was_asked_to_cancel_ends_cancelled_not_requeued(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    run_id = await _queued_run(client, app, settings)
    await _claim(app, run_id, "doomed-worker")
    async with app.state.db.session() as session:
        await service.request_cancel(session, await service.get_run(session, run_id, lock=True))

    [reaped] = await _reap_later(app, settings)
    run, _ = await _run_and_events(app, run_id)
    assert (reaped.status, reaped.requeued) == (RunState.CANCELLED, None)
    assert (run.status, run.attempts) == ("cancelled", 1)
    assert run.reason is not None
    assert run.reason.startswith("cancelled; the worker doomed-worker stopped sending heartbeats")


async def test_a_queued_run_no_worker_took_ends_as_error(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    run_id = await _queued_run(client, app, settings)
    later = utcnow() + timedelta(seconds=settings.run_queue_timeout_seconds + 1)
    async with app.state.db.session() as session:
        [reaped] = await service.reap_dead_runs(session, settings, now=later)
    run, _ = await _run_and_events(app, run_id)
    assert (reaped.status, reaped.requeued) == (RunState.ERROR, None)
    assert (run.status, run.attempts) == ("error", 0)
    assert run.reason == (
        f"no worker picked the run up within {settings.run_queue_timeout_seconds:g}s; "
        "its job was lost"
    )


async def test_a_run_whose_worker_beat_past_its_time_limit_ends_timed_out_not_requeued(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    run_id = await _queued_run(client, app, settings)
    await _claim(app, run_id, "stuck-worker")
    async with app.state.db.session() as session:
        run = await service.get_run(session, run_id, lock=True)
        limit = service.run_time_limit(run, settings)
        assert run.started_at is not None
        # Its last heartbeat came after the job's limit: the hard limit killed the worker.
        run.heartbeat_at = run.started_at + timedelta(seconds=limit + 5)
        last = run.heartbeat_at

    later = last + timedelta(seconds=settings.run_heartbeat_timeout_seconds + 1)
    async with app.state.db.session() as session:
        [reaped] = await service.reap_dead_runs(session, settings, now=later)
    run, events = await _run_and_events(app, run_id)
    assert (reaped.status, reaped.requeued) == (RunState.TIMED_OUT, None)
    assert (run.status, run.attempts) == ("timed_out", 1)
    assert run.reason is not None
    assert run.reason.startswith(
        f"the job's time limit ({limit:g}s) was reached and the worker stuck-worker stopped "
        "sending heartbeats"
    )
    assert "not re-queued" in run.reason
    assert events[-1]["data"] == {**events[-1]["data"], "status": "timed_out"}


async def test_an_embedded_server_starting_ends_the_runs_its_previous_process_left(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    from backend.runs.jobs import end_runs_of_a_stopped_server

    interrupted = await _queued_run(client, app, settings)
    await _claim(app, interrupted, service.EMBEDDED_WORKER)
    never_started = await _queued_run(client, app, settings)
    on_celery = await _queued_run(client, app, settings)
    await _claim(app, on_celery, "celery@elsewhere")  # the reaper's business, not this

    ended = await asyncio.to_thread(end_runs_of_a_stopped_server, settings)

    assert sorted(ended) == sorted([interrupted, never_started])
    run, events = await _run_and_events(app, interrupted)
    assert run.status == "error"
    assert run.reason == (
        "the embedded server (testable up) stopped while the run was going; "
        "events recorded until then are kept"
    )
    assert [e["data"].get("line") for e in events if e["type"] == "output"] == ["in-process"]
    run, _ = await _run_and_events(app, never_started)
    assert (run.status, run.reason) == (
        "error",
        "the embedded server (testable up) stopped before the run started",
    )
    run, _ = await _run_and_events(app, on_celery)
    assert run.status == "running"
    assert await asyncio.to_thread(end_runs_of_a_stopped_server, settings) == []


async def test_a_hard_time_limit_before_the_tests_ends_the_run_timed_out(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    """``workers.tasks.end_at_hard_time_limit`` (the Celery main process's callback) for a
    run stuck before pytest started: no test process to kill, the run still ends."""
    from workers.tasks import end_at_hard_time_limit

    run_id = await _queued_run(client, app, settings)
    await _claim(app, run_id, "celery@stuck")

    assert await end_at_hard_time_limit(str(run_id), 120, settings)
    run, events = await _run_and_events(app, run_id)
    assert (run.status, run.reason) == (
        "timed_out",
        "the job's hard time limit (120s) was reached: the run did not stop after the soft "
        "stop, so the worker process was killed. Events recorded until then are kept; "
        "pytest wrote no report, so there are no test results.",
    )
    assert events[-1]["data"]["status"] == "timed_out"
    assert not await end_at_hard_time_limit(str(run_id), 120, settings)  # ended already
