"""The pytest plugin end to end: a user's test file using ``ai``, run by pytest in a
subprocess with --json-report, twice (cold, then warm)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

TEST_FILE = """
import pytest
from pathlib import Path

PAGE = Path(__file__).with_name("login.html").as_uri()


@pytest.mark.smoke
def test_login(ai):
    ai.goto(PAGE)
    ai.act('fill %user% into the user name field', variables={"user": "ann"})
    ai.act("click the log in button")
    assert ai.page.evaluate("window.clicked") == ["login"]


@pytest.mark.critical
def test_removed_button(ai):
    ai.goto(PAGE)
    ai.act("click the delete account button")
"""

LOGIN_HTML = """<!doctype html><html><head><title>Login</title></head><body>
<script>window.clicked = [];</script>
<label for="user">User name</label><input id="user">
<button id="login" onclick="window.clicked.push('login')">Log in</button>
</body></html>"""


def run(pytester: pytest.Pytester, name: str) -> tuple[Any, dict[str, Any]]:
    report = pytester.path / f"{name}.json"
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--json-report",
        f"--json-report-file={report}",
        f"--testable-artifacts={pytester.path / 'artifacts'}",
        timeout=240,
    )
    return result, json.loads(report.read_text())


def test_plugin_writes_steps_into_the_json_report_and_uses_the_cache(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TESTABLE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TESTABLE_PROJECT", "plugin-e2e")
    monkeypatch.setenv("TESTABLE_BRANCH_SCOPE", "main")
    pytester.makefile(".html", login=LOGIN_HTML)
    pytester.makepyfile(test_app=TEST_FILE)

    cold, cold_report = run(pytester, "cold")
    cold.assert_outcomes(passed=1, failed=1)
    cold.stdout.fnmatch_lines(
        ["*TestAble: 5 steps, 0 cache hits, 0 heals, 3 resolver calls, 1 failed*"]
    )
    by_name = {t["nodeid"].split("::")[-1].split("[")[0]: t for t in cold_report["tests"]}
    login_steps = by_name["test_login"]["metadata"]["testable"]["steps"]
    assert [s["decision"] for s in login_steps] == ["navigated", "resolver", "resolver"]
    assert login_steps[1]["instruction"] == "fill %user% into the user name field"
    assert "ann" not in json.dumps(cold_report["tests"])
    failed = by_name["test_removed_button"]
    assert failed["metadata"]["testable"]["steps"][-1]["decision"] == "failed"
    assert "TestAbleStepError" in failed["call"]["longrepr"]
    assert cold_report["testable"]["summary"]["resolver_calls"] == 3
    assert cold_report["testable"]["cache"]["entries"] == 2

    artifacts = pytester.path / "artifacts"
    assert list(artifacts.glob("*test_removed_button*/failure.png"))
    assert list(artifacts.glob("*test_removed_button*/trace.zip"))
    assert not list(artifacts.glob("*test_login*"))

    warm, warm_report = run(pytester, "warm")
    warm.assert_outcomes(passed=1, failed=1)
    steps = next(t for t in warm_report["tests"] if "test_login" in t["nodeid"])
    decisions = [s["decision"] for s in steps["metadata"]["testable"]["steps"]]
    assert decisions == ["navigated", "cache_hit", "cache_hit"]


def test_plugin_does_nothing_for_tests_that_do_not_use_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "smoke or not smoke")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*TestAble:*")
