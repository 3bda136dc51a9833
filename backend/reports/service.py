"""Reports of a run: build the masked ``RunReport``, deliver it to every destination of the
run's workflow (with retries, backoff and one ``ReportDelivery`` per destination), share
links. Never commits inside a request's session; the delivery functions open their own
short transactions (they run in a worker, between HTTP calls to outside services).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx
from loguru import logger
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.execution.masking import Masker
from backend.kit.errors import NotFound
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow
from backend.projects.models import Project
from backend.reports import registry
from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
    TestLine,
)
from backend.reports.models import ReportDelivery, ReportShare
from backend.runs.models import Run, RunTest
from backend.runs.service import counts_of

Phase = Literal["start", "finish"]
MAX_ERROR_CHARS = 2000
# A finish delivery waits this long for a start hook still talking to the destination, so
# the two never create two objects (e.g. two check runs) for one run.
START_WAIT_SECONDS = 30.0
_START_POLL_SECONDS = 0.5

# "tests/test_shop.py:12: AssertionError" (pytest's long and short formats) and
# 'File "/x/tests/test_shop.py", line 12, in test_add' (native tracebacks).
_PYTEST_LOCATION = re.compile(r"^(?P<file>[^\s:\"][^:\n\"]*\.py):(?P<line>\d+):", re.MULTILINE)
_NATIVE_LOCATION = re.compile(r'File "(?P<file>[^"\n]+\.py)", line (?P<line>\d+)')


# --- building the report -------------------------------------------------------------


def location_of(node_id: str, traceback: str | None) -> tuple[str | None, int | None]:
    """The test's file (repository-relative, from the node id) and the line in that file
    where it failed: the innermost traceback frame in the test's own file, else the
    innermost frame in any repository file."""
    test_file = node_id.split("::", 1)[0] or None
    if not traceback:
        return test_file, None
    frames = [
        (m.start(), m.group("file"), int(m.group("line")))
        for pattern in (_PYTEST_LOCATION, _NATIVE_LOCATION)
        for m in pattern.finditer(traceback)
    ]
    frames.sort()
    if test_file is not None:
        for _, path, line in reversed(frames):
            if path == test_file or path.endswith("/" + test_file):
                return test_file, line
    for _, path, line in reversed(frames):
        if not path.startswith("/") and "site-packages" not in path:
            return path, line
    return test_file, None


def test_line(test: RunTest, masker: Masker) -> TestLine:
    traceback = masker.mask(test.traceback) if test.traceback else None
    file, line = location_of(test.node_id, traceback)
    return TestLine(
        node_id=masker.mask(test.node_id),
        outcome=test.outcome,
        duration=test.duration,
        error_message=masker.mask(test.error_message) if test.error_message else None,
        traceback=traceback,
        flaky=test.flaky,
        file=file,
        line=line,
        steps=[masker.mask_json(step) for step in test.steps if isinstance(step, dict)],
    )


def report_url(settings: Settings, run_id: uuid.UUID) -> str:
    return f"{settings.public_url.rstrip('/')}/reports/{run_id}"


async def run_secrets(session: AsyncSession, run: Run, keyring: KeyRing | None) -> tuple[str, ...]:
    """Secret values of the run's environment (E's ``run_environment``), to mask with."""
    if keyring is None:
        return ()
    try:
        from backend.envvars.service import run_environment
    except ImportError:  # environment variables not built in this tree yet
        return ()
    try:
        environment = await run_environment(session, run, keyring=keyring)
    except Exception:  # a report without masking data would leak nothing new: the runner masked
        logger.exception("run {}: reading its secrets for masking failed", run.id)
        return ()
    return tuple(environment.secret_values)


async def _repository_of(session: AsyncSession, project_id: uuid.UUID) -> Any | None:
    try:
        from backend.repositories.models import Repository
    except ImportError:
        return None
    return (
        await session.execute(select(Repository).where(Repository.project_id == project_id))
    ).scalar_one_or_none()


async def build_report(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    settings: Settings,
    keyring: KeyRing | None = None,
    extra_secrets: Sequence[str] = (),
) -> RunReport:
    """The run as reporters and report pages see it, every string masked."""
    run = await session.get(Run, run_id)
    if run is None:
        raise NotFound("No such run.")
    project = await session.get(Project, run.project_id)
    assert project is not None
    masker = Masker([*await run_secrets(session, run, keyring), *extra_secrets])
    tests = list(
        await session.scalars(
            select(RunTest).where(RunTest.run_id == run_id).order_by(RunTest.node_id)
        )
    )
    repository = await _repository_of(session, run.project_id)
    trigger_info: dict[str, Any] = dict(getattr(run, "trigger_info", None) or {})
    commit_message = trigger_info.get("commit_message")
    return RunReport(
        run_id=run.id,
        project_id=run.project_id,
        project_name=masker.mask(project.name),
        status=run.status,
        trigger=run.trigger,
        branch=masker.mask(run.branch) if run.branch else None,
        commit_sha=run.commit_sha,
        pr_number=run.pr_number,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration=run.duration,
        counts=counts_of(run),
        cache_stats=masker.mask_json(dict(run.cache_stats or {})),
        reason=masker.mask(run.reason) if run.reason else None,
        tests=[test_line(test, masker) for test in tests],
        report_url=report_url(settings, run.id),
        repository_full_name=getattr(repository, "full_name", None),
        repository_id=getattr(repository, "id", None),
        commit_message=masker.mask(str(commit_message)) if commit_message else None,
    )


# --- destinations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """One validated destination of a run: its reporter, its settings and its record key."""

    type: str
    key: str
    reporter: Reporter | None
    settings: BaseModel | None
    error: str | None = None  # why it cannot be delivered (unknown type, bad settings)


async def workflow_destinations(session: AsyncSession, run: Run) -> list[dict[str, Any]] | None:
    """The raw ``reporting.destinations`` of the run's workflow; None without a workflow."""
    workflow_id = getattr(run, "workflow_id", None)
    if workflow_id is None:
        return None
    try:
        from backend.workflows.models import Workflow
    except ImportError:
        return None
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None:
        return []
    reporting = (workflow.config or {}).get("reporting") or {}
    return list(reporting.get("destinations") or [])


