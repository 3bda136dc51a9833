"""The example suite's fixtures: the demo shop to test against, and the browser.

The shop comes from ``TESTABLE_DEMO_URL`` when a harness already started one (``make
demo`` and the platform tests do, so they can read ``/__demo/state`` afterwards);
otherwise it is started here on a free port. The version is ``--demo-variant`` or
``TESTABLE_DEMO_VARIANT`` (``original`` by default; ``changed`` is the redesigned shop of
``examples/demo_app/CHANGES.md``).

The ``ai`` fixture comes from the TestAble pytest plugin (``backend.client.plugin``),
on top of pytest-playwright's ``page``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from examples.demo_app import Variant, start_demo_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--demo-variant",
        choices=[v.value for v in Variant],
        default=os.environ.get("TESTABLE_DEMO_VARIANT", Variant.ORIGINAL.value),
        help="which version of the demo shop to test (default: $TESTABLE_DEMO_VARIANT or original)",
    )


@pytest.fixture(scope="session")
def demo_variant(pytestconfig: pytest.Config) -> Variant:
    return Variant(pytestconfig.getoption("--demo-variant"))


@pytest.fixture(scope="session")
def base_url(demo_variant: Variant) -> Iterator[str]:
    """The demo shop's URL (this also becomes pytest-playwright's base URL)."""
    external = os.environ.get("TESTABLE_DEMO_URL")
    if external:
        served = httpx.get(f"{external.rstrip('/')}/__demo/state", timeout=5).json()["variant"]
        if served != demo_variant.value:
            raise pytest.UsageError(
                f"TESTABLE_DEMO_URL serves the {served!r} shop, the suite was asked for "
                f"{demo_variant.value!r}"
            )
        yield external.rstrip("/")
        return
    demo = start_demo_app(demo_variant)
    try:
        yield demo.base_url
    finally:
        demo.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """The system Chromium when there is one (CI and ``make``), else Playwright's own."""
    executable = shutil.which("chromium")
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if executable:
        args["executable_path"] = executable
    return args
