"""A person's first journey through the dashboard, in headless Chromium against the real
api on SQLite: sign up, verify through the local outbox, sign in, create an organisation
and a project on a local git repository, start a run and watch it live over the
WebSocket, read the run detail (a healed step), then explore the element cache and
invalidate the healed element. Screenshots of each main page are kept (path printed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.frontend.suite import (
    FIRST,
    HEAL_REASON,
    INSTRUCTION,
    SECOND,
    Gate,
    make_suite_repository,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EMAIL = "ada@example.com"
PASSWORD = "violet-Anchor-42-river"
ORG = "Ada's QA team"
PROJECT = "Teapot shop"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T000/B000/secret-part"
WAIT_MS = 60_000  # a run starts a pytest process in a fresh environment
WIDER_THAN_PHONE = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391).slice(0, 5)
  .map(e => e.tagName + '.' + e.className)"""


async def _sign_up_and_in(page: Page, base_url: str, shots: Path) -> None:
    await page.goto(f"{base_url}/signup/")
    await page.get_by_label("Full name").fill("Ada Lovelace")
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    await page.get_by_role("link", name="local outbox").click()
    await expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    await page.screenshot(path=shots / "outbox.png", full_page=True)
    await page.get_by_role("link", name="Verify e-mail").first.click()
    await expect(page.get_by_role("status")).to_contain_text("verified")

    await page.get_by_role("link", name="Go to sign in").click()
    await page.get_by_label("E-mail").fill(EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()


async def _create_project(page: Page, repository: str, shots: Path) -> None:
    await page.get_by_role("button", name="New organisation").click()
    await page.get_by_label("Organisation name").fill(ORG)
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_role("heading", name=ORG)).to_be_visible()

    form = page.get_by_role("form", name=f"New project in {ORG}")
    await form.get_by_label("Project name").fill(PROJECT)
    await form.get_by_label("Repository").fill(repository)
    await form.get_by_role("button", name="Create project").click()
    await expect(page.get_by_role("link", name=PROJECT, exact=True)).to_be_visible()
    await page.screenshot(path=shots / "projects.png", full_page=True)
    await page.get_by_role("link", name=PROJECT, exact=True).click()
    await expect(page.get_by_text("No runs match")).to_be_visible()
    onboarding = page.get_by_role("list").filter(has_text="Connect the repository")
    await expect(onboarding).to_contain_text("Start the first run and watch it live")
    # The project runs from a local git repository: that is its connected repository.
    await expect(onboarding.locator("li").first).to_contain_text("(done)")


async def _watch_live(page: Page, gate: Gate, shots: Path) -> None:
    await page.get_by_role("button", name="Start run").click()
    await expect(page.get_by_role("heading", name="Tests (live)")).to_be_visible()

    first = page.get_by_test_id("live-test").filter(has_text=FIRST)
    await expect(first).to_contain_text("passed", timeout=WAIT_MS)
    # The step's cache decision arrived as it happened, while the run is still going.
    await expect(first.get_by_test_id("live-step")).to_contain_text(INSTRUCTION)
    await expect(first.get_by_test_id("live-step")).to_contain_text("healed · 84 %")
    second = page.get_by_test_id("live-test").filter(has_text=SECOND)
    await expect(second).to_contain_text("running")
    await expect(page.get_by_test_id("run-status")).to_have_text("running")
    await expect(page.get_by_role("progressbar", name="Run progress")).to_have_attribute(
        "aria-valuenow", "50"
    )
    await page.screenshot(path=shots / "run-live.png", full_page=True)

    gate.open()  # lets the second test finish (it fails)
    await expect(page.get_by_test_id("run-status")).to_have_text("failed", timeout=WAIT_MS)