def resolve_destinations(raw: Sequence[Any]) -> list[Destination]:
    """Validate each ``{"type", "settings"}`` against the registry; keys stay unique."""
    classes = registry.reporter_classes()
    found: list[Destination] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        kind = str(item.get("type", "")) if isinstance(item, dict) else ""
        values = item.get("settings") if isinstance(item, dict) else None
        cls = classes.get(kind)
        if cls is None:
            found.append(
                Destination(
                    kind or "unknown",
                    f"{kind or 'unknown'}#{index}",
                    None,
                    None,
                    f"unknown destination type {kind!r}",
                )
            )
            continue
        reporter = cls()
        try:
            settings = cls.settings_model.model_validate(values or {})
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) or "settings" for e in exc.errors())
            found.append(
                Destination(kind, f"{kind}#{index}", None, None, f"invalid settings: {fields}")
            )
            continue
        key = reporter.key(settings)[:255]
        if key in seen:  # the same destination twice: deliver once
            continue
        seen.add(key)
        found.append(Destination(kind, key, reporter, settings))
    return found


async def destinations_for_run(
    session: AsyncSession, run: Run, settings: Settings
) -> list[Destination]:
    raw = await workflow_destinations(session, run)
    return resolve_destinations(settings.report_destinations if raw is None else raw)


# --- delivery records -----------------------------------------------------------------


def _state(row: ReportDelivery | None) -> DeliveryState:
    if row is None:
        return DeliveryState()
    return DeliveryState(external_id=row.external_id, attempts=row.attempts, link=row.link)


