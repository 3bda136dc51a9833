"""The `testable` command: help everywhere, and each process really starts."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from backend.cli import app
from tests.conftest import REDIS_URL
from tests.runs.servers import free_port


def _command_paths() -> list[list[str]]:
    """Every command and sub-command of `testable`, read from the CLI itself so that a new
    command is covered without editing this list."""
    paths: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        paths.append(path)
        # typer ships its own copy of click, so groups are recognised by their commands.
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


COMMANDS = _command_paths()
# How long a started process may take to come up: generous, because CI runs these beside
# browser tests on 2 cores (a worker took over 60 s to answer its first ping there).
START_GUARD_SECONDS = 180


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "testable")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESTABLE_")}
    env.update({"TESTABLE_DATA_DIR": str(tmp_path / "data"), "TESTABLE_REDIS_URL": REDIS_URL})
    env.update(extra)
    return env


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _testable(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "backend.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_up_migrates_and_serves_health(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    proc = _testable(["up", "--port", str(port)], _env(tmp_path))
    processes.append(proc)
    deadline = time.monotonic() + START_GUARD_SECONDS
    body = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
            body = response.json()
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    assert body is not None, proc.stdout.read().decode() if proc.stdout and proc.poll() else ""
    assert body["database"] == "ok"
    assert (tmp_path / "data" / "testable.db").exists()
    docs = httpx.get(f"http://127.0.0.1:{port}/api/docs", timeout=5)
    assert docs.status_code == 200


def test_api_in_production_mode_without_keys_exits_with_a_clear_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "backend.cli", "api", "--port", str(free_port())],
        env=_env(tmp_path, TESTABLE_MODE="production"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "No JWT signing key" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "backend.cli", "db", "upgrade"],
        env=_env(tmp_path),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert (tmp_path / "data" / "testable.db").exists()


def test_worker_starts_and_answers_on_redis(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    from workers.celery_app import create_celery

    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    processes.append(_testable(["worker", "--name", name, "--loglevel", "WARNING"], _env(tmp_path)))
    control = create_celery(REDIS_URL)
    replies: list[dict[str, object]] = []
    deadline = time.monotonic() + START_GUARD_SECONDS
    while time.monotonic() < deadline and not replies:
        replies = control.control.ping(destination=[name], timeout=1.0) or []
    assert replies, f"worker {name} did not answer a ping"
    assert name in replies[0]


def test_beat_starts_and_connects(tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    proc = _testable(["beat", "--loglevel", "INFO"], _env(tmp_path))
    processes.append(proc)
    assert proc.stdout is not None
    deadline = time.monotonic() + START_GUARD_SECONDS
    seen = b""
    while time.monotonic() < deadline and b"beat: Starting" not in seen:
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
    assert b"beat: Starting" in seen, seen.decode()


# --------------------------------------------------------------------------- testable run

_FORM_PAGE = """<html><body><h1>Sign up</h1>
<label for=n>Full name</label><input id=n name=name>
<label for=c>Code word</label><input id=c type=password>
<button id=save onclick="document.getElementById('out').textContent =
  'Saved ' + document.getElementById('n').value">Save</button>
<p id=out></p></body></html>"""

_AI_SUITE = f'''
import pytest
from tinydep import GREETING

PAGE = """{_FORM_PAGE}"""


@pytest.mark.parametrize("name", ["Ada Lovelace", "Grace Hopper"], ids=["case-1", "case-2"])
def test_sign_up(page, ai, name):
    page.set_content(PAGE)
    ai.act(f'type "{{name}}" into the full name field')
    ai.act('type "hunter22" into the code word field')
    ai.act("click the Save button")
    assert page.text_content("#out") == f"{{GREETING}} {{name}}"


def test_expected_failure(page, ai):
    page.set_content(PAGE)
    ai.act("click the Save button")
    raise AssertionError("first line of a long story\\n" + "word " * 60 + "supercalifragilistic")
'''


@pytest.mark.browser
def test_run_works_without_a_server_and_without_uv_on_path(tmp_path: Path) -> None:
    """`testable run` on its own: no `testable up`, no uv on PATH (the suite's requirements
    are installed with the uv package's binary), the element cache in the data directory,
    where `testable cache stats` run in the suite's folder finds it."""
    from tests.execution.conftest import build_wheel

    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinydep", "1.0", "GREETING = 'Saved'\n")
    suite = tmp_path / "signup-suite"
    suite.mkdir()
    (suite / "requirements.txt").write_text(f"--no-index\n--find-links {wheels}\ntinydep==1.0\n")
    (suite / "test_form.py").write_text(_AI_SUITE)
    path = "/usr/bin:/bin"
    assert shutil.which("uv", path=path) is None
    env = _env(tmp_path, PATH=path, COLUMNS="200")
    env.pop("UV", None)

    run = subprocess.run(
        [sys.executable, "-m", "backend.cli", "run", str(suite)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = run.stdout

    assert run.returncode == 1, out + run.stderr  # one test fails on purpose
    assert "unreachable" not in out + run.stderr
    # Each test as it finishes, parameters kept, with its steps and their decisions.
    first = out.index("✓ test_form.py::test_sign_up[chromium-case-1]")
    second = out.index("✓ test_form.py::test_sign_up[chromium-case-2]")
    assert "resolver" in out[first:second]  # a cold cache: the resolver found the fields
    assert "cache_hit" in out[second:]  # the same steps again: from the cache
    # Typed text is shown, except what goes into a password input.
    assert 'type "Ada Lovelace" into the full name field' in out
    assert 'type "***" into the code word field' in out
    assert "hunter22" not in out
    assert "✗ test_form.py::test_expected_failure[chromium]" in out
    # The failure in full: its line breaks, and its last word whole.
    assert "first line of a long story\n" in out
    assert "supercalifragilistic" in out
    # Where to look next.
    assert "screenshots and traces" in out
    assert "log: " in out
    assert "(2 passed, 1 failed)" in out
    # The data directory is private even though no server ever started on it: the cache
    # folder inside it is lent to the sandbox's user (SECURITY.md).
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700

    stats = subprocess.run(
        [sys.executable, "-m", "backend.cli", "cache", "stats", "--json"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    entries = json.loads(stats.stdout)["entries"]
    assert entries >= 2  # the name field and the Save button


def test_at_heads_tells_when_a_run_can_skip_the_migrations(tmp_path: Path) -> None:
    from backend.db.migrate import at_heads, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'testable.db'}"
    assert not at_heads(url)  # no file yet
    upgrade(url)
    assert at_heads(url)
    assert not at_heads("postgresql+asyncpg://nobody@127.0.0.1:9/none")  # never looked at
