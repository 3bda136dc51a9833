"""Runs: create, list, read, cancel, re-run failures, record events and results, reap runs
whose worker died, delete old runs. Services never commit; the caller's unit of work does.

Every status change goes through ``_move`` (the state machine in ``states.py``) and adds a
``run_status`` event, so the event stream alone tells a watcher how the run ended.
Rows that several processes change (the worker, the api's cancel, the reaper) are read
with ``FOR UPDATE`` (PostgreSQL; SQLite serialises writers anyway), which also makes the
per-run event sequence gap-free and unique.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cache import rates
from backend.config import Settings
from backend.events.messages import STATUS_EVENT, EventMessage
from backend.events.messages import event_message as build_message
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.kit.time import utcnow
from backend.projects.models import Project
from backend.runs.models import Run, RunArtifact, RunEventRecord, RunTest
from backend.runs.schemas import RunOptions, Selection, Trigger
from backend.runs.states import TERMINAL, RunState, check_transition

PHASE_EVENT = "phase"


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict[str, Any]
    ts: float = field(default_factory=time.time)


def event_message(run: Run, seq: int, event: NewEvent) -> EventMessage:
    """The shape of an event on the bus, on WebSockets and in ``GET .../events``."""
    return build_message(
        run_id=run.id,
        project_id=run.project_id,
        seq=seq,
        type=event.type,
        data=event.data,
        ts=event.ts,
    )


def record_message(record: RunEventRecord, project_id: uuid.UUID) -> EventMessage:
    return build_message(
        run_id=record.run_id,
        project_id=project_id,
        seq=record.seq,
        type=record.type,
        data=record.payload.get("data", {}),
        ts=record.payload.get("ts", record.at.timestamp()),
    )


# --------------------------------------------------------------------------- create


async def create_run(
    session: AsyncSession,
    project: Project,
    *,
    settings: Settings,
    trigger: Trigger = Trigger.MANUAL,
    branch: str | None = None,
    commit: str | None = None,
    pr_number: int | None = None,
    selection: Selection | None = None,
    options: RunOptions | None = None,
    extra_args: Sequence[str] = (),
    working_copy: bool = False,
    created_by: uuid.UUID | None = None,
    rerun_of: uuid.UUID | None = None,
) -> tuple[Run, list[EventMessage]]:
    """A queued run and its first event's message; after the transaction commits the
    caller enqueues the run and publishes the message."""
    options = options or RunOptions()
    if options.timeout is not None and options.timeout > settings.run_max_timeout_seconds:
        message = f"at most {settings.run_max_timeout_seconds:g} seconds"
        raise Unprocessable(
            f"options.timeout: {message}",
            details=[{"field": "options.timeout", "message": message}],
        )
    stored_options = options.model_dump()
    stored_options["timeout"] = options.timeout or settings.run_default_timeout_seconds
    if extra_args:
        stored_options["extra_args"] = list(extra_args)
    if working_copy:  # `testable run PATH`: the files as they are, not the last commit
        stored_options["working_copy"] = True
    run = Run(
        id=uuid.uuid4(),
        project_id=project.id,
        trigger=trigger.value,
        branch=branch or (None if commit else project.default_branch),
        commit_sha=commit,
        pr_number=pr_number,
        status=RunState.QUEUED.value,
        selection=(selection or Selection()).model_dump(),
        options=stored_options,
        task_id=str(uuid.uuid4()),
        created_by_id=created_by,
        rerun_of_id=rerun_of,
        queued_at=utcnow(),
    )
    session.add(run)
    await session.flush()
    return run, await add_events(session, run, [_status_event(run)])


def run_time_limit(run: Run, settings: Settings) -> float:
    """The whole job's limit: checkout and install, then the suite's own timeout."""
    timeout = float(run.options.get("timeout") or settings.run_default_timeout_seconds)
    return timeout + settings.checkout_timeout_seconds + settings.install_timeout_seconds + 60


# --------------------------------------------------------------------------- read


async def get_run(session: AsyncSession, run_id: uuid.UUID, *, lock: bool = False) -> Run:
    run = await session.get(Run, run_id, with_for_update=lock, populate_existing=lock)
    if run is None:
        raise NotFound("No such run.")
    return run


async def run_project(session: AsyncSession, run: Run) -> Project:
    project = await session.get(Project, run.project_id)
    if project is None:  # the foreign key cascades, so only a race gets here
        raise NotFound("No such run.")
    return project


async def list_runs(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    status: RunState | None = None,
    branch: str | None = None,
    trigger: Trigger | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Run], int]:
    conditions = [Run.project_id == project_id]
    if status is not None:
        conditions.append(Run.status == status.value)
    if branch is not None:
        conditions.append(Run.branch == branch)
    if trigger is not None:
        conditions.append(Run.trigger == trigger.value)
    total = await session.scalar(select(func.count()).select_from(Run).where(*conditions))
    rows = await session.scalars(
        select(Run)
        .where(*conditions)
        .order_by(Run.created_at.desc(), Run.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def run_tests(session: AsyncSession, run_id: uuid.UUID) -> list[RunTest]:
    rows = await session.scalars(
        select(RunTest).where(RunTest.run_id == run_id).order_by(RunTest.node_id)
    )
    return list(rows)


async def run_artifacts(session: AsyncSession, run_id: uuid.UUID) -> list[RunArtifact]:
    rows = await session.scalars(
        select(RunArtifact).where(RunArtifact.run_id == run_id).order_by(RunArtifact.path)
    )
    return list(rows)


async def get_artifact(
    session: AsyncSession, run_id: uuid.UUID, artifact_id: uuid.UUID
) -> RunArtifact:
    artifact = await session.get(RunArtifact, artifact_id)
    if artifact is None or artifact.run_id != run_id:
        raise NotFound("No such artifact in this run.")
    return artifact


def artifact_file(artifacts_dir: Path, artifact: RunArtifact) -> Path:
    """The artifact's file; 404 when it is gone or its stored path leaves the root."""
    root = artifacts_dir.resolve()
    path = (root / artifact.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("The artifact's file is no longer stored.", code="artifact_missing")
    return path


async def events_after(
    session: AsyncSession, run: Run, after: int = 0, limit: int = 10_000
) -> list[EventMessage]:
    rows = await session.scalars(
        select(RunEventRecord)
        .where(RunEventRecord.run_id == run.id, RunEventRecord.seq > after)
        .order_by(RunEventRecord.seq)
        .limit(limit)
    )
    return [record_message(row, run.project_id) for row in rows]


# --------------------------------------------------------------------------- events


async def add_events(
    session: AsyncSession, run: Run, events: Iterable[NewEvent]
) -> list[EventMessage]:
    """Store events with the next sequence numbers; returns their messages (publish them
    after the commit). ``run`` must have been read in this transaction (locked when
    another process may write events of the same run)."""
    messages = []
    for event in events:
        run.last_seq += 1
        session.add(
            RunEventRecord(
                run_id=run.id,
                seq=run.last_seq,
                type=event.type,
                payload={"data": event.data, "ts": event.ts},
                at=utcnow(),
            )
        )
        messages.append(event_message(run, run.last_seq, event))
    await session.flush()
    return messages


def _status_event(run: Run) -> NewEvent:
    return NewEvent(
        STATUS_EVENT,
        {
            "status": run.status,
            "reason": run.reason,
            "counts": counts_of(run),
            "worker": run.worker,
        },
    )


def counts_of(run: Run) -> dict[str, int]:
    return {
        "total": run.total,
        "passed": run.passed,
        "failed": run.failed,
        "errors": run.errors,
        "skipped": run.skipped,
        "flaky": run.flaky,
    }


async def _move(
    session: AsyncSession, run: Run, target: RunState, reason: str | None = None
) -> list[EventMessage]:
    """Change the status (or ``InvalidTransition``) and record the ``run_status`` event."""
    check_transition(run.status, target)
    run.status = target.value
    now = utcnow()
    if target is RunState.RUNNING:
        run.started_at = now
        run.heartbeat_at = now
        run.reason = None
    elif target is RunState.QUEUED:
        run.queued_at = now
        run.worker = None
        run.heartbeat_at = None
        run.reason = reason
    else:
        run.reason = reason
        run.finished_at = now
        if run.started_at is not None:
            run.duration = (now - run.started_at).total_seconds()
    return await add_events(session, run, [_status_event(run)])


# --------------------------------------------------------------------------- worker side


async def claim_run(
    session: AsyncSession, run_id: uuid.UUID, *, worker: str
) -> tuple[Run, list[EventMessage]] | None:
    """queued -> running for this worker; None when the run is not queued any more
    (cancelled while waiting, finished, or already taken)."""
    run = await session.get(Run, run_id, with_for_update=True, populate_existing=True)
    if run is None or run.status != RunState.QUEUED.value:
        return None
    run.worker = worker
    run.attempts += 1
    messages = await _move(session, run, RunState.RUNNING)
    return run, messages


async def beat(session: AsyncSession, run_id: uuid.UUID) -> bool:
    """Record that the worker is alive; True when a cancel was requested."""
    run = await session.get(Run, run_id, with_for_update=True, populate_existing=True)
    if run is None:
        return True
    run.heartbeat_at = utcnow()
    return run.cancel_requested or run.status != RunState.RUNNING.value


async def cancel_requested(session: AsyncSession, run_id: uuid.UUID) -> bool:
    requested = await session.scalar(select(Run.cancel_requested).where(Run.id == run_id))
    return bool(requested) if requested is not None else True


@dataclass(frozen=True)
class TestRecord:
    __test__ = False

    node_id: str
    outcome: str
    duration: float
    error_message: str | None
    traceback: str | None
    retries: int
    flaky: bool
    steps: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactRecord:
    kind: str
    path: str  # relative to the artifacts root
    content_type: str
    size: int


def cache_statistics(tests: Sequence[TestRecord]) -> dict[str, Any]:
    """How the run's browser steps were resolved, from each step's cache decision; the hit
    rate as ``backend.cache.rates`` defines it (hits over lookups, navigation excluded)."""
    decisions: Counter[str] = Counter()
    resolver_calls = 0
    resolvers: set[str] = set()
    for test in tests:
        for step in test.steps:
            decisions[str(step.get("decision", "unknown"))] += 1
            calls = step.get("resolver_calls")
            resolver_calls += calls if isinstance(calls, int) else 0
            if isinstance(step.get("resolver"), str):
                resolvers.add(step["resolver"])
    hit_count, lookup_count = rates.hits(decisions), rates.lookups(decisions)
    rate = rates.hit_rate(hit_count, lookup_count)
    return {
        "steps": sum(decisions.values()),
        "lookups": lookup_count,
        "decisions": dict(decisions),
        "cache_hits": hit_count,
        "heals": decisions["healed"],
        "resolver_calls": resolver_calls,
        # Which resolvers decided steps ("local" is the offline one), for the dashboard's
        # words: "resolver: offline", not "asked the AI", when no model was involved.
        "resolvers": sorted(resolvers),
        "hit_rate": round(rate, 4) if rate is not None else None,
    }


async def finish_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    status: RunState,
    reason: str | None,
    tests: Sequence[TestRecord] = (),
    artifacts: Sequence[ArtifactRecord] = (),
    counts: dict[str, int] | None = None,
) -> tuple[Run, list[EventMessage]]:
    """Store results and artifacts, then the final status. Results are stored even when the
    run was finished meanwhile (the reaper gave up on it): nothing recorded is lost."""
    run = await get_run(session, run_id, lock=True)
    for test in tests:
        session.add(
            RunTest(
                run_id=run.id,
                node_id=test.node_id,
                outcome=test.outcome,
                duration=test.duration,
                error_message=test.error_message,
                traceback=test.traceback,
                retries=test.retries,
                flaky=test.flaky,
                steps=test.steps,
                meta=test.meta,
            )
        )
    for artifact in artifacts:
        session.add(
            RunArtifact(
                run_id=run.id,
                kind=artifact.kind,
                path=artifact.path,
                content_type=artifact.content_type,
                size=artifact.size,
            )
        )
    if counts is not None:
        for name in ("total", "passed", "failed", "errors", "skipped", "flaky"):
            setattr(run, name, int(counts.get(name, 0)))
    if tests:
        run.cache_stats = cache_statistics(tests)
    if RunState(run.status).terminal:
        return run, []
    return run, await _move(session, run, status, reason)


