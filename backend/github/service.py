"""Webhook deliveries: store them once, process them, list them. Never commits.

Storing uses ``INSERT … ON CONFLICT (delivery_id) DO NOTHING RETURNING id`` on both
databases, so two concurrent copies of one delivery cannot both be accepted and neither
sees an error: the one whose insert returned no row is the duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.events.messages import EventMessage
from backend.github.events import (
    Ignore,
    InstallationChange,
    Outcome,
    Pong,
    StartRuns,
    interpret,
)
from backend.github.handlers import handler_for
from backend.github.models import DeliveryStatus, WebhookDelivery
from backend.github.webhooks import DeliverySubject
from backend.kit.errors import NotFound
from backend.kit.time import utcnow
from backend.repositories.models import (
    DISCONNECTED_BY_APP_REMOVAL,
    DISCONNECTED_BY_APP_SUSPENSION,
    DISCONNECTED_BY_APP_UNINSTALL,
    Repository,
)
from backend.runs.models import Run
from backend.workflows.config import config_of
from backend.workflows.models import Workflow
from backend.workflows.service import cancel_superseded, repositories_for, trigger_runs
from backend.workflows.triggers import TriggerEvent, matches

MAX_REASON_CHARS = 1000


@dataclass
class Processed:
    """What processing a delivery did; the caller commits, then enqueues and revokes."""

    delivery: WebhookDelivery | None
    runs: list[Run] = field(default_factory=list)
    messages: list[EventMessage] = field(default_factory=list)
    revoke_task_ids: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- storing


async def record_rejection(
    session: AsyncSession,
    *,
    claimed_delivery_id: str | None,
    event: str | None,
    reason: str,
    http_status: int,
    size_bytes: int,
    signature_ok: bool = False,
) -> WebhookDelivery:
    """A request refused at the door: kept for diagnosis, without its (untrusted) body."""
    delivery = WebhookDelivery(
        delivery_id=None,
        claimed_delivery_id=claimed_delivery_id,
        event=event,
        status=DeliveryStatus.REJECTED.value,
        reason=reason[:MAX_REASON_CHARS],
        http_status=http_status,
        payload=None,
        size_bytes=size_bytes,
        signature_ok=signature_ok,
        run_ids=[],
    )
    session.add(delivery)
    await session.flush()
    return delivery


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def store_delivery(
    session: AsyncSession,
    *,
    delivery_id: str,
    event: str,
    payload: dict[str, Any],
    subject: DeliverySubject,
    size_bytes: int,
    status: DeliveryStatus,
    reason: str | None,
    http_status: int,
) -> WebhookDelivery | None:
    """Store a verified delivery; ``None`` when this delivery id is already stored."""
    now = utcnow()
    values = {
        "id": uuid.uuid4(),
        "delivery_id": delivery_id,
        "claimed_delivery_id": delivery_id,
        "event": event,
        "action": subject.action,
        "status": status.value,
        "reason": reason,
        "http_status": http_status,
        "payload": payload,
        "size_bytes": size_bytes,
        "signature_ok": True,
        "repository_full_name": subject.repository_full_name,
        "github_repo_id": subject.github_repo_id,
        "installation_id": subject.installation_id,
        "received_at": now,
        "processed_at": now if status is not DeliveryStatus.RECEIVED else None,
        "attempts": 0,
        "run_ids": [],
    }
    insert = _insert_for(session)
    statement = (
        insert(WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["delivery_id"])
        .returning(WebhookDelivery.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    if inserted is None:
        return None
    return await session.get(WebhookDelivery, inserted)


# --------------------------------------------------------------------------- processing


async def _claim(session: AsyncSession, delivery_pk: uuid.UUID) -> WebhookDelivery | None:
    """The delivery if it still waits for processing (``FOR UPDATE``: one worker wins)."""
    statement = select(WebhookDelivery).where(WebhookDelivery.id == delivery_pk).with_for_update()
    delivery = (await session.execute(statement)).scalar_one_or_none()
    if delivery is None or delivery.status != DeliveryStatus.RECEIVED.value:
        return None
    return delivery


def _finish(delivery: WebhookDelivery, status: DeliveryStatus, reason: str | None) -> None:
    delivery.status = status.value
    delivery.reason = reason[:MAX_REASON_CHARS] if reason else None
    delivery.processed_at = utcnow()


async def process_delivery(
    session: AsyncSession, delivery_pk: uuid.UUID, *, settings: Settings
) -> Processed:
    """Act on a stored delivery once: queue runs, update repositories, or ignore it."""
    delivery = await _claim(session, delivery_pk)
    if delivery is None:
        return Processed(delivery=None)
    delivery.attempts += 1
    registered = handler_for(delivery.event or "")
    if registered is not None:
        # An event another domain handles (e.g. ``issues`` for defects): see handlers.py.
        handled = await registered(session, delivery.payload or {}, settings)
        status = DeliveryStatus.PROCESSED if handled.processed else DeliveryStatus.IGNORED
        _finish(delivery, status, handled.reason)
        await session.flush()
        return Processed(delivery=delivery)
    outcome = interpret(
        delivery.event or "", delivery.payload or {}, delivery_id=delivery.delivery_id
    )
    return await _apply(session, delivery, outcome, settings=settings)


async def _apply(
    session: AsyncSession, delivery: WebhookDelivery, outcome: Outcome, *, settings: Settings
) -> Processed:
    result = Processed(delivery=delivery)
    if isinstance(outcome, Ignore):
        _finish(delivery, DeliveryStatus.IGNORED, outcome.reason)
    elif isinstance(outcome, Pong):
        _finish(delivery, DeliveryStatus.PROCESSED, "pong")
    elif isinstance(outcome, InstallationChange):
        # A suspension is a detach that the App's unsuspension undoes: the stored action
        # tells it from an uninstall (the interpreted change is the same "detach").
        suspended = delivery.event == "installation" and delivery.action == "suspend"
        changed = await apply_installation_change(session, outcome, suspended=suspended)
        names = ", ".join(sorted(r.full_name or str(r.id) for r in changed)) or "none"
        _finish(
            delivery,
            DeliveryStatus.PROCESSED,
            f"{outcome.reason}; repositories updated: {names}",
        )
    else:
        await _start_runs(session, delivery, outcome, result, settings=settings)
    await session.flush()
    return result


async def _start_runs(
    session: AsyncSession,
    delivery: WebhookDelivery,
    outcome: StartRuns,
    result: Processed,
    *,
    settings: Settings,
) -> None:
    event = outcome.event
    superseded = await cancel_superseded(session, event)
    for cancelled, messages in superseded:
        # After commit: revoked through the dispatcher, the cancellations published live.
        if cancelled.task_id:
            result.revoke_task_ids.append(cancelled.task_id)
        result.messages.extend(messages)
    started = await trigger_runs(session, event, settings=settings)
    for run, messages in started:
        result.runs.append(run)
        result.messages.extend(messages)
    delivery.run_ids = [str(run.id) for run in result.runs]
    where = f"{event.repository_full_name}@{event.branch}"
    if result.runs:
        reason = f"{len(result.runs)} run(s) queued for {where}"
        status = DeliveryStatus.PROCESSED
    else:
        reason = await _why_nothing_matched(session, event)
        status = DeliveryStatus.IGNORED
    if superseded:
        reason += f"; {len(superseded)} superseded run(s) cancelled"
    _finish(delivery, status, reason)


async def _why_nothing_matched(session: AsyncSession, event: TriggerEvent) -> str:
    """Each enabled workflow's reason for skipping the event, for the delivery record."""
    where = f"{event.repository_full_name}@{event.branch}"
    repositories = await repositories_for(session, event)
    if not repositories:
        return f"no connected repository for {event.repository_full_name}"
    reasons: list[str] = []
    for repository in repositories:
        workflows = await session.scalars(
            select(Workflow)
            .where(Workflow.repository_id == repository.id, Workflow.enabled.is_(True))
            .order_by(Workflow.name)
        )
        for workflow in workflows:
            match = matches(config_of(workflow), event, repository.protected_branches)
            reasons.append(f"{workflow.name}: {match.reason}")
    if not reasons:
        return f"no enabled workflow for {where}"
    return f"no workflow matched {event.kind} on {where} (" + "; ".join(reasons) + ")"


