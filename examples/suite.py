"""Running the example suite in a subprocess and reading its numbers back.

Shared by ``make demo`` (``examples/demo.py``) and the platform tests
(``tests/examples/test_example_suite_runs.py``). The numbers come from the pytest-json-report
file: the TestAble plugin writes each test's steps (``StepResult`` dumps) into the test's
metadata under ``testable.steps``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SUITE_DIR = REPO_ROOT / "examples" / "tests"
CACHE_HITS = frozenset({"cache_hit", "cache_hit_verified"})
# Settings of a surrounding run that must not leak into the example suite: it caches in
# its own data dir, never through an api.
_LEAKY = ("TESTABLE_RUN_API_URL", "TESTABLE_RUN_TOKEN", "TESTABLE_RUN_ID", "TESTABLE_CACHE_STORE")


@dataclass
class SuiteSummary:
    """What one run of the suite did, counted from its steps."""

    tests: int = 0
    passed: int = 0
    failed: list[str] = field(default_factory=list)  # node ids of failed / errored tests
    steps: int = 0  # element steps: act / observe / extract (goto has no element)
    cache_hits: int = 0
    heals: int = 0
    resolver_steps: int = 0  # steps decided by the resolver
    resolver_calls: int = 0  # resolver calls, summed over steps
    failed_steps: int = 0
    step_seconds: float = 0.0  # time spent inside TestAble steps

    @property
    def hit_rate(self) -> float:
        return self.cache_hits / self.steps if self.steps else 0.0


@dataclass
class SuiteRun:
    variant: str
    returncode: int
    wall_seconds: float
    report: dict[str, Any]
    output: str  # pytest's stdout + stderr, for failure messages

    @property
    def summary(self) -> SuiteSummary:
        return summarise(self.report)

    def test_named(self, test_name: str) -> dict[str, Any]:
        """The report entry of the test function ``test_name`` (any parametrization, e.g.
        pytest-playwright's ``[chromium]``)."""
        for test in self.report.get("tests", []):
            function = str(test.get("nodeid", "")).rpartition("::")[2].partition("[")[0]
            if function == test_name:
                return dict(test)
        raise KeyError(f"no test {test_name!r} in the report")

    def steps_of(self, test_name: str) -> list[dict[str, Any]]:
        return steps_of_test(self.test_named(test_name))

    def outcome_of(self, test_name: str) -> str:
        return str(self.test_named(test_name).get("outcome"))


def steps_of_test(test: dict[str, Any]) -> list[dict[str, Any]]:
    metadata = test.get("metadata")
    testable = metadata.get("testable") if isinstance(metadata, dict) else None
    steps = testable.get("steps") if isinstance(testable, dict) else None
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def summarise(report: dict[str, Any]) -> SuiteSummary:
    summary = SuiteSummary()
    for test in report.get("tests", []):
        summary.tests += 1
        if test.get("outcome") == "passed":
            summary.passed += 1
        else:
            summary.failed.append(str(test.get("nodeid")))
        for step in steps_of_test(test):
            summary.resolver_calls += int(step.get("resolver_calls") or 0)
            summary.step_seconds += float(step.get("duration_ms") or 0) / 1000
            if step.get("kind") == "goto":
                continue
            summary.steps += 1
            decision = step.get("decision")
            if decision in CACHE_HITS:
                summary.cache_hits += 1
            elif decision == "healed":
                summary.heals += 1
            elif decision == "resolver":
                summary.resolver_steps += 1
            elif decision == "failed":
                summary.failed_steps += 1
    return summary


def run_suite(
    *,
    variant: str,
    base_url: str,
    data_dir: Path,
    report_file: Path,
    extra_args: list[str] | None = None,
    on_test: Callable[[str, str], None] | None = None,
) -> SuiteRun:
    """Run ``examples/tests`` against the shop at ``base_url`` with its element cache in
    ``data_dir``. Project and branch scope are fixed so every run shares one cache.
    ``on_test(node_id, outcome)`` is called as each test finishes (for progress)."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env.update(
        TESTABLE_DATA_DIR=str(data_dir),
        TESTABLE_PROJECT="testable-examples",
        TESTABLE_BRANCH_SCOPE="demo",
        TESTABLE_DEMO_URL=base_url,
        TESTABLE_DEMO_VARIANT=variant,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    report_file.parent.mkdir(parents=True, exist_ok=True)
    report_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(SUITE_DIR),
        f"--demo-variant={variant}",
        "--json-report",
        f"--json-report-file={report_file}",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-q",
        *(extra_args or []),
    ]
    if on_test is not None:  # one "node_id OUTCOME [ n%]" line per test, read as it comes
        command[command.index("-q")] = "-v"
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        finished = _VERBOSE_RESULT.match(line)
        if finished and on_test is not None:
            on_test(finished["node"], finished["outcome"].lower())
    returncode = process.wait()
    wall = time.perf_counter() - started
    output = "".join(lines)
    if not report_file.exists():
        raise RuntimeError(f"the example suite wrote no report (exit {returncode}):\n{output}")
    report = json.loads(report_file.read_text())
    return SuiteRun(variant, returncode, wall, report, output)


_VERBOSE_RESULT = re.compile(
    r"^(?P<node>\S+::.+?) (?P<outcome>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b"
)
