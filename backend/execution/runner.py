"""Run a pytest suite in a sandboxed subprocess and turn what happened into a typed outcome.

The test process runs the user's code, so it gets only what it needs (see ``build_env``):
the workflow's variables, ``TESTABLE_RUN_*`` and a minimal base — never the worker's
environment. It runs in its own process group: a soft stop (SIGINT, which pytest turns
into a clean end of session with its reports written; SIGTERM would kill Python on the
spot) and, after ``grace`` seconds, SIGKILL of the whole group, grandchildren included.

``on_event`` is always called from the thread that called ``run_pytest``, in order, with
every string already masked: pytest's output lines (``source="runner"``) and the events
the plugin writes to the channel (``source="plugin"``).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr

from backend.execution.artifacts import Artifact, collect_artifacts
from backend.execution.channel import EVENTS_ENV, EventReader, EventType, RunEvent
from backend.execution.masking import Masker
from backend.execution.process import (
    SAFE_PATH,
    group_members,
    has_exited,
    kill_group,
    signal_group,
)
from backend.execution.results import (
    UNFINISHED,
    CollectionError,
    ParsedReport,
    ProcessEnd,
    RunCounts,
    RunStatus,
    TestResult,
    decide_status,
    failing_node_ids,
    load_report,
    merge_retries,
)
from backend.execution.sandbox import (
    Sandbox,
    SandboxMode,
    platform_paths,
    probe,
    resolves_outside,
    without_reserved,
)

RUN_ENV_PREFIX = "TESTABLE_RUN_"
ARTIFACTS_ENV = "TESTABLE_RUN_ARTIFACTS"
PLUGIN_ARTIFACTS_ENV = "TESTABLE_ARTIFACTS_DIR"
MAX_LINE_BYTES = 64 * 1024
_POLL_SECONDS = 0.05
_OUTPUT_TAIL_LINES = 15

Cancel = threading.Event | Callable[[], bool]

# ``python -m pytest``, except that SIGINT is made to raise KeyboardInterrupt first: a
# process started with SIGINT ignored (a Celery pool process, an xdist worker) passes the
# ignore on, and Python then leaves it ignored, so the soft stop would do nothing.
_PYTEST_MAIN = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('pytest', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class LocalCache:
    """The element cache of a run without a server (``testable run PATH``): the test
    process opens this store itself, under the project and branch scope that ``pytest``
    and ``testable cache`` use for the same folder. ``folder`` holds the store's file and
    must stay writable for the test process (SQLite writes its journal beside it)."""

    store_url: str
    project: str
    scope: str
    folder: Path


@dataclass(frozen=True)
class PytestSpec:
    """What to run and how. Paths in ``test_paths``/``node_ids`` are relative to ``workdir``."""

    workdir: Path  # the checkout; pytest's working directory
    python: Path  # the environment's interpreter (``PythonEnvironment.python``)
    run_dir: Path  # reports, logs, artifacts of this run; created if missing
    test_paths: tuple[str, ...] = ()
    markers: str | None = None  # -m
    keyword: str | None = None  # -k
    node_ids: tuple[str, ...] = ()
    parallel: int | None = None  # pytest-xdist -n, when > 1
    retries: int = 0  # re-runs of failed tests
    timeout: float = 3600.0  # for the whole run, re-runs included
    grace: float = 15.0  # between the soft stop and SIGKILL
    env: Mapping[str, str] = field(default_factory=dict)  # the workflow's variables
    secrets: tuple[str, ...] = ()  # values to mask (the secret variables' values)
    api_url: str | None = None
    run_token: SecretStr | None = None
    run_id: str | None = None
    extra_args: tuple[str, ...] = ()
    html_report: bool = False  # needs pytest-html in the environment
    sandbox: SandboxMode = SandboxMode.BWRAP  # OFF only by the operator's explicit choice
    local_cache: LocalCache | None = None  # instead of the api (api_url + run_token)
    project: str | None = None  # TESTABLE_PROJECT: the project the api's cache routes serve

    def __post_init__(self) -> None:
        for value in (*self.test_paths, *self.node_ids):
            if value.startswith("-"):
                raise ValueError(f"{value!r} is not a test path or node id")
        if self.retries < 0 or (self.parallel is not None and self.parallel < 1):
            raise ValueError("retries must be >= 0 and parallel >= 1")
        if self.timeout <= 0 or self.grace < 0:
            raise ValueError("timeout must be > 0 and grace >= 0")

    def selection(self) -> str:
        parts = [*self.test_paths, *self.node_ids]
        if self.markers:
            parts.append(f"-m {self.markers!r}")
        if self.keyword:
            parts.append(f"-k {self.keyword!r}")
        return " ".join(parts)


@dataclass(frozen=True)
class PytestOutcome:
    status: RunStatus
    reason: str | None
    exit_code: int | None
    tests: list[TestResult]
    counts: RunCounts
    collection_errors: list[CollectionError]
    artifacts: list[Artifact]
    duration: float
    attempts: int  # 1 + re-runs
    events_rejected: int  # malformed lines in the event channel
    plugin_summary: dict[str, Any] | None  # the JSON report's "testable" block, if any


@dataclass(frozen=True)
class RunPaths:
    run_dir: Path

    @property
    def internal(self) -> Path:  # never collected as artifacts
        return self.run_dir / ".runner"

    @property
    def home(self) -> Path:
        return self.internal / "home"

    @property
    def pid_file(self) -> Path:
        """The running test process's pid (= its process group), while it runs: what the
        Celery worker's main process kills when the job's hard time limit took the run's
        own process away (``workers.tasks``)."""
        return self.internal / "pytest.pid"

    @property
    def events(self) -> Path:
        return self.internal / "events.jsonl"

    @property
    def artifacts(self) -> Path:
        return self.run_dir / "artifacts"

    @property
    def output_log(self) -> Path:
        return self.run_dir / "output.log"

    def report(self, attempt: int) -> Path:
        return self.run_dir / ("report.json" if attempt == 0 else f"retry-{attempt}/report.json")

    def junit(self, attempt: int) -> Path:
        return self.run_dir / ("junit.xml" if attempt == 0 else f"retry-{attempt}/junit.xml")


def abandoned_test_group(paths: RunPaths, run_id: str) -> int | None:
    """The process group of a test process whose runner is gone (the worker process is
    being killed at the job's hard time limit; the group, in a session of its own, would
    outlive it), from the pid file; None when there is none (any more)."""
    try:
        pid = int(paths.pid_file.read_text())
    except (OSError, ValueError):
        return None
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except FileNotFoundError:
        # The leader is gone; other members may not be (a pgid is not reused while used).
        return pid if group_members(pid) else None
    except OSError:
        return None
    # The pid must still be this run's test process, not a newcomer with a reused pid.
    return pid if f"TESTABLE_RUN_ID={run_id}".encode() in environ else None


def short_tmp_dir() -> Path:
    """A fresh TMPDIR for the test process with a short path: Chromium puts a Unix socket
    under it, and a socket path may not exceed 107 bytes, which a folder inside the run
    folder exceeds under any realistic data directory. The caller removes it."""
    return Path(tempfile.mkdtemp(prefix="testable-run-"))


def build_env(spec: PytestSpec, paths: RunPaths, tmp_dir: Path) -> dict[str, str]:
    """The test process's whole environment: nothing is inherited from the worker."""
    venv = spec.python.parent.parent
    env = {
        "PATH": f"{venv / 'bin'}:{SAFE_PATH}",
        "HOME": str(paths.home),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(venv),
        "PYTHONUNBUFFERED": "1",  # so output lines stream as they are printed
    }
    browsers = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(
        Path.home() / ".cache" / "ms-playwright"
    )
    if Path(browsers).is_dir():  # the temporary HOME would hide Playwright's browsers
        env["PLAYWRIGHT_BROWSERS_PATH"] = browsers
    # Reserved names (TESTABLE_*, PYTHONPATH, LD_PRELOAD, ...) are refused where a run is
    # created and where variables are saved; dropped here again, whatever their source.
    env |= without_reserved(spec.env)
    env["TMPDIR"] = str(tmp_dir)  # ours, whatever the workflow says: it is removed after
    env[EVENTS_ENV] = str(paths.events)
    env[ARTIFACTS_ENV] = str(paths.artifacts)
    # The plugin's own name for the same folder (backend.client.settings.artifacts_dir):
    # whatever it saves there is collected; anywhere else it would be lost with the run.
    env[PLUGIN_ARTIFACTS_ENV] = str(paths.artifacts)
    if spec.run_id:
        env["TESTABLE_RUN_ID"] = spec.run_id
    if spec.api_url:
        env["TESTABLE_RUN_API_URL"] = spec.api_url
    if spec.run_token is not None:
        env["TESTABLE_RUN_TOKEN"] = spec.run_token.get_secret_value()
    if spec.project is not None:
        env["TESTABLE_PROJECT"] = spec.project
    if spec.local_cache is not None:  # its project name wins: pytest's for that folder
        env["TESTABLE_CACHE_STORE"] = spec.local_cache.store_url
        env["TESTABLE_PROJECT"] = spec.local_cache.project
        env["TESTABLE_BRANCH_SCOPE"] = spec.local_cache.scope
    return env