async def _row(session: AsyncSession, run_id: uuid.UUID, key: str) -> ReportDelivery | None:
    return (
        await session.execute(
            select(ReportDelivery).where(ReportDelivery.run_id == run_id, ReportDelivery.key == key)
        )
    ).scalar_one_or_none()


async def _ensure_row(
    database: Database, run_id: uuid.UUID, destination: Destination
) -> DeliveryState:
    async with database.session() as session:
        row = await _row(session, run_id, destination.key)
        if row is None:
            row = ReportDelivery(
                run_id=run_id,
                destination=destination.type,
                key=destination.key,
                status="pending",
                attempts=0,
            )
            session.add(row)
        return _state(row)


async def _record(
    database: Database,
    run_id: uuid.UUID,
    key: str,
    *,
    status: str | None = None,
    error: str | None = None,
    clear_error: bool = False,
    count_attempt: bool = False,
    result: DeliveryResult | None = None,
) -> DeliveryState:
    async with database.session() as session:
        row = await _row(session, run_id, key)
        if row is None:  # the run was deleted meanwhile
            return DeliveryState()
        if status is not None:
            row.status = status
        if count_attempt:
            row.attempts += 1
        if error is not None:
            row.last_error = error[:MAX_ERROR_CHARS]
        elif clear_error:
            row.last_error = None
        if result is not None:
            if result.external_id is not None:
                row.external_id = result.external_id
            if result.link is not None:
                row.link = result.link
        row.updated_at = utcnow()
        return _state(row)


