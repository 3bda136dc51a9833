"""The run function: what a worker does with one run, in embedded and distributed mode.

claim (queued -> running) -> checkout -> isolated environment -> per-run token ->
pytest (``run_pytest``) with only the workflow's variables and ``TESTABLE_RUN_*`` ->
results, artifacts (masked by the runner) -> final status with a reason.

Events are written to the database in small batches and published on the bus *after*
each commit, so a watcher that backfills from the database and listens to the bus sees
every event exactly once. A heartbeat task keeps ``heartbeat_at`` fresh (the reaper's
sign of life) and turns a cancel request into a stop of the test process.

The blocking steps (git, uv, pytest) run in threads; this coroutine stays responsive.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.envvars.service import UndecryptableValue, run_environment
from backend.events.bus import EventBus, get_event_bus
from backend.execution.channel import RunEvent
from backend.execution.checkout import CheckoutError, checkout
from backend.execution.environment import DependencyError, prepare_environment
from backend.execution.masking import Masker
from backend.execution.runner import (
    LocalCache,
    PytestOutcome,
    PytestSpec,
    RunPaths,
    run_pytest,
)
from backend.kit.keys import KeyError_, load_keyring
from backend.outbox import Outbox
from backend.projects.models import Project
from backend.repositories.github_app import token_for_repository
from backend.repositories.github_client import GitHubError
from backend.repositories.models import Repository
from backend.runs import hooks, quarantine, service
from backend.runs.models import Run
from backend.runs.service import ArtifactRecord, NewEvent, TestRecord
from backend.runs.states import RunState
from backend.runs.tokens import issue_run_token, revoke_run_tokens

_FLUSH_SECONDS = 0.1
WORKING_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache"
)
_CANCEL_POLL_SECONDS = 1.0
# Events the project channel carries (a dashboard's list of runs needs no output lines).


class _Stop(Exception):
    """A phase ended the run early: ``state`` and ``reason`` say how."""

    def __init__(self, state: RunState, reason: str) -> None:
        super().__init__(reason)
        self.state = state
        self.reason = reason


@dataclass(frozen=True)
class RunInputs:
    """What the workflow adds to the test process: its variables and which are secret."""

    env: dict[str, str]
    secrets: tuple[str, ...]


async def workflow_inputs(run: Run, database: Database, settings: Settings) -> RunInputs:
    """The run's environment variables (``backend.envvars.service.run_environment``:
    project-wide, then the workflow's, then the run's one-off ``options.env``), decrypted
    here in the worker and nowhere else; the secret ones' values go to the masker."""
    try:
        keyring = await asyncio.to_thread(load_keyring, settings)
        async with database.session(read_only=True) as session:
            environment = await run_environment(session, run, keyring=keyring)
    except (KeyError_, UndecryptableValue) as exc:
        raise _Stop(RunState.ERROR, f"environment variables: {exc}") from exc
    return RunInputs(env=environment.env, secrets=environment.secret_values)


class EventRecorder:
    """Collects events from any thread, stores them in batches, publishes after commit."""

    def __init__(
        self, database: Database, bus: EventBus, run_id: uuid.UUID, settings: Settings
    ) -> None:
        self.database = database
        self.settings = settings
        self.bus = bus
        self.run_id = run_id
        self.loop = asyncio.get_running_loop()
        self._pending: list[NewEvent] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.project_id: uuid.UUID | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    def add(self, event_type: str, data: dict[str, Any], ts: float | None = None) -> None:
        """From the event loop's thread."""
        event = NewEvent(event_type, data) if ts is None else NewEvent(event_type, data, ts)
        self._pending.append(event)
        self._wake.set()

    def add_threadsafe(self, event: RunEvent) -> None:
        """``on_event`` of ``run_pytest`` (called on the pytest thread)."""
        data = dict(event.data)
        if event.source == "runner":
            data.setdefault("source", "runner")
        self.loop.call_soon_threadsafe(self.add, event.type.value, data, event.ts)

    async def flush(self) -> None:
        while self._pending:
            batch = self._pending[:500]
            outbox = Outbox(self.settings, bus=self.bus)
            async with self.database.session() as session:
                run = await service.get_run(session, self.run_id, lock=True)
                outbox.publish(session, await service.add_events(session, run, batch))
            # Only once stored: a failed write keeps the batch for the next try.
            del self._pending[: len(batch)]
            await outbox.flush()

    async def _loop(self) -> None:
        while not self._closed:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # a database hiccup must not lose the run; retry next tick
                logger.exception("run {}: storing events failed; retrying", self.run_id)
            if not self._closed:
                await asyncio.sleep(_FLUSH_SECONDS)

    async def close(self) -> None:
        # Never cancel the loop: a batch being written would be lost with the cancellation.
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self.flush()


