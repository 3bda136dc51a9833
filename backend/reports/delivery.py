"""Delivering a run's report to each destination of its workflow (or of the settings):
validated destinations, one ``ReportDelivery`` per destination, retries with exponential
backoff, idempotent updates through the stored ``external_id``. Runs in a worker (or a
thread in embedded mode) and opens its own short transactions between the HTTP calls.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import httpx
from loguru import logger
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.execution.masking import Masker
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow
from backend.reports import registry
from backend.reports.base import (
    DeliveryError,
    DeliveryResult,
    DeliveryState,
    Reporter,
    ReporterContext,
    RunReport,
)
from backend.reports.models import ReportDelivery, ReportStatus
from backend.reports.report import build_report, run_secrets
from backend.repositories.github_app import token_for_repository
from backend.repositories.models import Repository
from backend.runs.models import Run
from backend.workflows.models import Workflow
from backend.workflows.secrets import reveal_destination_settings, secret_fields

Phase = Literal["start", "finish"]
MAX_ERROR_CHARS = 2000
# A finish delivery waits this long for a start hook still talking to the destination, so
# the two never create two objects (e.g. two check runs) for one run.
START_WAIT_SECONDS = 30.0
_START_POLL_SECONDS = 0.5


# --- destinations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """One validated destination of a run: its reporter, its settings and its record key."""

    type: str
    key: str
    reporter: Reporter | None
    settings: BaseModel | None
    error: str | None = None  # why it cannot be delivered (unknown type, bad settings)


async def workflow_destinations(
    session: AsyncSession, run: Run, keyring: KeyRing | None = None
) -> list[dict[str, Any]] | None:
    """The ``reporting.destinations`` of the run's workflow, secret settings decrypted
    (stored encrypted, see backend.workflows.secrets); None without a workflow."""
    workflow_id = run.workflow_id
    if workflow_id is None:
        return None
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None:
        return []
    reporting = (workflow.config or {}).get("reporting") or {}
    return [
        {**d, "settings": reveal_destination_settings(d.get("settings") or {}, keyring)}
        if isinstance(d, dict)
        else d
        for d in reporting.get("destinations") or []
    ]


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
    session: AsyncSession, run: Run, settings: Settings, keyring: KeyRing | None = None
) -> list[Destination]:
    raw = await workflow_destinations(session, run, keyring)
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
                status=ReportStatus.PENDING,
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
                and row.status == ReportStatus.IN_PROGRESS
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
                    status=ReportStatus.FAILED,
                    error=destination.error,
                    count_attempt=True,
                )
            return ReportStatus.FAILED
        if phase == "start":
            return await _start(database, report, destination, ctx, masker)
        await _ensure_row(database, run_id, destination)
        await _wait_for_start(database, run_id, destination.key)
        for attempt in range(1, policy.attempts + 1):
            state = await _record(
                database,
                run_id,
                destination.key,
                status=ReportStatus.IN_PROGRESS,
                count_attempt=True,
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
                    status=ReportStatus.PENDING if retry else ReportStatus.FAILED,
                    error=_error_text(exc, masker),
                    result=partial,
                )
                if not retry:
                    return ReportStatus.FAILED
                await asyncio.sleep(policy.delay(attempt))
                continue
            await _record(
                database,
                run_id,
                destination.key,
                status=ReportStatus.DELIVERED,
                clear_error=True,
                result=result,
            )
            return ReportStatus.DELIVERED
    except Exception:  # the database itself failed: log, never fail the run or the others
        logger.exception("run {}: recording the delivery to {} failed", run_id, destination.key)
    return ReportStatus.FAILED


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
        return ReportStatus.IN_PROGRESS
    await _record(database, report.run_id, destination.key, status=ReportStatus.IN_PROGRESS)
    try:
        result = await destination.reporter.start(report, destination.settings, state, ctx)
    except Exception as exc:
        await _record(
            database,
            report.run_id,
            destination.key,
            status=ReportStatus.PENDING,
            error=f"start: {_error_text(exc, masker)}",
        )
        return ReportStatus.PENDING
    await _record(
        database,
        report.run_id,
        destination.key,
        status=ReportStatus.IN_PROGRESS if result is not None else ReportStatus.PENDING,
        result=result,
    )
    return ReportStatus.IN_PROGRESS if result is not None else ReportStatus.PENDING


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
        destinations = await destinations_for_run(session, run, settings, keyring)
        if only_key is not None:
            destinations = [d for d in destinations if d.key == only_key]
            if not destinations:  # removed from the workflow since: say so, never hang pending
                await _mark_unconfigured(database, run_id, only_key)
                return {only_key: ReportStatus.FAILED}
        if not destinations:
            return {}
        secret_values = await run_secrets(session, run, keyring)
        report = await build_report(
            session, run_id, settings=settings, keyring=None, extra_secrets=secret_values
        )
    # A destination's own credentials (a Slack webhook URL) must not show in its error text.
    masker = Masker((*secret_values, *_destination_secrets(destinations)))
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


def _destination_secrets(destinations: Sequence[Destination]) -> list[str]:
    values: list[str] = []
    for destination in destinations:
        if destination.settings is None:
            continue
        for name in secret_fields(type(destination.settings)):
            value = getattr(destination.settings, name, None)
            if value is not None and str(value):  # a webhook URL is an HttpUrl, not a str
                values.append(str(value))
    return values


async def _mark_unconfigured(database: Database, run_id: uuid.UUID, key: str) -> None:
    await _record(
        database,
        run_id,
        key,
        status=ReportStatus.FAILED,
        error="this destination is no longer configured for the run's workflow",
    )
