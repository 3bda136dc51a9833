"""The pytest plugin end to end: a user's test file using ``ai``, run by pytest in a
subprocess with --json-report, twice (cold, then warm)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass
class Run:
    returncode: int
    output: str
    report: dict[str, Any]


def run_pytest(folder: Path, name: str, env: dict[str, str], *extra: str) -> Run:
    """pytest in a subprocess, in ``folder``, as a user would run their suite."""
    report = folder / f"{name}.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--rootdir",
            str(folder),
            "-c",
            str(folder / "pytest.ini"),
            "--json-report",
            f"--json-report-file={report}",
            f"--testable-artifacts={folder / 'artifacts'}",
            *extra,
        ],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return Run(done.returncode, done.stdout + done.stderr, data)


@pytest.fixture
def user_suite(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "login.html").write_text(LOGIN_HTML)
    (folder / "test_app.py").write_text(TEST_FILE)
    env = {
        "TESTABLE_DATA_DIR": str(tmp_path / "data"),
        "TESTABLE_PROJECT": "plugin-e2e",
        "TESTABLE_BRANCH_SCOPE": "main",
    }
    return folder, env


def short(nodeid: str) -> str:
    """``test_app.py::test_login[chromium]`` -> ``test_login``."""
    return nodeid.split("::")[-1].split("[")[0]


def outcomes(run: Run) -> dict[str, str]:
    return {t["nodeid"].split("::")[-1].split("[")[0]: t["outcome"] for t in run.report["tests"]}


def test_plugin_writes_steps_into_the_json_report_and_uses_the_cache(
    user_suite: tuple[Path, dict[str, str]],
) -> None:
    folder, env = user_suite
    cold = run_pytest(folder, "cold", env)
    assert outcomes(cold) == {"test_login": "passed", "test_removed_button": "failed"}, cold.output
    assert "TestAble: 5 steps, 0 cache hits, 0 heals, 3 resolver calls, 1 failed" in cold.output
    by_name = {t["nodeid"].split("::")[-1].split("[")[0]: t for t in cold.report["tests"]}
    login_steps = by_name["test_login"]["metadata"]["testable"]["steps"]
    assert [s["decision"] for s in login_steps] == ["navigated", "resolver", "resolver"]
    assert login_steps[1]["instruction"] == "fill %user% into the user name field"
    assert "ann" not in json.dumps(cold.report["tests"])
    failed = by_name["test_removed_button"]
    assert failed["metadata"]["testable"]["steps"][-1]["decision"] == "failed"
    assert "TestAbleStepError" in failed["call"]["longrepr"]
    assert "closest candidates" in failed["call"]["longrepr"]
    assert cold.report["testable"]["summary"]["resolver_calls"] == 3
    assert cold.report["testable"]["cache"]["entries"] == 2

    artifacts = folder / "artifacts"
    assert list(artifacts.glob("*test_removed_button*/failure.png"))
    assert list(artifacts.glob("*test_removed_button*/trace.zip"))
    assert not list(artifacts.glob("*test_login*"))

    warm = run_pytest(folder, "warm", env)
    assert outcomes(warm) == {"test_login": "passed", "test_removed_button": "failed"}, warm.output
    steps = next(t for t in warm.report["tests"] if "test_login" in t["nodeid"])
    decisions = [s["decision"] for s in steps["metadata"]["testable"]["steps"]]
    assert decisions == ["navigated", "cache_hit", "cache_hit"]


def test_plugin_does_nothing_for_tests_that_do_not_use_it(
    user_suite: tuple[Path, dict[str, str]],
) -> None:
    folder, env = user_suite
    (folder / "test_app.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    plain = run_pytest(folder, "plain", env)
    assert plain.returncode == 0, plain.output
    assert "TestAble:" not in plain.output
    assert "testable" not in plain.report


def test_plugin_emits_live_run_events_once_per_test_under_xdist(
    user_suite: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = user_suite
    channel = tmp_path / "events.jsonl"
    run = run_pytest(folder, "events", {**env, "TESTABLE_RUN_EVENTS": str(channel)}, "-n", "2")
    assert outcomes(run) == {"test_login": "passed", "test_removed_button": "failed"}, run.output
    events = [json.loads(line) for line in channel.read_text().splitlines()]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event["data"])

    assert by_type["session_started"] == [{"collected": 2}]
    started = sorted(short(e["nodeid"]) for e in by_type["test_started"])
    assert started == ["test_login", "test_removed_button"]  # once each: the controller's
    finished = {short(e["nodeid"]): e for e in by_type["test_finished"]}
    assert {name: e["outcome"] for name, e in finished.items()} == {
        "test_login": "passed",
        "test_removed_button": "failed",
    }
    assert all(e["duration"] > 0 for e in finished.values())
    login_steps = [e for e in by_type["step"] if short(e["nodeid"]) == "test_login"]
    assert [(e["index"], e["action"], e["decision"]) for e in login_steps] == [
        (0, "goto", "navigated"),
        (1, "act", "resolver"),
        (2, "act", "resolver"),
    ]
    assert login_steps[1]["instruction"] == "fill %user% into the user name field"
    failed_steps = [e for e in by_type["step"] if short(e["nodeid"]) == "test_removed_button"]
    assert failed_steps[-1]["decision"] == "failed"
    [shot] = by_type["screenshot"]
    assert short(shot["nodeid"]) == "test_removed_button"
    assert Path(shot["path"]).is_file()
    assert [e["exitstatus"] for e in by_type["session_finished"]] == [1]