async def execute_run(
    run_id: uuid.UUID,
    settings: Settings,
    *,
    worker: str,
    database: Database | None = None,
    bus: EventBus | None = None,
    time_up: threading.Event | None = None,
    time_limit: float | None = None,
) -> RunState | None:
    """Execute a queued run to its end; None when it was not queued any more. Never raises
    for anything the repository or the suite does.

    ``time_up`` is set from outside when the job's time limit (``time_limit`` seconds,
    by default ``service.run_time_limit``) is reached — the Celery task's soft limit: the
    tests are stopped like a cancel, their results kept, and the run ends ``timed_out``."""
    own_database = database is None
    db = database or Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    event_bus = bus or get_event_bus(settings)
    try:
        outbox = Outbox(settings, bus=event_bus)
        async with db.session() as session:
            claimed = await service.claim_run(session, run_id, worker=worker)
            if claimed is not None:
                run, messages = claimed
                outbox.publish(session, messages)
                project = await service.run_project(session, run)
                session.expunge_all()
        if claimed is None:
            logger.info("run {} is not queued any more; nothing to do", run_id)
            return None
        await outbox.flush()
        run.options = await _note_quarantine(db, run)
        hooks.run_started(run_id, settings)  # e.g. a GitHub check in_progress, beside the run
        execution = _Execution(run, project, settings, db, event_bus)
        if time_up is not None:
            execution.time_up = time_up
        if time_limit is not None:
            execution.time_limit = time_limit
        return await execution.execute()
    finally:
        if bus is None:
            await event_bus.close()
        if own_database:
            await db.dispose()


