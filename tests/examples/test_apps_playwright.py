"""The example apps' specs are right: every hand-written Playwright step, run in real
Chromium on both variants, leaves the page where the step's check says it should be, and
every extract returns the expected value. And the checks are not vacuous: none is already
true on the freshly loaded page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from examples.apps import APPS, VARIANTS, serve
from examples.apps.spec import AppSpec, normalise

pytestmark = [pytest.mark.browser, pytest.mark.sync_browser]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
CASES = [(name, variant) for name in APPS for variant in VARIANTS]
IDS = [f"{name}-{variant}" for name, variant in CASES]
HAS_CONTROLS = """() => {
  const count = (root) => [...root.querySelectorAll('*')].reduce(
    (n, el) => n + (/^(INPUT|BUTTON|A|SELECT)$/.test(el.tagName) ? 1 : 0)
      + (el.shadowRoot ? count(el.shadowRoot) : 0), 0);
  return count(document) > 0;
}"""


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5_000)
    yield page
    context.close()


@pytest.mark.parametrize("name", list(APPS))
def test_spec_is_well_formed(name: str) -> None:
    spec: AppSpec = APPS[name].spec
    assert spec.name == name
    assert spec.start.startswith("/")
    assert 8 <= len(spec.steps) <= 14
    kinds = {step.kind for step in spec.steps}
    assert kinds == {"act", "extract"}
    for step in spec.steps:
        phrasings = step.phrasings()
        assert len(set(phrasings.values())) == 3, phrasings
        assert (step.expected is not None) == (step.kind == "extract"), step.terse
        for text in phrasings.values():
            for variable in re.findall(r"%(\w+)%", text):
                assert variable in spec.variables, f"{variable!r} is used but not declared"


@pytest.mark.parametrize(("name", "variant"), CASES, ids=IDS)
def test_hand_written_steps_pass_every_check(new_page: Page, name: str, variant: str) -> None:
    spec = APPS[name].spec
    with serve(name, variant) as base_url:
        new_page.goto(base_url + spec.start)
        for number, step in enumerate(spec.steps, start=1):
            value = step.playwright(new_page)
            new_page.wait_for_load_state()  # multi-page apps: judge the page the step led to
            if step.kind == "extract":
                assert normalise(value) == normalise(step.expected), f"step {number}: {step.terse}"
            assert new_page.evaluate(step.check) is True, (
                f"step {number} check failed: {step.terse}"
            )


@pytest.mark.parametrize(("name", "variant"), CASES, ids=IDS)
def test_no_check_passes_on_the_fresh_page(new_page: Page, name: str, variant: str) -> None:
    spec = APPS[name].spec
    with serve(name, variant) as base_url:
        new_page.goto(base_url + spec.start)
        new_page.wait_for_load_state("networkidle")
        # apps that build their page late (or inside shadow roots): judge the page once its
        # controls are there, not before
        new_page.wait_for_function(HAS_CONTROLS)
        passing = [step.terse for step in spec.steps if new_page.evaluate(step.check) is not False]
        assert passing == []