async def mark_failed(session: AsyncSession, delivery_pk: uuid.UUID, reason: str) -> None:
    delivery = await session.get(WebhookDelivery, delivery_pk)
    if delivery is not None and delivery.status == DeliveryStatus.RECEIVED.value:
        delivery.attempts += 1
        _finish(delivery, DeliveryStatus.FAILED, reason)


def _repository_filter(refs: Sequence[Any]) -> Any:
    ids = [r.github_repo_id for r in refs if r.github_repo_id is not None]
    names = [r.full_name for r in refs if r.full_name]
    clauses = []
    if ids:
        clauses.append(Repository.github_repo_id.in_(ids))
    if names:
        clauses.append(Repository.full_name.in_(names))
    return or_(*clauses) if clauses else None


async def _of_the_installations_org(
    session: AsyncSession, repositories: list[Repository], installation_id: int
) -> list[Repository]:
    """The rows an installation may be attached to: never across organisations. An event
    names repositories, and another organisation may have connected the same repository
    with its own token; moving it onto this installation would hand it tokens for every
    repository of the installation. Once an organisation uses the installation, only its
    rows are attached; while nobody does, only when all named rows are one organisation's."""
    owners = set(
        await session.scalars(
            select(Repository.org_id).where(Repository.installation_id == installation_id)
        )
    )
    if owners:
        return [r for r in repositories if r.org_id in owners]
    return repositories if len({r.org_id for r in repositories}) <= 1 else []


