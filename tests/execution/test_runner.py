"""run_pytest against real pytest subprocesses: outcomes, faults, isolation, masking, events."""

from __future__ import annotations

import json
import os
import signal
import textwrap
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from backend.execution.artifacts import ArtifactKind
from backend.execution.channel import EventType, RunEvent
from backend.execution.results import RunStatus, TestOutcome
from tests.execution.conftest import RunSuite, processes_running


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip()


PASS_AND_FAIL = {
    "test_math.py": code(
        """
        def test_adds():
            assert 1 + 1 == 2

        def test_subtracts():
            assert 3 - 1 == 1, "subtraction is broken"
        """
    )
}

# A stand-in for the TestAble plugin's lifecycle events, written through the real writer.
EMITTING_CONFTEST = code(
    """
    from backend.execution.channel import emit

    def pytest_sessionstart(session):
        emit("session_started")

    def pytest_runtest_logstart(nodeid, location):
        emit("test_started", nodeid=nodeid)

    def pytest_runtest_logfinish(nodeid, location):
        emit("test_finished", nodeid=nodeid, outcome="done")

    def pytest_sessionfinish(session, exitstatus):
        emit("session_finished", exitstatus=int(exitstatus))
    """
)


def test_failed_test_makes_the_run_failed_with_message_and_traceback(run_suite: RunSuite) -> None:
    run = run_suite(PASS_AND_FAIL)

    assert run.outcome.status is RunStatus.FAILED
    assert run.outcome.reason == "1 failed"
    assert run.results() == {
        "test_math.py::test_adds": "passed",
        "test_math.py::test_subtracts": "failed",
    }
    failed = next(test for test in run.outcome.tests if test.outcome is TestOutcome.FAILED)
    assert failed.error_message is not None
    assert "subtraction is broken" in failed.error_message
    assert failed.traceback is not None
    assert "assert 3 - 1 == 1" in failed.traceback
    assert run.outcome.counts.passed == 1
    assert run.outcome.counts.failed == 1
    kinds = {artifact.kind for artifact in run.outcome.artifacts}
    assert {ArtifactKind.JSON_REPORT, ArtifactKind.JUNIT_XML, ArtifactKind.LOG} <= kinds


def test_passing_suite_passes_and_output_streams_line_by_line(run_suite: RunSuite) -> None:
    run = run_suite(
        {"test_ok.py": "def test_ok():\n    print('visible line')\n"}, extra_args=("-s",)
    )

    assert run.outcome.status is RunStatus.PASSED
    assert run.outcome.reason is None
    lines = [event.data["line"] for event in run.events if event.type is EventType.OUTPUT]
    assert "visible line" in "\n".join(lines)
    assert any("1 passed" in line for line in lines)
    assert [event.seq for event in run.events] == list(range(1, len(run.events) + 1))


def test_syntax_error_in_a_test_module_is_an_error_naming_file_and_line(
    run_suite: RunSuite,
) -> None:
    run = run_suite(
        {
            "test_fine.py": "def test_fine():\n    pass\n",
            "tests/test_broken.py": "import os\n\ndef test_broken(:\n    pass\n",
        }
    )

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.reason is not None
    assert "collection error in" in run.outcome.reason
    assert "tests/test_broken.py, line 3" in run.outcome.reason
    assert run.outcome.collection_errors[0].node_id == "tests/test_broken.py"


def test_import_error_in_a_test_module_names_the_error(run_suite: RunSuite) -> None:
    run = run_suite({"test_imports.py": "import no_such_module_here\n\ndef test_x():\n    pass\n"})

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.reason is not None
    assert "test_imports.py" in run.outcome.reason
    assert "no_such_module_here" in run.outcome.reason


def test_zero_tests_collected_is_an_error(run_suite: RunSuite) -> None:
    run = run_suite({"helpers.py": "VALUE = 1\n"})

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.exit_code == 5
    assert run.outcome.reason == "no tests were collected"


def test_unknown_node_id_is_an_error_quoting_pytest(run_suite: RunSuite) -> None:
    run = run_suite(PASS_AND_FAIL, node_ids=("test_math.py::test_does_not_exist",))

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.reason is not None
    assert "test_does_not_exist" in run.outcome.reason


