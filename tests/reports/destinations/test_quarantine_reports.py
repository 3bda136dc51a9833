"""A run whose only failure was a quarantined test, through the reporting core: the GitHub
check succeeds with the failure as a notice and a note, the PR comment lists it as
quarantined, and the masked report marks it; a failure outside the quarantine still fails
the check."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.config import Settings
from backend.reports.report import build_report
from backend.reports.service import deliver_reports
from backend.repositories.models import Repository
from backend.runs.models import Run
from tests.reports.destinations.fake_http import FakeService
from tests.reports.destinations.github_fake import FakeGitHub
from tests.reports.helpers import DEFAULT_TESTS, SECRET, add_secret, finished_run
from tests.runs.helpers import signed_in_api

PAT = "ghp_personal_access_token"
CHECKOUT = "tests/test_shop.py::test_checkout"  # the failing test of DEFAULT_TESTS
NOTE = "quarantined: 1 test failed, not counted"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    # What is tested is what the destinations say; the run's quarantine is set by the
    # executor (tests/runs/test_quarantine.py, both databases).
    path = tmp_path / "testable.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings_overrides(fake: FakeService) -> dict[str, Any]:
    return {
        "github_api_url": fake.base_url,
        "report_delivery_attempts": 1,
        "report_destinations": [
            {"type": "github_checks", "settings": {}},
            {"type": "pr_comment", "settings": {"verbosity": "normal"}},
        ],
    }


async def _pull_request_run(
    app: FastAPI, client: httpx.AsyncClient, email: str, *, status: str, quarantined: list[str]
) -> uuid.UUID:
    api = await signed_in_api(client, email)
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
    run_id = await finished_run(app, project["id"], status=status)
    reason = NOTE if status == "passed" else f"1 failed; {NOTE}"
    async with app.state.db.session() as session:
        await session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(
                trigger="pull_request",
                pr_number=7,
                reason=reason,
                options={"quarantined": quarantined},
            )
        )
    return run_id


async def test_a_quarantined_failure_passes_the_check_and_is_listed_in_the_comment(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, fake: FakeService
) -> None:
    github = FakeGitHub(fake, token=PAT)
    run_id = await _pull_request_run(
        app, client, "quarantine-report@example.com", status="passed", quarantined=[CHECKOUT]
    )

    outcome = await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring)

    assert set(outcome.values()) == {"delivered"}
    (check_run,) = github.check_runs.values()
    assert (check_run["status"], check_run["conclusion"]) == ("completed", "success")
    (create,) = fake.calls("POST", r"/repos/octo/shop/check-runs")
    sent = create.body["output"]
    assert NOTE in sent["title"]
    assert NOTE in sent["summary"]
    assert "Quarantined: failed, not counted (1)" in sent["summary"]
    assert "### Failures" not in sent["summary"]
    (annotation,) = github.annotations[check_run["id"]]
    assert annotation["annotation_level"] == "notice"
    assert annotation["message"].startswith("Quarantined, not counted: AssertionError")
    assert SECRET not in annotation["message"]
    (comment,) = github.comments_on(7)
    assert NOTE in comment["body"]
    assert "#### Quarantined: failed, not counted (1)" in comment["body"]
    assert f"`{CHECKOUT}`" in comment["body"]
    assert "#### Failures" not in comment["body"]
    assert github.contract_violations == []


async def test_a_failure_outside_the_quarantine_still_fails_the_check(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, fake: FakeService
) -> None:
    github = FakeGitHub(fake, token=PAT)
    # quarantined: a test that passed; the failing one is not
    run_id = await _pull_request_run(
        app,
        client,
        "outside-quarantine@example.com",
        status="failed",
        quarantined=["tests/test_shop.py::test_add"],
    )

    await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring)

    (check_run,) = github.check_runs.values()
    assert check_run["conclusion"] == "failure"
    (annotation,) = github.annotations[check_run["id"]]
    assert annotation["annotation_level"] == "failure"
    (comment,) = github.comments_on(7)
    assert "#### Failures (1)" in comment["body"]
    assert "Quarantined" not in comment["body"]


async def test_the_report_marks_the_tests_quarantined_when_the_run_started(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    run_id = await _pull_request_run(
        app, client, "report-marks@example.com", status="passed", quarantined=[CHECKOUT]
    )
    async with app.state.db.session(read_only=True) as session:
        report = await build_report(session, run_id, settings=settings)

    assert {t.node_id: t.quarantined for t in report.tests} == {
        DEFAULT_TESTS[0].node_id: False,
        CHECKOUT: True,
    }
    assert report.failures == []
    assert [t.node_id for t in report.quarantined_failures] == [CHECKOUT]
