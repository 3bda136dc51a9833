"""The example apps' specs are right: every hand-written Playwright step, run in real
Chromium on both variants, leaves the page where the step's check says it should be, and
every extract returns the expected value. And the checks are not vacuous: none is already
true on the freshly loaded page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page

from examples.apps import APPS, VARIANTS, serve
from examples.apps.spec import AppSpec, normalise

pytestmark = [pytest.mark.browser, pytest.mark.sync_browser]

CASES = [(name, variant) for name in APPS for variant in VARIANTS]
IDS = [f"{name}-{variant}" for name, variant in CASES]
HAS_CONTROLS = """() => {
  const count = (root) => [...root.querySelectorAll('*')].reduce(
    (n, el) => n + (/^(INPUT|BUTTON|A|SELECT)$/.test(el.tagName) ? 1 : 0)
      + (el.shadowRoot ? count(el.shadowRoot) : 0), 0);
  return count(document) > 0;
}"""


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Page]:
    # pytest-playwright's browser (launched with the plugin's Chromium arguments): a second
    # sync_playwright() in a process that already runs one fails ("Sync API inside the
    # asyncio loop") when xdist puts these tests beside other sync browser tests.
    context = browser.new_context()
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
        # apps that build their page late (or inside shadow roots): judge the page once its
        # controls are there, not before
        new_page.wait_for_function(HAS_CONTROLS)
        passing = [step.terse for step in spec.steps if new_page.evaluate(step.check) is not False]
        assert passing == []


def _task_row(page: Page, title: str) -> Locator:
    return (
        page.get_by_role("listitem").filter(has=page.get_by_role("checkbox")).filter(has_text=title)
    )


def _hover_and_click_button(row: Locator) -> None:
    row.hover()
    row.get_by_role("button").click()


def _board_column(page: Page, name: str) -> Locator:
    return page.get_by_role("heading", name=re.compile(f"^{name}", re.I))


# The plausible wrong action for a step (a look-alike, a neighbour row, the other button):
# done instead of the step, the step's check must say no. (app, step number, wrong action)
WRONG_ACTIONS: list[tuple[str, int, Callable[[Page], object]]] = [
    ("tasks_preact", 3, lambda page: _task_row(page, "buy milk").get_by_role("checkbox").check()),
    ("tasks_preact", 8, lambda page: page.get_by_role("button", name="Clear completed").click()),
    ("tasks_preact", 11, lambda page: _hover_and_click_button(_task_row(page, "call mom"))),
    (
        "tasks_preact",
        12,
        lambda page: _task_row(page, "pay rent").get_by_role("checkbox").uncheck(),
    ),
    (
        "settings_lit",
        4,
        lambda page: page.get_by_label(re.compile("country", re.I)).select_option("France"),
    ),
    ("settings_lit", 6, lambda page: page.get_by_label(re.compile("newsletter", re.I)).uncheck()),
    (
        "settings_lit",
        12,
        lambda page: (
            page.get_by_role("dialog").get_by_role("button", name=re.compile("^Delete")).click()
        ),
    ),
    (
        "backoffice",
        2,
        lambda page: (
            page.get_by_role("row")
            .filter(has_text="Lukas Novak")
            .get_by_role("button", name=re.compile("^Remove"))
            .click()
        ),
    ),
    (
        "backoffice",
        3,
        lambda page: (
            page.get_by_role("row")
            .filter(has_text="Tom Becker")
            .get_by_role("link", name="Edit", exact=True)
            .click()
        ),
    ),
    (
        "backoffice",
        4,
        lambda page: page.get_by_label(re.compile("status", re.I)).select_option("Cancelled"),
    ),
    (
        "board_jquery",
        6,
        lambda page: (
            page.locator("[draggable=true]")
            .filter(has_text="Fix login bug")
            .drag_to(_board_column(page, "Done"))
        ),
    ),
    (
        "board_jquery",
        9,
        lambda page: _hover_and_click_button(
            page.locator("[draggable=true]").filter(has_text="Design new logo")
        ),
    ),
]
WRONG_CASES = [
    (app, number, wrong, variant) for app, number, wrong in WRONG_ACTIONS for variant in VARIANTS
]


@pytest.mark.parametrize(
    ("name", "number", "wrong", "variant"),
    WRONG_CASES,
    ids=[f"{app}-step{number}-{variant}" for app, number, _, variant in WRONG_CASES],
)
def test_a_wrong_action_fails_the_check(
    new_page: Page, name: str, number: int, wrong: Callable[[Page], object], variant: str
) -> None:
    spec = APPS[name].spec
    with serve(name, variant) as base_url:
        new_page.goto(base_url + spec.start)
        for step in spec.steps[: number - 1]:
            step.playwright(new_page)
            new_page.wait_for_load_state()
        wrong(new_page)
        new_page.wait_for_load_state()
        assert new_page.evaluate(spec.steps[number - 1].check) is False


@pytest.mark.parametrize("variant", VARIANTS)
def test_backoffice_refuses_bad_input_with_4xx(variant: str) -> None:
    from starlette.testclient import TestClient

    from examples.apps.backoffice.app import create_app

    client = TestClient(create_app(variant))
    assert client.get("/orders/9999").status_code == 404
    assert client.get("/orders/abc").status_code == 404
    assert client.post("/orders/1042/edit", data={"status": "Lost"}).status_code == 400
    assert client.get("/orders?page=zero").status_code == 200  # a bad page number shows page 1
    assert "Paid" in client.get("/orders/1042").text  # the refused edit changed nothing