SELECTABLE = {
    "conftest.py": code(
        """
        def pytest_configure(config):
            config.addinivalue_line("markers", "smoke: quick checks")
        """
    ),
    "test_shop.py": code(
        """
        import pytest

        @pytest.mark.smoke
        def test_home_page():
            pass

        def test_checkout_with_card():
            pass

        def test_checkout_with_voucher():
            pass
        """
    ),
    "other/test_admin.py": "def test_admin_login():\n    pass\n",
}


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"markers": "smoke"}, {"test_shop.py::test_home_page"}),
        (
            {"keyword": "checkout and not voucher"},
            {"test_shop.py::test_checkout_with_card"},
        ),
        (
            {"node_ids": ("test_shop.py::test_checkout_with_voucher",)},
            {"test_shop.py::test_checkout_with_voucher"},
        ),
        ({"test_paths": ("other",)}, {"other/test_admin.py::test_admin_login"}),
        ({"markers": "smoke", "test_paths": ("other",)}, set()),
    ],
)
def test_selection_runs_only_the_selected_tests(
    run_suite: RunSuite, selection: dict[str, object], expected: set[str]
) -> None:
    run = run_suite(SELECTABLE, **selection)

    assert set(run.results()) == expected
    if expected:
        assert run.outcome.status is RunStatus.PASSED
    else:  # everything deselected: nothing ran, which is an error, not a pass
        assert run.outcome.status is RunStatus.ERROR
        assert run.outcome.reason == "no tests were collected for other -m 'smoke'"


def test_parallel_runs_tests_on_two_xdist_workers(run_suite: RunSuite) -> None:
    # Written into the checkout (the working directory): the sandbox lets nothing else in.
    tests = "\n".join(
        f"def test_{number}():\n"
        f"    import os, pathlib, time\n"
        f"    time.sleep(0.3)\n"
        f"    worker = os.environ['PYTEST_XDIST_WORKER']\n"
        f"    pathlib.Path('workers', worker + '-{number}').touch()\n"
        for number in range(6)
    )
    run = run_suite({"test_parallel.py": tests, "workers/.keep": ""}, parallel=2)

    assert run.outcome.status is RunStatus.PASSED
    assert run.outcome.counts.passed == 6
    seen = [path for path in (run.suite / "workers").iterdir() if path.name != ".keep"]
    workers = {path.name.split("-")[0] for path in seen}
    assert workers == {"gw0", "gw1"}


def test_failed_tests_are_retried_and_a_pass_on_retry_is_flaky(run_suite: RunSuite) -> None:
    counter = code(
        """
        import pathlib

        def attempt(name):
            path = pathlib.Path(__file__).parent / "counts" / name
            number = int(path.read_text()) + 1 if path.exists() else 1
            path.write_text(str(number))
            return number
        """
    )
    suite = {
        "counts/.keep": "",
        "counter.py": counter,
        "test_retry.py": code(
            """
            from counter import attempt

            def test_stable():
                attempt("stable")

            def test_flaky():
                assert attempt("flaky") >= 2

            def test_broken():
                attempt("broken")
                assert False, "always broken"
            """
        ),
    }
    run = run_suite(suite, retries=2)

    by_id = {test.node_id: test for test in run.outcome.tests}
    flaky = by_id["test_retry.py::test_flaky"]
    assert (flaky.outcome, flaky.flaky, flaky.retries) == (TestOutcome.PASSED, True, 1)
    broken = by_id["test_retry.py::test_broken"]
    assert (broken.outcome, broken.flaky, broken.retries) == (TestOutcome.FAILED, False, 2)
    stable = by_id["test_retry.py::test_stable"]
    assert (stable.outcome, stable.retries) == (TestOutcome.PASSED, 0)
    # Only failed tests are re-run: 1 run of the stable one, 2 of the flaky, 3 of the broken.
    counts = [path for path in (run.suite / "counts").iterdir() if path.name != ".keep"]
    assert {path.name: path.read_text() for path in counts} == {
        "stable": "1",
        "flaky": "2",
        "broken": "3",
    }
    assert run.outcome.attempts == 3
    assert run.outcome.status is RunStatus.FAILED
    assert run.outcome.counts.flaky == 1


