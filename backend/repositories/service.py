"""Repositories: connect (GitHub through the App or a token, or a local path), list,
show, refresh protected branches, disconnect (soft). Services never commit."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import Database
from backend.kit.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from backend.kit.keys import KeyRing
from backend.kit.time import utcnow
from backend.projects.models import Project
from backend.projects.service import check_repository
from backend.repositories import github_installations as installations
from backend.repositories.github_app import (
    GitHubNotConfigured,
    client_for_repository,
    installation_token,
)
from backend.repositories.github_client import GitHubClient, GitHubError
from backend.repositories.models import DISCONNECTED_BY_PERSON, Repository
from backend.repositories.schemas import RepositoryConnect


def _invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", details=[{"field": field, "message": message}])


async def get_repository(session: AsyncSession, repository_id: uuid.UUID) -> Repository:
    repository = await session.get(Repository, repository_id)
    if repository is None:
        raise NotFound("No such repository.")
    return repository


async def repository_of_project(session: AsyncSession, project_id: uuid.UUID) -> Repository:
    repository = await session.scalar(select(Repository).where(Repository.project_id == project_id))
    if repository is None or repository.disconnected_at is not None:
        raise NotFound("This project has no connected repository.")
    return repository


async def list_repositories(
    session: AsyncSession, org_id: uuid.UUID, *, include_disconnected: bool = False
) -> list[Repository]:
    query = select(Repository).where(Repository.org_id == org_id)
    if not include_disconnected:
        query = query.where(Repository.disconnected_at.is_(None))
    return list(await session.scalars(query.order_by(Repository.created_at)))


async def _slot_for(session: AsyncSession, project: Project) -> Repository | None:
    """The project's row to reuse: a disconnected one (reconnect) or a local one, which a
    new connection replaces (a path holds no credentials and no state of its own: the
    project's local source, connected when the project was made, must not stand in the way
    of connecting the real repository). 409 when another provider's row is connected."""
    existing = await session.scalar(select(Repository).where(Repository.project_id == project.id))
    if existing is not None and existing.disconnected_at is None and existing.provider != "local":
        raise Conflict(
            "This project already has a connected repository; disconnect it first.",
            code="repository_connected",
            details={"repository_id": str(existing.id)},
        )
    return existing


async def connect_github(
    session: AsyncSession,
    project: Project,
    body: RepositoryConnect,
    *,
    settings: Settings,
    keyring: KeyRing,
    http: httpx.AsyncClient,
) -> Repository:
    if body.full_name is None:
        raise _invalid("full_name", "required for a GitHub repository")
    if body.path is not None:
        raise _invalid("path", "only for local repositories")
    if (body.installation_id is None) == (body.token is None):
        raise _invalid("token", "give either installation_id (GitHub App) or token, not both")
    full_name = body.full_name
    existing = await _slot_for(session, project)
    if body.installation_id is not None:
        await _refuse_installation_of_another_org(session, project.org_id, body.installation_id)
        try:
            token = await installation_token(body.installation_id, settings=settings, http=http)
        except GitHubNotConfigured as exc:
            raise _invalid("installation_id", exc.message) from exc
        except GitHubError as exc:
            if exc.status == 404:
                raise _invalid(
                    "installation_id", "the GitHub App has no such installation"
                ) from exc
            raise _github_failure(exc, "installation_id") from exc
    else:
        assert body.token is not None
        token = body.token.get_secret_value()
    client = GitHubClient(settings.github_api_url, token, http)
    try:
        info = await client.get_repository(full_name)
    except GitHubError as exc:
        raise _github_failure(exc, "token" if body.token else "installation_id") from exc
    protected = await _protected_or_empty(client, str(info.get("full_name") or full_name))

    repository = existing or Repository(id=uuid.uuid4(), project_id=project.id)
    repository.org_id = project.org_id
    repository.provider = "github"
    repository.full_name = str(info.get("full_name") or full_name)
    repository.clone_url = str(
        info.get("clone_url") or f"https://github.com/{repository.full_name}.git"
    )
    repository.default_branch = info.get("default_branch") or project.default_branch
    repository.github_repo_id = int(info["id"]) if info.get("id") is not None else None
    repository.installation_id = body.installation_id
    repository.token_encrypted = keyring.fernet.encrypt(token.encode()) if body.token else None
    repository.protected_branches = protected
    repository.disconnected_at = None
    repository.disconnect_reason = None
    if existing is None:
        session.add(repository)
    _point_project_at(project, repository)
    await session.flush()
    return repository


