"""The five destinations through the reporting core (``deliver_reports``): one finished run
on a GitHub repository reaches GitHub Checks, the PR comment, Slack and e-mail while Notion
is down; Notion's failure is recorded and stops none of the others; the run's secret
appears in no message."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.config import Settings
from backend.email.models import OutboxMessage
from backend.reports.models import ReportDelivery
from backend.reports.service import deliver_reports
from backend.repositories.models import Repository
from backend.runs.models import Run
from tests.reports.destinations.fake_http import Answer, FakeService, Recorded
from tests.reports.destinations.github_fake import FakeGitHub
from tests.reports.helpers import SECRET, add_secret, finished_run
from tests.runs.helpers import signed_in_api

PAT = "ghp_personal_access_token"
NOTION_DATABASE = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
NOTION_TOKEN = "ntn_destination_secret"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # What is tested here is the destinations' behaviour, not the database: SQLite only
    # (the reporting core's own tests run on both databases).
    path = tmp_path / "testable.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings_overrides(fake: FakeService) -> dict[str, Any]:
    return {
        "github_api_url": fake.base_url,
        "slack_api_url": fake.base_url + "/api",
        "notion_api_url": fake.base_url,
        "report_delivery_attempts": 2,
        "report_retry_base_seconds": 0.01,
        "report_destinations": [
            {"type": "github_checks", "settings": {}},
            {"type": "pr_comment", "settings": {"verbosity": "full"}},
            {"type": "slack", "settings": {"webhook_url": f"{fake.base_url}/services/T/B/X"}},
            {
                "type": "notion",
                "settings": {"database_id": NOTION_DATABASE, "token": NOTION_TOKEN},
            },
            {"type": "email", "settings": {"recipients": ["qa@example.com"]}},
        ],
    }


async def test_one_run_reaches_every_destination_and_notion_being_down_stops_none(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, fake: FakeService
) -> None:
    github = FakeGitHub(fake, token=PAT)

    @fake.route("POST", r"/services/T/B/X")
    def slack_webhook(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(200, "ok")

    @fake.route("GET", r"/v1/databases/.*")
    def notion_down(request: Recorded, match: re.Match[str]) -> Answer:
        return Answer(503, {"object": "error", "status": 503, "code": "service_unavailable"})

    api = await signed_in_api(client, "destinations@example.com")
    project = await api.project("file:///nowhere")
    async with app.state.db.session() as session:
        existing = (
            await session.execute(
                select(Repository).where(Repository.project_id == uuid.UUID(project["id"]))
            )
        ).scalar_one_or_none()
        repository = existing or Repository(id=uuid.uuid4(), project_id=uuid.UUID(project["id"]))
        repository.org_id = uuid.UUID(api.org_id)
        repository.provider = "github"
        repository.full_name = "octo/shop"
        repository.clone_url = "https://github.com/octo/shop.git"
        repository.token_encrypted = app.state.keyring.fernet.encrypt(PAT.encode())
        repository.protected_branches = []
        if existing is None:
            session.add(repository)
    await add_secret(app, project["id"], "SHOP_TOKEN", SECRET)
    run_id = await finished_run(app, project["id"])
    async with app.state.db.session() as session:
        await session.execute(
            update(Run).where(Run.id == run_id).values(trigger="pull_request", pr_number=7)
        )

    started = await deliver_reports(
        app.state.db, settings, run_id, phase="start", keyring=app.state.keyring
    )
    outcome = await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring)

    assert started["github_checks"] == "in_progress"
    by_type = {key.split(":")[0]: status for key, status in outcome.items()}
    assert by_type == {
        "github_checks": "delivered",
        "pr_comment": "delivered",
        "slack": "delivered",
        "notion": "failed",
        "email": "delivered",
    }
    # the check run made at start is the one completed, with the failure annotated
    (check_run,) = github.check_runs.values()
    assert (check_run["status"], check_run["conclusion"]) == ("completed", "failure")
    (annotation,) = github.annotations[check_run["id"]]
    assert (annotation["path"], annotation["start_line"]) == ("tests/test_shop.py", 27)
    assert len(github.comments_on(7)) == 1
    assert github.contract_violations == []
    async with app.state.db.session(read_only=True) as session:
        rows = {
            r.destination: (r.attempts, r.last_error or "", r.external_id, r.link)
            for r in await session.scalars(
                select(ReportDelivery).where(ReportDelivery.run_id == run_id)
            )
        }
        outbox = [
            (m.subject, m.text, m.html)
            for m in await session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_email == "qa@example.com")
            )
        ]
    assert rows["notion"][0] == 2
    assert "503" in rows["notion"][1]
    assert rows["github_checks"][2] == str(check_run["id"])
    assert rows["pr_comment"][3] == github.comments_on(7)[0]["html_url"]
    ((subject, text, html),) = outbox
    assert "shop failed on main" in subject
    # the run's secret (in a traceback and an error message) reached no destination
    sent = json.dumps([r.body for r in fake.requests]) + text + html
    assert "test_checkout" in sent
    assert SECRET not in sent