async def _read_detail(page: Page, shots: Path) -> None:
    healed = page.get_by_test_id("result-test").filter(has_text=FIRST)
    step = healed.get_by_test_id("result-step")
    await expect(step).to_contain_text(INSTRUCTION)
    await expect(step).to_contain_text("healed · 84 %")
    await expect(step).to_contain_text(HEAL_REASON)
    failed = page.get_by_test_id("result-test").filter(has_text=SECOND)
    await expect(failed).to_contain_text("failed")
    await expect(failed.get_by_test_id("failure-message")).to_contain_text("sold out")
    await expect(page.get_by_role("button", name="Re-run failed")).to_be_visible()

    # Finished: no live view any more, each step listed once, where the run came from.
    await expect(page.get_by_role("heading", name="Tests (live)")).to_have_count(0)
    await expect(page.get_by_test_id("result-step").filter(has_text=INSTRUCTION)).to_have_count(1)
    await expect(page.get_by_test_id("run-meta-trigger")).to_have_text("started by hand")
    await expect(page.get_by_test_id("run-meta-started-by")).to_have_text(EMAIL)
    await expect(page.get_by_test_id("run-meta-duration")).to_contain_text(" s")
    # The filter: only the test with a healed step, then only the failed one.
    results = page.get_by_test_id("result-test")
    await page.get_by_test_id("result-filter").get_by_text("Healed (1)").click()
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text(FIRST)
    await page.get_by_test_id("result-filter").get_by_text("Failed (1)").click()
    await expect(results).to_have_count(1)
    await expect(results).to_contain_text(SECOND)
    await page.get_by_test_id("result-filter").get_by_text("All tests (2)").click()
    await expect(results).to_have_count(2)

    # A public share link, shown once, then revoked.
    await page.get_by_role("button", name="Create share link").click()
    await expect(page.get_by_label("Share link (shown only now: copy it)")).to_have_value(
        re.compile(r"/reports/s/\S+$")
    )
    await page.get_by_role("button", name="Revoke all share links").click()
    await expect(page.get_by_role("status").filter(has_text="Revoked")).to_have_text(
        "Revoked 1 share link."
    )
    await page.screenshot(path=shots / "run-detail.png", full_page=True)

    # The report page (server-rendered, with the trace viewer) opens as this user.
    await page.get_by_role("button", name="Report page and trace").click()
    await page.wait_for_url("**/reports/**")
    await expect(page.get_by_text(SECOND).first).to_be_visible()
    # ... with a way back to the run.
    await page.get_by_role("link", name="← Back to the run in the dashboard").click()
    await expect(page.get_by_test_id("run-status")).to_have_text("failed")


async def _explore_cache(page: Page, shots: Path) -> None:
    await page.get_by_role("link", name="← Runs").click()
    await page.get_by_role("link", name="Element cache of this project").click()
    element = page.get_by_test_id("cache-element").filter(has_text=INSTRUCTION)
    await expect(element).to_contain_text("v2")
    await element.get_by_role("button", name=INSTRUCTION).click()

    versions = page.get_by_test_id("cache-version")
    await expect(versions).to_have_count(2)
    await expect(versions.nth(1)).to_contain_text("updated by healing")
    await expect(versions.nth(1)).to_contain_text("#buy-now")  # the diff: new selector
    await expect(page.get_by_test_id("cache-decision").first).to_contain_text("healed")
    await page.screenshot(path=shots / "cache-explorer.png", full_page=True)

    await page.get_by_role("button", name="Invalidate this element").click()
    await expect(element).to_contain_text("invalidated")
    await expect(page.get_by_test_id("cache-version")).to_have_count(3)


async def _import_envvars(page: Page, shots: Path) -> None:
    await page.get_by_role("link", name="← Runs").click()
    await page.get_by_role("link", name="Environment variables", exact=True).click()
    await expect(page.get_by_text("No variables yet.")).to_be_visible()
    await page.get_by_role("button", name="Import…").click()
    dialog = page.get_by_role("dialog", name="Import environment variables")
    await dialog.get_by_label(".env contents").fill(
        "BASE_URL=http://shop.test\nthis line is wrong\nAPI_TOKEN=abc123secretvalue\n"
    )
    await dialog.get_by_role("button", name="Preview").click()
    # The parser's problem is shown at its line; nothing is stored by a preview.
    await expect(dialog.get_by_role("list", name="Problems")).to_contain_text(
        "Line 2: expected KEY=value"
    )
    await page.screenshot(path=shots / "envvars-import.png", full_page=True)
    await dialog.get_by_role("button", name="Import", exact=True).click()
    await expect(dialog.get_by_role("alert")).to_contain_text("nothing was imported")

    await dialog.get_by_label(".env contents").fill(
        "BASE_URL=http://shop.test\nAPI_TOKEN=abc123secretvalue\n"
    )
    await dialog.get_by_role("button", name="Import", exact=True).click()
    await expect(dialog.get_by_text("Imported.")).to_be_visible()
    await dialog.get_by_role("button", name="Close").click()

    rows = page.get_by_test_id("envvar")
    await expect(rows).to_have_count(2)
    await expect(rows.filter(has_text="BASE_URL")).to_contain_text("http://shop.test")
    token = rows.filter(has_text="API_TOKEN")
    await expect(token).to_contain_text("••••••••")
    await expect(token).not_to_contain_text("abc123secretvalue")


