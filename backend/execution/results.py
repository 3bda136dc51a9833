"""Typed test results from pytest's reports, and the decision of a run's status.

The pytest-json-report file is the primary source (outcomes, phases, tracebacks and
the per-test metadata where the TestAble plugin puts the steps: ``metadata.testable.steps``);
JUnit XML is the fallback when the JSON report is missing or unreadable.
"""

from __future__ import annotations

import json
import re
import signal
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

# pytest's exit codes (pytest.ExitCode), spelled out so this module needs no pytest.
EXIT_OK = 0
EXIT_TESTS_FAILED = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL_ERROR = 3
EXIT_USAGE_ERROR = 4
EXIT_NO_TESTS_COLLECTED = 5

_FILE_LINE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')
_PATH_LINE = re.compile(r"^(?P<path>[^\s:]+\.py):(?P<line>\d+)", re.MULTILINE)


class RunStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


class TestOutcome(StrEnum):
    __test__: ClassVar[bool] = False  # not a pytest test class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    XPASSED = "xpassed"


FAILING = frozenset({TestOutcome.FAILED, TestOutcome.ERROR})
# The message of a test whose call phase did not finish (the runner says why).
UNFINISHED = "the test did not finish"


@dataclass(frozen=True)
class TestResult:
    __test__: ClassVar[bool] = False

    node_id: str
    outcome: TestOutcome
    duration: float
    error_message: str | None = None
    traceback: str | None = None
    retries: int = 0
    flaky: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)
    # What the plugin reports about the test itself (case markers, file, docstring, body
    # hash: backend.client.testinfo); empty from a JUnit report.
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectionError:
    node_id: str
    message: str
    path: str | None
    line: int | None


@dataclass(frozen=True)
class ParsedReport:
    tests: list[TestResult]
    collection_errors: list[CollectionError]
    exit_code: int | None
    root: str | None
    source: str  # "json" or "junit"
    # The plugin's session-level block of the JSON report (``"testable"``: step summary,
    # cache statistics), read as is.
    plugin_summary: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunCounts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    xpassed: int = 0
    flaky: int = 0

    @classmethod
    def of(cls, tests: Iterable[TestResult]) -> RunCounts:
        tests = list(tests)

        def count(outcome: TestOutcome) -> int:
            return sum(1 for test in tests if test.outcome is outcome)

        return cls(
            total=len(tests),
            passed=count(TestOutcome.PASSED),
            failed=count(TestOutcome.FAILED),
            errors=count(TestOutcome.ERROR),
            skipped=count(TestOutcome.SKIPPED),
            xfailed=count(TestOutcome.XFAILED),
            xpassed=count(TestOutcome.XPASSED),
            flaky=sum(1 for test in tests if test.flaky),
        )


# --------------------------------------------------------------------------- JSON report