async def set_checkout(
    session: AsyncSession, run_id: uuid.UUID, *, commit_sha: str | None, branch: str | None
) -> None:
    run = await get_run(session, run_id)
    if commit_sha:
        run.commit_sha = commit_sha
    if branch and not run.branch:
        run.branch = branch


# --------------------------------------------------------------------------- api side


async def request_cancel(session: AsyncSession, run: Run) -> list[EventMessage]:
    """A queued run is cancelled at once; a running one is asked to stop (its worker sees
    the flag within a second and stops pytest). 409 when the run already finished."""
    if RunState(run.status).terminal:
        raise Conflict(
            f"The run already finished ({run.status}).",
            code="run_finished",
            details={"status": run.status},
        )
    run.cancel_requested = True
    if run.status == RunState.QUEUED.value:
        return await _move(session, run, RunState.CANCELLED, "cancelled before it started")
    return []


async def rerun_failed(
    session: AsyncSession, run: Run, project: Project, *, settings: Settings, user_id: uuid.UUID
) -> tuple[Run, list[EventMessage]]:
    if not RunState(run.status).terminal:
        raise Conflict("The run has not finished yet.", code="run_not_finished")
    failing = await session.scalars(
        select(RunTest.node_id)
        .where(RunTest.run_id == run.id, RunTest.outcome.in_(["failed", "error"]))
        .order_by(RunTest.node_id)
    )
    node_ids = list(failing)
    if not node_ids:
        raise Conflict("The run has no failed tests to re-run.", code="nothing_to_rerun")
    options = RunOptions.model_validate(
        {k: v for k, v in run.options.items() if k in RunOptions.model_fields}
    )
    return await create_run(
        session,
        project,
        settings=settings,
        trigger=Trigger(run.trigger),
        branch=run.branch,
        commit=run.commit_sha,
        pr_number=run.pr_number,
        selection=Selection(node_ids=node_ids),
        options=options,
        extra_args=run.options.get("extra_args", ()),
        working_copy=bool(run.options.get("working_copy")),
        created_by=user_id,
        rerun_of=run.id,
    )


