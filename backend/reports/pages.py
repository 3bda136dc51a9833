"""Report pages rendered by the server (they work without the dashboard): ``/reports/{run}``
with a signed link (``?t=``, from ``POST /api/runs/{run}/report-link``), ``/reports/s/{token}``
for public share links, the run's artifacts under both, and Playwright's own trace viewer
(shipped inside the ``playwright`` package) under ``/reports/trace-viewer/``.

Why a signed link rather than a cookie: the api authenticates with bearer tokens, which a
browser does not send on a navigation; a token in the URL also reaches the trace viewer's
service worker when it fetches the trace, with no cookie scoping to get right. Every link
the page renders (screenshots, downloads, traces) carries the same credential.
"""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import playwright
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from backend.auth.models import User
from backend.config import Settings
from backend.db import Database
from backend.db.deps import DatabaseDep
from backend.execution.masking import Masker
from backend.kit.errors import NotFound, TestableError
from backend.orgs.deps import check_org_role
from backend.orgs.models import Role
from backend.reports import service
from backend.reports.links import read_report_token
from backend.reports.schemas import DeliveryOut
from backend.runs import service as runs_service
from backend.runs.models import Run, RunArtifact

router = APIRouter(include_in_schema=False)

TRACE_VIEWER_DIR = (
    Path(playwright.__file__).resolve().parent / "driver/package/lib/vite/traceViewer"
)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LOG_KINDS = ("log", "console_log")
MAX_LOG_CHARS = 64 * 1024
_templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"])
)
# The report's pages and files must never end up in a shared cache or a referrer.
_PRIVATE = {"cache-control": "private, no-store", "referrer-policy": "no-referrer"}
# Artifacts come from the user's test suite: an SVG or any other file opened directly must
# never run script on this origin (where the dashboard keeps its tokens).
_ARTIFACT_HEADERS = {**_PRIVATE, "content-security-policy": "sandbox"}


class _PageError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def _error_page(error: _PageError) -> HTMLResponse:
    html = _templates.get_template("error.html").render(title=error.title, message=error.message)
    return HTMLResponse(html, status_code=error.status, headers=_PRIVATE)


def _not_found() -> _PageError:
    return _PageError(404, "Report not found", "This report does not exist or is not yours.")


# --- access -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Access:
    run_id: uuid.UUID
    base: str  # the page's path; artifacts are under it
    query: str  # the credential to append to every link ("" for share links)


async def _signed_access(
    request: Request, database: Database, run_id: uuid.UUID, token: str | None
) -> _Access:
    settings: Settings = request.app.state.settings
    if not token:
        raise _PageError(
            401,
            "Sign in to see this report",
            "Open this report from the TestAble dashboard (it creates a signed link), "
            "or ask for a share link.",
        )
    user_id = read_report_token(
        request.app.state.keyring, token, run_id, settings.report_link_ttl_seconds
    )
    if user_id is None:
        raise _PageError(
            401,
            "This link has expired",
            "Report links are valid for a limited time; open the report again from the dashboard.",
        )
    async with database.session(read_only=True) as session:
        user = await session.get(User, user_id)
        run = await session.get(Run, run_id)
        if user is None or not user.is_active or run is None:
            raise _not_found()
        org_id = (await runs_service.run_project(session, run)).org_id
        session.expunge_all()
    try:  # still a member now, not only when the link was made
        await check_org_role(database, user, org_id, Role.VIEWER)
    except TestableError as exc:
        raise _not_found() from exc
    return _Access(run_id, f"/reports/{run_id}", f"?t={quote(token, safe='')}")


async def _shared_access(database: Database, token: str) -> _Access:
    async with database.session(read_only=True) as session:
        try:
            run_id = await service.run_for_share(session, token)
        except NotFound as exc:
            raise _not_found() from exc
    return _Access(run_id, f"/reports/s/{quote(token, safe='')}", "")


# --- the page -----------------------------------------------------------------------------


def _artifact_view(artifact: RunArtifact, access: _Access, origin: str) -> dict[str, Any]:
    url = f"{access.base}/artifacts/{artifact.id}{access.query}"
    view: dict[str, Any] = {
        "id": str(artifact.id),
        "kind": artifact.kind,
        "name": Path(artifact.path).name,
        "size": artifact.size,
        "content_type": artifact.content_type,
        "url": url,
    }
    if artifact.kind == "trace":
        view["viewer_url"] = "/reports/trace-viewer/index.html?trace=" + quote(
            origin + url, safe=""
        )
    return view