class _Execution:
    def __init__(
        self, run: Run, project: Project, settings: Settings, database: Database, bus: EventBus
    ) -> None:
        self.run = run
        self.project = project
        self.settings = settings
        self.database = database
        self.bus = bus
        self.cancel = threading.Event()
        self.time_up = threading.Event()
        self.time_limit = service.run_time_limit(run, settings)
        self.recorder = EventRecorder(database, bus, run.id, settings)
        self.workdir = settings.data_dir / "work" / str(run.id)
        self.run_dir = settings.artifacts_dir / str(run.id)
        self.masker = Masker([])

    async def execute(self) -> RunState:
        self.recorder.start()
        heartbeat = asyncio.create_task(self._heartbeat())
        outcome: PytestOutcome | None = None
        token: str | None = None
        try:
            try:
                inputs = await workflow_inputs(self.run, self.database, self.settings)
                self.masker = Masker(inputs.secrets)
                source = await self._checkout()
                python = await self._environment(source)
                local_cache = _local_cache(self.run.options)
                # The test process reaches the api's cache with a run token, unless it keeps
                # a local cache (``testable run`` without a server): then it needs none.
                token = None if local_cache else await self._issue_token()
                outcome = await self._pytest(source, python, inputs, token, local_cache)
                state, reason = RunState(outcome.status.value), outcome.reason
                if self.time_up.is_set() and state is RunState.CANCELLED:
                    state, reason = RunState.TIMED_OUT, self._time_limit_reason(reason)
            except _Stop as stop:
                state, reason = stop.state, stop.reason
            except Exception as exc:
                logger.exception("run {} failed inside the worker", self.run.id)
                state = RunState.ERROR
                reason = self.masker.mask(f"internal error in the worker: {exc!r}")
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await self.recorder.close()
        if outcome is not None:
            state, reason = quarantine.counted_status(
                state,
                reason,
                ((t.node_id, t.outcome.value) for t in outcome.tests),
                quarantine.quarantined_of(self.run.options),
            )
        final = await self._finish(state, reason, outcome)
        await hooks.run_finished(self.run.id, self.settings)  # never fails the run
        await self._clean_up(token)
        return final

    # --- phases ----------------------------------------------------------------------

    def _phase(self, name: str, **data: Any) -> None:
        self.recorder.add(service.PHASE_EVENT, {"phase": name, **data})

    def _check_cancel(self) -> None:
        if self.time_up.is_set():
            raise _Stop(RunState.TIMED_OUT, self._time_limit_reason(None, before_tests=True))
        if self.cancel.is_set():
            raise _Stop(RunState.CANCELLED, "the run was cancelled before its tests started")

    def _time_limit_reason(self, stopped: str | None, *, before_tests: bool = False) -> str:
        reason = (
            f"the job's time limit ({self.time_limit:g}s for checkout, install and tests) "
            "was reached"
        )
        if before_tests:
            return f"{reason} before the tests started"
        # The runner stopped pytest as for a cancel: "the run was cancelled while running X".
        where = (stopped or "").removeprefix("the run was cancelled")
        return f"{reason}; the tests were stopped{where} and the results so far are kept"

    async def _checkout(self) -> Path:
        ref = self.run.commit_sha or self.run.branch
        self._phase("checkout", repository=self.project.repository, ref=ref)
        # A re-queued or re-delivered run starts clean: a previous attempt's checkout, its
        # reports (they would be read as this attempt's) and its unread event channel go.
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.workdir.parent.mkdir(parents=True, exist_ok=True)
        if self.run.options.get("working_copy"):
            return await self._copy_working_copy()
        token = await self._clone_token()
        try:
            done = await asyncio.to_thread(
                checkout,
                self.project.repository,
                ref,
                self.workdir,
                token=token,
                timeout=self.settings.checkout_timeout_seconds,
            )
        except CheckoutError as exc:
            raise _Stop(
                RunState.ERROR, self.masker.mask(f"checkout failed ({exc.kind}): {exc.message}")
            ) from exc
        async with self.database.session() as session:
            await service.set_checkout(
                session, self.run.id, commit_sha=done.commit_sha, branch=done.branch
            )
        self._phase("checked_out", commit=done.commit_sha, branch=done.branch)
        self._check_cancel()
        return done.path

    async def _clone_token(self) -> SecretStr | None:
        """For git over HTTPS: the connected GitHub repository's token (its App
        installation's, or its PAT), made here in the worker, never stored with the run."""
        async with self.database.session(read_only=True) as session:
            repository = await session.scalar(
                select(Repository).where(
                    Repository.project_id == self.project.id,
                    Repository.disconnected_at.is_(None),
                )
            )
            if repository is not None:
                session.expunge(repository)
        if (
            repository is None
            or repository.provider != "github"
            or repository.clone_url != self.project.repository
            or not repository.clone_url.startswith(("https://", "http://"))
        ):
            return None
        keyring = await asyncio.to_thread(load_keyring, self.settings)
        try:
            token = await token_for_repository(
                None, repository, settings=self.settings, keyring=keyring
            )
        except GitHubError as exc:
            raise _Stop(
                RunState.ERROR,
                f"checkout failed (auth_failed): no token for {repository.full_name}: {exc}",
            ) from exc
        self.masker = Masker([*self.masker.secrets, token])
        return SecretStr(token)

    async def _copy_working_copy(self) -> Path:
        source = Path(self.project.repository)
        await asyncio.to_thread(_copy_working_copy, source, self.workdir)
        self._phase("checked_out", working_copy=str(source))
        self._check_cancel()
        return self.workdir

    async def _environment(self, source: Path) -> Path:
        dependency_file = self.run.options.get("dependency_file")
        self._phase("environment", dependency_file=dependency_file)
        try:
            environment = await asyncio.to_thread(
                prepare_environment,
                source,
                cache_dir=self.settings.resolved_env_cache_dir,
                dependency_file=dependency_file,
                masker=self.masker,
                timeout=self.settings.install_timeout_seconds,
            )
        except DependencyError as exc:
            raise _Stop(
                RunState.ERROR, self.masker.mask(f"installing dependencies failed: {exc}")
            ) from exc
        self._phase(
            "environment_ready",
            reused=environment.reused,
            dependency_files=list(environment.dependency_files),
        )
        self._check_cancel()
        return environment.python

    async def _issue_token(self) -> str:
        ttl = timedelta(seconds=service.run_time_limit(self.run, self.settings) + 3600)
        async with self.database.session() as session:
            return await issue_run_token(session, str(self.project.id), str(self.run.id), ttl)

    async def _pytest(
        self,
        source: Path,
        python: Path,
        inputs: RunInputs,
        token: str | None,
        local_cache: LocalCache | None,
    ) -> PytestOutcome:
        selection = self.run.selection
        options = self.run.options
        spec = PytestSpec(
            workdir=source,
            python=python,
            run_dir=self.run_dir,
            test_paths=tuple(selection.get("test_paths") or ()),
            markers=selection.get("markers"),
            keyword=selection.get("keyword"),
            node_ids=tuple(selection.get("node_ids") or ()),
            parallel=options.get("parallel"),
            retries=int(options.get("retries") or 0),
            timeout=float(options.get("timeout") or self.settings.run_default_timeout_seconds),
            env=inputs.env,
            secrets=inputs.secrets,
            api_url=None if token is None else self.settings.resolved_run_api_url,
            run_token=None if token is None else SecretStr(token),
            local_cache=local_cache,
            project=str(self.project.id),
            run_id=str(self.run.id),
            # Test progress comes from the TestAble plugin the runner always loads.
            extra_args=tuple(options.get("extra_args", ())),
            sandbox=self.settings.sandbox,
        )
        self._phase("tests", selection=spec.selection())
        return await asyncio.to_thread(
            run_pytest, spec, on_event=self.recorder.add_threadsafe, cancel=self.cancel
        )

    # --- alongside ----------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        """Poll for a cancel every second; write the heartbeat every few seconds."""
        loop = asyncio.get_running_loop()
        last_beat = loop.time()
        while True:
            await asyncio.sleep(min(_CANCEL_POLL_SECONDS, self.settings.run_heartbeat_seconds))
            if self.time_up.is_set() and not self.cancel.is_set():
                logger.info("run {}: the job's time limit was reached", self.run.id)
                self.cancel.set()  # stops pytest the way a cancel does; the end differs
            try:
                if loop.time() - last_beat >= self.settings.run_heartbeat_seconds:
                    async with self.database.session() as session:
                        stop = await service.beat(session, self.run.id)
                    last_beat = loop.time()
                else:
                    async with self.database.session(read_only=True) as session:
                        stop = await service.cancel_requested(session, self.run.id)
            except Exception:  # the database was briefly unreachable; the next tick retries
                logger.exception("run {}: heartbeat failed", self.run.id)
                continue
            if stop and not self.cancel.is_set():
                logger.info("run {}: cancel requested", self.run.id)
                self.cancel.set()

    # --- the end ------------------------------------------------------------------------

    async def _finish(
        self, state: RunState, reason: str | None, outcome: PytestOutcome | None
    ) -> RunState:
        tests: list[TestRecord] = []
        artifacts: list[ArtifactRecord] = []
        counts = None
        if outcome is not None:
            tests = [
                TestRecord(
                    node_id=t.node_id,
                    outcome=t.outcome.value,
                    duration=t.duration,
                    error_message=t.error_message,
                    traceback=t.traceback,
                    retries=t.retries,
                    flaky=t.flaky,
                    steps=t.steps,
                    meta=t.meta,
                )
                for t in outcome.tests
            ]
            artifacts = self._store_artifacts(outcome)
            c = outcome.counts
            counts = {
                "total": c.total,
                "passed": c.passed,
                "failed": c.failed,
                "errors": c.errors,
                "skipped": c.skipped,
                "flaky": c.flaky,
            }
        outbox = Outbox(self.settings, bus=self.bus)
        async with self.database.session() as session:
            run, messages = await service.finish_run(
                session,
                self.run.id,
                status=state,
                reason=reason,
                tests=tests,
                artifacts=artifacts,
                counts=counts,
            )
            await _after_finish(session, run)
            outbox.publish(session, messages)
            final = RunState(run.status)
        await outbox.flush()
        return final

    def _store_artifacts(self, outcome: PytestOutcome) -> list[ArtifactRecord]:
        """Artifacts as paths under the artifacts root; files written into the checkout
        (Playwright's ``test-results``) are moved in first, since the checkout goes."""
        root = self.settings.artifacts_dir.resolve()
        run_dir = self.run_dir.resolve()
        workdir = self.workdir.resolve()
        records = []
        for artifact in outcome.artifacts:
            path = artifact.path.resolve()
            if not path.is_relative_to(run_dir):
                if not path.is_relative_to(workdir):
                    continue
                target = run_dir / "files" / path.relative_to(workdir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
                path = target
            records.append(
                ArtifactRecord(
                    kind=artifact.kind.value,
                    path=str(path.relative_to(root)),
                    content_type=artifact.content_type,
                    size=artifact.size,
                )
            )
        return records

    async def _clean_up(self, token: str | None) -> None:
        # The runner's private folder holds the unmasked channel file and the test
        # process's home: never kept, never served.
        shutil.rmtree(RunPaths(self.run_dir).internal, ignore_errors=True)
        shutil.rmtree(self.workdir, ignore_errors=True)
        if token is not None:
            try:
                async with self.database.session() as session:
                    await revoke_run_tokens(session, str(self.run.id))
            except Exception:  # tokens expire anyway
                logger.exception("run {}: revoking its token failed", self.run.id)


async def _after_finish(session: AsyncSession, run: Run) -> None:
    """The registered after-finish hooks (analytics), in the transaction that finishes the
    run, so whoever sees the run finished sees what they derived from it too; each in a
    savepoint: a failing hook is rolled back alone and the run finishes all the same."""
    for hook in hooks.after_finish_hooks():
        try:
            async with session.begin_nested():
                await hook(session, run)
        except Exception:
            logger.exception("run {}: an after-finish hook failed", run.id)


async def _note_quarantine(database: Database, run: Run) -> dict[str, Any]:
    """The run's options with the tests quarantined now (``quarantine.OPTION``), stored
    with the run (a re-queued run's earlier list is replaced). A failing source is logged
    and every failure counts, as without quarantine: a run never fails because of what
    watches it."""
    try:
        async with database.session(read_only=True) as session:
            found = await hooks.quarantined_tests(session, run.project_id)
    except Exception:
        logger.exception("run {}: reading the quarantined tests failed", run.id)
        found = set()
    if not found and quarantine.OPTION not in run.options:
        return run.options
    options = {k: v for k, v in run.options.items() if k != quarantine.OPTION}
    if found:
        options[quarantine.OPTION] = sorted(found)
    async with database.session() as session:
        stored = await service.get_run(session, run.id)
        stored.options = options
    return options


def _local_cache(options: dict[str, Any]) -> LocalCache | None:
    """The local element cache a ``testable run`` without a server recorded in the run's
    options (``backend.runs.local.local_cache``), if any."""
    local = options.get("local_cache")
    if not isinstance(local, dict):
        return None
    return LocalCache(
        store_url=local["store_url"],
        project=local["project"],
        scope=local["scope"],
        folder=Path(local["folder"]),
    )


def _copy_working_copy(source: Path, dest: Path) -> None:
    if not source.is_dir():
        raise _Stop(RunState.ERROR, f"checkout failed: {source} is not a directory")
    shutil.copytree(source, dest, ignore=WORKING_COPY_IGNORE, symlinks=True)