async def _wait_for_start(database: Database, run_id: uuid.UUID, key: str) -> None:
    """A start hook marks its row ``in_progress`` before calling out; wait until it has
    stored what it made (or gave up), so the finish updates that object."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_WAIT_SECONDS
    while loop.time() < deadline:
        async with database.session(read_only=True) as session:
            row = await _row(session, run_id, key)
            starting = (
                row is not None
                and row.status == "in_progress"
                and row.external_id is None
                and row.updated_at > utcnow() - timedelta(seconds=START_WAIT_SECONDS)
            )
        if not starting:
            return
        await asyncio.sleep(_START_POLL_SECONDS)


# --- delivering -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    base_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.report_delivery_attempts, settings.report_retry_base_seconds)

    def delay(self, attempt: int) -> float:
        """Exponential backoff after the ``attempt``-th failure (1-based)."""
        return float(self.base_seconds * 2 ** (attempt - 1))


def _error_text(exc: BaseException, masker: Masker) -> str:
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, DeliveryError):
        text = f"{type(exc).__name__}: {text}"
    return masker.mask(text)


async def deliver_to(
    database: Database,
    report: RunReport,
    destination: Destination,
    ctx: ReporterContext,
    *,
    phase: Phase,
    policy: RetryPolicy,
    masker: Masker,
) -> str:
    """One destination, one phase, with retries. Returns the final status; never raises."""
    run_id = report.run_id
    try:
        if destination.reporter is None or destination.settings is None:
            if phase == "finish":
                await _ensure_row(database, run_id, destination)
                await _record(
                    database,
                    run_id,
                    destination.key,
                    status="failed",
                    error=destination.error,
                    count_attempt=True,
                )
            return "failed"
        if phase == "start":
            return await _start(database, report, destination, ctx, masker)
        await _ensure_row(database, run_id, destination)
        await _wait_for_start(database, run_id, destination.key)
        for attempt in range(1, policy.attempts + 1):
            state = await _record(
                database, run_id, destination.key, status="in_progress", count_attempt=True
            )
            try:
                result = await destination.reporter.deliver(
                    report, destination.settings, state, ctx
                )
            except Exception as exc:
                retry = attempt < policy.attempts and getattr(exc, "retryable", True)
                partial = None
                if isinstance(exc, DeliveryError) and (exc.external_id or exc.link):
                    partial = DeliveryResult(exc.external_id, exc.link)
                logger.warning(
                    "run {}: delivery to {} failed (attempt {}): {}",
                    run_id,
                    destination.key,
                    attempt,
                    _error_text(exc, masker),
                )
                await _record(
                    database,
                    run_id,
                    destination.key,
                    status="pending" if retry else "failed",
                    error=_error_text(exc, masker),
                    result=partial,
                )
                if not retry:
                    return "failed"
                await asyncio.sleep(policy.delay(attempt))
                continue
            await _record(
                database,
                run_id,
                destination.key,
                status="delivered",
                clear_error=True,
                result=result,
            )
            return "delivered"
    except Exception:  # the database itself failed: log, never fail the run or the others
        logger.exception("run {}: recording the delivery to {} failed", run_id, destination.key)
    return "failed"


async def _start(
    database: Database,
    report: RunReport,
    destination: Destination,
    ctx: ReporterContext,
    masker: Masker,
) -> str:
    """The start hook: one attempt (the finish delivery is the one that must arrive)."""
    assert destination.reporter is not None
    state = await _ensure_row(database, report.run_id, destination)
    if state.external_id is not None:  # already started (a redelivered job)
        return "in_progress"
    await _record(database, report.run_id, destination.key, status="in_progress")
    try:
        result = await destination.reporter.start(report, destination.settings, state, ctx)
    except Exception as exc:
        await _record(
            database,
            report.run_id,
            destination.key,
            status="pending",
            error=f"start: {_error_text(exc, masker)}",
        )
        return "pending"
    await _record(
        database,
        report.run_id,
        destination.key,
        status="in_progress" if result is not None else "pending",
        result=result,
    )
    return "in_progress" if result is not None else "pending"


async def _send_email_via_outbox(
    database: Database, settings: Settings
) -> Callable[[list[str], str, str, str], Awaitable[None]]:
    from backend.email.models import EmailStatus, OutboxMessage
    from backend.email.sender import deliver as deliver_email

    async def send(to: list[str], subject: str, text: str, html: str) -> None:
        uses_resend = settings.resend_api_key is not None
        ids = []
        async with database.session() as session:
            for address in to:
                message = OutboxMessage(
                    id=uuid.uuid4(),
                    to_email=address,
                    from_email=settings.email_from,
                    subject=subject,
                    template="run_report",
                    html=html,
                    text=text,
                    status=EmailStatus.QUEUED if uses_resend else EmailStatus.OUTBOX,
                )
                session.add(message)
                ids.append(message.id)
        if not uses_resend:
            return
        failed = []
        for message_id in ids:
            await deliver_email(database, settings, message_id)
            async with database.session(read_only=True) as session:
                sent = await session.get(OutboxMessage, message_id)
                if sent is not None and sent.status == EmailStatus.FAILED:
                    failed.append(sent.to_email)
        if failed:
            raise DeliveryError(f"Resend refused the e-mail to {', '.join(failed)}")

    return send


def _github_token(
    database: Database, settings: Settings, keyring: KeyRing | None, repository_id: uuid.UUID
) -> Callable[[], Awaitable[str]] | None:
    try:
        from backend.github.app import token_for_repository
        from backend.repositories.models import Repository
    except ImportError:
        return None
    if keyring is None:
        return None
    cached: list[str] = []

    async def token() -> str:
        if not cached:
            async with database.session(read_only=True) as session:
                repository = await session.get(Repository, repository_id)
                if repository is None:
                    raise DeliveryError("the repository was disconnected", retryable=False)
                cached.append(
                    await token_for_repository(
                        session, repository, settings=settings, keyring=keyring
                    )
                )
        return cached[0]

    return token


async def deliver_reports(
    database: Database,
    settings: Settings,
    run_id: uuid.UUID,
    *,
    phase: Phase = "finish",
    keyring: KeyRing | None = None,
    only_key: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> dict[str, str]:
    """Deliver (or start) the run's report to each of its destinations, concurrently; a
    failing destination never stops the others. Returns ``{key: final status}``."""
    async with database.session(read_only=True) as session:
        run = await session.get(Run, run_id)
        if run is None:
            return {}
        destinations = await destinations_for_run(session, run, settings)
        if only_key is not None:
            destinations = [d for d in destinations if d.key == only_key]
            if not destinations:  # removed from the workflow since: say so, never hang pending
                await _mark_unconfigured(database, run_id, only_key)
                return {only_key: "failed"}
        if not destinations:
            return {}
        secret_values = await run_secrets(session, run, keyring)
        report = await build_report(
            session, run_id, settings=settings, keyring=None, extra_secrets=secret_values
        )
    masker = Masker(secret_values)
    own_http = http is None
    client = http or httpx.AsyncClient(timeout=settings.report_http_timeout_seconds)
    try:
        ctx = ReporterContext(
            settings=settings,
            http=client,
            github_token=(
                _github_token(database, settings, keyring, report.repository_id)
                if report.repository_id is not None
                else None
            ),
            send_email=await _send_email_via_outbox(database, settings),
        )
        policy = RetryPolicy.from_settings(settings)
        outcomes = await asyncio.gather(
            *(
                deliver_to(database, report, d, ctx, phase=phase, policy=policy, masker=masker)
                for d in destinations
            )
        )
    finally:
        if own_http:
            await client.aclose()
    return {d.key: outcome for d, outcome in zip(destinations, outcomes, strict=True)}


async def _mark_unconfigured(database: Database, run_id: uuid.UUID, key: str) -> None:
    await _record(
        database,
        run_id,
        key,
        status="failed",
        error="this destination is no longer configured for the run's workflow",
    )


# --- API helpers (request sessions; never commit) --------------------------------------


async def list_deliveries(session: AsyncSession, run_id: uuid.UUID) -> list[ReportDelivery]:
    return list(
        await session.scalars(
            select(ReportDelivery)
            .where(ReportDelivery.run_id == run_id)
            .order_by(ReportDelivery.created_at, ReportDelivery.key)
        )
    )


async def get_delivery(
    session: AsyncSession, run_id: uuid.UUID, delivery_id: uuid.UUID
) -> ReportDelivery:
    row = await session.get(ReportDelivery, delivery_id)
    if row is None or row.run_id != run_id:
        raise NotFound("No such delivery.")
    return row


async def reset_for_redelivery(session: AsyncSession, row: ReportDelivery) -> ReportDelivery:
    """Queue one destination again; its ``external_id`` is kept, so it updates in place."""
    row.status = "pending"
    row.updated_at = utcnow()
    return row


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_share(
    session: AsyncSession, run_id: uuid.UUID, user_id: uuid.UUID | None
) -> tuple[ReportShare, str]:
    """A new share link's row and its token (shown once; only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    share = ReportShare(run_id=run_id, token_hash=_token_hash(token), created_by_id=user_id)
    session.add(share)
    await session.flush()
    return share, token


async def revoke_shares(session: AsyncSession, run_id: uuid.UUID) -> int:
    result = await session.execute(
        update(ReportShare)
        .where(ReportShare.run_id == run_id, ReportShare.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def active_shares(session: AsyncSession, run_id: uuid.UUID) -> list[ReportShare]:
    return list(
        await session.scalars(
            select(ReportShare).where(
                ReportShare.run_id == run_id, ReportShare.revoked_at.is_(None)
            )
        )
    )


async def run_for_share(session: AsyncSession, token: str) -> uuid.UUID:
    """The run a share token opens; 404 for unknown or revoked tokens (same answer)."""
    if not token or len(token) > 200:
        raise NotFound("No such report.")
    share = (
        await session.execute(
            select(ReportShare).where(ReportShare.token_hash == _token_hash(token))
        )
    ).scalar_one_or_none()
    if share is None or share.revoked_at is not None:
        raise NotFound("No such report.")
    return share.run_id