def _read_log(path: Path, masker: Masker) -> str:
    with path.open("rb") as handle:
        raw = handle.read(MAX_LOG_CHARS + 1)
    text = raw[:MAX_LOG_CHARS].decode("utf-8", errors="replace")
    if len(raw) > MAX_LOG_CHARS:
        text += "\n… (cut; download the file for the rest)"
    return masker.mask(text)


async def _render(request: Request, database: Database, access: _Access) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    async with database.session(read_only=True) as session:
        run = await session.get(Run, access.run_id)
        if run is None:
            raise _not_found()
        secrets = await service.run_secrets(session, run, request.app.state.keyring)
        report = await service.build_report(
            session, access.run_id, settings=settings, extra_secrets=secrets
        )
        artifacts = await runs_service.run_artifacts(session, access.run_id)
        deliveries = [
            DeliveryOut.model_validate(d)
            for d in await service.list_deliveries(session, access.run_id)
        ]
        masker = Masker(secrets)
        origin = str(request.base_url).rstrip("/")
        views = [_artifact_view(a, access, origin) for a in artifacts]
        log_files = []
        for artifact in artifacts:
            if artifact.kind not in LOG_KINDS:
                continue
            try:
                path = runs_service.artifact_file(settings.artifacts_dir, artifact)
            except NotFound:
                continue
            log_files.append((Path(artifact.path).name, path))
    logs = [{"name": name, "text": _read_log(path, masker)} for name, path in log_files]
    html = _templates.get_template("report.html").render(
        report=report,
        shared=access.query == "",
        screenshots=[v for v in views if v["kind"] == "screenshot"],
        traces=[v for v in views if v["kind"] == "trace"],
        artifacts=views,
        logs=logs,
        deliveries=deliveries,
    )
    return HTMLResponse(html, headers=_PRIVATE)


async def _artifact(
    request: Request, database: Database, access: _Access, artifact_id: uuid.UUID
) -> Response:
    settings: Settings = request.app.state.settings
    async with database.session(read_only=True) as session:
        try:
            artifact = await runs_service.get_artifact(session, access.run_id, artifact_id)
        except NotFound as exc:
            raise _not_found() from exc
        content_type, kind = artifact.content_type, artifact.kind
        try:
            path = runs_service.artifact_file(settings.artifacts_dir, artifact)
        except NotFound as exc:
            raise _PageError(410, "File gone", "This artifact's file is no longer stored.") from exc
    inline = content_type.startswith(("image/", "video/")) or kind == "trace"
    return FileResponse(
        path,
        media_type=content_type,
        filename=path.name,
        # HTML and other user content is never rendered on this origin.
        content_disposition_type="inline" if inline else "attachment",
        headers=_ARTIFACT_HEADERS,
    )


# --- routes (the trace viewer first: its path would otherwise look like a run id) ---------


@router.get("/reports/trace-viewer/{path:path}")
async def trace_viewer(path: str) -> Response:
    root = TRACE_VIEWER_DIR.resolve()
    target = (root / (path or "index.html")).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return Response(status_code=404)
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".js":
        media_type = "text/javascript"
    # The viewer shows DOM snapshots in same-origin frames: SAMEORIGIN instead of DENY.
    return FileResponse(
        target,
        media_type=media_type,
        headers={"x-frame-options": "SAMEORIGIN", "service-worker-allowed": "/reports/"},
    )


@router.get("/reports/s/{token}", response_class=HTMLResponse)
async def shared_report(token: str, request: Request, database: DatabaseDep) -> Response:
    try:
        return await _render(request, database, await _shared_access(database, token))
    except _PageError as error:
        return _error_page(error)


@router.get("/reports/s/{token}/artifacts/{artifact_id}")
async def shared_artifact(
    token: str, artifact_id: uuid.UUID, request: Request, database: DatabaseDep
) -> Response:
    try:
        access = await _shared_access(database, token)
        return await _artifact(request, database, access, artifact_id)
    except _PageError as error:
        return _error_page(error)


@router.get("/reports/{run_id}", response_class=HTMLResponse)
async def report_page(
    run_id: uuid.UUID, request: Request, database: DatabaseDep, t: str | None = None
) -> Response:
    try:
        access = await _signed_access(request, database, run_id, t)
        return await _render(request, database, access)
    except _PageError as error:
        return _error_page(error)


@router.get("/reports/{run_id}/artifacts/{artifact_id}")
async def report_artifact(
    run_id: uuid.UUID,
    artifact_id: uuid.UUID,
    request: Request,
    database: DatabaseDep,
    t: str | None = None,
) -> Response:
    try:
        access = await _signed_access(request, database, run_id, t)
        return await _artifact(request, database, access, artifact_id)
    except _PageError as error:
        return _error_page(error)