async def _refuse_installation_of_another_org(
    session: AsyncSession, org_id: uuid.UUID, installation_id: int
) -> None:
    """422 when the App installation belongs to another organisation.

    The App mints a token for any installation id it is given, and installation ids are
    small, guessable numbers: without this, any org admin could connect (and clone, and
    read the deliveries of) another customer's private repositories. An installation bound
    at install time (``github_installations``: the setup URL with a signed state)
    belongs to that organisation only. One nobody has bound yet (installed before the setup
    URL existed) keeps the older rule: it belongs to the first organisation that connects
    through it."""
    bound_to = await installations.owner_of(session, installation_id)
    if bound_to is not None:
        if bound_to != org_id:
            raise _invalid(
                "installation_id", "this GitHub App installation belongs to another organisation"
            )
        return
    claimed = await session.scalar(
        select(Repository.id)
        .where(Repository.installation_id == installation_id, Repository.org_id != org_id)
        .limit(1)
    )
    if claimed is not None:
        raise _invalid(
            "installation_id", "this GitHub App installation belongs to another organisation"
        )


def _github_failure(exc: GitHubError, credential_field: str) -> Exception:
    """GitHub's answer as our 4xx (or 503 when GitHub cannot be reached)."""
    if exc.status == 0:
        return ServiceUnavailable(f"GitHub could not be reached: {exc.message}")
    if exc.status == 404:
        return _invalid(
            "full_name", "GitHub has no such repository, or these credentials cannot see it"
        )
    if exc.status in (401, 403):
        return _invalid(credential_field, f"GitHub refused the credentials ({exc.message})")
    return ServiceUnavailable(f"GitHub answered {exc.status}: {exc.message}")


async def _protected_or_empty(client: GitHubClient, full_name: str) -> list[str]:
    # Reading branches needs fewer rights than most: a token without them still connects,
    # with the "protected" branch strategy matching nothing until a refresh succeeds.
    try:
        return await client.protected_branches(full_name)
    except GitHubError as exc:
        logger.warning("protected branches of {} unreadable: {}", full_name, exc)
        return []


def _point_project_at(project: Project, repository: Repository) -> None:
    """Runs check out the project's repository: keep it the connected one."""
    project.repository = repository.clone_url
    if repository.default_branch and not project.default_branch:
        project.default_branch = repository.default_branch


def local_git_folder(source: str) -> Path | None:
    """The folder of a local source (an absolute path or file:// URL) when it is a git
    repository (a working copy or a bare one); None for a remote URL or anything else."""
    scheme = urlsplit(source).scheme
    if scheme not in ("", "file"):
        return None
    folder = Path(urlsplit(source).path if scheme == "file" else source)
    if not folder.is_absolute():
        return None
    if (folder / ".git").exists() or (folder / "HEAD").is_file():
        return folder
    return None


async def adopt_local_source(session: AsyncSession, project: Project) -> Repository | None:
    """Connect the project's own source when it is a local git repository and the project
    has no repository row yet. Runs of such a project already come from that folder, so
    the dashboard must say it is connected (Getting started, Workflows, Repositories)
    rather than offer to connect it. Idempotent; never replaces an existing row (a
    disconnected one stays disconnected: a person chose that)."""
    if local_git_folder(project.repository) is None:
        return None
    existing = await session.scalar(select(Repository).where(Repository.project_id == project.id))
    if existing is not None:
        return None
    repository = Repository(
        id=uuid.uuid4(),
        project_id=project.id,
        org_id=project.org_id,
        provider="local",
        full_name=None,
        clone_url=project.repository,
        default_branch=project.default_branch,
        protected_branches=[],
    )
    session.add(repository)
    await session.flush()
    return repository


