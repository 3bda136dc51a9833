"""``make demo``'s live part (examples/live_demo.py) end to end, with a small suite in
place of the browser suite: the platform starts embedded, the demo account, repository
and project are made, a run is started through the api and the terminal shows it from
the WebSocket — each test as it finished, its steps with their cache decisions, the end.
Run twice, it reuses everything and starts a second run."""

from __future__ import annotations

import asyncio
from io import StringIO
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from backend.config import Settings
from examples.live_demo import (
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DemoRun,
    DemoSuite,
    demo_settings,
    live_run,
    print_access,
    serving,
)
from tests.runs.servers import free_port

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NODE = "tests/test_live.py::test_buys_a_teapot"
SUITE = DemoSuite(
    files={
        "tests/test_live.py": (
            "from backend.execution.channel import emit\n\n"
            "def test_buys_a_teapot():\n"
            f"    emit('step', nodeid={NODE!r}, index=0, instruction='click the buy button',\n"
            "         action='act', decision='cache_hit_verified', confidence=0.97,\n"
            "         duration=0.01)\n\n"
            "def test_sold_out():\n"
            "    assert 'teapot' == 'kettle', 'sold out'\n"
        )
    },
    selection={"test_paths": ["tests"]},
    env={"SHOP_URL": "http://shop.invalid"},
    timeout=300,
)


def _demo(settings: Settings, repo_root: Path) -> tuple[DemoRun, str, str, list[int]]:
    """One ``make demo`` (live part); also the sequence numbers the api stored."""
    output = StringIO()
    console = Console(file=output, width=200, force_terminal=False, color_system=None)
    with serving(settings) as base_url:
        demo = asyncio.run(live_run(base_url, repo_root, SUITE, console))
        print_access(console, base_url, demo)
        stored = httpx.get(
            f"{base_url}/api/runs/{demo.run['id']}/events",
            params={"limit": 10000},
            headers={"Authorization": f"Bearer {demo.token}"},
        )
        assert stored.status_code == 200, stored.text
    return demo, output.getvalue(), base_url, [event["seq"] for event in stored.json()]


def test_the_demo_shows_a_run_live_from_its_socket_and_is_idempotent(
    settings: Settings, tmp_path: Path
) -> None:
    settings = demo_settings(settings.model_copy(update={"port": free_port()}))
    repo_root = settings.data_dir / "demo-repository"

    first, shown, base_url, stored = _demo(settings, repo_root)

    assert first.run["status"] == "failed"
    # Every event the api stored reached the terminal through the socket, in order.
    assert [event["seq"] for event in first.live.events] == stored
    assert first.live.status == "failed"
    assert sorted(first.live.finished_tests) == sorted([NODE, "tests/test_live.py::test_sold_out"])
    lines = shown.splitlines()
    passed = next(i for i, line in enumerate(lines) if line.startswith(f"✓ {NODE}"))
    assert "cache_hit_verified" in lines[passed + 1]
    assert "click the buy button" in lines[passed + 1]
    assert any(line.startswith("✗ tests/test_live.py::test_sold_out") for line in lines)
    assert "run failed: 2 tests finished — 1 failed" in shown
    assert f"Dashboard: {base_url}/" in shown
    assert f"Login: {DEMO_EMAIL} / {DEMO_PASSWORD}" in shown

    second, shown_again, _, _ = _demo(settings, repo_root)

    assert second.project["id"] == first.project["id"]  # same account, repository, project
    assert second.run["id"] != first.run["id"]
    assert second.run["commit_sha"] == first.run["commit_sha"]  # nothing new to commit
    assert second.live.status == "failed"
    assert "cache_hit_verified" in shown_again