def pytest_args(spec: PytestSpec, paths: RunPaths, attempt: int, node_ids: list[str]) -> list[str]:
    # -p by entry-point name: loads the plugins even when the workflow disabled autoload.
    args = [
        "-c",
        _PYTEST_MAIN,
        "-p",
        "testable",
        "-p",
        "pytest_jsonreport",
        "--json-report",
        f"--json-report-file={paths.report(attempt)}",
        f"--junitxml={paths.junit(attempt)}",
        "--color=no",
    ]
    if spec.parallel and spec.parallel > 1:
        workers = spec.parallel if attempt == 0 else min(spec.parallel, len(node_ids))
        if workers > 1:
            args += ["-p", "xdist", "-n", str(workers)]
    if spec.html_report and attempt == 0:
        args += [f"--html={spec.run_dir / 'report.html'}", "--self-contained-html"]
    args += list(spec.extra_args)
    if attempt == 0:
        if spec.markers:
            args += ["-m", spec.markers]
        if spec.keyword:
            args += ["-k", spec.keyword]
        args += [*spec.test_paths, *spec.node_ids]
    else:
        args += node_ids
    return args


def run_pytest(
    spec: PytestSpec,
    *,
    on_event: Callable[[RunEvent], None],
    cancel: Cancel | None = None,
) -> PytestOutcome:
    """Run the suite (and re-runs of its failures) and return the outcome; never raises for
    anything the suite does. ``cancel`` is polled while waiting."""
    if not spec.python.exists():
        raise ValueError(f"python interpreter {spec.python} does not exist")
    started = time.monotonic()
    deadline = started + spec.timeout
    paths = RunPaths(spec.run_dir)
    for folder in (paths.home, paths.artifacts):
        folder.mkdir(parents=True, exist_ok=True)
    token = spec.run_token.get_secret_value() if spec.run_token else None
    masker = Masker([*spec.secrets, token])
    if spec.sandbox is SandboxMode.BWRAP and (problem := probe()) is not None:
        return _refused(problem, started)
    for value in (*spec.test_paths, *spec.node_ids):
        if (outside := resolves_outside(spec.workdir, value)) is not None:
            return _refused(f"the selection is refused: {outside}", started)
    tmp_dir = short_tmp_dir()
    env = build_env(spec, paths, tmp_dir)
    sandbox = _sandbox(spec, tmp_dir, env)
    stream = _EventStream(on_event, masker, EventReader(paths.events))
    is_cancelled = _cancel_check(cancel)

    try:
        with paths.output_log.open("w", encoding="utf-8") as log:
            stream.log = log
            first_end = _run_attempt(
                spec,
                env,
                pytest_args(spec, paths, 0, []),
                deadline,
                is_cancelled,
                stream,
                paths.pid_file,
                sandbox,
            )
            _mask_reports(masker, paths, 0)
            report = load_report(paths.report(0), paths.junit(0))
            tests = list(report.tests) if report else []
            end, attempts = first_end, 1
            retry_reports: list[ParsedReport] = []
            while (
                attempts <= spec.retries
                and report is not None
                and not (end.timed_out or end.cancelled or end.signal is not None)
            ):
                failing = failing_node_ids(merge_retries(tests, retry_reports))
                if not failing:
                    break
                retry_dir = spec.run_dir / f"retry-{attempts}"
                retry_dir.mkdir(exist_ok=True)
                if sandbox is not None:
                    sandbox.prepare_folder(retry_dir)
                args = pytest_args(spec, paths, attempts, _absolute(failing, report.root))
                retry_end = _run_attempt(
                    spec, env, args, deadline, is_cancelled, stream, paths.pid_file, sandbox
                )
                _mask_reports(masker, paths, attempts)
                retry_report = load_report(paths.report(attempts), paths.junit(attempts))
                if retry_report is not None:
                    retry_reports.append(retry_report)
                attempts += 1
                if retry_end.timed_out or retry_end.cancelled:
                    end = ProcessEnd(
                        exit_code=first_end.exit_code,
                        timed_out=retry_end.timed_out,
                        cancelled=retry_end.cancelled,
                        hard_killed=retry_end.hard_killed,
                        unfinished_test=retry_end.unfinished_test,
                    )
                if retry_report is None:
                    break
            tests = merge_retries(tests, retry_reports)
            tests = _name_unfinished(tests, end)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)

    decision = decide_status(end, report, tests, timeout=spec.timeout, selection=spec.selection())
    roots = [spec.run_dir, spec.workdir / "test-results"]  # + Playwright's default output
    artifacts = collect_artifacts(roots, masker, exclude=[paths.internal])
    return PytestOutcome(
        status=decision.status,
        reason=masker.mask(decision.reason) if decision.reason else None,
        exit_code=first_end.exit_code,
        tests=tests,
        counts=RunCounts.of(tests),
        collection_errors=list(report.collection_errors) if report else [],
        artifacts=artifacts,
        duration=time.monotonic() - started,
        attempts=attempts,
        events_rejected=stream.reader.rejected,
        plugin_summary=report.plugin_summary if report else None,
    )