def test_hanging_test_is_interrupted_at_the_soft_timeout_even_from_a_worker_ignoring_sigint(
    run_suite: RunSuite,
) -> None:
    suite = {
        "test_hang.py": code(
            """
            import time

            def test_first():
                pass

            def test_hangs():
                time.sleep(600)
            """
        )
    }
    # A Celery pool process ignores SIGINT, and children inherit that: the runner must
    # still be able to interrupt pytest.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # Generous limits: pytest must have started and reached the hanging test on a busy
        # machine.
        run = run_suite(suite, timeout=25, grace=60)
    finally:
        signal.signal(signal.SIGINT, previous)

    assert run.outcome.status is RunStatus.TIMED_OUT
    assert run.outcome.reason is not None
    assert "exceeded its 25s time limit" in run.outcome.reason
    assert "interrupted" in run.outcome.reason
    assert run.results()["test_hang.py::test_first"] == "passed"
    # Its call phase never finished: not "passed" (pytest-json-report saw only its setup).
    hung = next(t for t in run.outcome.tests if t.node_id == "test_hang.py::test_hangs")
    assert hung.outcome is TestOutcome.ERROR
    assert hung.error_message == "the test did not finish: the run timed out while it ran"
    assert run.outcome.counts.passed == 1


def test_test_ignoring_sigint_is_killed_with_its_whole_process_group(
    run_suite: RunSuite,
) -> None:
    # The grandchild is found by a command line of its own: inside the sandbox's PID
    # namespace it has another pid than the one this process sees.
    marker = f"600.{os.getpid()}{threading.get_ident() % 100000}"
    suite = {
        "conftest.py": EMITTING_CONFTEST,
        "test_stubborn.py": code(
            f"""
            import pathlib, signal, subprocess, time

            def test_stubborn():
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited by the grandchild
                subprocess.Popen(["sleep", {marker!r}])
                pathlib.Path("started").write_text("yes")
                while True:
                    time.sleep(1)
            """
        ),
    }
    run = run_suite(suite, timeout=25, grace=1)

    assert run.outcome.status is RunStatus.TIMED_OUT
    assert run.outcome.reason is not None
    assert "while running test_stubborn.py::test_stubborn" in run.outcome.reason
    assert "process group was killed" in run.outcome.reason
    assert (run.suite / "started").read_text() == "yes"
    assert processes_running(["sleep", marker]) == []


def test_test_process_killed_by_a_signal_is_an_error_naming_the_test(run_suite: RunSuite) -> None:
    suite = {
        "conftest.py": EMITTING_CONFTEST,
        "test_crash.py": code(
            """
            import os, signal

            def test_before():
                pass

            def test_crashes():
                os.kill(os.getpid(), signal.SIGKILL)
            """
        ),
    }
    run = run_suite(suite)

    assert run.outcome.status is RunStatus.ERROR
    assert run.outcome.reason == (
        "the test process was killed by signal SIGKILL (9) while running "
        "test_crash.py::test_crashes before writing its report"
    )


def test_cancellation_stops_the_run(run_suite: RunSuite) -> None:
    cancel = threading.Event()

    def cancel_when_the_slow_test_starts(event: RunEvent) -> None:
        if event.type is EventType.TEST_STARTED and event.data["nodeid"].endswith("test_slow"):
            cancel.set()

    suite = {
        "conftest.py": EMITTING_CONFTEST,
        "test_slow.py": "import time\n\ndef test_slow():\n    time.sleep(600)\n",
    }
    run = run_suite(suite, cancel=cancel, on_event=cancel_when_the_slow_test_starts, grace=30)

    assert run.outcome.status is RunStatus.CANCELLED
    assert run.outcome.reason == "the run was cancelled while running test_slow.py::test_slow"
    # Never "passed". (Absent from the report when the cancel came during its setup.)
    for slow in run.outcome.tests:
        assert (slow.node_id, slow.outcome) == ("test_slow.py::test_slow", TestOutcome.ERROR)
        assert slow.error_message == "the test did not finish: the run was cancelled while it ran"
    assert run.outcome.counts.passed == 0


