"""The sync job: a GitHub-tracked defect's issue is created, retitled, relabelled, closed or
reopened after the transaction that changed the defect committed (``backend.outbox``).

The job reads the defect as it is now (not as it was when the job was enqueued), so two
quick changes sync once to the latest state; a defect without an issue gets one first.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
from celery import shared_task
from loguru import logger
from sqlalchemy import or_, update

from backend.config import Settings, get_settings
from backend.db import Database
from backend.defects import issues, service
from backend.defects.models import Defect, DefectStatus, SyncState
from backend.kit.errors import NotFound
from backend.kit.keys import load_keyring
from backend.kit.time import utcnow
from backend.outbox import Job, handler
from backend.outbox.embedded import registry
from backend.repositories.github_app import GitHubNotConfigured, token_for_repository
from backend.repositories.github_client import GitHubClient, GitHubError
from backend.repositories.models import Repository

SYNC_DEFECT_TASK = "testable.sync_defect_issue"
CREATING = SyncState.CREATING.value
CLAIM_EXPIRES = timedelta(minutes=10)
MAX_ERROR_CHARS = 500


def sync_job(defect_id: uuid.UUID) -> Job:
    """One defect's syncs run in order (``serial``): a close never overtakes the create."""
    return Job(
        name=SYNC_DEFECT_TASK,
        args=(str(defect_id),),
        serial=f"defect:{defect_id}",
        key=str(defect_id),
    )


@dataclass(frozen=True)
class _Snapshot:
    tracker: str
    sync_state: str
    repository: Repository | None
    full_name: str | None
    title: str
    body: str
    labels: list[str]
    closed: bool
    issue_number: int | None


async def _snapshot(database: Database, defect_id: uuid.UUID) -> _Snapshot:
    async with database.session(read_only=True) as session:
        defect = await service.get_defect(session, defect_id)
        repository = (
            await session.get(Repository, defect.repository_id)
            if defect.repository_id is not None
            else None
        )
        if repository is not None:
            session.expunge(repository)  # the read-only session rolls back, expiring rows
        return _Snapshot(
            tracker=defect.tracker,
            sync_state=defect.sync_state,
            repository=repository,
            full_name=defect.repository_full_name,
            title=defect.title,
            body=defect.body,
            labels=[str(label) for label in defect.labels],
            closed=defect.status == DefectStatus.CLOSED.value,
            issue_number=defect.issue_number,
        )


async def _record(
    database: Database,
    defect_id: uuid.UUID,
    *,
    issue: issues.Issue | None = None,
    state: SyncState | None = None,
    error: str | None = None,
) -> None:
    async with database.session() as session:
        defect = await service.get_defect(session, defect_id, lock=True)
        if issue is not None:
            defect.issue_number = issue.number
            defect.issue_url = issue.html_url
        if state is not None:
            defect.sync_state = state.value
            defect.sync_error = error[:MAX_ERROR_CHARS] if error else None


async def _claim_creation(database: Database, defect_id: uuid.UUID) -> bool:
    """Only one job files a defect's issue: the one whose conditional update marks it
    ``creating`` (Celery may run two jobs of one defect at once; embedded mode orders
    them). A claim older than ``CLAIM_EXPIRES`` is taken over (its worker died)."""
    async with database.session() as session:
        result = await session.execute(
            update(Defect)
            .where(
                Defect.id == defect_id,
                Defect.issue_number.is_(None),
                or_(Defect.sync_state != CREATING, Defect.updated_at < utcnow() - CLAIM_EXPIRES),
            )
            .values(sync_state=CREATING, updated_at=utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


async def sync_defect(settings: Settings, defect_id: uuid.UUID) -> str:
    """Bring the defect's issue in line with the defect; its final ``sync_state``.

    No database transaction is held while GitHub is called (SQLite has one writer): the
    defect is read, GitHub called, the outcome written. A new issue's number is written
    as soon as GitHub answers, so a failure after it never files a second issue."""
    database = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        try:
            now = await _snapshot(database, defect_id)
        except NotFound:
            return "gone"
        if now.tracker != "github":
            return now.sync_state
        try:
            full_name = now.full_name
            if now.repository is None or not full_name:
                raise GitHubNotConfigured("the defect's repository is no longer connected")
            async with httpx.AsyncClient(timeout=settings.github_timeout_seconds) as http:
                token = await token_for_repository(
                    None,
                    now.repository,
                    settings=settings,
                    keyring=load_keyring(settings),
                    http=http,
                )
                client = GitHubClient(settings.github_api_url, token, http)
                number = now.issue_number
                if number is None:
                    if not await _claim_creation(database, defect_id):
                        # Another job is filing the issue; it syncs the latest state after.
                        return CREATING
                    created = await issues.create_issue(
                        client, full_name, title=now.title, body=now.body, labels=now.labels
                    )
                    await _record(database, defect_id, issue=created)
                    number = created.number
                    sent = now
                    # Changes made while GitHub was filing it (a close, a new title).
                    now = await _snapshot(database, defect_id)
                    unchanged = (now.closed, now.title, now.labels) == (
                        sent.closed,
                        sent.title,
                        sent.labels,
                    )
                    if unchanged:
                        await _record(database, defect_id, state=SyncState.SYNCED)
                        return SyncState.SYNCED.value
                updated = await issues.update_issue(
                    client,
                    full_name,
                    number,
                    title=now.title,
                    labels=now.labels,
                    closed=now.closed,
                )
        except (GitHubError, GitHubNotConfigured) as exc:
            logger.warning("defect {}: syncing its issue failed: {}", defect_id, exc)
            await _record(database, defect_id, state=SyncState.FAILED, error=str(exc))
            return SyncState.FAILED.value
        await _record(database, defect_id, issue=updated, state=SyncState.SYNCED)
        return SyncState.SYNCED.value
    finally:
        await database.dispose()


@shared_task(name=SYNC_DEFECT_TASK, ignore_result=True)
def sync_defect_task(defect_id: str) -> str:
    return asyncio.run(sync_defect(get_settings(), uuid.UUID(defect_id)))


@handler(SYNC_DEFECT_TASK)
async def _sync_in_process(settings: Settings, defect_id: str) -> None:
    await sync_defect(settings, uuid.UUID(defect_id))


def wait_for_sync(defect_id: uuid.UUID | None = None, timeout: float | None = None) -> bool:
    """Block until in-process syncs (of one defect) ended (tests); True when they have."""
    key = str(defect_id) if defect_id is not None else None
    return registry.wait(name=SYNC_DEFECT_TASK, key=key, timeout=timeout)
