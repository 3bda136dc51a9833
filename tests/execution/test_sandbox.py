"""The bubblewrap sandbox of the test process: its command line, its availability check,
and that a killed worker never leaves a test running (``--die-with-parent``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backend.execution.results import RunStatus
from backend.execution.runner import PytestSpec, run_pytest
from backend.execution.sandbox import (
    INSTALL_HINT,
    Sandbox,
    SandboxMode,
    describe,
    probe,
    reserved_variable,
)
from tests.execution.conftest import (
    RunSuite,
    processes_matching,
    processes_running,
    wait_for_file,
)

ROOT = Path(__file__).resolve().parents[2]


def _gone(fragment: str, within: float = 30.0) -> list[int]:
    """Wait (bounded) until no process matches; what is still there at the end."""
    deadline = time.monotonic() + within
    while (left := processes_matching(fragment)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_a_killed_worker_takes_the_sandboxed_tests_with_it(
    tmp_path: Path, base_python: Path
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    marker = f"600.{os.getpid()}7"
    (suite / "test_hang.py").write_text(
        textwrap.dedent(
            f"""
            import pathlib, subprocess, time

            def test_hang():
                subprocess.Popen(["sleep", {marker!r}])
                pathlib.Path("started").write_text("yes")
                time.sleep(600)
            """
        )
    )
    run_dir = tmp_path / "run"
    # The worker: a process of its own that runs the suite through the runner.
    worker_code = textwrap.dedent(
        f"""
        from pathlib import Path
        from backend.execution.runner import PytestSpec, run_pytest
        run_pytest(
            PytestSpec(
                workdir=Path({str(suite)!r}), python=Path({str(base_python)!r}),
                run_dir=Path({str(run_dir)!r}), timeout=600, extra_args=("-p", "no:testable"),
            ),
            on_event=lambda event: None,
        )
        """
    )
    worker = subprocess.Popen([sys.executable, "-c", worker_code], cwd=ROOT, start_new_session=True)
    try:
        assert wait_for_file(suite / "started", timeout=120) == "yes"
        assert processes_matching(str(run_dir)), "the sandboxed pytest should be running"
        assert processes_running(["sleep", marker])

        worker.send_signal(signal.SIGKILL)  # no clean-up code of the runner runs
        worker.wait()

        assert _gone(str(run_dir)) == []  # pytest, bwrap and its init
        assert processes_running(["sleep", marker]) == []  # and the test's own child
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for pid in processes_matching(str(run_dir)) + processes_running(["sleep", marker]):
            os.kill(pid, signal.SIGKILL)


def test_the_sandboxed_test_process_is_unprivileged_and_isolated(run_suite: RunSuite) -> None:
    suite = {
        "test_inside.py": textwrap.dedent(
            """
            import os, pathlib

            def test_inside():
                pathlib.Path("facts").write_text(repr({
                    "uid": os.getuid(),
                    "pid": os.getpid(),
                    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
                    "etc": sorted(os.listdir("/etc")),
                    "tmp": sorted(os.listdir("/tmp")),
                    "shm_writable": os.access("/dev/shm", os.W_OK),
                    "usr_writable": os.access("/usr", os.W_OK),
                    "hostname": os.uname().nodename,
                }))
            """
        )
    }
    run = run_suite(suite)

    assert run.outcome.status is RunStatus.PASSED, run.outcome.reason
    facts = eval((run.suite / "facts").read_text())  # noqa: S307 - our own repr
    if os.geteuid() == 0:
        assert facts["uid"] == 65534
    else:
        assert facts["uid"] == os.geteuid()
    # Its own PID namespace: bwrap's init and the test's processes, small numbers only.
    assert facts["pid"] < 10
    assert len(facts["pids"]) < 10
    assert "shadow" not in facts["etc"]
    assert "passwd" in facts["etc"]
    assert facts["shm_writable"] is True
    assert facts["usr_writable"] is False
    assert facts["hostname"] == "testable-run"


def test_with_the_sandbox_off_the_test_process_runs_as_the_worker(run_suite: RunSuite) -> None:
    suite = {
        "test_outside.py": (
            "import os, pathlib\n\n"
            "def test_outside():\n"
            "    pathlib.Path('facts').write_text(str(os.getuid()))\n"
        )
    }
    run = run_suite(suite, sandbox=SandboxMode.OFF)

    assert run.outcome.status is RunStatus.PASSED, run.outcome.reason
    assert (run.suite / "facts").read_text() == str(os.geteuid())


def test_where_bwrap_cannot_run_a_run_ends_in_error_saying_how_to_fix_it(
    tmp_path: Path, base_python: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_x.py").write_text(
        "import pathlib\n\ndef test_x():\n    pathlib.Path('ran').write_text('yes')\n"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    monkeypatch.setattr("backend.execution.runner.probe", lambda: probe("bwrap-not-installed"))

    outcome = run_pytest(
        PytestSpec(
            workdir=tmp_path / "suite",
            python=base_python,
            run_dir=tmp_path / "run",
            extra_args=("-p", "no:testable"),
        ),
        on_event=lambda event: None,
    )

    assert outcome.status is RunStatus.ERROR
    assert outcome.reason is not None
    assert "bubblewrap (bwrap) is not installed" in outcome.reason
    assert "apt-get install bubblewrap" in outcome.reason
    assert "TESTABLE_SANDBOX=off" in outcome.reason
    assert not (tmp_path / "suite" / "ran").exists()  # no test ran unsandboxed


def test_probe_and_start_line() -> None:
    assert probe() is None  # installed on this machine (scripts/install-bubblewrap.sh)
    assert probe("bwrap-not-installed") == (f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
    assert describe(SandboxMode.BWRAP).startswith("test sandbox: bwrap (")
    assert "OFF" in describe(SandboxMode.OFF)


def test_the_command_line_mounts_only_what_the_run_needs(tmp_path: Path) -> None:
    sandbox = Sandbox(
        workdir=tmp_path / "data" / "work" / "run-1",
        writable=(tmp_path / "data" / "artifacts" / "run-1",),
        readonly=(tmp_path / "data" / "envs" / "abc",),
    )
    argv = sandbox.argv(["python", "-m", "pytest"])
    pairs = {(argv[i], argv[i + 1]) for i in range(len(argv) - 1)}

    for flag in ("--unshare-pid", "--die-with-parent", "--unshare-ipc"):
        assert flag in argv
    assert "--unshare-net" not in argv  # tests reach the app under test
    assert ("--bind", str(tmp_path / "data" / "work" / "run-1")) in pairs
    assert ("--bind", str(tmp_path / "data" / "artifacts" / "run-1")) in pairs
    assert ("--ro-bind", str(tmp_path / "data" / "envs" / "abc")) in pairs
    assert ("--bind", str(tmp_path / "data")) not in pairs
    assert ("--ro-bind", str(tmp_path / "data")) not in pairs
    assert ("--ro-bind", "/") not in pairs
    assert ("--ro-bind-try", "/etc/shadow") not in pairs
    assert ("--tmpfs", "/tmp") in pairs
    assert argv[-3:] == ["python", "-m", "pytest"]


@pytest.mark.parametrize(
    "name",
    ["PYTHONPATH", "PYTHONSTARTUP", "PYTEST_ADDOPTS", "LD_PRELOAD", "ld_audit", "TESTABLE_SECRET"],
)
def test_reserved_variables(name: str) -> None:
    assert reserved_variable(name) is not None


@pytest.mark.parametrize("name", ["APP_URL", "TESTABLE_DEMO_URL", "TESTABLE_RESOLVER", "LDAP_URL"])
def test_ordinary_variables(name: str) -> None:
    assert reserved_variable(name) is None
