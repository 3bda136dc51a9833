"""``/api/projects/{project_id}/envvars``: list, set, change, delete, import (pasted text,
an uploaded ``.env`` file, names of GitHub Actions secrets), export.

Viewers read, members write; another organisation's project answers 404. A scope is the
project (no ``workflow_id``: every workflow) or one workflow, in one environment.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import httpx
from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth.audit import AuditedSessionDep, AuditTrail, AuditTrailDep
from backend.auth.deps import CurrentUser
from backend.auth.models import User
from backend.config import Settings
from backend.db.deps import DatabaseDep, ReadSessionDep
from backend.envvars import service
from backend.envvars.models import DEFAULT_ENVIRONMENT, EnvVar
from backend.envvars.parser import (
    ParsedVariable,
    ParseResult,
    Problem,
    export_dotenv,
    parse_dotenv,
)
from backend.envvars.schemas import (
    ENVIRONMENT_PATTERN,
    MAX_IMPORT_TEXT,
    MAX_IMPORT_VARIABLES,
    EnvVarCreate,
    EnvVarOut,
    EnvVarUpdate,
    GitHubSecretName,
    GitHubSecretNames,
    ImportBody,
    ImportResult,
    ImportVariableOut,
    ProblemOut,
)
from backend.kit.errors import NotFound, PayloadTooLarge, ServiceUnavailable, Unprocessable
from backend.kit.keys import KeyRing
from backend.orgs.models import Role
from backend.projects.access import project_for
from backend.projects.models import Project
from backend.repositories.github_app import GitHubNotConfigured, client_for_repository
from backend.repositories.github_client import GitHubError
from backend.repositories.models import Repository

router = APIRouter(tags=["envvars"])

WorkflowQuery = Annotated[uuid.UUID | None, Query(description="None: project-wide variables.")]
EnvironmentQuery = Annotated[str, Query(pattern=ENVIRONMENT_PATTERN)]


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _out(variable: EnvVar, keyring: KeyRing) -> EnvVarOut:
    return EnvVarOut(
        id=variable.id,
        project_id=variable.project_id,
        workflow_id=variable.workflow_id,
        environment=variable.environment,
        key=variable.key,
        value=service.visible_value(variable, keyring),
        secret=variable.is_secret,
        created_at=variable.created_at,
        updated_at=variable.updated_at,
    )


def _audit(audit: AuditTrail, action: str, user: User, project: Project, **details: object) -> None:
    """Who changed which variables (names and flags, never values)."""
    audit.record(
        action,
        user_id=user.id,
        org_id=project.org_id,
        details={"project_id": str(project.id), **details},
    )


def _scope_details(variable: EnvVar) -> dict[str, object]:
    return {
        "key": variable.key,
        "secret": variable.is_secret,
        "workflow_id": str(variable.workflow_id) if variable.workflow_id else None,
        "environment": variable.environment,
    }


def _audit_import(
    audit: AuditTrail, user: User, project: Project, result: ImportResult, environment: str
) -> None:
    if result.dry_run:
        return
    changed = [v.key for v in result.variables if v.action in ("create", "update")]
    _audit(audit, "envvar.import", user, project, keys=changed, environment=environment)


async def _check_scope(
    session: AsyncSession, project_id: uuid.UUID, workflow_id: uuid.UUID | None
) -> None:
    if workflow_id is not None:
        await service.workflow_of_project(session, project_id, workflow_id)


@router.get("/api/projects/{project_id}/envvars", response_model=list[EnvVarOut])
async def list_envvars(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    workflow_id: WorkflowQuery = None,
    environment: EnvironmentQuery = DEFAULT_ENVIRONMENT,
) -> list[EnvVarOut]:
    await project_for(database, user, project_id, Role.VIEWER)
    await _check_scope(session, project_id, workflow_id)
    variables = await service.list_variables(
        session, project_id, workflow_id=workflow_id, environment=environment
    )
    keyring = _keyring(request)
    return [_out(v, keyring) for v in variables]


@router.post("/api/projects/{project_id}/envvars", response_model=EnvVarOut)
async def set_envvar(
    project_id: uuid.UUID,
    body: EnvVarCreate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
    response: Response,
) -> EnvVarOut:
    """Create the variable (201) or replace its value in the same scope (200)."""
    project = await project_for(database, user, project_id, Role.MEMBER)
    await _check_scope(session, project_id, body.workflow_id)
    keyring = _keyring(request)
    variable, created = await service.set_variable(
        session,
        project_id,
        workflow_id=body.workflow_id,
        environment=body.environment,
        key=body.key,
        value=body.value,
        is_secret=body.secret,
        keyring=keyring,
    )
    response.status_code = 201 if created else 200
    _audit(
        audit,
        "envvar.create" if created else "envvar.replace",
        user,
        project,
        **_scope_details(variable),
    )
    return _out(variable, keyring)


@router.patch("/api/projects/{project_id}/envvars/{variable_id}", response_model=EnvVarOut)
async def update_envvar(
    project_id: uuid.UUID,
    variable_id: uuid.UUID,
    body: EnvVarUpdate,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> EnvVarOut:
    project = await project_for(database, user, project_id, Role.MEMBER)
    variable = await service.get_variable(session, project_id, variable_id)
    keyring = _keyring(request)
    await service.update_variable(
        session, variable, value=body.value, is_secret=body.secret, keyring=keyring
    )
    _audit(
        audit,
        "envvar.update",
        user,
        project,
        value_changed=body.value is not None,
        **_scope_details(variable),
    )
    return _out(variable, keyring)


@router.delete("/api/projects/{project_id}/envvars/{variable_id}", status_code=204)
async def delete_envvar(
    project_id: uuid.UUID,
    variable_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
) -> Response:
    project = await project_for(database, user, project_id, Role.MEMBER)
    variable = await service.get_variable(session, project_id, variable_id)
    details = _scope_details(variable)
    await service.delete_variable(session, variable)
    _audit(audit, "envvar.delete", user, project, **details)
    return Response(status_code=204)


# --- import --------------------------------------------------------------------------


def _validated(parsed: ParseResult) -> tuple[dict[str, str], dict[str, int], list[Problem]]:
    """Parsed variables that can be stored, their lines, and every problem (the parser's
    and the store's own rules, e.g. names TestAble reserves)."""
    problems = list(parsed.problems)
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    for variable in parsed.variables:
        reason = service.key_problem(variable.key)
        if reason is None and (value_reason := service.value_problem(variable.value)):
            reason = f"{variable.key}: {value_reason}"
        if reason is not None:
            problems.append(Problem(line=variable.line, message=reason, severity="error"))
            continue
        values[variable.key] = variable.value
        lines[variable.key] = variable.line
    problems.sort(key=lambda p: p.line)
    return values, lines, problems


async def _import(
    session: AsyncSession,
    project_id: uuid.UUID,
    parsed: ParseResult,
    *,
    workflow_id: uuid.UUID | None,
    environment: str,
    secret_flags: dict[str, bool],
    overwrite: bool,
    dry_run: bool,
    keyring: KeyRing,
) -> ImportResult:
    await _check_scope(session, project_id, workflow_id)
    values, lines, problems = _validated(parsed)
    problem_out = [
        ProblemOut(line=p.line, message=p.message, severity=p.severity) for p in problems
    ]
    if len(values) > MAX_IMPORT_VARIABLES:
        raise Unprocessable(
            f"an import holds at most {MAX_IMPORT_VARIABLES} variables; this one has {len(values)}"
        )
    errors = [p for p in problem_out if p.severity == "error"]
    if errors and not dry_run:
        # Nothing is stored from a file with errors: a half-imported file is worse than none.
        first = errors[0]
        raise Unprocessable(
            f"line {first.line}: {first.message} ({len(errors)} error(s); nothing was imported, "
            "preview with dry_run to see them all)",
            details=[p.model_dump() for p in problem_out],
        )
    plan = await service.import_variables(
        session,
        project_id,
        values,
        workflow_id=workflow_id,
        environment=environment,
        keyring=keyring,
        secret_flags=secret_flags,
        overwrite=overwrite,
        dry_run=dry_run,
    )
    actions = (
        {key: "create" for key in plan.created}
        | {key: "update" for key in plan.updated}
        | {key: "unchanged" for key in plan.unchanged}
        | {key: "skip" for key in plan.skipped}
    )
    secrets = set(plan.secrets)
    return ImportResult(
        dry_run=dry_run,
        variables=[
            ImportVariableOut(
                key=key, line=lines.get(key) or None, secret=key in secrets, action=actions[key]
            )
            for key in values
        ],
        problems=problem_out,
        created=len(plan.created),
        updated=len(plan.updated),
        unchanged=len(plan.unchanged),
        skipped=len(plan.skipped),
    )


def _parsed_from_mapping(variables: dict[str, str]) -> ParseResult:
    """Names and values entered one by one: no lines (0), the same checks as a file."""
    found = tuple(ParsedVariable(key=k, value=v, line=0) for k, v in variables.items())
    return ParseResult(variables=found, problems=())


@router.post("/api/projects/{project_id}/envvars/import", response_model=ImportResult)
async def import_envvars(
    project_id: uuid.UUID,
    body: ImportBody,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
) -> ImportResult:
    """Import pasted ``.env`` text or a name → value mapping; ``dry_run`` previews it."""
    minimum = Role.VIEWER if body.dry_run else Role.MEMBER
    project = await project_for(database, user, project_id, minimum)
    parsed = (
        parse_dotenv(body.text)
        if body.text is not None
        else _parsed_from_mapping(body.variables or {})
    )
    result = await _import(
        session,
        project_id,
        parsed,
        workflow_id=body.workflow_id,
        environment=body.environment,
        secret_flags=body.secrets,
        overwrite=body.overwrite,
        dry_run=body.dry_run,
        keyring=_keyring(request),
    )
    _audit_import(audit, user, project, result, body.environment)
    return result


@router.post("/api/projects/{project_id}/envvars/import-file", response_model=ImportResult)
async def import_envvars_file(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: AuditedSessionDep,
    audit: AuditTrailDep,
    request: Request,
    file: Annotated[UploadFile, File(description="A .env file (UTF-8, at most 256 KiB).")],
    workflow_id: Annotated[uuid.UUID | None, Form()] = None,
    environment: Annotated[str, Form(pattern=ENVIRONMENT_PATTERN)] = DEFAULT_ENVIRONMENT,
    overwrite: Annotated[bool, Form()] = True,
    dry_run: Annotated[bool, Form()] = False,
) -> ImportResult:
    """The same import from an uploaded ``.env`` file (multipart field ``file``)."""
    project = await project_for(database, user, project_id, Role.VIEWER if dry_run else Role.MEMBER)
    raw = await file.read(MAX_IMPORT_TEXT + 1)
    if len(raw) > MAX_IMPORT_TEXT:
        raise PayloadTooLarge(
            f"file: a .env file may be at most {MAX_IMPORT_TEXT // 1024} KiB",
            details=[{"field": "file", "message": "too large"}],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unprocessable(
            f"file: not UTF-8 text (byte {exc.start})",
            details=[{"field": "file", "message": "not UTF-8 text"}],
        ) from exc
    result = await _import(
        session,
        project_id,
        parse_dotenv(text),
        workflow_id=workflow_id,
        environment=environment,
        secret_flags={},
        overwrite=overwrite,
        dry_run=dry_run,
        keyring=_keyring(request),
    )
    _audit_import(audit, user, project, result, environment)
    return result


@router.get("/api/projects/{project_id}/envvars/github-secrets", response_model=GitHubSecretNames)
async def github_secret_names(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    workflow_id: WorkflowQuery = None,
    environment: EnvironmentQuery = DEFAULT_ENVIRONMENT,
) -> GitHubSecretNames:
    """Names of the connected repository's GitHub Actions secrets (GitHub never reveals
    their values: the user enters them, then imports them with ``variables``)."""
    await project_for(database, user, project_id, Role.MEMBER)
    await _check_scope(session, project_id, workflow_id)
    repository = await session.scalar(
        select(Repository).where(
            Repository.project_id == project_id, Repository.disconnected_at.is_(None)
        )
    )
    if repository is None or repository.provider != "github" or not repository.full_name:
        raise NotFound("This project has no connected GitHub repository.")
    settings = _settings(request)
    try:
        async with httpx.AsyncClient(timeout=settings.github_timeout_seconds) as http:
            client = await client_for_repository(
                repository, settings=settings, keyring=_keyring(request), http=http
            )
            names = await client.actions_secret_names(repository.full_name)
    except GitHubNotConfigured as exc:
        raise Unprocessable(exc.message, code="github_not_configured") from exc
    except GitHubError as exc:
        if exc.status in (401, 403, 404):
            raise Unprocessable(
                f"GitHub refused to list the secrets of {repository.full_name} "
                f"({exc.status}: {exc.message}); the App or token needs the "
                "'secrets: read' permission",
                code="github_refused",
            ) from exc
        raise ServiceUnavailable(str(exc), code="github_unavailable") from exc
    existing = {
        v.key
        for v in await service.list_variables(
            session, project_id, workflow_id=workflow_id, environment=environment
        )
    }
    return GitHubSecretNames(
        repository=repository.full_name,
        names=[GitHubSecretName(name=name, exists=name in existing) for name in sorted(names)],
    )


@router.get("/api/projects/{project_id}/envvars/export", response_class=PlainTextResponse)
async def export_envvars(
    project_id: uuid.UUID,
    user: CurrentUser,
    database: DatabaseDep,
    session: ReadSessionDep,
    request: Request,
    workflow_id: WorkflowQuery = None,
    environment: EnvironmentQuery = DEFAULT_ENVIRONMENT,
) -> PlainTextResponse:
    """The scope as a ``.env`` file; a secret is listed by name with no value."""
    await project_for(database, user, project_id, Role.VIEWER)
    await _check_scope(session, project_id, workflow_id)
    variables = await service.list_variables(
        session, project_id, workflow_id=workflow_id, environment=environment
    )
    keyring = _keyring(request)
    text = export_dotenv((v.key, service.visible_value(v, keyring)) for v in variables)
    return PlainTextResponse(text, headers={"Content-Disposition": 'attachment; filename=".env"'})
