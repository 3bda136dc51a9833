"""Workflows: create, change (every change a new version with its diff), list, delete;
queue their runs (webhook events, manual runs, schedules). Services never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from loguru import logger
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.envvars import service as envvars
from backend.events.messages import EventMessage
from backend.kit.errors import Conflict, NotFound, Unprocessable
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow
from backend.projects.models import Project
from backend.repositories.models import Repository
from backend.runs import service as runs
from backend.runs.models import Run
from backend.runs.schemas import RunOptions, Selection, Trigger
from backend.runs.states import ACTIVE, RunState
from backend.workflows.config import WorkflowConfig, config_of, dump_config, parse_config
from backend.workflows.diff import json_diff
from backend.workflows.models import Workflow, WorkflowVersion
from backend.workflows.secrets import merge_kept_secrets, seal_config
from backend.workflows.slots import mark_current_slot_seen
from backend.workflows.triggers import TriggerEvent, matches

RunAndMessages = tuple[Run, list[EventMessage]]


# --------------------------------------------------------------------------- CRUD


def _without_event_triggers(config: dict[str, Any] | None) -> dict[str, Any]:
    """A local repository sends no push or pull-request events: its new workflows start with
    those triggers off (unless the caller set them), instead of on where they never fire."""
    config = dict(config or {})
    triggers = config.get("triggers", {})
    if not isinstance(triggers, dict):
        return config  # the validation names what is wrong with it
    triggers = dict(triggers)
    triggers.setdefault("push", False)
    triggers.setdefault("pull_request", False)
    config["triggers"] = triggers
    return config


async def create_workflow(
    session: AsyncSession,
    repository: Repository,
    *,
    name: str,
    config: dict[str, Any] | None,
    enabled: bool,
    user_id: uuid.UUID | None,
    settings: Settings,
    keyring: KeyRing | None = None,
) -> Workflow:
    if repository.disconnected_at is not None:
        raise Conflict("The repository is disconnected.", code="repository_disconnected")
    if repository.provider == "local":
        config = _without_event_triggers(config)
    config = merge_kept_secrets(config, None, keyring)
    parsed = parse_config(config, max_timeout=settings.run_max_timeout_seconds, prefix="config")
    await _check_name_free(session, repository.id, name)
    workflow = Workflow(
        id=uuid.uuid4(),
        repository_id=repository.id,
        project_id=repository.project_id,
        name=name,
        enabled=enabled,
        config=seal_config(dump_config(parsed), None, keyring),
        version=1,
    )
    session.add(workflow)
    await session.flush()
    diff = json_diff({}, _document(workflow))
    session.add(_version(workflow, diff, user_id))
    await session.flush()
    await mark_current_slot_seen(session, workflow, utcnow())
    return workflow


async def update_workflow(
    session: AsyncSession,
    workflow: Workflow,
    *,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    enabled: bool | None = None,
    user_id: uuid.UUID | None,
    settings: Settings,
    keyring: KeyRing | None = None,
) -> Workflow:
    """Apply the given fields; a new version only when something changed. Secret
    destination settings sent as ``null`` or left out keep their stored values."""
    before = _document(workflow)
    if name is not None and name != workflow.name:
        await _check_name_free(session, workflow.repository_id, name)
        workflow.name = name
    if enabled is not None:
        workflow.enabled = enabled
    if config is not None:
        stored = dict(workflow.config)
        config = merge_kept_secrets(config, stored, keyring)
        parsed = parse_config(config, max_timeout=settings.run_max_timeout_seconds, prefix="config")
        workflow.config = seal_config(dump_config(parsed), stored, keyring)
    diff = json_diff(before, _document(workflow))
    if diff:
        workflow.version += 1
        workflow.updated_at = utcnow()
        session.add(_version(workflow, diff, user_id))
        await session.flush()
        if any(_touches_schedule(change["path"]) for change in diff):
            await mark_current_slot_seen(session, workflow, utcnow())
    return workflow


def _touches_schedule(path: str) -> bool:
    return path == "enabled" or path.startswith("config.triggers.schedule")


def _document(workflow: Workflow) -> dict[str, Any]:
    """What a version diff compares: the name, the switch and the whole config."""
    return {"name": workflow.name, "enabled": workflow.enabled, "config": dict(workflow.config)}


def _version(
    workflow: Workflow, diff: list[dict[str, Any]], user_id: uuid.UUID | None
) -> WorkflowVersion:
    return WorkflowVersion(
        id=uuid.uuid4(),
        workflow_id=workflow.id,
        version=workflow.version,
        config=dict(workflow.config),
        diff=diff,
        changed_by_id=user_id,
        changed_at=utcnow(),
    )


async def _check_name_free(session: AsyncSession, repository_id: uuid.UUID, name: str) -> None:
    taken = await session.scalar(
        select(Workflow.id).where(Workflow.repository_id == repository_id, Workflow.name == name)
    )
    if taken is not None:
        raise Conflict(
            f"A workflow named {name!r} already exists for this repository.",
            code="workflow_exists",
            details={"name": name},
        )


async def get_workflow(session: AsyncSession, workflow_id: uuid.UUID) -> Workflow:
    workflow = await session.get(Workflow, workflow_id)
    if workflow is None:
        raise NotFound("No such workflow.")
    return workflow


async def list_workflows(session: AsyncSession, repository_id: uuid.UUID) -> list[Workflow]:
    rows = await session.scalars(
        select(Workflow).where(Workflow.repository_id == repository_id).order_by(Workflow.name)
    )
    return list(rows)


async def list_versions(session: AsyncSession, workflow_id: uuid.UUID) -> list[WorkflowVersion]:
    rows = await session.scalars(
        select(WorkflowVersion)
        .where(WorkflowVersion.workflow_id == workflow_id)
        .order_by(WorkflowVersion.version.desc())
    )
    return list(rows)


async def delete_workflow(session: AsyncSession, workflow: Workflow) -> None:
    # Its runs stay (workflow_id becomes NULL); versions and schedule slots go with it.
    await session.delete(workflow)
    await session.flush()


# --------------------------------------------------------------------------- queueing runs


@dataclass(frozen=True)
class RunRequest:
    trigger: Trigger
    branch: str | None
    commit: str | None
    pr_number: int | None = None
    info: dict[str, Any] | None = None
    env: dict[str, str] | None = None  # one-off, non-secret overrides (options.env)
    created_by: uuid.UUID | None = None


def run_settings(config: WorkflowConfig) -> tuple[Selection, RunOptions, dict[str, Any]]:
    """The workflow's execution settings as a run's selection and options (plus the
    settings RunOptions has no field for, stored next to them)."""
    execution = config.execution
    selection = Selection(
        test_paths=[execution.test_path] if execution.test_path else [],
        markers=execution.markers,
        keyword=execution.keyword,
    )
    options = RunOptions(
        timeout=float(execution.timeout),
        parallel=execution.max_workers if execution.parallel else None,
        retries=execution.retries,
    )
    extra = {
        "cache": execution.cache,
        "resolver": execution.resolver,
        "environment": config.environment.name,
    }
    return selection, options, extra


async def missing_variables(
    session: AsyncSession, workflow: Workflow, provided: dict[str, str] | None = None
) -> list[str]:
    """Required variables without a value, neither stored nor given for this run."""
    environment = config_of(workflow).environment.name
    missing = await envvars.missing_required(session, workflow, environment)
    return [name for name in missing if name not in (provided or {})]


async def queue_run(
    session: AsyncSession,
    workflow: Workflow,
    project: Project,
    request: RunRequest,
    *,
    settings: Settings,
) -> RunAndMessages:
    """A queued run of ``workflow``. Automatic triggers with missing required variables
    still get a run, ended at once as ``error`` with the names, so the user sees why."""
    config = config_of(workflow)
    selection, options, extra = run_settings(config)
    if request.env:
        options = options.model_copy(update={"env": dict(request.env)})
        options = RunOptions.model_validate(options.model_dump())
    run, messages = await runs.create_run(
        session,
        project,
        settings=settings,
        trigger=request.trigger,
        branch=request.branch,
        commit=request.commit,
        pr_number=request.pr_number,
        selection=selection,
        options=options,
        created_by=request.created_by,
    )
    run.workflow_id = workflow.id
    run.options = {**run.options, **extra}
    run.trigger_info = {"workflow": workflow.name, **(request.info or {})}
    missing = await missing_variables(session, workflow, request.env)
    if missing:
        reason = "missing required environment variables: " + ", ".join(missing)
        _, ended = await runs.finish_run(session, run.id, status=RunState.ERROR, reason=reason)
        messages = messages + ended
    await session.flush()
    return run, messages


async def start_manual_run(
    session: AsyncSession,
    workflow: Workflow,
    project: Project,
    *,
    branch: str | None,
    commit: str | None,
    env: dict[str, str],
    user_id: uuid.UUID,
    settings: Settings,
) -> RunAndMessages:
    config = config_of(workflow)
    if not config.triggers.manual:
        raise Conflict(
            "Manual runs are turned off for this workflow (triggers.manual).",
            code="manual_runs_off",
        )
    if not workflow.enabled:
        raise Conflict("The workflow is disabled.", code="workflow_disabled")
    missing = await missing_variables(session, workflow, env)
    if missing:
        raise Unprocessable(
            "Required environment variables have no value: " + ", ".join(missing),
            code="missing_variables",
            details=[
                {"field": f"env.{name}", "message": "required variable has no value"}
                for name in missing
            ],
        )
    repository = await session.get(Repository, workflow.repository_id)
    request = RunRequest(
        trigger=Trigger.MANUAL,
        branch=branch or (None if commit else _default_branch(repository, project)),
        commit=commit,
        info={"kind": "manual"},
        env=env,
        created_by=user_id,
    )
    return await queue_run(session, workflow, project, request, settings=settings)


def _default_branch(repository: Repository | None, project: Project) -> str | None:
    if repository is not None and repository.default_branch:
        return repository.default_branch
    return project.default_branch


# --------------------------------------------------------------------------- events


async def repositories_for(session: AsyncSession, event: TriggerEvent) -> list[Repository]:
    """Connected repositories the event is about: by GitHub id (it survives renames), else
    by full name — but a name never matches a row that knows another id (a repository
    deleted and created again under the same name is another repository)."""
    conditions = []
    if event.github_repo_id is not None:
        conditions.append(Repository.github_repo_id == event.github_repo_id)
    if event.repository_full_name:
        same_name = func.lower(Repository.full_name) == event.repository_full_name.lower()
        if event.github_repo_id is not None:
            same_name = same_name & Repository.github_repo_id.is_(None)
        conditions.append(same_name)
    if not conditions:
        return []
    rows = await session.scalars(
        select(Repository).where(or_(*conditions), Repository.disconnected_at.is_(None))
    )
    return list(rows)


def _trigger_of(event: TriggerEvent) -> Trigger:
    return Trigger(event.kind)


async def trigger_runs(
    session: AsyncSession, event: TriggerEvent, *, settings: Settings
) -> list[RunAndMessages]:
    queued: list[RunAndMessages] = []
    for repository in await repositories_for(session, event):
        project = await session.get(Project, repository.project_id)
        if project is None:
            continue
        workflows = await session.scalars(
            select(Workflow)
            .where(Workflow.repository_id == repository.id, Workflow.enabled.is_(True))
            .order_by(Workflow.name)
        )
        for workflow in workflows:
            match = matches(config_of(workflow), event, repository.protected_branches)
            if not match.ok:
                logger.debug("workflow {} skips {}: {}", workflow.id, event.kind, match.reason)
                continue
            request = RunRequest(
                trigger=_trigger_of(event),
                branch=event.branch,
                commit=event.commit_sha,
                pr_number=event.pr_number,
                info=event.info(),
            )
            queued.append(await queue_run(session, workflow, project, request, settings=settings))
    return queued


async def cancel_superseded(session: AsyncSession, event: TriggerEvent) -> list[RunAndMessages]:
    """Cancel (queued) or ask to stop (running) older runs of the same workflow on the same
    PR, or on the same branch for pushes, where ``triggers.cancel_superseded`` is on.
    Each run with the messages its cancellation produced: the caller commits, then
    revokes each run's task and publishes the messages (as ``POST /api/runs/{id}/cancel``)."""
    if event.kind not in ("push", "pull_request"):
        return []
    stopped: list[RunAndMessages] = []
    for repository in await repositories_for(session, event):
        workflows = await session.scalars(
            select(Workflow).where(Workflow.repository_id == repository.id)
        )
        ids = [w.id for w in workflows if config_of(w).triggers.cancel_superseded]
        if not ids:
            continue
        same = (
            Run.pr_number == event.pr_number
            if event.kind == "pull_request"
            else (Run.branch == event.branch) & (Run.trigger == Trigger.PUSH.value)
        )
        conditions = [Run.workflow_id.in_(ids), Run.status.in_([s.value for s in ACTIVE]), same]
        if event.commit_sha:  # a redelivered event must not cancel its own runs
            conditions.append(Run.commit_sha != event.commit_sha)
        rows = await session.scalars(select(Run).where(*conditions).with_for_update())
        for run in rows:
            stopped.append((run, await runs.request_cancel(session, run)))
    return stopped