def parse_json_report(path: Path) -> ParsedReport:
    """Parse a pytest-json-report file. Raises ``ValueError`` when it is not one."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("tests", []), list):
        raise ValueError(f"{path.name} is not a pytest-json-report file")
    tests = [_json_test(item) for item in document.get("tests", []) if isinstance(item, dict)]
    errors = [
        _collection_error(item)
        for item in document.get("collectors", [])
        if isinstance(item, dict) and item.get("outcome") == "failed"
    ]
    exit_code = document.get("exitcode")
    return ParsedReport(
        tests=tests,
        collection_errors=errors,
        exit_code=exit_code if isinstance(exit_code, int) else None,
        root=document.get("root"),
        source="json",
        plugin_summary=summary if isinstance(summary := document.get("testable"), dict) else None,
    )


def _json_test(item: dict[str, Any]) -> TestResult:
    phases = [item.get(name) for name in ("setup", "call", "teardown")]
    phases_present = [phase for phase in phases if isinstance(phase, dict)]
    duration = sum(float(phase.get("duration") or 0.0) for phase in phases_present)
    outcome = _json_outcome(item)
    failing_phase = next(
        (phase for phase in phases_present if phase.get("outcome") in ("failed", "error")),
        None,
    )
    message = traceback = None
    if failing_phase is not None:
        crash = failing_phase.get("crash")
        if isinstance(crash, dict):
            message = crash.get("message")
        traceback = failing_phase.get("longrepr")
        if message is None and isinstance(traceback, str):
            message = traceback.strip().splitlines()[-1] if traceback.strip() else None
    elif unfinished(item):
        message = UNFINISHED
    elif outcome is TestOutcome.SKIPPED:
        skipped_phase = next(
            (phase for phase in phases_present if phase.get("outcome") == "skipped"), None
        )
        if skipped_phase is not None and isinstance(skipped_phase.get("longrepr"), str):
            message = skipped_phase["longrepr"]
    return TestResult(
        node_id=str(item.get("nodeid", "")),
        outcome=outcome,
        duration=duration,
        error_message=message,
        traceback=traceback if isinstance(traceback, str) else None,
        steps=_steps(item.get("metadata")),
        meta=_meta(item.get("metadata")),
    )


def unfinished(item: dict[str, Any]) -> bool:
    """The test's setup passed but its call phase never reported: pytest was interrupted
    (a time limit, a cancel) while it ran. pytest-json-report then says "passed" from the
    setup alone."""
    setup = item.get("setup") if isinstance(item.get("setup"), dict) else None
    return (
        item.get("outcome") == "passed"
        and setup is not None
        and setup.get("outcome") == "passed"
        and not isinstance(item.get("call"), dict)
    )


def _json_outcome(item: dict[str, Any]) -> TestOutcome:
    outcome = item.get("outcome")
    setup = item.get("setup") if isinstance(item.get("setup"), dict) else {}
    teardown = item.get("teardown") if isinstance(item.get("teardown"), dict) else {}
    if unfinished(item):  # never "passed": it did not finish
        return TestOutcome.ERROR
    # A failing fixture is an error of the test, not a failure of its assertion.
    if outcome == "error" or (setup or {}).get("outcome") == "failed":
        return TestOutcome.ERROR
    if outcome == "passed" and (teardown or {}).get("outcome") == "failed":
        return TestOutcome.ERROR
    try:
        return TestOutcome(str(outcome))
    except ValueError:
        return TestOutcome.ERROR


def _steps(metadata: Any) -> list[dict[str, Any]]:
    if not isinstance(metadata, dict):
        return []
    testable = metadata.get("testable")
    steps = testable.get("steps") if isinstance(testable, dict) else None
    if not isinstance(steps, list):
        return []
    return [step for step in steps if isinstance(step, dict)]


def _meta(metadata: Any) -> dict[str, Any]:
    test = metadata.get("testable_test") if isinstance(metadata, dict) else None
    return dict(test) if isinstance(test, dict) else {}


def _collection_error(item: dict[str, Any]) -> CollectionError:
    longrepr = str(item.get("longrepr") or "")
    node_id = str(item.get("nodeid") or "")
    path: str | None = node_id or None
    line: int | None = None
    # A syntax error names the offending file and line in its "File ..., line N" frame;
    # other import errors in the module's own "path.py:N:" frame.
    matches = list(_FILE_LINE.finditer(longrepr))
    if matches:
        path, line = matches[-1]["path"], int(matches[-1]["line"])
    else:
        frames = [
            m for m in _PATH_LINE.finditer(longrepr) if node_id and m["path"].endswith(node_id)
        ]
        if frames:
            line = int(frames[-1]["line"])
    message_lines = [ln[1:].strip() for ln in longrepr.splitlines() if ln.startswith("E ")]
    message = message_lines[-1] if message_lines else (longrepr.strip().splitlines() or [""])[-1]
    return CollectionError(node_id=node_id, message=message, path=path, line=line)


# --------------------------------------------------------------------------- JUnit XML


def parse_junit(path: Path) -> ParsedReport:
    """Parse pytest's JUnit XML (the fallback). Raises ``ValueError`` when unreadable."""
    try:
        root = ElementTree.parse(path).getroot()  # noqa: S314 - written by pytest, expat limits entity expansion
    except ElementTree.ParseError as exc:
        raise ValueError(f"{path.name} is not valid XML: {exc}") from exc
    tests: list[TestResult] = []
    errors: list[CollectionError] = []
    for case in root.iter("testcase"):
        classname = case.get("classname", "")
        name = case.get("name", "")
        node_id = _junit_node_id(classname, name, case.get("file"))
        outcome, problem = TestOutcome.PASSED, None
        for tag, candidate in (
            ("failure", TestOutcome.FAILED),
            ("error", TestOutcome.ERROR),
            ("skipped", TestOutcome.SKIPPED),
        ):
            problem = case.find(tag)
            if problem is not None:
                outcome = candidate
                if tag == "skipped" and problem.get("type") == "pytest.xfail":
                    outcome = TestOutcome.XFAILED
                break
        message = problem.get("message") if problem is not None else None
        text = problem.text if problem is not None else None
        if outcome is TestOutcome.ERROR and not name:
            errors.append(
                CollectionError(node_id=classname, message=message or "", path=None, line=None)
            )
            continue
        tests.append(
            TestResult(
                node_id=node_id,
                outcome=outcome,
                duration=float(case.get("time") or 0.0),
                error_message=message,
                traceback=text if outcome in FAILING else None,
            )
        )
    return ParsedReport(
        tests=tests, collection_errors=errors, exit_code=None, root=None, source="junit"
    )


def _junit_node_id(classname: str, name: str, file: str | None) -> str:
    """Rebuild a pytest node id from JUnit's dotted classname (best effort).

    ``tests.test_login.TestForm`` + ``test_ok`` -> ``tests/test_login.py::TestForm::test_ok``:
    the module path ends before the first part that looks like a test class.
    """
    parts = classname.split(".") if classname else []
    cut = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts))
    module = file or ("/".join(parts[:cut]) + ".py" if cut else "")
    return "::".join(item for item in [module, *parts[cut:], name] if item)