def test_a_test_cancelled_during_its_call_is_an_error_never_passed(run_suite: RunSuite) -> None:
    cancel = threading.Event()

    def cancel_once_the_call_runs(event: RunEvent) -> None:
        # With -s the print lands on pytest's progress line ("test_hang.py .in the call...").
        if event.source == "runner" and "in the call phase" in str(event.data.get("line")):
            cancel.set()

    suite = {
        "test_hang.py": (
            "import time\n\n"
            "def test_before():\n    pass\n\n"
            "def test_hang():\n    print('in the call phase', flush=True)\n    time.sleep(600)\n"
        )
    }
    run = run_suite(
        suite,
        cancel=cancel,
        on_event=cancel_once_the_call_runs,
        grace=60,
        timeout=240,  # a bound if the cancel never came (the run would end timed_out)
        extra_args=("-p", "no:testable", "-s"),
    )

    assert run.outcome.status is RunStatus.CANCELLED
    assert run.results() == {
        "test_hang.py::test_before": "passed",
        "test_hang.py::test_hang": "error",
    }
    hung = next(t for t in run.outcome.tests if t.node_id == "test_hang.py::test_hang")
    assert hung.error_message == "the test did not finish: the run was cancelled while it ran"


def test_test_process_sees_only_workflow_and_run_variables(
    run_suite: RunSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TESTABLE_DATABASE_URL", "postgresql://postgres@127.0.0.1/platform")
    monkeypatch.setenv("TESTABLE_ENCRYPTION_KEYS", "platform-key-material")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "worker-credentials")
    dump = "environ.json"  # in the checkout, the working directory
    suite = {
        "test_env.py": code(
            f"""
            import json, os

            def test_dump_environment():
                with open({str(dump)!r}, "w") as handle:
                    json.dump(dict(os.environ), handle)
            """
        )
    }
    run = run_suite(
        suite,
        env={"APP_URL": "http://app.local", "TESTABLE_RUN_TOKEN": "forged", "TMPDIR": "/srv"},
        api_url="http://127.0.0.1:8000",
        run_token=SecretStr("run-token-abcdef"),
        run_id="run-42",
    )

    assert run.outcome.status is RunStatus.PASSED
    environ = json.loads((run.suite / dump).read_text())
    environ.pop("PWD", None)  # bubblewrap's --chdir sets it: the checkout
    expected = {
        "APP_URL",
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "VIRTUAL_ENV",
        "PYTHONUNBUFFERED",
        "TESTABLE_RUN_EVENTS",
        "TESTABLE_RUN_ARTIFACTS",
        "TESTABLE_ARTIFACTS_DIR",
        "TESTABLE_RUN_ID",
        "TESTABLE_RUN_API_URL",
        "TESTABLE_RUN_TOKEN",
        "PYTEST_CURRENT_TEST",  # these two are set by pytest itself
        "PYTEST_VERSION",
    }
    if "PLAYWRIGHT_BROWSERS_PATH" in environ:
        expected.add("PLAYWRIGHT_BROWSERS_PATH")
    assert set(environ) == expected
    assert environ["TESTABLE_RUN_TOKEN"] == "run-token-abcdef"  # the forged one is dropped
    assert environ["TESTABLE_RUN_API_URL"] == "http://127.0.0.1:8000"
    assert environ["HOME"] != os.environ["HOME"]
    # A short TMPDIR of its own (Chromium's Unix socket path under it must stay within 107
    # bytes), removed once the run ended.
    tmp_dir = environ["TMPDIR"]
    assert tmp_dir != "/srv"
    assert len(tmp_dir) + len("/.org.chromium.Chromium.XXXXXX/SingletonSocket") <= 107
    assert not Path(tmp_dir).exists()
    assert ".venv" not in environ["PATH"].replace(environ["VIRTUAL_ENV"], "")


def test_secrets_are_masked_in_streamed_output_reports_and_results(run_suite: RunSuite) -> None:
    secret = "s3cr3t-Value/with+chars"
    suite = {
        "test_leak.py": code(
            """
            import os, urllib.parse

            def test_leaks():
                value = os.environ["API_SECRET"]
                print("plain", value)
                print("encoded", urllib.parse.quote(value, safe=""))
                print("token", os.environ["TESTABLE_RUN_TOKEN"])
                assert value == "expected", f"wrong secret {value}"
            """
        )
    }
    run = run_suite(
        suite,
        env={"API_SECRET": secret},
        secrets=(secret,),
        run_token=SecretStr("run-token-zyxwvu"),
        extra_args=("-s",),
    )

    assert run.outcome.status is RunStatus.FAILED
    streamed = json.dumps([event.data for event in run.events])
    assert "plain ***" in streamed
    assert "encoded ***" in streamed
    assert "token ***" in streamed
    leaked = [secret, "s3cr3t-Value%2Fwith%2Bchars", "run-token-zyxwvu"]
    for artifact in run.outcome.artifacts:
        text = artifact.path.read_text()
        assert not [value for value in leaked if value in text], artifact.path.name
    failed = run.outcome.tests[0]
    assert failed.error_message is not None
    assert "wrong secret ***" in failed.error_message
    assert secret not in (failed.traceback or "")