async def adopt_local_sources(database: Database, projects: list[Project]) -> None:
    """``adopt_local_source`` for each of ``projects`` that has none yet, in its own
    transaction (the callers are reads). Two requests adopting the same folder at once:
    the second insert breaks the one-row-per-project rule and is simply dropped."""
    candidates = [p for p in projects if local_git_folder(p.repository) is not None]
    if not candidates:
        return
    try:
        async with database.session() as session:
            for project in candidates:
                await adopt_local_source(session, project)
    except IntegrityError:
        pass  # another request adopted it first: the row exists, which is all we want


async def projects_without_repository(session: AsyncSession, org_id: uuid.UUID) -> list[Project]:
    has_row = select(Repository.project_id)
    rows = await session.scalars(
        select(Project).where(Project.org_id == org_id, Project.id.not_in(has_row))
    )
    return list(rows)


async def connect_local(
    session: AsyncSession, project: Project, body: RepositoryConnect, *, settings: Settings
) -> Repository:
    if body.path is None:
        raise _invalid("path", "required for a local repository")
    if body.full_name or body.token or body.installation_id:
        raise _invalid("provider", "a local repository takes only path and default_branch")
    try:
        source = check_repository(body.path, settings)
    except Unprocessable as exc:
        message = exc.details[0]["message"] if exc.details else exc.message
        raise _invalid("path", message) from exc
    if urlsplit(source).scheme in ("http", "https"):
        raise _invalid("path", "a remote URL is a GitHub repository: connect it with GitHub")
    if local_git_folder(source) is None:
        folder = Path(urlsplit(source).path if source.startswith("file://") else source)
        raise _invalid("path", f"{folder} is not a git repository")
    existing = await _slot_for(session, project)
    repository = existing or Repository(id=uuid.uuid4(), project_id=project.id)
    repository.org_id = project.org_id
    repository.provider = "local"
    repository.full_name = None
    repository.clone_url = source
    repository.default_branch = body.default_branch or project.default_branch
    repository.github_repo_id = None
    repository.installation_id = None
    repository.token_encrypted = None
    repository.protected_branches = []
    repository.disconnected_at = None
    repository.disconnect_reason = None
    if existing is None:
        session.add(repository)
    _point_project_at(project, repository)
    await session.flush()
    return repository


async def refresh_protected_branches(
    repository: Repository, *, settings: Settings, keyring: KeyRing, http: httpx.AsyncClient
) -> list[str]:
    """Read the protected branches from GitHub again (a 4xx/503 when GitHub refuses)."""
    if repository.provider != "github" or repository.full_name is None:
        raise Conflict("Only GitHub repositories have protected branches.", code="not_github")
    try:
        client = await client_for_repository(
            repository, settings=settings, keyring=keyring, http=http
        )
        branches = await client.protected_branches(repository.full_name)
    except GitHubNotConfigured as exc:
        raise _invalid("installation_id", exc.message) from exc
    except GitHubError as exc:
        raise _github_failure(exc, "token") from exc
    repository.protected_branches = branches
    return branches


async def disconnect(session: AsyncSession, repository: Repository) -> Repository:
    """Soft delete: the row (and its workflows' history) stays; events stop matching it and
    its stored token is destroyed. Marked as a person's doing, so the GitHub App's
    unsuspension (which reconnects what a suspension disconnected) never undoes it."""
    if repository.disconnected_at is None:
        repository.disconnected_at = utcnow()
        repository.disconnect_reason = DISCONNECTED_BY_PERSON
        repository.token_encrypted = None
        await session.flush()
    return repository