def _sandbox(spec: PytestSpec, tmp_dir: Path, env: Mapping[str, str]) -> Sandbox | None:
    """The bubblewrap sandbox of this run (None when the operator turned it off): the
    checkout, the run's folder and its temporary folder writable, the interpreter and the
    platform's packages read-only; nothing else of this machine's files."""
    if spec.sandbox is SandboxMode.OFF:
        return None
    readonly = list(platform_paths(spec.python))
    if (browsers := env.get("PLAYWRIGHT_BROWSERS_PATH")) is not None:  # build_env found them
        readonly.append(Path(browsers).resolve())
    writable = [spec.run_dir.absolute(), tmp_dir]
    if spec.local_cache is not None:  # `testable run PATH`: the store's own folder
        writable.append(spec.local_cache.folder.absolute())
    sandbox = Sandbox(
        workdir=spec.workdir.absolute(),
        writable=tuple(writable),
        readonly=tuple(readonly),
    )
    sandbox.prepare()
    return sandbox


def _name_unfinished(tests: list[TestResult], end: ProcessEnd) -> list[TestResult]:
    """Say why a test did not finish (results marks it an error, never passed)."""
    if end.timed_out:
        why = f"{UNFINISHED}: the run timed out while it ran"
    elif end.cancelled:
        why = f"{UNFINISHED}: the run was cancelled while it ran"
    else:
        why = f"{UNFINISHED}: the test process was interrupted while it ran"
    return [
        replace(test, error_message=why) if test.error_message == UNFINISHED else test
        for test in tests
    ]


