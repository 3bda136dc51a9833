"""The built wheel, installed like a Python tool: `uv build` (offline), a fresh virtual
environment with only the wheel and its dependencies, then `testable up` serves the
dashboard without Node and `testable run` runs an `ai` suite without a server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from uv import find_uv_bin

from tests.runs.servers import free_port

ROOT = Path(__file__).resolve().parent.parent

_SUITE = '''
PAGE = """<html><body><label for=q>Search</label><input id=q>
<button onclick="document.getElementById('r').textContent = 'Found ' +
  document.getElementById('q').value">Go</button><p id=r></p></body></html>"""


def test_search(page, ai):
    page.set_content(PAGE)
    ai.act('type "wheels" into the search field')
    ai.act("click the Go button")
    assert page.text_content("#r") == "Found wheels"
'''


def _uv(*args: str, cwd: Path = ROOT, timeout: float = 600) -> str:
    done = subprocess.run(
        [os.environ.get("UV") or find_uv_bin(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.browser
def test_the_wheel_installs_and_serves_the_dashboard_and_runs_a_suite(tmp_path: Path) -> None:
    assert (ROOT / "frontend" / "out" / "index.html").is_file(), "build it: make frontend"
    dist = tmp_path / "dist"
    # Offline: the build needs nothing but the source tree and uv's cached build backend.
    _uv("build", "--offline", "--wheel", "--out-dir", str(dist))
    wheel = next(dist.glob("testable-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "backend/migrations/env.py" in names
    assert "backend/dashboard/index.html" in names

    venv = tmp_path / "venv"
    _uv("venv", "--quiet", "--python", sys.executable, str(venv))
    # The dependencies at the versions of uv.lock (what the test suite runs with); their
    # files come from uv's cache, the index is asked for metadata.
    constraints = tmp_path / "constraints.txt"
    export = ["export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "-q"]
    _uv(*export, "-o", str(constraints))
    python = str(venv / "bin" / "python")
    _uv("pip", "install", "--quiet", "--python", python, "-c", str(constraints), str(wheel))
    testable = venv / "bin" / "testable"
    assert testable.is_file()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "TESTABLE_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }

    port = free_port()
    server = subprocess.Popen(
        [str(testable), "up", "--port", str(port)],
        cwd=tmp_path,  # not the source tree: everything must come from the wheel
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        output = (
            server.stdout.read().decode() if server.poll() is not None and server.stdout else ""
        )
        assert page is not None, output
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "/_next/static/" in page.text  # the built dashboard, not the placeholder page
        assert "has not been built yet" not in page.text
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    suite = tmp_path / "search-suite"
    suite.mkdir()
    (suite / "test_search.py").write_text(_SUITE)
    run = subprocess.run(
        [str(testable), "run", str(suite)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "✓ test_search.py::test_search[chromium]" in run.stdout
