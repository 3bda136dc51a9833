"""The small suite the end-to-end journey runs (a git repository made per test).

It does in the test process what the TestAble plugin does, with the standard library
only: live ``step`` events through the run channel, the element cache through the api
with the run token (an element found by the resolver, then healed), and the durable steps
in the json-report metadata. ``test_sold_out`` waits for a gate, so the browser can
watch the run while it is still going; then it fails (there is something to re-run).

The gate is a tiny HTTP server on this machine, not a file: the test process runs in a
sandbox whose /tmp is its own, so a file the test touches under /tmp is never seen there
(the run then waited out the gate's own time limit).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.runs.helpers import make_git_repo

FIRST = "tests/test_shop.py::test_buys_a_teapot"
SECOND = "tests/test_shop.py::test_sold_out"
INSTRUCTION = "click the buy button"
HEAL_REASON = "the button's id changed from buy to buy-now"

_TEST_FILE = """\
import json
import os
import pathlib
import time
import urllib.request

from backend.execution.channel import emit

GATE = {gate!r}
NODE = {first!r}


def _cache(method, path, body):
    project = os.environ["TESTABLE_PROJECT"]
    request = urllib.request.Request(
        os.environ["TESTABLE_RUN_API_URL"] + "/api/cache/projects/" + project + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={{
            "Authorization": "Bearer " + os.environ["TESTABLE_RUN_TOKEN"],
            "Content-Type": "application/json",
        }},
    )
    urllib.request.urlopen(request, timeout=30).read()


def _element(selector):
    return {{
        "key": "buy-button", "project": os.environ["TESTABLE_PROJECT"], "scope": "main",
        "instruction": {instruction!r}, "route": "/products/:id", "frame": "",
        "selectors": [{{"kind": "css", "value": selector}}],
        "fingerprint": {{"tag": "button", "role": "button", "name": "Buy", "text": "Buy"}},
        "context": {{"url": "http://shop.test/products/7", "route": "/products/:id"}},
        "action": {{"method": "click", "argument": None}},
        "stats": {{"uses": 0, "successes": 0, "failures": 0, "last_used_at": None,
                   "created_at": "2026-11-24T00:00:00+00:00"}},
        "version": 1, "status": "active",
    }}


def test_buys_a_teapot():
    print("opening the teapot page")
    _cache("PUT", "/element", {{"element": _element("#buy"), "change": "created",
                                "actor": "resolver", "reason": "first lookup"}})
    _cache("PUT", "/element", {{"element": _element("#buy-now"), "change": "updated",
                                "actor": "healing", "reason": {heal_reason!r}}})
    _cache("POST", "/decisions", {{
        "project": os.environ["TESTABLE_PROJECT"], "key": "buy-button",
        "instruction": {instruction!r}, "decision": "healed", "confidence": 84.0,
        "scores": None, "reasons": [{heal_reason!r}], "selector": "#buy-now",
        "duration_ms": 12.0, "run_id": None, "at": "2026-11-24T00:00:01+00:00",
    }})
    emit("step", nodeid=NODE, index=0, instruction={instruction!r}, action="act",
         decision="healed", confidence=84.0, duration=0.012)
    print("bought a teapot")


def test_sold_out():
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(GATE, timeout=5).read()
            break
        except OSError:  # closed (423) or not reachable yet
            time.sleep(0.05)
    assert "teapot" == "kettle", "sold out"
"""

_CONFTEST = """\
def pytest_json_runtest_metadata(item, call):
    if call.when != "call" or item.name != "test_buys_a_teapot":
        return {{}}
    return {{"testable": {{"steps": [{{
        "kind": "act", "instruction": {instruction!r}, "decision": "healed",
        "confidence": 84.0, "duration_ms": 12.0, "selector": "#buy-now",
        "explanation": {heal_reason!r}, "key": "buy-button", "resolver_calls": 0,
    }}]}}}}
"""


class Gate:
    """Answers 423 until ``open()``, then 200; ``start()`` it, ``close()`` it."""

    def __init__(self) -> None:
        opened = self.opened = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if opened.is_set() else 423)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def open(self) -> None:
        self.opened.set()

    def start(self) -> Gate:
        self.thread.start()
        return self

    def close(self) -> None:
        """Opens it first: the suite is never left waiting."""
        self.opened.set()
        self.server.shutdown()
        self.server.server_close()


def make_suite_repository(root: Path, gate: Gate) -> str:
    """A bare git repository holding the suite; its file:// URL."""
    values = {
        "gate": gate.url,
        "first": FIRST,
        "instruction": INSTRUCTION,
        "heal_reason": HEAL_REASON,
    }
    return make_git_repo(
        root,
        {
            "pytest.ini": "[pytest]\n",
            "tests/conftest.py": _CONFTEST.format(**values),
            "tests/test_shop.py": _TEST_FILE.format(**values),
        },
    )