async def _configure_workflow(page: Page, repository: str) -> None:
    """The local repository is already connected; add a workflow (push and pull-request
    triggers off and disabled: a folder sends no such events); a bad value is refused by
    the api and its message shown under the field it names."""
    await page.get_by_role("link", name="← Runs").click()
    await page.get_by_role("link", name="Repository and workflows").click()
    await expect(page.get_by_test_id("repository-connected")).to_contain_text(repository)
    await expect(page.get_by_role("form", name="Connect a repository")).to_have_count(0)
    await page.get_by_label("New workflow name").fill("Every push")
    await page.get_by_role("button", name="Add workflow").click()

    editor = page.get_by_role("form", name="Workflow Every push")
    await expect(editor.get_by_label("Pushes")).to_be_disabled()
    await expect(editor.get_by_label("Pushes")).not_to_be_checked()
    await expect(editor.get_by_label("Pull requests", exact=True)).to_be_disabled()
    await expect(editor.get_by_test_id("local-triggers-note")).to_contain_text("a folder")
    # Version 1 in words, not as JSON.
    first_version = page.get_by_test_id("workflow-version").last
    await expect(first_version).to_contain_text("Created with these settings")
    await expect(first_version.get_by_test_id("workflow-config-summary")).to_contain_text("by hand")
    limit = editor.get_by_label("Time limit (seconds)")
    await limit.fill("5")
    await editor.get_by_role("button", name="Save workflow").click()
    await expect(limit).to_have_attribute("aria-invalid", "true")
    message = await limit.get_attribute("aria-describedby")
    assert message is not None
    await expect(page.locator(f"[id='{message.split()[0]}']")).to_contain_text("60")

    await limit.fill("600")
    await editor.get_by_role("button", name="Save workflow").click()
    await expect(editor.get_by_role("status")).to_contain_text("Saved as version 2")

    # A Slack destination and a schedule: the webhook URL (a secret) is shown as saved,
    # never as its value; the schedule's next slots and the version history follow.
    await editor.get_by_role("button", name="Add a destination").click()
    await editor.get_by_label("Destination 1 webhook url").fill(SLACK_WEBHOOK)
    await editor.get_by_label("On a schedule").check()
    await editor.get_by_role("button", name="Save workflow").click()
    await expect(editor.get_by_role("status")).to_contain_text("Saved as version 3")
    await expect(editor.get_by_test_id("secret-setting")).to_contain_text("saved")
    next_runs = page.get_by_role("list", name="Next scheduled runs")
    await expect(next_runs.locator("li")).to_have_count(5)
    await expect(page.get_by_test_id("workflow-version")).to_have_count(3)
    await expect(page.get_by_test_id("workflow-version").first).to_contain_text(
        "config.triggers.schedule"
    )
    assert SLACK_WEBHOOK not in await page.content()


