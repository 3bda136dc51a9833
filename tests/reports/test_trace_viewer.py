"""A real trace, recorded by Chromium, opens from the report page in the trace viewer that
ships inside the playwright package, and the viewer shows its actions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import async_playwright, expect

from backend.client.browser import launch_options
from backend.config import Settings
from tests.reports.helpers import add_artifact, finished_run
from tests.runs.helpers import signed_in_api
from tests.runs.servers import live_api

SHOP = """<title>Tea shop</title>
<button id="buy" onclick="this.textContent = 'Bought'">Buy green tea</button>"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_trace_viewer_opens_a_real_trace_from_the_report_page(
    app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    trace = tmp_path / "trace.zip"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch_options())
        try:
            recording = await browser.new_context()
            await recording.tracing.start(snapshots=True, screenshots=True)
            shop = await recording.new_page()
            await shop.set_content(SHOP)
            await shop.click("#buy")
            await recording.tracing.stop(path=trace)
            await recording.close()

            with live_api(settings) as base:
                async with httpx.AsyncClient(base_url=base) as client:
                    api = await signed_in_api(client, "viewer@example.com")
                    project = await api.project("file:///nowhere")
                    run_id = await finished_run(app, project["id"])
                    await add_artifact(
                        app,
                        run_id,
                        "test-results/trace.zip",
                        trace.read_bytes(),
                        kind="trace",
                        content_type="application/zip",
                    )
                    link = await client.post(f"/api/runs/{run_id}/report-link", headers=api.headers)
                    parts = urlsplit(link.json()["url"])

                context = await browser.new_context()
                page = await context.new_page()
                await page.goto(f"{base}{parts.path}?{parts.query}")
                await expect(page.locator("#run-status")).to_have_text("failed")
                async with context.expect_page() as opened:
                    await page.locator("a.trace-link").click()
                viewer = await opened.value
                # The viewer's action list shows the recorded actions and the click's target.
                actions = viewer.locator(".action-title")
                await expect(actions.filter(has_text="Set content")).to_have_count(
                    1, timeout=30_000
                )
                await expect(actions.filter(has_text="Click")).to_have_count(1)
                await expect(viewer.get_by_text('locator("#buy")').first).to_be_visible()
                await context.close()
        finally:
            await browser.close()
