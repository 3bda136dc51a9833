"""A QA engineer's journey through defects and milestones, in headless Chromium against the
real api on SQLite serving the built dashboard, with GitHub faked as a local server that
checks the Issues calls against GitHub's OpenAPI description: file a defect from a failed
test on the run's page, see it become a GitHub issue, see it close when the issue is
closed on GitHub (a signed ``issues`` webhook), then plan a milestone, attach the defect
and close the milestone with a summary."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright, expect

import backend.app
from backend.client.browser import launch_options
from backend.config import Settings
from backend.github.tasks import wait_for_deliveries
from tests.auth.helpers import PASSWORD
from tests.defects.helpers import failing, github_project, run_with
from tests.defects.issues_fake import FakeIssues, issues_payload
from tests.github.fake_github import FakeGitHub
from tests.github.webhook_helpers import SECRET, deliver
from tests.repositories.helpers import github_settings
from tests.runs.helpers import signed_in_api
from tests.runs.servers import free_port, live_api

pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.browser,
]

EMAIL = "qa@example.com"


@pytest.fixture
def api_port() -> int:
    return free_port()


@pytest.fixture
def settings_overrides(github: FakeGitHub, api_port: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{api_port}"
    return {
        **github_settings(github),
        "github_webhook_secret": SECRET,
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "public_url": base,
    }


@pytest.fixture
def dashboard(settings: Settings, api_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # TESTABLE_TEST_DASHBOARD_DIR: a dashboard built elsewhere (e.g. from a clean checkout).
    built = Path(os.environ.get("TESTABLE_TEST_DASHBOARD_DIR") or backend.app.DASHBOARD_DIR)
    if not (built / "index.html").exists():
        pytest.fail(f"the dashboard is not built ({built}): run `make frontend` first")
    monkeypatch.setattr(backend.app, "DASHBOARD_DIR", built)
    with live_api(settings, port=api_port) as base_url:
        yield base_url


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


async def test_file_a_defect_into_github_issues_see_it_close_and_close_the_milestone(
    app: FastAPI, dashboard: str, chromium: Browser, tmp_path: Path, issues: FakeIssues
) -> None:
    async with httpx.AsyncClient(base_url=dashboard, timeout=60) as client:
        api = await signed_in_api(client, EMAIL)
        project = await github_project(api, tmp_path)
        run_id = await run_with(app, project["id"], failing("AssertionError: total is 0"))

        page = await chromium.new_page()
        await page.goto(f"{dashboard}/login/?next=/runs/view/?id={run_id}")
        await page.get_by_label("E-mail").fill(EMAIL)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()

        # The failed result offers the defect; the project tracks defects in GitHub Issues.
        form = page.get_by_role("form", name="File a defect")
        await form.get_by_label("Severity").select_option("critical")
        await form.get_by_role("button", name="File a defect").click()
        filed = page.get_by_test_id("defect-filed")
        await expect(filed).to_contain_text("Filed D-1 (a GitHub issue follows).")
        await filed.get_by_role("link", name="D-1").click()

        title = "D-1 · test_checkout: AssertionError: total is 0"
        await expect(page.get_by_role("heading", name=title)).to_be_visible()
        await expect(page.get_by_test_id("sync-state")).to_have_text("up to date")
        await expect(page.get_by_role("link", name="octo/shop#1")).to_be_visible()
        body = page.get_by_test_id("defect-body")
        await expect(body).to_contain_text("tests/test_shop.py::test_checkout")
        await expect(page.get_by_test_id("defect-run")).to_have_count(1)
        created = issues.requests("POST")
        assert len(created) == 1
        assert issues.contract_violations == []

        # Someone closes the issue on GitHub: the webhook closes the defect.
        response = await deliver(client, "issues", issues_payload("closed", 1, sender="dev"))
        assert response.status_code == 202, response.text
        assert wait_for_deliveries(timeout=30)
        await page.reload()
        await expect(page.get_by_text("closed on GitHub by dev")).to_be_visible()
        await expect(page.get_by_role("button", name="Reopen")).to_be_visible()

        # A milestone: plan it, attach the defect, close it with a summary.
        await page.goto(f"{dashboard}/milestones/?project={project['id']}")
        form = page.get_by_role("form", name="New milestone")
        await form.get_by_label("Name").fill("Sprint 1")
        await form.get_by_label("Goal").fill("Checkout works")
        await form.get_by_label("Start").fill("2026-12-01")
        await form.get_by_label("Due").fill("2026-12-14")
        await form.get_by_role("button", name="Create milestone").click()
        await page.get_by_role("link", name="Sprint 1").click()
        await expect(page.get_by_role("heading", name="Sprint 1")).to_be_visible()
        milestone_id = page.url.split("id=", 1)[1].split("&", 1)[0]
        defects = await client.get(f"/api/projects/{project['id']}/defects", headers=api.headers)
        attached = await client.post(
            f"/api/milestones/{milestone_id}/attach",
            json={"defect_ids": [defects.json()["items"][0]["id"]]},
            headers=api.headers,
        )
        assert attached.status_code == 204, attached.text
        await page.reload()
        await expect(page.get_by_test_id("milestone-progress")).to_contain_text(
            "0 of 0 planned cases executed"
        )
        await expect(page.get_by_text("Defects: 0 open, 1 closed.")).to_be_visible()
        await expect(page.get_by_test_id("milestone-report")).to_contain_text("critical 1")
        await page.get_by_label("Summary (written from the figures when left empty)").fill(
            "Checkout fixed."
        )
        await page.get_by_role("button", name="Close milestone").click()
        await expect(page.get_by_test_id("milestone-summary")).to_have_text("Checkout fixed.")
