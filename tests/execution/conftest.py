"""Fixtures for the execution library: real git repositories, a real git HTTP server,
real virtual environments and real pytest subprocesses."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from backend.execution.channel import RunEvent
from backend.execution.environment import prepare_environment
from backend.execution.runner import PytestOutcome, PytestSpec, run_pytest

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@dataclass
class GitRepo:
    work: Path  # a working clone, to add commits
    bare: Path  # the "remote"
    url: str  # file:// URL of the remote

    def commit(self, files: dict[str, str], message: str = "change") -> str:
        write_files(self.work, files)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", "HEAD", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work).strip()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work).strip()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str]], GitRepo]:
    """A repository with one commit on ``main``, pushed to a bare remote."""
    counter = iter(range(1000))

    def make(files: dict[str, str]) -> GitRepo:
        number = next(counter)
        work = tmp_path / f"work{number}"
        bare = tmp_path / f"remote{number}.git"
        git("init", "-q", "--bare", "-b", "main", str(bare))
        git("init", "-q", "-b", "main", str(work))
        git("remote", "add", "origin", str(bare), cwd=work)
        repo = GitRepo(work=work, bare=bare, url=f"file://{bare}")
        repo.commit(files, "initial")
        return repo

    return make


# --------------------------------------------------------------------------- git over HTTP


@dataclass
class GitServer:
    base_url: str
    root: Path
    token: str
    requests: list[dict[str, str]]
    release: threading.Event  # lets the deliberately slow endpoint go


def _expected_authorization(token: str) -> str:
    return "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


@pytest.fixture
def git_server(tmp_path: Path) -> Iterator[GitServer]:
    """``git http-backend`` behind a tiny HTTP server that demands the token like GitHub
    does (HTTP Basic, user ``x-access-token``). ``/slow/...`` never answers in time."""
    root = tmp_path / "served"
    root.mkdir()
    token = "ghs_test_token_0123456789"
    requests: list[dict[str, str]] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.handle_git()

        def do_POST(self) -> None:
            self.handle_git()

        def handle_git(self) -> None:
            url = urlsplit(self.path)
            requests.append(
                {"path": self.path, "authorization": self.headers.get("Authorization", "")}
            )
            if url.path.startswith("/slow/"):
                release.wait(30)
                self.send_error(503)
                return
            if self.headers.get("Authorization") != _expected_authorization(token):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            env = {
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": url.path,
                "QUERY_STRING": url.query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(length),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            }
            result = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            )
            head, _, payload = result.stdout.partition(b"\r\n\r\n")
            status, headers = 200, []
            for line in head.decode().split("\r\n"):
                name, _, value = line.partition(": ")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield GitServer(
            base_url=f"http://127.0.0.1:{server.server_address[1]}",
            root=root,
            token=token,
            requests=requests,
            release=release,
        )
    finally:
        release.set()
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- environments


@pytest.fixture(scope="session")
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("env-cache")


@pytest.fixture(scope="session")
def base_python(tmp_path_factory: pytest.TempPathFactory, env_cache: Path) -> Path:
    """The shared environment of repositories without a dependency file."""
    empty = tmp_path_factory.mktemp("no-deps")
    return prepare_environment(empty, cache_dir=env_cache).python


def build_wheel(folder: Path, name: str, version: str, source: str) -> Path:
    """A minimal, valid pure-Python wheel (no build backend, no network)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": source,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(content.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return wheel


# --------------------------------------------------------------------------- running suites


@dataclass
class SuiteRun:
    outcome: PytestOutcome
    events: list[RunEvent]
    suite: Path
    run_dir: Path

    def output(self) -> str:
        return "\n".join(
            str(event.data.get("line", "")) for event in self.events if event.source == "runner"
        )

    def results(self) -> dict[str, str]:
        return {test.node_id: test.outcome.value for test in self.outcome.tests}


RunSuite = Callable[..., SuiteRun]


@pytest.fixture
def run_suite(tmp_path: Path, base_python: Path) -> RunSuite:
    """Write a suite into a fresh directory and run it through ``run_pytest``."""
    counter = iter(range(1000))

    def run(
        files: dict[str, str],
        *,
        on_event: Callable[[RunEvent], None] | None = None,
        cancel: threading.Event | None = None,
        **spec: Any,
    ) -> SuiteRun:
        # These suites test the runner and the channel with a stand-in emitter
        # (EMITTING_CONFTEST); the real TestAble plugin would emit the same events again.
        spec.setdefault("extra_args", ("-p", "no:testable"))
        number = next(counter)
        suite = tmp_path / f"suite{number}"
        suite.mkdir()
        write_files(suite, files)
        run_dir = tmp_path / f"run{number}"
        events: list[RunEvent] = []

        def collect(event: RunEvent) -> None:
            events.append(event)
            if on_event is not None:
                on_event(event)

        outcome = run_pytest(
            PytestSpec(workdir=suite, python=base_python, run_dir=run_dir, **spec),
            on_event=collect,
            cancel=cancel,
        )
        return SuiteRun(outcome=outcome, events=events, suite=suite, run_dir=run_dir)

    return run


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (an unreaped corpse is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def _live_command_lines() -> Iterator[tuple[int, bytes]]:
    """(pid, raw command line) of every live process, as this process sees them."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            alive = process_alive(int(entry.name))
        except OSError:
            continue
        if alive:
            yield int(entry.name), cmdline


def processes_running(argv: list[str]) -> list[int]:
    """Pids of live processes whose command line is ``argv``."""
    wanted = "\0".join(argv).encode() + b"\0"
    return [pid for pid, cmdline in _live_command_lines() if cmdline == wanted]


def processes_matching(fragment: str) -> list[int]:
    """Pids of live processes whose command line contains ``fragment``."""
    return [pid for pid, cmdline in _live_command_lines() if fragment.encode() in cmdline]


def wait_for_file(path: Path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} was never written")