async def apply_installation_change(
    session: AsyncSession, change: InstallationChange, *, suspended: bool = False
) -> list[Repository]:
    """Attach: connected GitHub repositories named by the change now use the installation.
    Detach: repositories using it lose it; those without a personal access token to fall
    back on are disconnected (soft), which stops their workflows from triggering.

    A suspension (``suspended``) disconnects the same repositories, marked as its doing
    and still naming the installation, so ``restore`` (unsuspend) reconnects exactly those
    (never one a person disconnected)."""
    statement = select(Repository).where(Repository.provider == "github")
    if change.repositories is not None:
        selected = _repository_filter(change.repositories)
        if selected is None:
            return []
        statement = statement.where(selected)
    if change.change == "attach":
        statement = statement.where(Repository.disconnected_at.is_(None))
    elif change.change == "restore":
        statement = statement.where(
            Repository.installation_id == change.installation_id,
            Repository.disconnected_at.is_not(None),
            Repository.disconnect_reason == DISCONNECTED_BY_APP_SUSPENSION,
        )
    else:
        statement = statement.where(Repository.installation_id == change.installation_id)
        if suspended:  # those disconnected earlier stay as they are
            statement = statement.where(Repository.disconnected_at.is_(None))
    repositories = list((await session.execute(statement.with_for_update())).scalars())
    if change.change == "attach":
        repositories = await _of_the_installations_org(
            session, repositories, change.installation_id
        )
    now = utcnow()
    for repository in repositories:
        if change.change == "attach":
            repository.installation_id = change.installation_id
        elif change.change == "restore":
            repository.disconnected_at = None
            repository.disconnect_reason = None
        elif suspended and repository.token_encrypted is None:
            repository.disconnected_at = now
            repository.disconnect_reason = DISCONNECTED_BY_APP_SUSPENSION
        else:
            repository.installation_id = None
            # A suspended one uninstalled (or removed) meanwhile: no unsuspension to wait for.
            waiting = repository.disconnect_reason == DISCONNECTED_BY_APP_SUSPENSION
            if repository.token_encrypted is None and (
                repository.disconnected_at is None or waiting
            ):
                repository.disconnected_at = repository.disconnected_at or now
                repository.disconnect_reason = (
                    DISCONNECTED_BY_APP_UNINSTALL
                    if change.repositories is None
                    else DISCONNECTED_BY_APP_REMOVAL
                )
    return repositories


async def requeue_delivery(session: AsyncSession, delivery: WebhookDelivery) -> WebhookDelivery:
    """Make a processed, ignored or failed delivery wait for the worker again."""
    delivery.status = DeliveryStatus.RECEIVED.value
    delivery.reason = "redelivery requested"
    delivery.processed_at = None
    delivery.run_ids = []
    await session.flush()
    return delivery


# --------------------------------------------------------------------------- listing


def _org_deliveries(org_id: uuid.UUID) -> Select[WebhookDelivery]:
    """Deliveries about the org's repositories (by GitHub id or name), plus repository-less
    ones (installation events) of installations its repositories use. A name matches only
    when one side does not know the GitHub id: a repository deleted and created again under
    the same name (perhaps by someone else) is another repository, whose deliveries are not
    this org's to read (as ``trigger_runs`` decides)."""
    org_repos = select(Repository).where(Repository.org_id == org_id).subquery()
    by_id = WebhookDelivery.github_repo_id.in_(
        select(org_repos.c.github_repo_id).where(org_repos.c.github_repo_id.is_not(None))
    )
    by_name = exists(
        select(org_repos.c.id).where(
            org_repos.c.full_name == WebhookDelivery.repository_full_name,
            or_(WebhookDelivery.github_repo_id.is_(None), org_repos.c.github_repo_id.is_(None)),
        )
    )
    by_installation = (
        WebhookDelivery.github_repo_id.is_(None)
        & WebhookDelivery.repository_full_name.is_(None)
        & WebhookDelivery.installation_id.in_(
            select(org_repos.c.installation_id).where(org_repos.c.installation_id.is_not(None))
        )
    )
    return select(WebhookDelivery).where(or_(by_id, by_name, by_installation))


async def list_org_deliveries(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    status: DeliveryStatus | None,
    event: str | None,
    limit: int,
    offset: int,
) -> tuple[list[WebhookDelivery], int]:
    statement = _org_deliveries(org_id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status.value)
    if event is not None:
        statement = statement.where(WebhookDelivery.event == event)
    total = (
        await session.execute(select(func.count()).select_from(statement.subquery()))
    ).scalar_one()
    page = statement.order_by(WebhookDelivery.received_at.desc(), WebhookDelivery.id)
    items = list((await session.execute(page.limit(limit).offset(offset))).scalars())
    return items, int(total)


async def get_org_delivery(
    session: AsyncSession, org_id: uuid.UUID, delivery_pk: uuid.UUID
) -> WebhookDelivery:
    statement = _org_deliveries(org_id).where(WebhookDelivery.id == delivery_pk)
    delivery = (await session.execute(statement)).scalar_one_or_none()
    if delivery is None:
        raise NotFound("No such delivery.")
    return delivery


# --------------------------------------------------------------------------- retention


async def delete_old_deliveries(session: AsyncSession, before: datetime) -> int:
    """Delete deliveries received before ``before`` (not those still waiting for the
    worker); how many went."""
    result = await session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.received_at < before,
            WebhookDelivery.status != DeliveryStatus.RECEIVED.value,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