def _refused(reason: str, started: float) -> PytestOutcome:
    """The outcome of a run that could not start its tests safely."""
    return PytestOutcome(
        status=RunStatus.ERROR,
        reason=reason,
        exit_code=None,
        tests=[],
        counts=RunCounts.of([]),
        collection_errors=[],
        artifacts=[],
        duration=time.monotonic() - started,
        attempts=0,
        events_rejected=0,
        plugin_summary=None,
    )


def _cancel_check(cancel: Cancel | None) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if isinstance(cancel, threading.Event):
        return cancel.is_set
    return cancel


def _absolute(node_ids: list[str], root: str | None) -> list[str]:
    """Node ids are relative to pytest's rootdir, which need not be the working directory."""
    if not root:
        return node_ids
    return [str(Path(root) / node_id) for node_id in node_ids]


def _mask_reports(masker: Masker, paths: RunPaths, attempt: int) -> None:
    for path in (paths.report(attempt), paths.junit(attempt)):
        if path.is_file():
            masker.mask_file(path)


class _EventStream:
    """Numbers, masks and delivers events; remembers what it needs for failure reasons."""

    def __init__(
        self, on_event: Callable[[RunEvent], None], masker: Masker, reader: EventReader
    ) -> None:
        self.on_event = on_event
        self.masker = masker
        self.reader = reader
        self.log: IO[str] | None = None
        self.seq = 0
        self.tail: deque[str] = deque(maxlen=_OUTPUT_TAIL_LINES)
        self.running: dict[int | None, str] = {}  # pid -> node id started, not finished

    def output(self, line: str) -> None:
        masked = self.masker.mask(line)
        self.tail.append(masked)
        if self.log is not None:
            self.log.write(masked + "\n")
        self._deliver(
            RunEvent(EventType.OUTPUT, {"stream": "stdout", "line": masked}, time.time(), "runner")
        )

    def poll_channel(self, *, final: bool = False) -> None:
        for event in self.reader.read_new(final=final):
            node_id = event.data.get("nodeid")
            if event.type is EventType.TEST_STARTED and isinstance(node_id, str):
                self.running[event.pid] = node_id
            elif event.type is EventType.TEST_FINISHED:
                self.running.pop(event.pid, None)
            data: dict[str, Any] = self.masker.mask_json(event.data)
            self._deliver(RunEvent(event.type, data, event.ts, "plugin", pid=event.pid))

    def unfinished_test(self) -> str | None:
        return next(reversed(self.running.values()), None) if self.running else None

    def _deliver(self, event: RunEvent) -> None:
        self.seq += 1
        self.on_event(RunEvent(event.type, event.data, event.ts, event.source, self.seq, event.pid))