async def set_pinned(session: AsyncSession, run: Run, pinned: bool) -> Run:
    run.pinned = pinned
    return run


# --------------------------------------------------------------------------- reaper


# A run whose worker died is tried this many times in all: re-queued once, then given up.
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class RequeuedJob:
    task_id: str
    time_limit: float


@dataclass(frozen=True)
class ReapedRun:
    """A run the reaper changed: ended (``requeued`` None) or put back in the queue, in
    which case the caller enqueues ``requeued`` after the commit."""

    run_id: uuid.UUID
    messages: list[EventMessage]
    status: RunState
    requeued: RequeuedJob | None = None


async def reap_dead_runs(
    session: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> list[ReapedRun]:
    """Runs whose heartbeat stopped (their worker died) are re-queued once, as a new job
    whose events continue the run's sequence; a second death, or a death after a cancel
    request, ends them. Queued runs whose job never reached a worker end as ``error``.
    What they recorded stays."""
    now = now or utcnow()
    dead_before = now - timedelta(seconds=settings.run_heartbeat_timeout_seconds)
    lost_before = now - timedelta(seconds=settings.run_queue_timeout_seconds)
    candidates = await session.scalars(
        select(Run.id).where(
            or_(
                (Run.status == RunState.RUNNING.value)
                & (func.coalesce(Run.heartbeat_at, Run.started_at) < dead_before),
                (Run.status == RunState.QUEUED.value) & (Run.queued_at < lost_before),
            )
        )
    )
    reaped = []
    for run_id in list(candidates):
        run = await get_run(session, run_id, lock=True)
        if run.status == RunState.RUNNING.value:
            last = run.heartbeat_at or run.started_at
            if last is None or last >= dead_before:
                continue  # it beat again since we looked
            reaped.append(await _reap_dead_worker(session, run, last, settings))
        elif run.status == RunState.QUEUED.value and run.queued_at < lost_before:
            reason = (
                f"no worker picked the run up within "
                f"{settings.run_queue_timeout_seconds:g}s; its job was lost"
            )
            messages = await _move(session, run, RunState.ERROR, reason)
            reaped.append(ReapedRun(run.id, messages, RunState.ERROR))
    return reaped


async def _reap_dead_worker(
    session: AsyncSession, run: Run, last: datetime, settings: Settings
) -> ReapedRun:
    died = (
        f"the worker {run.worker or '(unknown)'} stopped sending heartbeats "
        f"(last at {last.isoformat(timespec='seconds')}); it probably died"
    )
    if run.cancel_requested:
        reason = f"cancelled; {died} before the tests stopped. Recorded events are kept."
        messages = await _move(session, run, RunState.CANCELLED, reason)
        return ReapedRun(run.id, messages, RunState.CANCELLED)
    limit = run_time_limit(run, settings)
    if run.started_at is not None and (last - run.started_at).total_seconds() >= limit:
        # Beating until past the job's limit: the hard time limit killed the worker (a test
        # that hung through the soft stop). Another attempt would hang the same way.
        reason = (
            f"the job's time limit ({limit:g}s) was reached and {died}"
            "; not re-queued. Events recorded until then are kept."
        )
        messages = await _move(session, run, RunState.TIMED_OUT, reason)
        return ReapedRun(run.id, messages, RunState.TIMED_OUT)
    if run.attempts < MAX_ATTEMPTS:
        # A new task id: the dead job's message may still be redelivered by the broker
        # (acks_late); it then finds the run claimed or finished and does nothing.
        run.task_id = str(uuid.uuid4())
        reason = (
            f"attempt {run.attempts}: {died}. Re-queued once; "
            "the events of the first attempt are kept."
        )
        messages = await _move(session, run, RunState.QUEUED, reason)
        job = RequeuedJob(task_id=run.task_id, time_limit=run_time_limit(run, settings))
        return ReapedRun(run.id, messages, RunState.QUEUED, requeued=job)
    reason = (
        f"the run's worker died twice (attempt {run.attempts}: {died}); not re-queued "
        "again. Events and results recorded until then are kept."
    )
    messages = await _move(session, run, RunState.ERROR, reason)
    return ReapedRun(run.id, messages, RunState.ERROR)


async def end_at_hard_time_limit(
    session: AsyncSession, run_id: uuid.UUID, reason: str
) -> list[EventMessage]:
    """A running run whose worker process was killed at the job's hard time limit ends
    ``timed_out`` (no one else would end it; the reaper would take it for a dead worker).
    Nothing when it ended meanwhile. Its events stay; returns the status event to publish."""
    run = await get_run(session, run_id, lock=True)
    if run.status != RunState.RUNNING.value:
        return []
    return await _move(session, run, RunState.TIMED_OUT, reason)


# The worker name of runs executed by an embedded server's in-process dispatcher.
EMBEDDED_WORKER = "in-process"


async def end_runs_of_a_stopped_server(session: AsyncSession) -> list[uuid.UUID]:
    """Embedded mode, when the server starts: the runs its previous process was executing,
    or had queued for its in-process worker, died with that process. Without Celery beat
    there is no reaper, so they end ``error`` here with a reason; their events stay."""
    candidates = await session.scalars(
        select(Run.id).where(
            ((Run.status == RunState.RUNNING.value) & (Run.worker == EMBEDDED_WORKER))
            | (Run.status == RunState.QUEUED.value)
        )
    )
    ended = []
    for run_id in list(candidates):
        run = await get_run(session, run_id, lock=True)
        if run.status == RunState.RUNNING.value and run.worker == EMBEDDED_WORKER:
            reason = (
                "the embedded server (testable up) stopped while the run was going; "
                "events recorded until then are kept"
            )
        elif run.status == RunState.QUEUED.value:
            reason = "the embedded server (testable up) stopped before the run started"
        else:
            continue
        await _move(session, run, RunState.ERROR, reason)
        ended.append(run.id)
    return ended


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class CleanupResult:
    run_ids: list[uuid.UUID]
    folders: list[Path]


async def cleanup_old_runs(
    session: AsyncSession,
    settings: Settings,
    *,
    now: datetime | None = None,
    days: int | None = None,
) -> CleanupResult:
    """Delete finished, unpinned runs older than the retention period (their tests,
    artifacts and events cascade). The caller removes ``folders`` after the commit
    (``delete_run_folders``), so a failed commit never leaves rows without files."""
    cutoff = (now or utcnow()) - timedelta(days=days or settings.run_retention_days)
    ids = list(
        await session.scalars(
            select(Run.id).where(
                Run.status.in_([state.value for state in TERMINAL]),
                Run.pinned.is_(False),
                func.coalesce(Run.finished_at, Run.created_at) < cutoff,
            )
        )
    )
    if ids:
        # Children first: SQLite enforces the cascade only with foreign keys on, and the
        # explicit deletes keep this independent of that.
        for table in (RunTest, RunArtifact, RunEventRecord):
            await session.execute(delete(table).where(table.run_id.in_(ids)))
        await session.execute(delete(Run).where(Run.id.in_(ids)))
    return CleanupResult(
        run_ids=ids, folders=[settings.artifacts_dir / str(run_id) for run_id in ids]
    )


def delete_run_folders(folders: Iterable[Path]) -> int:
    """Remove the runs' artifact folders; returns the bytes freed."""
    freed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        freed += sum(
            f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()
        )
        shutil.rmtree(folder, ignore_errors=True)
    return freed
