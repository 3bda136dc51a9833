"""A QA lead's journey through a project's test analytics, in headless Chromium against the
real api on SQLite, on data made by real runs (three runs of a three-test suite through the
api's in-process worker: nothing inserted by hand): search the tests, read the flaky one's
evidence and the failing one's history, quarantine it and see the next run pass with the
note, triage its failure cluster, compare two runs, and read the duration trends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.auth.helpers import PASSWORD
from tests.frontend.test_dashboard_journey import WAIT_MS
from tests.runs.helpers import Api, make_git_repo, signed_in_api

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EMAIL = "lin@example.com"
CART = "tests/test_shop.py::test_cart"
CHECKOUT = "tests/test_shop.py::test_checkout"
SEARCH = "tests/test_shop.py::test_search"
# test_checkout fails on its first attempt in each checkout and passes on the retry
# (flaky: pass on retry); test_search always fails with an error whose numbers change.
SUITE = {
    "tests/test_shop.py": (
        "import pathlib\nimport time\n\n"
        "def test_cart():\n    assert True\n\n"
        "def test_checkout():\n"
        "    marker = pathlib.Path(__file__).with_name('.checkout-tried')\n"
        "    if not marker.exists():\n"
        "        marker.write_text('1')\n"
        "        raise AssertionError('payment page timed out')\n\n"
        "def test_search():\n"
        "    took = int(time.time() * 1000) % 997\n"
        "    raise AssertionError(f'search for id {took} returned 0 results after {took} ms')\n"
    ),
}


async def _run(api: Api, project_id: str) -> dict[str, Any]:
    run = await api.start(project_id, branch="main", options={"retries": 1})
    return await api.wait(run["id"], within=WAIT_MS / 1000 * 3)


async def _sign_in(page: Page, base_url: str, project_id: str) -> None:
    await page.goto(f"{base_url}/login/?next=/runs/?project={project_id}")
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Shop · runs")).to_be_visible()


async def test_search_history_quarantine_triage_compare_trends(
    dashboard: str, chromium: Browser, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=dashboard, timeout=60) as client:
        api = await signed_in_api(client, EMAIL)
        project = await api.project(make_git_repo(tmp_path / "repo", SUITE), name="Shop")
        first = await _run(api, project["id"])
        second = await _run(api, project["id"])
        assert (first["status"], second["status"]) == ("failed", "failed"), second["reason"]

        context = await chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        page = await context.new_page()
        try:
            await _sign_in(page, dashboard, project["id"])
            # One link from the project to its tests; the search finds them by name.
            await page.get_by_role("link", name="Tests: history, flaky").click()
            rows = page.get_by_test_id("test-row")
            await expect(rows).to_have_count(3)
            await page.get_by_label("Name contains").fill("checkout")
            await expect(rows).to_have_count(1)
            await expect(rows).to_contain_text(CHECKOUT)
            await expect(rows.get_by_test_id("test-health")).to_have_text("flaky")

            # The flaky test with its evidence: failed, then passed on retry.
            tests_nav = page.get_by_role("navigation", name="Tests")
            await tests_nav.get_by_role("link", name="Flaky and broken").click()
            flaky = page.get_by_test_id("flaky-test").filter(has_text=CHECKOUT)
            await expect(flaky.get_by_test_id("evidence").first).to_contain_text("passed on retry")

            # The failing test's history: both results, filtered by branch.
            await tests_nav.get_by_role("link", name="Search").click()
            await page.get_by_label("Name contains").fill("search")
            await page.get_by_role("link", name=SEARCH).click()
            await expect(page.get_by_test_id("test-name")).to_have_text(SEARCH)
            history = page.get_by_test_id("history-row")
            await expect(history).to_have_count(2)
            await expect(history.first).to_contain_text("returned 0 results")
            await expect(history.first).to_contain_text("main")
            await page.get_by_label("Branch").fill("release")
            await expect(page.get_by_text("No results for these filters.")).to_be_visible()
            await page.get_by_label("Branch").fill("")
            await page.get_by_role("combobox", name="Period").select_option(label="last 24 hours")
            await expect(history).to_have_count(2)
            await expect(page.get_by_test_id("duration-chart")).to_be_visible()

            # Quarantine it: the next run passes and says what was left out.
            await page.get_by_label("Reason").fill("search index rebuild, bug #31")
            await page.get_by_role("button", name="Quarantine this test").click()
            await expect(page.get_by_test_id("quarantine-info")).to_contain_text(
                "search index rebuild"
            )
            await expect(page.get_by_role("button", name="Release from quarantine")).to_be_visible()
            third = await _run(api, project["id"])
            assert third["status"] == "passed", third["reason"]
            assert third["reason"] == "quarantined: 1 test failed, not counted"
            await page.goto(f"{dashboard}/runs/view/?id={third['id']}")
            await expect(page.get_by_test_id("run-status")).to_have_text("passed")
            await expect(page.get_by_text(third["reason"])).to_be_visible()
            shown = page.get_by_test_id("result-test").filter(has_text=SEARCH)
            await expect(shown.get_by_test_id("quarantined")).to_have_text(
                "quarantined: not counted"
            )
            await expect(shown).to_contain_text("returned 0 results")

            await page.goto(f"{dashboard}/tests/quarantine/?project={project['id']}")
            quarantined = page.get_by_test_id("quarantined-test")
            await expect(quarantined).to_have_count(1)
            await expect(quarantined).to_contain_text(SEARCH)
            await expect(quarantined).to_contain_text(EMAIL)

            # Its failures form one cluster (the numbers in the message do not split it);
            # triage it as a product bug.
            await (
                page.get_by_role("navigation", name="Tests")
                .get_by_role("link", name="Failure clusters")
                .click()
            )
            cluster = page.get_by_test_id("cluster").filter(has_text="returned 0 results")
            await expect(cluster).to_have_count(1)
            await expect(cluster).to_contain_text("3 failures in 1 tests")
            await cluster.get_by_label("Decision").select_option(label="Product bug")
            await cluster.get_by_label("Note").fill("search index, bug #31")
            await cluster.get_by_role("button", name="Save decision").click()
            await expect(cluster).to_contain_text("triaged: Product bug")
            await page.get_by_label("Show").select_option(label="not triaged")
            await expect(
                page.get_by_test_id("cluster").filter(has_text="returned 0 results")
            ).to_have_count(0)

            # Compare the first and the third run: the quarantined test still fails.
            await (
                page.get_by_role("navigation", name="Tests")
                .get_by_role("link", name="Compare runs")
                .click()
            )
            await page.get_by_label("Base run (before)").select_option(value=str(first["id"]))
            await page.get_by_label("Head run (after)").select_option(value=str(third["id"]))
            await page.get_by_role("button", name="Compare").click()
            await expect(page.get_by_test_id("compare-still_failing")).to_contain_text(SEARCH)
            await expect(page.get_by_role("region", name="New failures")).to_contain_text("None.")

            # Trends of the suite, and what flakiness cost.
            await (
                page.get_by_role("navigation", name="Tests")
                .get_by_role("link", name="Duration trends")
                .click()
            )
            await expect(page.get_by_test_id("duration-chart")).to_be_visible()
            await expect(page.get_by_test_id("cost")).to_contain_text("Failures of flaky tests")

            # Release it again from the quarantine list.
            await (
                page.get_by_role("navigation", name="Tests")
                .get_by_role("link", name="Quarantine")
                .click()
            )
            await page.get_by_role("button", name="Release from quarantine").click()
            await expect(page.get_by_text("No test is quarantined.")).to_be_visible()
        finally:
            await context.close()
