"""Fixtures for destination tests: a recording fake service on a free port, a finished run's
report (already masked, as the reporting core hands it over), and a reporter context."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.config import Settings
from backend.reports.base import ReporterContext, RunReport, TestLine
from tests.reports.destinations.fake_http import FakeService, fake_service

PROJECT_ID = uuid.UUID("7a0c2f9e-1b2d-4c3e-9f00-000000000001")
SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"

TRACEBACK = """\
page = <Page url='http://127.0.0.1:5000/cart'>

    def test_checkout_total(page):
        ai.act("add the blue mug to the cart")
>       assert page.locator("#total").inner_text() == "12.00"
E       AssertionError: assert '14.00' == '12.00'

tests/e2e/test_checkout.py:42: AssertionError"""


def failing_test(index: int = 0, **changes: Any) -> TestLine:
    line = TestLine(
        node_id=f"tests/e2e/test_checkout.py::test_checkout_total[{index}]",
        outcome="failed",
        duration=1.5,
        error_message="AssertionError: assert '14.00' == '12.00'",
        traceback=TRACEBACK,
    )
    return replace(line, **changes)


def make_report(**changes: Any) -> RunReport:
    tests = [
        TestLine(node_id="tests/e2e/test_login.py::test_login", outcome="passed", duration=2.0),
        TestLine(
            node_id="tests/e2e/test_search.py::test_search",
            outcome="passed",
            duration=3.0,
            flaky=True,
        ),
        failing_test(),
    ]
    report = RunReport(
        run_id=uuid.uuid4(),
        project_id=PROJECT_ID,
        project_name="shop",
        status="failed",
        trigger="pull_request",
        branch="feature/cart",
        commit_sha=SHA,
        pr_number=7,
        started_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        finished_at=datetime(2026, 11, 24, 3, 1, 30, tzinfo=UTC),
        duration=90.0,
        counts={"total": 3, "passed": 2, "failed": 1, "errors": 0, "skipped": 0, "flaky": 1},
        cache_stats={"steps": 20, "cache_hits": 17, "resolver_calls": 3, "hit_rate": 0.85},
        reason=None,
        tests=tests,
        report_url="http://testable.test/reports/run-1",
        repository_full_name="octo/shop",
    )
    return replace(report, **changes)


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with fake_service() as service:
        yield service


@pytest.fixture
def reporter_settings(fake: FakeService, tmp_path: Path) -> Settings:
    # Not named ``settings``: that fixture (tests/conftest.py) configures the whole app.
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        github_api_url=fake.base_url,
        slack_api_url=fake.base_url + "/api",
        notion_api_url=fake.base_url,
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def ctx(reporter_settings: Settings, http: httpx.AsyncClient) -> ReporterContext:
    async def github_token() -> str:
        return "ghs_installation_token"

    return ReporterContext(settings=reporter_settings, http=http, github_token=github_token)
