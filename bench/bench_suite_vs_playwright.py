"""The speed comparison that matters: a warm plain-language flow (``ai.act``, every element
from the verified cache) against the same flow hand-written in Playwright (locators by
label and role), on the demo shop, in one browser.

Three flows of the example suite (examples/tests/test_forms.py): a login, the login's
validation errors, the catalogue's search and filters. The plain-language version runs
once to fill the cache (not timed), then both versions run ``--repeat`` times, alternating,
each in a fresh page; both wait for the same visible outcomes with Playwright's
``expect``. Prints one JSON line: median seconds per flow and in total, and the ratio.

    uv run python bench/bench_suite_vs_playwright.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from backend.client.api import AI
from backend.client.browser import launch_options
from backend.client.settings import ClientSettings
from examples.demo_app import Variant, running_demo_app
from examples.tests.helpers import PASSWORD, log_in

# --------------------------------------------------------------------------- plain language


# The login is the example suite's own helper (examples/tests/helpers.py: log_in).


def ai_login_errors(ai: AI, base: str) -> None:
    ai.goto(f"{base}/login")
    ai.act("click the log in button")
    expect(ai.page.get_by_text("Email is required")).to_be_visible()
    ai.act('type "alice@example.com" into the email field')
    ai.act('type "not-her-password" into the password field')
    ai.act("click the log in button")
    expect(ai.page.get_by_role("alert")).to_have_text("Incorrect email or password")


def ai_search(ai: AI, base: str) -> None:
    ai.goto(f"{base}/products")
    ai.act('select "Garden" from the category dropdown')
    expect(ai.page.get_by_text("2 products found")).to_be_visible()
    ai.act('type "20" into the max price field')
    ai.act("click the apply filters button")
    expect(ai.page.get_by_text("1 product found")).to_be_visible()


# --------------------------------------------------------------------------- hand-written


def pw_login(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as alice@example.com")).to_be_visible()


def pw_login_errors(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Email is required")).to_be_visible()
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect email or password")


def pw_search(page: Page, base: str) -> None:
    page.goto(f"{base}/products")
    page.get_by_label("Category").select_option(label="Garden")
    expect(page.get_by_text("2 products found")).to_be_visible()
    page.get_by_label("Max price (€)").fill("20")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("1 product found")).to_be_visible()


FLOWS: dict[str, tuple[Callable[[AI, str], None], Callable[[Page, str], None]]] = {
    "login": (log_in, pw_login),
    "login_errors": (ai_login_errors, pw_login_errors),
    "search_filters": (ai_search, pw_search),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    timings: dict[str, dict[str, list[float]]] = {
        name: {"plain_language": [], "playwright": []} for name in FLOWS
    }
    decisions: set[str] = set()
    with (
        tempfile.TemporaryDirectory(prefix="bench-suite-") as data,
        running_demo_app(Variant.ORIGINAL) as shop,
        sync_playwright() as playwright,
    ):
        settings = ClientSettings(data_dir=Path(data), project="bench", branch_scope="bench")
        browser = playwright.chromium.launch(**launch_options())
        base = shop.base_url

        def timed_ai(flow: Callable[[AI, str], None], record: bool) -> float:
            context = browser.new_context()
            page = context.new_page()
            steps: list[str] = []
            ai = AI(page, settings=settings, on_step=lambda result: steps.append(result.decision))
            started = time.perf_counter()
            flow(ai, base)
            took = time.perf_counter() - started
            context.close()
            if record:
                decisions.update(steps)
            return took

        def timed_pw(flow: Callable[[Page, str], None]) -> float:
            context = browser.new_context()
            page = context.new_page()
            started = time.perf_counter()
            flow(page, base)
            took = time.perf_counter() - started
            context.close()
            return took

        for ai_flow, pw_flow in FLOWS.values():  # warm-up: fill the cache, load the pages
            timed_ai(ai_flow, record=False)
            timed_pw(pw_flow)
        for _ in range(options.repeat):
            for name, (ai_flow, pw_flow) in FLOWS.items():
                timings[name]["plain_language"].append(timed_ai(ai_flow, record=True))
                timings[name]["playwright"].append(timed_pw(pw_flow))
        browser.close()

    per_flow = {
        name: {kind: round(statistics.median(values), 4) for kind, values in kinds.items()}
        for name, kinds in timings.items()
    }
    total_ai = sum(flow["plain_language"] for flow in per_flow.values())
    total_pw = sum(flow["playwright"] for flow in per_flow.values())
    print(
        json.dumps(
            {
                "bench": "suite_vs_playwright",
                "repeat": options.repeat,
                "flows": per_flow,
                "plain_language_s": round(total_ai, 4),
                "playwright_s": round(total_pw, 4),
                "ratio": round(total_ai / total_pw, 3),
                "warm_decisions": sorted(decisions),  # cache hits only when truly warm
            }
        )
    )


if __name__ == "__main__":
    main()