def test_plugin_events_arrive_in_order_and_bad_lines_are_rejected(
    run_suite: RunSuite,
) -> None:
    suite = {
        "conftest.py": EMITTING_CONFTEST,
        "test_events.py": code(
            """
            import os
            from backend.execution.channel import emit

            def test_with_steps():
                emit("step", nodeid="test_events.py::test_with_steps",
                     instruction="click the login button", decision="cache_hit",
                     password=os.environ["LOGIN_PASSWORD"])
                emit("screenshot", nodeid="test_events.py::test_with_steps", path="shot.png")
                with open(os.environ["TESTABLE_RUN_EVENTS"], "a") as channel:
                    channel.write("this is not json\\n")
                    channel.write('{"type": "made_up", "data": {}}\\n')
            """
        ),
    }
    run = run_suite(suite, env={"LOGIN_PASSWORD": "pa55word!"}, secrets=("pa55word!",))

    assert run.outcome.status is RunStatus.PASSED
    plugin = [event for event in run.events if event.source == "plugin"]
    assert [event.type for event in plugin] == [
        EventType.SESSION_STARTED,
        EventType.TEST_STARTED,
        EventType.STEP,
        EventType.SCREENSHOT,
        EventType.TEST_FINISHED,
        EventType.SESSION_FINISHED,
    ]
    step = plugin[2].data
    assert step["instruction"] == "click the login button"
    assert step["decision"] == "cache_hit"
    assert step["password"] == "***"
    assert plugin[-1].data == {"exitstatus": 0}
    assert all(event.pid is not None for event in plugin)
    assert run.outcome.events_rejected == 2


def test_steps_from_the_plugin_metadata_are_in_the_results(run_suite: RunSuite) -> None:
    suite = {
        "conftest.py": code(
            """
            def pytest_json_modifyreport(json_report):
                json_report["testable"] = {"summary": {"steps": 2, "cache_hits": 1}}

            def pytest_json_runtest_metadata(item, call):
                if call.when != "call":
                    return {}
                return {"testable": {"steps": [
                    {"instruction": "open the home page", "decision": "cache_hit"},
                    {"instruction": "click login", "decision": "healed"},
                ]}}
            """
        ),
        "test_steps.py": "def test_login():\n    pass\n",
    }
    run = run_suite(suite)

    assert run.outcome.tests[0].steps == [
        {"instruction": "open the home page", "decision": "cache_hit"},
        {"instruction": "click login", "decision": "healed"},
    ]
    assert run.outcome.plugin_summary == {"summary": {"steps": 2, "cache_hits": 1}}


def test_artifacts_written_by_the_tests_are_collected_and_masked(run_suite: RunSuite) -> None:
    suite = {
        "test_artifacts.py": code(
            """
            import os, pathlib

            def test_writes_artifacts():
                folder = pathlib.Path(os.environ["TESTABLE_RUN_ARTIFACTS"])
                (folder / "login.png").write_bytes(b"\\x89PNG fake")
                (folder / "console.log").write_text("token=" + os.environ["KEY"])
                (folder / "trace").mkdir()
                (folder / "trace" / "trace.zip").write_bytes(b"PK")
                (folder / "leak.txt").symlink_to("/etc/hostname")
            """
        )
    }
    run = run_suite(suite, env={"KEY": "artifact-secret"}, secrets=("artifact-secret",))

    by_name = {artifact.path.name: artifact for artifact in run.outcome.artifacts}
    assert by_name["login.png"].kind is ArtifactKind.SCREENSHOT
    assert by_name["login.png"].content_type == "image/png"
    assert by_name["trace.zip"].kind is ArtifactKind.TRACE
    assert by_name["console.log"].kind is ArtifactKind.CONSOLE_LOG
    assert by_name["console.log"].path.read_text() == "token=***"
    assert "leak.txt" not in by_name  # a symbolic link is never followed
    assert not any(".runner" in artifact.path.parts for artifact in run.outcome.artifacts)
