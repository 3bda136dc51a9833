"""Signed GitHub deliveries built from the real payloads in ``/work/shared/fixtures/github``
(octokit/webhooks examples), and rows for the repositories and workflows they concern."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.github.models import WebhookDelivery
from backend.github.webhooks import sign
from backend.repositories.models import Repository
from backend.workflows import service as workflows

FIXTURES = Path(os.environ.get("TESTABLE_GITHUB_FIXTURES", "/work/shared/fixtures/github"))
if not FIXTURES.is_dir():  # the copy kept with the tests when the shared folder is absent
    FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "test-webhook-secret-6c1f"
URL = "/api/webhooks/github"
# The repository of every fixture payload except ping.
HELLO_WORLD = "Codertocat/Hello-World"
HELLO_WORLD_ID = 186853002


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return payload


def event_of(name: str) -> str:
    return name.split(".", 1)[0]


def signed_headers(
    body: bytes, event: str, delivery_id: str | None = None, secret: str = SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
        "User-Agent": "GitHub-Hookshot/044aadd",
    }


async def deliver(
    client: httpx.AsyncClient,
    event: str,
    payload: dict[str, Any],
    delivery_id: str | None = None,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await client.post(URL, content=body, headers=signed_headers(body, event, delivery_id))


async def stored(app: FastAPI) -> list[WebhookDelivery]:
    async with app.state.db.session(read_only=True) as session:
        rows = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.received_at))
        found = list(rows)
        session.expunge_all()  # the read-only session rolls back, which would expire them
        return found


async def stored_one(app: FastAPI, pk: str | uuid.UUID) -> WebhookDelivery:
    async with app.state.db.session(read_only=True) as session:
        delivery: WebhookDelivery | None = await session.get(WebhookDelivery, uuid.UUID(str(pk)))
        assert delivery is not None
        session.expunge_all()
        return delivery


async def connect_hello_world(
    app: FastAPI,
    settings: Settings,
    *,
    org_id: str,
    project_id: str,
    installation_id: int | None = 1,
    workflows_config: dict[str, dict[str, Any]] | None = None,
    full_name: str = HELLO_WORLD,
    github_repo_id: int = HELLO_WORLD_ID,
) -> uuid.UUID:
    """A connected GitHub repository row for the project (as D's connect would leave it)
    and its workflows (name -> config); the repository's id."""
    async with app.state.db.session() as session:
        repository = Repository(
            id=uuid.uuid4(),
            org_id=uuid.UUID(org_id),
            project_id=uuid.UUID(project_id),
            provider="github",
            full_name=full_name,
            clone_url=f"https://github.com/{full_name}.git",
            default_branch="master",
            github_repo_id=github_repo_id,
            installation_id=installation_id,
            protected_branches=["master"],
        )
        session.add(repository)
        await session.flush()
        for name, config in (workflows_config or {}).items():
            await workflows.create_workflow(
                session,
                repository,
                name=name,
                config=config,
                enabled=True,
                user_id=None,
                settings=settings,
            )
        return repository.id