async def test_first_journey_sign_up_to_live_run_to_cache(
    dashboard: str, chromium: Browser, screenshot_dir: Path, tmp_path: Path
) -> None:
    gate = Gate().start()
    repository = make_suite_repository(tmp_path / "repo", gate)
    context = await chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = await context.new_page()
    try:
        await _sign_up_and_in(page, dashboard, screenshot_dir)
        await _create_project(page, repository, screenshot_dir)
        await _watch_live(page, gate, screenshot_dir)
        await _read_detail(page, screenshot_dir)
        await _explore_cache(page, screenshot_dir)

        # The same run detail on a phone: one column, nothing cut off sideways.
        await page.go_back()
        await page.go_back()
        await page.set_viewport_size({"width": 390, "height": 844})
        await expect(page.get_by_test_id("run-status")).to_have_text("failed")
        await expect(page.get_by_test_id("result-step")).to_be_visible()
        await expect(page.get_by_role("heading", name="Reports")).to_be_visible()
        # The replayed output too: long lines must wrap, not widen the page.
        await expect(page.get_by_test_id("live-test")).to_have_count(0)
        await expect(page.get_by_label("Test output")).to_contain_text("short test summary")
        width = await page.evaluate("document.documentElement.scrollWidth")
        wide = await page.evaluate(WIDER_THAN_PHONE) if width > 390 else []
        assert width <= 390, f"the run detail is {width}px wide on a 390px phone: {wide}"
        await page.screenshot(path=screenshot_dir / "run-detail-phone.png", full_page=True)

        await page.set_viewport_size({"width": 1280, "height": 900})
        await _import_envvars(page, screenshot_dir)
        await _configure_workflow(page, repository)
        await page.screenshot(path=screenshot_dir / "workflow-editor.png", full_page=True)

        # Back home: the project's trend sums up the run (1 of 2 passed, its one step healed).
        await page.get_by_role("link", name="Projects", exact=True).click()
        await expect(
            page.get_by_role("img", name="Last 1 runs: pass rate 50 %, cache hit rate 0 %")
        ).to_be_visible()

        # The project's overview: today's pass rate, the failing test, the schedule saved above.
        await page.get_by_role("link", name=f"Overview of {PROJECT}").click()
        await expect(page.get_by_text("Pass rate 50 % · cache hit rate 0 %")).to_be_visible()
        await expect(page.get_by_role("list", name="Failing tests")).to_contain_text(SECOND)
        await expect(page.get_by_role("list", name="Recent runs")).to_contain_text("1/2 passed")
        await expect(page.get_by_role("list", name="Upcoming schedules")).to_contain_text(
            "Every push"
        )
        await page.get_by_text("Pass rate: show as a table").click()
        await expect(page.get_by_role("table", name="Pass rate per day")).to_contain_text(
            "1 of 2 tests passed in 1 runs"
        )
        await page.screenshot(path=screenshot_dir / "home.png", full_page=True)
        await page.set_viewport_size({"width": 390, "height": 844})
        width = await page.evaluate("document.documentElement.scrollWidth")
        wide = await page.evaluate(WIDER_THAN_PHONE) if width > 390 else []
        assert width <= 390, f"the overview is {width}px wide on a 390px phone: {wide}"
        await page.set_viewport_size({"width": 1280, "height": 900})

        # The top bar leads to the organisation's pages; the audit log names who did what
        # and filters by action.
        nav = page.get_by_role("navigation", name="Main")
        for name in ("Projects", "Repositories", "Members", "Deliveries", "Audit log", "Outbox"):
            await expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        await nav.get_by_role("link", name="Audit log").click()
        events = page.get_by_test_id("audit-event")
        await expect(events.first).to_be_visible()
        await expect(events.filter(has_text="refresh")).to_have_count(0)
        await page.get_by_label("Action").fill("run")
        await page.get_by_role("button", name="Filter").click()
        await expect(events).to_have_count(1)
        await expect(events).to_contain_text("run.start")
        await expect(events).to_contain_text(EMAIL)
        await page.get_by_label("Action").fill("project.create")
        await page.get_by_role("button", name="Filter").click()
        await expect(events).to_have_count(1)
        await page.get_by_label("Actor").fill("nobody@example.com")
        await page.get_by_role("button", name="Filter").click()
        await expect(page.get_by_text("No event matches.")).to_be_visible()
        favicon = await page.request.get(f"{dashboard}/favicon.ico")
        assert favicon.status == 200
        assert favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")

        # The organisation's GitHub webhook deliveries (admins): none on a local repository.
        await nav.get_by_role("link", name="Projects", exact=True).click()
        team = page.locator("section").filter(has=page.get_by_role("heading", name=ORG))
        await team.get_by_role("link", name="Members", exact=True).click()
        await page.get_by_role("main").get_by_role("link", name="GitHub webhook deliveries").click()
        await expect(page.get_by_text("No webhook deliveries yet.")).to_be_visible()

        # The organisation's repositories: the project's local one, disconnected from here;
        # installing the App says what this server is missing.
        await page.get_by_role("link", name="← Members").click()
        await page.get_by_role("main").get_by_role("link", name="Repositories", exact=True).click()
        row = page.get_by_test_id("org-repository")
        await expect(row).to_contain_text("remote.git")
        await row.get_by_role("button", name="Disconnect").click()
        await expect(page.get_by_text("Repository disconnected.")).to_be_visible()
        await expect(row).to_contain_text("disconnected")
        # Where GitHub's setup callback lands after binding an installation.
        await page.goto(f"{page.url}&installed=77")
        await expect(
            page.get_by_text("The GitHub App is installed (installation 77)")
        ).to_be_visible()
        await page.get_by_role("button", name="Install the GitHub App").click()
        await expect(page.get_by_text("The GitHub App is not configured")).to_be_visible()

        # Members: an invitation sent shows as pending; the account page lists this session.
        await page.get_by_role("link", name="← Members").click()
        invite = page.get_by_role("form", name="Invite someone")
        await invite.get_by_label("E-mail").fill("grace@example.com")
        await invite.get_by_role("button", name="Send invitation").click()
        await expect(page.get_by_text("grace@example.com")).to_be_visible()
        await page.get_by_role("link", name="ada@example.com").click()
        await expect(page.get_by_text("this session")).to_be_visible()
    finally:
        gate.close()  # never leave the suite waiting
        await context.close()
