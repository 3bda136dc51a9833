"""The TestAble pytest plugin (entry point ``pytest11: testable``).

Loaded in every pytest session, so importing it is cheap and it does nothing until a test
asks for ``ai`` / ``async_ai``: then the element store, the resolver and a private event
loop for them are created once for the session (closed at the end).

Gives: fixtures ``ai`` (sync, over pytest-playwright's ``page``) and ``async_ai`` (its own
async Playwright browser, same launch options); markers ``smoke``, ``critical``, ``slow``,
``cache`` and ``case`` (``@pytest.mark.case("TC-12")`` links a test to a test case); a
screenshot and a Playwright trace of every failed test that used ``ai``; each test's step
log and cache statistics, and what identifies the test (its case markers, file, docstring,
body hash: ``backend.client.testinfo``) in the pytest-json-report output (``testable`` in
the test's ``metadata``, and a session ``testable`` section); a summary line.
"""

from __future__ import annotations

import pytest

MARKERS = {
    "smoke": "smoke: a quick check that the application is up",
    "critical": "critical: a business-critical journey",
    "slow": "slow: a long-running test",
    "cache": "cache: exercises the TestAble element cache",
    "case": 'case(key): links the test to a TestAble test case: @pytest.mark.case("TC-12")',
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("testable", "TestAble")
    group.addoption(
        "--testable-artifacts",
        default=None,
        help="folder for screenshots and traces of failed tests "
        "(default: pytest-playwright's --output)",
    )
    group.addoption(
        "--testable-no-cache",
        action="store_true",
        default=False,
        help="ask the resolver for every step and store nothing",
    )


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)
    # The fixtures are registered here, after every entry-point plugin, so that our launch
    # options override pytest-playwright's fixture of the same name (the last one wins).
    from backend.client import fixtures
    from backend.client.events import RunEvents
    from backend.client.session import TestAbleSession

    config.pluginmanager.register(RunEvents(config), RunEvents.NAME)
    config.pluginmanager.register(TestAbleSession(config), TestAbleSession.NAME)
    config.pluginmanager.register(fixtures, "testable-fixtures")
