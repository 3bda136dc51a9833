"""A trace recorded by a real run's test (Chromium, in the run's test process) opens from
the report page in the trace viewer that ships inside the playwright package, and the
viewer shows the recorded actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from backend.client.browser import launch_options
from backend.config import Settings
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import live_api

TRACING_SUITE = {
    "tests/test_shop.py": '''from pathlib import Path

from playwright.sync_api import sync_playwright

from backend.client.browser import launch_options

SHOP = """<title>Tea shop</title>
<button id="buy" onclick="this.textContent = 'Bought'">Buy green tea</button>"""


def test_buy_tea():
    results = Path(__file__).resolve().parents[1] / "test-results"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        context = browser.new_context()
        context.tracing.start(snapshots=True, screenshots=True)
        page = context.new_page()
        page.set_content(SHOP)
        page.click("#buy")
        context.tracing.stop(path=results / "trace.zip")
        browser.close()
''',
}


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {"dispatcher": "inprocess", "event_bus": "memory", "env_cache_dir": shared_env_cache}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_trace_viewer_opens_the_trace_a_run_recorded_from_the_report_page(
    client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "viewer@example.com")
    project = await api.project(make_git_repo(tmp_path / "repo", TRACING_SUITE))
    run = await api.start(project["id"], branch="main")
    detail = await api.wait(run["id"])
    assert detail["status"] == "passed", detail["reason"]
    assert [a["kind"] for a in detail["artifacts"]].count("trace") == 1
    link = await client.post(f"/api/runs/{run['id']}/report-link", headers=api.headers)
    parts = urlsplit(link.json()["url"])

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            with live_api(settings) as base:
                context = await browser.new_context()
                page = await context.new_page()
                await page.goto(f"{base}{parts.path}?{parts.query}")
                await expect(page.locator("#run-status")).to_have_text("passed")
                async with context.expect_page() as opened:
                    await page.locator("a.trace-link").click()
                viewer = await opened.value
                # The viewer lists the recorded actions and shows the click's target.
                actions = viewer.locator(".action-title")
                await expect(actions.filter(has_text="Set content")).to_have_count(
                    1, timeout=30_000
                )
                await expect(actions.filter(has_text="Click")).to_have_count(1)
                await expect(viewer.get_by_text('locator("#buy")').first).to_be_visible()
                await context.close()
        finally:
            await browser.close()
