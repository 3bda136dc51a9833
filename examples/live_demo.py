"""``make demo``, part two: a run happening live through the platform.

Starts the platform embedded (the api with its in-process worker, SQLite, the in-memory
event bus, in this process), signs in a demo account, keeps a git repository holding the
example suite in the data directory, points a project at it, starts a run through the
api and follows it over the run's WebSocket: a progress bar, each test as it finishes
with its browser steps and their cache decisions. Then it prints the dashboard URL and
the demo login, and serves until Ctrl-C. Running it again reuses the account, the
repository and the project (a second run finds the element cache warm).

    uv run python -m examples.live_demo
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console

from backend.config import Mode, Settings, get_settings
from backend.runs.live_view import LiveRun, LiveRunView, follow_run

ROOT = Path(__file__).resolve().parent.parent
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "testable-Demo-2026"  # a local demo account on your own machine
DEMO_PROJECT = "demo shop"
_GIT = ["git", "-c", "user.name=TestAble demo", "-c", "user.email=demo@example.com"]
_IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", "test-results")


@dataclass(frozen=True)
class DemoSuite:
    """What goes into the demo repository and how the run selects and configures it."""

    files: dict[str, str]  # repository path -> text
    trees: dict[str, Path] = field(default_factory=dict)  # repository folder -> source
    selection: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the run's non-secret env option
    timeout: int = 900


def example_suite(shop_url: str, variant: str = "original") -> DemoSuite:
    """The example suite (examples/tests and the shop package it imports), with a
    pytest.ini so node ids read ``examples/tests/...``; it tests the ``variant`` shop
    served at ``shop_url``."""
    return DemoSuite(
        files={"pytest.ini": "[pytest]\n", "examples/__init__.py": ""},
        trees={
            "examples/demo_app": ROOT / "examples" / "demo_app",
            "examples/tests": ROOT / "examples" / "tests",
        },
        selection={"test_paths": ["examples/tests"]},
        env={"TESTABLE_DEMO_URL": shop_url, "TESTABLE_DEMO_VARIANT": variant},
    )


# --------------------------------------------------------------------------- the repository


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(  # noqa: S603 - argv list, no shell
        [*_GIT, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout


def sync_repository(root: Path, suite: DemoSuite) -> str:
    """A bare repository under ``root`` whose ``main`` holds ``suite``; its file:// URL.
    Idempotent: a second call commits only what changed (nothing, usually)."""
    work, bare = root / "work", root / "suite.git"
    if not (bare / "HEAD").is_file():
        shutil.rmtree(bare, ignore_errors=True)
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "-q", "--bare", "-b", "main", str(bare), cwd=bare.parent)
    if not (work / ".git").is_dir():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        _git("init", "-q", "-b", "main", cwd=work)
        _git("remote", "add", "origin", str(bare), cwd=work)
    for name, source in suite.trees.items():
        shutil.rmtree(work / name, ignore_errors=True)  # files deleted upstream go too
        shutil.copytree(source, work / name, ignore=_IGNORED)
    for name, text in suite.files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git("add", "-A", cwd=work)
    if _git("status", "--porcelain", cwd=work).strip():
        _git("commit", "-q", "-m", "The example suite", cwd=work)
    _git("push", "-q", "origin", "HEAD:main", cwd=work)
    return f"file://{bare}"


# --------------------------------------------------------------------------- the api


class DemoError(Exception):
    """The demo cannot go on; the message says why."""


def _expect(response: httpx.Response, *codes: int) -> Any:
    if response.status_code not in codes:
        raise DemoError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:500]}"
        )
    return response.json() if response.content else None


async def _verify_email(http: httpx.AsyncClient, email: str) -> None:
    """Embedded mode records e-mails in an outbox the api serves: take the newest link."""
    messages = _expect(await http.get("/api/outbox", params={"to": email}), 200)
    for message in messages:
        if message["template"] == "verification":
            token = message["text"].split("token=", 1)[1].split()[0]
            _expect(await http.get("/api/auth/verify-email", params={"token": token}), 200)
            return
    raise DemoError(f"no verification e-mail for {email} in the outbox")


async def sign_in(http: httpx.AsyncClient) -> str:
    """The demo account's access token; the account is created the first time."""
    credentials = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    registered = await http.post("/api/auth/register", json={**credentials, "full_name": "Demo"})
    _expect(registered, 201, 409)  # 409: it exists from an earlier demo
    login = await http.post("/api/auth/login", json=credentials)
    if login.status_code == 403 and "email_not_verified" in login.text:
        if registered.status_code == 409:
            await http.post("/api/auth/resend-verification", json={"email": DEMO_EMAIL})
        await _verify_email(http, DEMO_EMAIL)
        login = await http.post("/api/auth/login", json=credentials)
    if login.status_code == 401:
        raise DemoError(
            f"{DEMO_EMAIL} exists with another password: reset it, or use another "
            "TESTABLE_DATA_DIR for the demo"
        )
    token: str = _expect(login, 200)["access_token"]
    return token


