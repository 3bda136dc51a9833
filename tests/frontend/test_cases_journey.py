"""A QA engineer's journey through test cases and plans, in headless Chromium against the
real api on SQLite: a suite and a case by hand, an edit read back as a version, a CSV
import whose bad line is named (line and column) before anything is stored, a plan of the
suite, and a plan run executed by hand with its progress."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.auth.helpers import PASSWORD
from tests.runs.helpers import make_git_repo, signed_in_api

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EMAIL = "qa-lead@example.com"
BAD_CSV = "Title,Priority,Suite\nRefund by phone,high,Checkout\nGift wrap,someday,Checkout\n"
GOOD_CSV = "Title,Priority,Suite\nRefund by phone,high,Checkout\nGift wrap,low,Checkout\n"


async def _sign_in(page: Page, base_url: str, project_id: str) -> None:
    await page.goto(f"{base_url}/login/?next=/cases/?project={project_id}")
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Shop · test cases")).to_be_visible()


async def test_cases_versions_csv_import_and_a_plan_run(
    dashboard: str, chromium: Browser, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=dashboard, timeout=60) as client:
        api = await signed_in_api(client, EMAIL)
        project = await api.project(make_git_repo(tmp_path / "repo", {"a.py": ""}), name="Shop")
    context = await chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = await context.new_page()
    try:
        await _sign_in(page, dashboard, project["id"])
        # A suite, chosen in the tree; a case created in it.
        await page.get_by_label("Suite name").fill("Checkout")
        await page.get_by_role("form", name="New suite").get_by_role("button").click()
        suites = page.get_by_role("navigation", name="Suites")
        await suites.get_by_role("button", name="Checkout").click()
        await page.get_by_label("New case title").fill("Pay by card")
        await page.get_by_role("button", name="Create case").click()
        await expect(page.get_by_role("status").filter(has_text="TC-1")).to_be_visible()
        rows = page.locator("tbody tr")
        await expect(rows).to_have_count(1)
        await page.get_by_label("Search").fill("refund")
        await expect(page.get_by_text("No case matches.")).to_be_visible()
        await page.get_by_label("Search").fill("")

        # The case: edited, and the change read back as version 2.
        await page.get_by_role("table").get_by_role("link", name="TC-1").click()
        await expect(page.get_by_role("heading", name="TC-1 Pay by card")).to_be_visible()
        edit = page.get_by_role("form", name="Edit case")
        await edit.get_by_label("Status").select_option("ready")
        await edit.get_by_label("Steps").fill("Open /checkout => The card form shows")
        await edit.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status").filter(has_text="version 2")).to_be_visible()
        versions = page.get_by_role("list", name="Versions")
        await expect(versions).to_contain_text("Version 2")
        await expect(versions).to_contain_text("draft → ready")
        await expect(page.get_by_role("list", name="Steps")).to_contain_text("Open /checkout")

        # CSV import: the bad line is named before anything is stored, then all rows go in.
        await page.get_by_role("link", name="← Test cases").click()
        await page.get_by_role("link", name="Import CSV").click()
        await page.get_by_label("CSV contents").fill(BAD_CSV)
        await page.get_by_role("button", name="Preview").click()
        problems = page.get_by_role("table", name="Problems")
        await expect(problems).to_contain_text("3")
        await expect(problems).to_contain_text("Priority")
        await expect(problems).to_contain_text("'someday' is not one of")
        await expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()
        await page.get_by_label("CSV contents").fill(GOOD_CSV)
        await page.get_by_role("button", name="Preview").click()
        await expect(page.get_by_role("status").filter(has_text="Would create 2")).to_be_visible()
        await page.get_by_role("button", name="Import", exact=True).click()
        await expect(page.get_by_role("status").filter(has_text="Created 2")).to_be_visible()

        # A plan of the suite and a run of it, executed by hand.
        await page.get_by_role("link", name="← Test cases").click()
        await expect(rows).to_have_count(3)
        await page.get_by_role("link", name="Test plans").click()
        await page.get_by_label("Plan name").fill("Release 2.0")
        await page.get_by_role("checkbox", name="Checkout").check()
        await page.get_by_role("button", name="Create plan").click()
        await expect(page.get_by_role("listitem").filter(has_text="Release 2.0")).to_be_visible()
        await page.get_by_role("button", name="Start a run").click()
        await expect(page.get_by_role("heading", name="Release 2.0")).to_be_visible()
        await expect(page.get_by_text("0 of 3 executed ·")).to_be_visible()
        pay = page.get_by_role("form", name="Result for TC-1")
        await pay.get_by_label("Result").select_option("failed")
        await pay.get_by_label("Comment").fill("declined with a valid card")
        await pay.get_by_label("Minutes").fill("5")
        await pay.get_by_role("button", name="Record").click()
        await expect(page.get_by_text("1 of 3 executed ·")).to_be_visible()
        await expect(page.get_by_text("declined with a valid card")).to_be_visible()
        by_assignee = page.get_by_role("list", name="Progress by assignee")
        await expect(by_assignee).to_contain_text("unassigned: 1 of 3 executed")
    finally:
        await context.close()