def _read_lines(pipe: IO[bytes], lines: queue.Queue[str | None]) -> None:
    try:
        for raw in iter(lambda: pipe.readline(MAX_LINE_BYTES), b""):
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    finally:
        lines.put(None)


def _run_attempt(
    spec: PytestSpec,
    env: dict[str, str],
    args: list[str],
    deadline: float,
    is_cancelled: Callable[[], bool],
    stream: _EventStream,
    pid_file: Path,
    sandbox: Sandbox | None,
) -> ProcessEnd:
    stream.running.clear()
    stream.tail.clear()
    command = [str(spec.python), *args]
    process = subprocess.Popen(  # noqa: S603 - argv list, no shell
        sandbox.argv(command) if sandbox is not None else command,
        cwd=spec.workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: one killpg reaches every child
    )
    assert process.stdout is not None
    pid_file.write_text(str(process.pid))
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    timed_out = cancelled = hard_killed = False
    stop_sent_at: float | None = None
    try:
        while not has_exited(process):
            _drain(lines, stream, wait=_POLL_SECONDS)
            stream.poll_channel()
            now = time.monotonic()
            if stop_sent_at is None:
                if is_cancelled():
                    cancelled = True
                elif now >= deadline:
                    timed_out = True
                if cancelled or timed_out:
                    signal_group(process.pid, signal.SIGINT)
                    stop_sent_at = now
            elif not hard_killed and now >= stop_sent_at + spec.grace:
                signal_group(process.pid, signal.SIGKILL)
                hard_killed = True
    finally:
        # pytest is done (or we are failing): whatever it left behind goes with the group.
        # The leader is not reaped yet, so the group id cannot belong to anyone else.
        kill_group(process.pid)
        process.wait()
        pid_file.unlink(missing_ok=True)
        reader.join(timeout=5)
    _drain(lines, stream, wait=0)
    stream.poll_channel(final=True)
    returncode = process.returncode
    if sandbox is not None and returncode > 128:
        # bwrap reports a command killed by signal N as exit code 128 + N, like a shell.
        returncode = -(returncode - 128)
    return ProcessEnd(
        exit_code=returncode if returncode >= 0 else None,
        signal=-returncode if returncode < 0 else None,
        timed_out=timed_out,
        cancelled=cancelled,
        hard_killed=hard_killed,
        unfinished_test=stream.unfinished_test(),
        output_tail="\n".join(stream.tail),
    )


def _drain(lines: queue.Queue[str | None], stream: _EventStream, *, wait: float) -> None:
    try:
        item = lines.get(timeout=wait) if wait else lines.get_nowait()
        while True:
            if item is not None:
                stream.output(item)
            item = lines.get_nowait()
    except queue.Empty:
        return