async def demo_project(http: httpx.AsyncClient, repository: str) -> dict[str, Any]:
    """The demo project in the account's own organisation, pointing at ``repository``."""
    orgs = _expect(await http.get("/api/orgs"), 200)
    if not orgs:
        raise DemoError(f"{DEMO_EMAIL} belongs to no organisation")
    org_id = orgs[0]["id"]
    projects = _expect(await http.get(f"/api/orgs/{org_id}/projects"), 200)
    for project in projects:
        if project["name"] == DEMO_PROJECT and project["repository"] == repository:
            return dict(project)
    name = DEMO_PROJECT
    if name in {p["name"] for p in projects}:  # the data directory moved: another repository
        name = f"{DEMO_PROJECT} ({int(time.time())})"
    body = {"name": name, "repository": repository}
    return dict(_expect(await http.post(f"/api/orgs/{org_id}/projects", json=body), 201))


@dataclass(frozen=True)
class DemoRun:
    project: dict[str, Any]
    run: dict[str, Any]  # the run's detail once it ended
    live: LiveRun  # what the socket showed
    token: str


async def live_run(base_url: str, repo_root: Path, suite: DemoSuite, console: Console) -> DemoRun:
    """Account, repository, project, a run through the api, followed live on its socket."""
    repository = sync_repository(repo_root, suite)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        token = await sign_in(http)
        http.headers["Authorization"] = f"Bearer {token}"
        project = await demo_project(http, repository)
        body = {
            "branch": "main",
            "selection": suite.selection,
            "options": {"env": suite.env, "timeout": suite.timeout},
        }
        started = _expect(await http.post(f"/api/projects/{project['id']}/runs", json=body), 201)
        console.print(
            f"Run [bold]{started['id']}[/bold] of project “{project['name']}” "
            f"({repository}), followed on its WebSocket:"
        )
        with LiveRunView(console) as view:
            live = await follow_run(base_url, str(started["id"]), token, view)
        view.summary()
        detail = _expect(await http.get(f"/api/runs/{started['id']}"), 200)
    return DemoRun(project=project, run=detail, live=live, token=token)


# --------------------------------------------------------------------------- the platform


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The platform as ``testable up`` serves it (api + dashboard + in-process worker +
    schedule tick) on uvicorn in a thread of this process, on the configured host and
    port; yields its base URL."""
    from backend.db.migrate import upgrade
    from backend.embedded import create_embedded_app
    from backend.runs.jobs import end_runs_of_a_stopped_server

    if not _port_free(settings.host, settings.port):
        raise DemoError(
            f"port {settings.port} is taken (is `testable up` running?); stop it or set "
            "TESTABLE_PORT to a free port"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    end_runs_of_a_stopped_server(settings)  # a demo stopped mid-run left its run behind
    config = uvicorn.Config(
        create_embedded_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise DemoError(f"the api did not start on {settings.host}:{settings.port}")
            time.sleep(0.05)
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def demo_settings(base: Settings) -> Settings:
    """Embedded mode; the test processes reach this very api (element cache over HTTP)."""
    if base.mode != Mode.EMBEDDED:
        raise DemoError("the demo runs the platform embedded: set TESTABLE_MODE=embedded")
    url = f"http://{base.host}:{base.port}"
    return base.model_copy(update={"public_url": url, "run_api_url": url})


def print_access(console: Console, base_url: str, demo: DemoRun) -> None:
    console.print(
        f"\n[bold]Dashboard[/bold]: {base_url}/  "
        f"(the redesigned shop's run, with its healed steps: "
        f"{base_url}/runs/view/?id={demo.run['id']})\n"
        f"[bold]Login[/bold]: {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        f"API docs: {base_url}/api/docs"
    )


def main(argv: list[str] | None = None) -> int:
    from examples.demo_app import Variant, running_demo_app

    console = Console()
    try:
        settings = demo_settings(get_settings())
        repository = settings.data_dir / "demo-repository"
        with serving(settings) as base_url:
            console.print(f"TestAble (embedded) on {base_url}, data in {settings.data_dir}")
            with running_demo_app(Variant.ORIGINAL) as shop:
                asyncio.run(live_run(base_url, repository, example_suite(shop.base_url), console))
            # The same suite against the redesigned shop: the steps the first run cached now
            # heal (renamed ids, reworded labels, a look-alike button that is never clicked).
            console.print("\nThe same suite against the [bold]redesigned[/bold] shop:")
            with running_demo_app(Variant.CHANGED) as shop:
                demo = asyncio.run(
                    live_run(
                        base_url,
                        repository,
                        example_suite(shop.base_url, Variant.CHANGED.value),
                        console,
                    )
                )
            print_access(console, base_url, demo)
            console.print("Serving until Ctrl-C.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                console.print("stopping")
    except DemoError as exc:
        console.print(f"[red bold]demo:[/] {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
