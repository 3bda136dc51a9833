"""Result parsing (JSON report, JUnit fallback) and status decisions on real pytest output."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from backend.execution.results import (
    UNFINISHED,
    ProcessEnd,
    RunStatus,
    TestOutcome,
    decide_status,
    load_report,
    parse_json_report,
    parse_junit,
)
from tests.execution.conftest import RunSuite

MIXED = {
    "tests/test_mixed.py": textwrap.dedent(
        """
        import pytest

        @pytest.fixture
        def broken_fixture():
            raise RuntimeError("fixture exploded")

        def test_passes():
            pass

        def test_fails():
            assert 2 + 2 == 5

        def test_setup_errors(broken_fixture):
            pass

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.mark.xfail(reason="known bug")
        def test_expected_failure():
            assert False

        class TestGroup:
            def test_in_class(self):
                pass
        """
    )
}

EXPECTED = {
    "tests/test_mixed.py::test_passes": TestOutcome.PASSED,
    "tests/test_mixed.py::test_fails": TestOutcome.FAILED,
    "tests/test_mixed.py::test_setup_errors": TestOutcome.ERROR,
    "tests/test_mixed.py::test_skipped": TestOutcome.SKIPPED,
    "tests/test_mixed.py::test_expected_failure": TestOutcome.XFAILED,
    "tests/test_mixed.py::TestGroup::test_in_class": TestOutcome.PASSED,
}


def test_json_report_and_junit_fallback_agree_on_outcomes(run_suite: RunSuite) -> None:
    run = run_suite(MIXED)

    from_json = parse_json_report(run.run_dir / "report.json")
    from_junit = parse_junit(run.run_dir / "junit.xml")

    assert {test.node_id: test.outcome for test in from_json.tests} == EXPECTED
    assert {test.node_id: test.outcome for test in from_junit.tests} == EXPECTED
    errored = {test.node_id: test for test in from_json.tests}[
        "tests/test_mixed.py::test_setup_errors"
    ]
    assert errored.error_message is not None
    assert "fixture exploded" in errored.error_message
    assert run.outcome.status is RunStatus.FAILED
    assert run.outcome.reason == "1 failed, 1 errors"
    assert run.outcome.counts.skipped == 1
    assert run.outcome.counts.xfailed == 1


def test_junit_is_used_when_the_json_report_is_missing_or_corrupt(run_suite: RunSuite) -> None:
    run = run_suite(MIXED)
    json_report = run.run_dir / "report.json"
    json_report.write_text("{ truncated")

    report = load_report(json_report, run.run_dir / "junit.xml")

    assert report is not None
    assert report.source == "junit"
    assert len(report.tests) == len(EXPECTED)


def test_internal_error_is_an_error_quoting_pytest(run_suite: RunSuite) -> None:
    suite = {
        "conftest.py": (
            "def pytest_collection_modifyitems(items):\n    raise RuntimeError('plugin blew up')\n"
        ),
        "test_a.py": "def test_a():\n    pass\n",
    }
    run = run_suite(suite)

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.reason is not None
    assert run.outcome.reason.startswith("pytest hit an internal error")
    assert "plugin blew up" in run.outcome.reason


def test_process_that_exits_without_any_report_is_an_error() -> None:
    decision = decide_status(
        ProcessEnd(exit_code=1, output_tail="Fatal Python error: Segmentation fault"),
        None,
        [],
        timeout=60,
    )

    assert decision.status is RunStatus.ERROR
    assert decision.reason == (
        "pytest exited with code 1 without a report: Fatal Python error: Segmentation fault"
    )


def test_a_test_without_a_call_phase_is_unfinished_unless_its_setup_skipped_or_failed(
    tmp_path: Path,
) -> None:
    passed = {"outcome": "passed", "duration": 0.01}
    report = {
        "exitcode": 2,
        "root": str(tmp_path),
        "tests": [
            {"nodeid": "t.py::interrupted", "outcome": "passed", "setup": passed},
            {
                "nodeid": "t.py::finished",
                "outcome": "passed",
                "setup": passed,
                "call": passed,
                "teardown": passed,
            },
            {
                "nodeid": "t.py::skipped",
                "outcome": "skipped",
                "setup": {"outcome": "skipped", "longrepr": "('t.py', 1, 'Skipped: no')"},
            },
        ],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))

    tests = {test.node_id: test for test in parse_json_report(path).tests}

    assert tests["t.py::interrupted"].outcome is TestOutcome.ERROR
    assert tests["t.py::interrupted"].error_message == UNFINISHED
    assert tests["t.py::finished"].outcome is TestOutcome.PASSED
    assert tests["t.py::skipped"].outcome is TestOutcome.SKIPPED
