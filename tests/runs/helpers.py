"""Helpers for driving runs through the real api: a signed-in user, projects, runs."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from backend.config import Settings
from backend.projects.models import Project
from backend.runs import service
from backend.runs.schemas import RunOptions
from tests.auth.helpers import signed_in

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
TERMINAL = {"passed", "failed", "error", "cancelled", "timed_out"}


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def make_git_repo(root: Path, files: dict[str, str], trees: dict[str, Path] | None = None) -> str:
    """A bare repository with one commit on ``main``; its file:// URL. ``trees`` copies
    folders in (repository path -> source folder, caches left out)."""
    work, bare = root / "work", root / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(bare))
    git("init", "-q", "-b", "main", str(work))
    git("remote", "add", "origin", str(bare), cwd=work)
    for name, source in (trees or {}).items():
        shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    write_files(work, files)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    git("push", "-q", "origin", "HEAD", cwd=work)
    return f"file://{bare}"


@dataclass
class Api:
    client: httpx.AsyncClient
    headers: dict[str, str]
    org_id: str

    async def project(self, repository: str, name: str = "shop") -> dict[str, Any]:
        response = await self.client.post(
            f"/api/orgs/{self.org_id}/projects",
            json={"name": name, "repository": repository},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        project: dict[str, Any] = response.json()
        return project

    async def start(self, project_id: str, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/projects/{project_id}/runs", json=body, headers=self.headers
        )
        assert response.status_code == 201, response.text
        run: dict[str, Any] = response.json()
        return run

    async def run(self, run_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/runs/{run_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        detail: dict[str, Any] = response.json()
        return detail

    async def wait(self, run_id: str, within: float = 180.0) -> dict[str, Any]:
        """The run's detail once it finished (fails the test after ``within`` seconds)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            detail = await self.run(run_id)
            if detail["status"] in TERMINAL:
                return detail
            await asyncio.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish in {within}s: {detail}")

    async def wait_for(self, run_id: str, status: str, within: float = 120.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            detail = await self.run(run_id)
            if detail["status"] == status:
                return detail
            await asyncio.sleep(0.1)
        raise AssertionError(f"run {run_id} never became {status}: {detail}")

    async def wait_for_event(self, run_id: str, event_type: str, within: float = 120.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if any(e["type"] == event_type for e in await self.events(run_id)):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {event_type} event in run {run_id} after {within}s")

    async def events(self, run_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/runs/{run_id}/events", params={"limit": 10000}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()
        return events


async def undispatched_run(
    app: FastAPI, settings: Settings, project_id: str, options: RunOptions | None = None
) -> tuple[uuid.UUID, str]:
    """A queued run that no dispatcher was told about (the service, not the api, made it):
    the test plays the dispatcher or the dead worker. Its id and task id."""
    async with app.state.db.session() as session:
        project = await session.get(Project, uuid.UUID(project_id))
        assert project is not None
        run, _ = await service.create_run(session, project, settings=settings, options=options)
        assert run.task_id is not None
        return run.id, run.task_id


async def signed_in_api(client: httpx.AsyncClient, email: str) -> Api:
    headers = await signed_in(client, email)
    org_id = (await client.get("/api/orgs", headers=headers)).json()[0]["id"]
    return Api(client=client, headers=headers, org_id=org_id)


PASSING_SUITE = {
    "tests/test_shop.py": (
        "def test_add():\n    assert 1 + 1 == 2\n\n"
        "def test_names():\n    print('hello from the suite')\n    assert 'tea'.upper() == 'TEA'\n"
    ),
}

MIXED_SUITE = {
    "tests/test_mixed.py": (
        "import pytest\n\n"
        "def test_ok():\n    assert True\n\n"
        "def test_broken():\n    assert 2 + 2 == 5, 'arithmetic is broken'\n\n"
        "@pytest.mark.skip(reason='not today')\n"
        "def test_skipped():\n    pass\n"
    ),
}