def load_report(json_path: Path, junit_path: Path) -> ParsedReport | None:
    """The JSON report, else the JUnit XML, else None when pytest wrote neither."""
    for parser, path in ((parse_json_report, json_path), (parse_junit, junit_path)):
        if path.is_file():
            try:
                return parser(path)
            except (ValueError, OSError, UnicodeDecodeError):
                continue
    return None


# --------------------------------------------------------------------------- retries


def merge_retries(
    first: Sequence[TestResult], attempts: Sequence[ParsedReport]
) -> list[TestResult]:
    """Fold the re-runs of failed tests into the first results.

    A test that passes on its k-th re-run is ``passed`` with ``flaky=True`` and
    ``retries=k``; one that never passes keeps its last failure and the number of re-runs.
    """
    merged = {test.node_id: test for test in first}
    for number, attempt in enumerate(attempts, start=1):
        for rerun in attempt.tests:
            previous = merged.get(rerun.node_id)
            if previous is None or previous.outcome not in FAILING:
                continue
            merged[rerun.node_id] = replace(
                rerun,
                retries=number,
                flaky=rerun.outcome is TestOutcome.PASSED,
                steps=rerun.steps or previous.steps,
                meta=rerun.meta or previous.meta,
            )
    return list(merged.values())


def failing_node_ids(tests: Iterable[TestResult]) -> list[str]:
    return [test.node_id for test in tests if test.outcome in FAILING]


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class StatusDecision:
    status: RunStatus
    reason: str | None


@dataclass(frozen=True)
class ProcessEnd:
    """How the (first) pytest process ended, as the runner saw it."""

    exit_code: int | None  # None when killed by a signal
    signal: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    hard_killed: bool = False  # the soft stop was not enough
    unfinished_test: str | None = None  # started but never finished, from the events
    output_tail: str = ""


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} ({number})"
    except ValueError:
        return str(number)


def decide_status(
    end: ProcessEnd,
    report: ParsedReport | None,
    tests: Sequence[TestResult],
    *,
    timeout: float,
    selection: str = "",
) -> StatusDecision:
    """The run's status and, unless it passed, a reason a person can act on."""
    where = f" while running {end.unfinished_test}" if end.unfinished_test else ""
    if end.cancelled:
        killed = (
            " (pytest did not stop after SIGINT and its process group was killed)"
            if end.hard_killed
            else ""
        )
        return StatusDecision(RunStatus.CANCELLED, f"the run was cancelled{where}{killed}")
    if end.timed_out:
        how = (
            "did not stop after SIGINT and its process group was killed"
            if end.hard_killed
            else "was interrupted; results so far are kept"
        )
        return StatusDecision(
            RunStatus.TIMED_OUT,
            f"the run exceeded its {timeout:g}s time limit{where}; pytest {how}",
        )
    if end.signal is not None:
        kept = "" if report is not None else " before writing its report"
        return StatusDecision(
            RunStatus.ERROR,
            f"the test process was killed by signal {_signal_name(end.signal)}{where}{kept}",
        )
    if report is not None and report.collection_errors:
        first = report.collection_errors[0]
        location = first.path or first.node_id or "a test module"
        if first.line is not None:
            location += f", line {first.line}"
        more = len(report.collection_errors) - 1
        extra = f" (and {more} more)" if more else ""
        return StatusDecision(
            RunStatus.ERROR, f"collection error in {location}: {first.message}{extra}"
        )
    detail = f": {end.output_tail}" if end.output_tail else ""
    if end.exit_code == EXIT_NO_TESTS_COLLECTED:
        scope = f" for {selection}" if selection else ""
        return StatusDecision(RunStatus.ERROR, f"no tests were collected{scope}")
    if end.exit_code == EXIT_INTERNAL_ERROR:
        return StatusDecision(RunStatus.ERROR, f"pytest hit an internal error{detail}")
    if end.exit_code == EXIT_USAGE_ERROR:
        return StatusDecision(RunStatus.ERROR, f"pytest rejected its arguments{detail}")
    if end.exit_code == EXIT_INTERRUPTED:
        return StatusDecision(RunStatus.ERROR, f"pytest was interrupted{detail}")
    if report is None:
        return StatusDecision(
            RunStatus.ERROR, f"pytest exited with code {end.exit_code} without a report{detail}"
        )
    counts = RunCounts.of(tests)
    if counts.failed or counts.errors:
        parts = [f"{counts.failed} failed"] if counts.failed else []
        parts += [f"{counts.errors} errors"] if counts.errors else []
        return StatusDecision(RunStatus.FAILED, ", ".join(parts))
    if end.exit_code not in (EXIT_OK, EXIT_TESTS_FAILED):
        return StatusDecision(RunStatus.ERROR, f"pytest exited with code {end.exit_code}{detail}")
    return StatusDecision(RunStatus.PASSED, None)
