"""create_app(): the api process — routers, middleware, error handlers, the static dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.config import Mode, Settings, get_settings
from backend.db import Database
from backend.db.deps import ReadSessionDep
from backend.kit.errors import error_response, install_error_handlers
from backend.kit.filemodes import secure_tree
from backend.kit.keys import load_keyring
from backend.kit.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from backend.kit.proxies import install_proxy_headers
from backend.version import __version__

# The built dashboard: inside the package when installed from a wheel (pyproject's
# force-include), else the source tree's static export.
_PACKAGED_DASHBOARD = Path(__file__).resolve().parent / "dashboard"
DASHBOARD_DIR = (
    _PACKAGED_DASHBOARD
    if _PACKAGED_DASHBOARD.is_dir()
    else Path(__file__).resolve().parent.parent / "frontend" / "out"
)

PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TestAble</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto;">
<h1>TestAble is running</h1>
<p>The dashboard has not been built yet. The API is up: see
<a href="/api/docs">the API documentation</a> and <a href="/api/health">health</a>.</p>
</body></html>"""


def _api_routers() -> list[APIRouter]:
    # Imported here so that importing backend.app stays cheap for the CLI's --help.
    from backend.analytics.router import router as analytics_router
    from backend.auth.router import router as auth_router
    from backend.cache_api.dashboard import router as cache_dashboard_router
    from backend.cache_api.router import router as cache_router
    from backend.cases.router import router as cases_router
    from backend.defects.router import router as defects_router
    from backend.email.router import router as outbox_router
    from backend.envvars.router import router as envvars_router
    from backend.github.router import router as github_router
    from backend.insights.router import router as insights_router
    from backend.milestones.router import router as milestones_router
    from backend.orgs.router import router as orgs_router
    from backend.projects.router import router as projects_router
    from backend.reports.router import router as reports_router
    from backend.repositories.router import router as repositories_router
    from backend.runs.router import router as runs_router
    from backend.runs.sockets import router as events_router
    from backend.workflows.router import router as workflows_router

    return [
        auth_router,
        outbox_router,
        orgs_router,
        cache_router,
        cache_dashboard_router,
        projects_router,
        insights_router,  # the last projects route: the OpenAPI order stays
        analytics_router,
        runs_router,
        events_router,
        repositories_router,
        workflows_router,
        envvars_router,
        github_router,
        reports_router,
        cases_router,
        defects_router,
        milestones_router,
    ]


def _document_destination_settings(app: FastAPI) -> None:
    """Put each reporting destination's settings model in the OpenAPI document
    (``DestinationSettings``: type -> its model), secret fields marked ``"secret": true``.
    A workflow's destinations are free-form there (``settings`` is an object checked
    against the type's model), so without this the dashboard had to keep its own list of
    which settings are secret; now it reads them from the schema it is generated from."""
    from backend.reports.registry import destination_types

    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        by_type: dict[str, Any] = {}
        for name, model in sorted(destination_types().items()):
            if model is None:
                continue
            document = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(document.pop("$defs", {}))
            components[model.__name__] = document
            by_type[name] = {"$ref": f"#/components/schemas/{model.__name__}"}
        components["DestinationSettings"] = {
            "title": "DestinationSettings",
            "description": "Each reporting destination type's settings (a workflow's "
            'reporting.destinations[].settings); secret fields carry "secret": true.',
            "type": "object",
            "properties": by_type,
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _serve_dashboard_when_no_route_matches(app: FastAPI, directory: Path) -> None:
    """The exported dashboard answers what no route does. A fallback instead of a mount at
    "/": the api keeps its JSON 404/405 answers, and routes added later still match."""
    static = StaticFiles(directory=directory, html=True)

    async def not_found(request: Request, exc: Exception) -> Response:
        path = request.url.path
        is_api = path == "/api" or path.startswith(("/api/", "/reports/"))
        if request.method in ("GET", "HEAD") and not is_api:
            return await static.get_response(path.lstrip("/"), request.scope)
        detail = exc.detail if isinstance(exc, StarletteHTTPException) else "Not Found"
        return error_response(404, "not_found", str(detail))

    app.add_exception_handler(404, not_found)


def _register_account_hooks() -> None:
    """A new account gets its personal organisation (``auth`` does not import ``orgs``)."""
    from backend.auth import hooks as account_hooks
    from backend.orgs.service import on_account_created

    account_hooks.register(on_account_created)


def _register_run_hooks() -> None:
    """Embedded mode executes runs in this process: their reports start and end with them
    (the Celery worker registers the same hooks in ``workers/tasks.py``)."""
    from backend.analytics.quarantine import after_run_finished, quarantined_tests
    from backend.cases.hooks import install as install_case_hooks
    from backend.defects.hooks import install as install_defect_hooks
    from backend.reports.tasks import REPORT_HOOKS
    from backend.runs import hooks

    hooks.register(REPORT_HOOKS)
    hooks.register_quarantine(quarantined_tests)  # their failures do not fail the run
    hooks.register_after_finish(after_run_finished)  # analytics rollups, statuses
    install_defect_hooks()  # the issues webhook and "passing since" (embedded mode)
    install_case_hooks()  # a finished run's tests linked to test cases


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    keyring = load_keyring(settings)  # fails fast in production when a key is missing
    # The SQLite file and its companions: the engine (Database below) makes them 0600.
    secure_tree(settings.data_dir, settings.resolved_keys_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        limiter = getattr(app.state, "rate_limiter", None)
        if limiter is not None:
            await limiter.close()
        await app.state.db.dispose()

    app = FastAPI(
        title="TestAble",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.keyring = keyring
    app.state.db = Database(
        settings.resolved_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    _register_account_hooks()
    _register_run_hooks()

    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.mode == Mode.PRODUCTION)
    install_proxy_headers(app, settings.trusted_proxies)  # outermost: the client address

    @app.get("/api/health", tags=["health"])
    async def health(session: ReadSessionDep) -> dict[str, str]:
        await session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": "ok"}

    for router in _api_routers():
        app.include_router(router)
    _document_destination_settings(app)

    if (DASHBOARD_DIR / "index.html").exists():
        _serve_dashboard_when_no_route_matches(app, DASHBOARD_DIR)
    else:

        @app.get("/", include_in_schema=False)
        async def placeholder() -> HTMLResponse:
            return HTMLResponse(PLACEHOLDER_PAGE)

    return app
