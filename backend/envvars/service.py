"""Environment variables: store (encrypted), import, export, and the environment of a run.

Never commits (the request scope or the caller does). Values are decrypted only where
they are needed: a non-secret value for the api, every value for the worker that starts
the test process.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import Uuid, column, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.base import JSONType
from backend.envvars.detect import looks_secret
from backend.envvars.models import DEFAULT_ENVIRONMENT, EnvVar
from backend.envvars.parser import invalid_key_reason
from backend.execution.sandbox import reserved_variable
from backend.kit.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from backend.kit.keys import KeyRing

MAX_VALUE_LENGTH = 64 * 1024

# ``envvars`` sits below ``runs`` and ``workflows`` (both read a run's variables), so it
# imports neither: a run and a workflow are what it reads of them, and a workflow's row is
# read through this view of the table ``EnvVar.workflow_id`` references.
WORKFLOWS = table(
    "workflows", column("id", Uuid()), column("project_id", Uuid()), column("config", JSONType)
)


class WorkflowLike(Protocol):
    """What a variable's scope needs of a workflow (``backend.workflows.models.Workflow``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def project_id(self) -> uuid.UUID: ...
    @property
    def config(self) -> dict[str, Any]: ...


class RunLike(Protocol):
    """What a run's environment needs of the run (``backend.runs.models.Run``)."""

    @property
    def project_id(self) -> uuid.UUID: ...
    @property
    def workflow_id(self) -> uuid.UUID | None: ...
    @property
    def options(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class WorkflowRow:
    id: uuid.UUID
    project_id: uuid.UUID
    config: dict[str, Any]


async def _workflow(session: AsyncSession, workflow_id: uuid.UUID) -> WorkflowRow | None:
    row = (
        await session.execute(
            select(WORKFLOWS.c.id, WORKFLOWS.c.project_id, WORKFLOWS.c.config).where(
                WORKFLOWS.c.id == workflow_id
            )
        )
    ).one_or_none()
    return None if row is None else WorkflowRow(row.id, row.project_id, row.config or {})


@dataclass(frozen=True)
class RunEnvironment:
    """What a run's test process gets: every variable, and which of them are secret."""

    env: dict[str, str]
    secrets: tuple[str, ...]  # names

    @property
    def secret_values(self) -> tuple[str, ...]:
        """What the masker must hide (a secret's name is not a secret; its value is)."""
        return tuple(self.env[name] for name in self.secrets if name in self.env)


@dataclass
class ImportPlan:
    """What an import does (or, in a dry run, would do), per key."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # existing keys kept (overwrite off)
    secrets: list[str] = field(default_factory=list)


# --- encryption --------------------------------------------------------------------


class UndecryptableValue(ServiceUnavailable):
    """No configured key opens a stored value: a key was removed before re-encrypting."""

    code = "undecryptable_value"

    def __init__(self, key: str) -> None:
        super().__init__(
            f"the value of {key} cannot be decrypted with the configured encryption keys "
            "(was an old key removed before `testable envvars reencrypt`?)",
            details={"key": key},
        )


def encrypt(keyring: KeyRing, value: str) -> bytes:
    return keyring.fernet.encrypt(value.encode("utf-8"))


def decrypt_variable(keyring: KeyRing, variable: EnvVar) -> str:
    try:
        return keyring.fernet.decrypt(variable.value_encrypted).decode("utf-8")
    except InvalidToken as exc:
        raise UndecryptableValue(variable.key) from exc


def visible_value(variable: EnvVar, keyring: KeyRing) -> str | None:
    """The value the api may show: None for a secret, ever."""
    return None if variable.is_secret else decrypt_variable(keyring, variable)


# --- validation ----------------------------------------------------------------------


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be stored, or None."""
    if (reason := invalid_key_reason(key)) is not None:
        return reason
    if (reason := reserved_variable(key)) is not None:  # the runs' one list
        return reason
    return None


def value_problem(value: str) -> str | None:
    if "\x00" in value:
        return "the value contains a NUL character"
    if len(value) > MAX_VALUE_LENGTH:
        return f"the value is longer than {MAX_VALUE_LENGTH} characters"
    return None


def check_variable(key: str, value: str | None) -> None:
    """Raise a 422 naming the field when the key or value cannot be stored."""
    if (reason := key_problem(key)) is not None:
        raise Unprocessable(f"key: {reason}", details=[{"field": "key", "message": reason}])
    if value is not None and (reason := value_problem(value)) is not None:
        raise Unprocessable(f"value: {reason}", details=[{"field": "value", "message": reason}])


# --- reading -------------------------------------------------------------------------


async def workflow_of_project(
    session: AsyncSession, project_id: uuid.UUID, workflow_id: uuid.UUID
) -> WorkflowRow:
    workflow = await _workflow(session, workflow_id)
    if workflow is None or workflow.project_id != project_id:
        raise NotFound("No such workflow in this project.", details={"field": "workflow_id"})
    return workflow


async def list_variables(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    workflow_id: uuid.UUID | None,
    environment: str,
) -> list[EnvVar]:
    """The variables of exactly one scope: project-wide (``workflow_id`` None) or one
    workflow's own, in one environment; by key."""
    query = select(EnvVar).where(
        EnvVar.project_id == project_id,
        EnvVar.environment == environment,
        EnvVar.workflow_id.is_(None) if workflow_id is None else EnvVar.workflow_id == workflow_id,
    )
    return list((await session.scalars(query.order_by(EnvVar.key))).all())


async def get_variable(
    session: AsyncSession, project_id: uuid.UUID, variable_id: uuid.UUID
) -> EnvVar:
    variable = await session.get(EnvVar, variable_id)
    if variable is None or variable.project_id != project_id:
        raise NotFound("No such environment variable.")
    return variable


# --- writing -------------------------------------------------------------------------


async def _flush_new(session: AsyncSession) -> None:
    """Flush inserts; two requests creating the same key at once meet the unique key."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "This variable was just created by another request; reload and try again.",
            code="envvar_exists",
        ) from exc


async def set_variable(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    workflow_id: uuid.UUID | None,
    environment: str,
    key: str,
    value: str,
    is_secret: bool | None,
    keyring: KeyRing,
) -> tuple[EnvVar, bool]:
    """Create or replace ``key`` in its scope; ``is_secret`` None means "guess"; a variable
    that exists keeps its flag unless told otherwise (the user's choice beats the guess).
    Returns (variable, created)."""
    check_variable(key, value)
    existing = {
        v.key: v
        for v in await list_variables(
            session, project_id, workflow_id=workflow_id, environment=environment
        )
    }
    variable = existing.get(key)
    if variable is None:
        variable = EnvVar(
            project_id=project_id,
            workflow_id=workflow_id,
            environment=environment,
            key=key,
            value_encrypted=encrypt(keyring, value),
            is_secret=looks_secret(key, value) if is_secret is None else is_secret,
        )
        session.add(variable)
        await _flush_new(session)
        return variable, True
    variable.value_encrypted = encrypt(keyring, value)
    if is_secret is not None:
        variable.is_secret = is_secret
    await session.flush()
    return variable, False


async def update_variable(
    session: AsyncSession,
    variable: EnvVar,
    *,
    value: str | None,
    is_secret: bool | None,
    keyring: KeyRing,
) -> EnvVar:
    check_variable(variable.key, value)
    if variable.is_secret and is_secret is False and value is None:
        # Otherwise anyone allowed to edit could read a secret by un-flagging it.
        reason = "a secret's value is never shown again: give a new value to make it non-secret"
        raise Unprocessable(f"value: {reason}", details=[{"field": "value", "message": reason}])
    if value is not None:
        variable.value_encrypted = encrypt(keyring, value)
    if is_secret is not None:
        variable.is_secret = is_secret
    await session.flush()
    return variable


async def delete_variable(session: AsyncSession, variable: EnvVar) -> None:
    await session.delete(variable)
    await session.flush()


async def import_variables(
    session: AsyncSession,
    project_id: uuid.UUID,
    variables: Mapping[str, str],
    *,
    workflow_id: uuid.UUID | None,
    environment: str,
    keyring: KeyRing,
    secret_flags: Mapping[str, bool] | None = None,
    overwrite: bool = True,
    dry_run: bool = False,
) -> ImportPlan:
    """Store already-validated ``variables`` in one scope (or only plan it: ``dry_run``).
    ``secret_flags`` overrides the guessed flag per key."""
    flags = secret_flags or {}
    existing = {
        v.key: v
        for v in await list_variables(
            session, project_id, workflow_id=workflow_id, environment=environment
        )
    }
    plan = ImportPlan()
    for key, value in variables.items():
        check_variable(key, value)
        current = existing.get(key)
        secret = flags.get(key)
        if secret is None:
            secret = current.is_secret if current is not None else looks_secret(key, value)
        if secret:
            plan.secrets.append(key)
        if current is None:
            plan.created.append(key)
        elif not overwrite:
            plan.skipped.append(key)
            continue
        elif (
            # Never compare a secret: "unchanged" would tell a caller whether a guess was right.
            not current.is_secret and not secret and decrypt_variable(keyring, current) == value
        ):
            plan.unchanged.append(key)
            continue
        else:
            plan.updated.append(key)
        if dry_run:
            continue
        if current is None:
            session.add(
                EnvVar(
                    project_id=project_id,
                    workflow_id=workflow_id,
                    environment=environment,
                    key=key,
                    value_encrypted=encrypt(keyring, value),
                    is_secret=secret,
                )
            )
        else:
            current.value_encrypted = encrypt(keyring, value)
            current.is_secret = secret
    await _flush_new(session)
    return plan


# --- key rotation --------------------------------------------------------------------


async def reencrypt_all(session: AsyncSession, fernet: MultiFernet, *, batch: int = 500) -> int:
    """Re-encrypt every stored value with the primary key (``MultiFernet.rotate``); the
    number of values. After it, older keys can be removed from the key file."""
    count = 0
    last_id: uuid.UUID | None = None
    while True:
        query = select(EnvVar).order_by(EnvVar.id).limit(batch)
        if last_id is not None:
            query = query.where(EnvVar.id > last_id)
        rows = list((await session.scalars(query)).all())
        if not rows:
            return count
        for row in rows:
            row.value_encrypted = fernet.rotate(row.value_encrypted)
        await session.flush()
        count += len(rows)
        last_id = rows[-1].id


# --- runs ----------------------------------------------------------------------------


def workflow_environment(workflow: WorkflowLike | None) -> str:
    """The environment a workflow's runs use (``environment.name`` of its config)."""
    if workflow is None:
        return DEFAULT_ENVIRONMENT
    section: Any = (workflow.config or {}).get("environment") or {}
    name = section.get("name") if isinstance(section, dict) else None
    return str(name) if name else DEFAULT_ENVIRONMENT


def required_variables(workflow: WorkflowLike) -> list[str]:
    section: Any = (workflow.config or {}).get("environment") or {}
    required = section.get("required") if isinstance(section, dict) else None
    return [str(name) for name in required or []]


async def _scoped(
    session: AsyncSession, project_id: uuid.UUID, workflow_id: uuid.UUID | None, environment: str
) -> tuple[list[EnvVar], list[EnvVar]]:
    """(project-wide, the workflow's own) variables of one environment."""
    project_wide = await list_variables(
        session, project_id, workflow_id=None, environment=environment
    )
    own: list[EnvVar] = []
    if workflow_id is not None:
        own = await list_variables(
            session, project_id, workflow_id=workflow_id, environment=environment
        )
    return project_wide, own


async def run_environment(
    session: AsyncSession, run: RunLike, *, keyring: KeyRing
) -> RunEnvironment:
    """The variables of ``run``'s test process: project-wide values, overridden by its
    workflow's, overridden by the run's one-off ``options.env``. A name stays secret when
    any layer that sets it says so (a one-off override of a secret is masked too)."""
    workflow_id = run.workflow_id
    workflow = await _workflow(session, workflow_id) if workflow_id is not None else None
    # The environment chosen when the run was queued (workflows put it in the options),
    # so a later change of the workflow's configuration does not switch a queued run.
    chosen = run.options.get("environment")
    environment = chosen if isinstance(chosen, str) and chosen else workflow_environment(workflow)
    project_wide, own = await _scoped(
        session, run.project_id, workflow.id if workflow else None, environment
    )
    env: dict[str, str] = {}
    secret: set[str] = set()
    for variable in (*project_wide, *own):
        env[variable.key] = decrypt_variable(keyring, variable)
        if variable.is_secret:
            secret.add(variable.key)
    for name, value in (run.options.get("env") or {}).items():
        env[str(name)] = str(value)
    return RunEnvironment(env=env, secrets=tuple(sorted(secret)))


async def missing_required(
    session: AsyncSession,
    workflow: WorkflowLike,
    environment: str | None = None,
    *,
    provided: Iterable[str] = (),
) -> list[str]:
    """The workflow's required variables that neither its environment (project-wide or
    its own) nor ``provided`` (a manual run's one-off names) sets, in config order."""
    name = environment or workflow_environment(workflow)
    project_wide, own = await _scoped(session, workflow.project_id, workflow.id, name)
    present = {v.key for v in (*project_wide, *own)} | set(provided)
    return [key for key in required_variables(workflow) if key not in present]


def missing_required_message(missing: Sequence[str], environment: str) -> str:
    names = ", ".join(missing)
    return (
        f"required environment variables are not set for environment {environment!r}: "
        f"{names}. Set them under the project's environment variables, or give them as "
        "one-off values for this run."
    )
