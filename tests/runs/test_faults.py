"""Every way a run can go wrong ends in a clear status and reason, and keeps what it
recorded (embedded mode; the worker-specific faults are in tests/workers)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.runs.helpers import Api, make_git_repo, signed_in_api


async def _run(
    client: httpx.AsyncClient, tmp_path: Path, files: dict[str, str], **body: object
) -> tuple[Api, dict[str, object]]:
    api = await signed_in_api(client, "faults@example.com")
    project = await api.project(make_git_repo(tmp_path, files))
    return api, await api.wait((await api.start(project["id"], **body))["id"])


async def test_a_repository_that_fails_to_clone_is_an_error(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "clone@example.com")
    project = await api.project(f"file://{tmp_path}/no-such-repository.git")
    detail = await api.wait((await api.start(project["id"]))["id"])
    assert detail["status"] == "error"
    assert detail["reason"].startswith("checkout failed (unknown_repository)")
    assert detail["tests"] == []


async def test_an_unknown_branch_is_an_error_naming_it(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, detail = await _run(
        client, tmp_path, {"tests/test_a.py": "def test_a():\n    pass\n"}, branch="nope"
    )
    assert detail["status"] == "error"
    assert "checkout failed (unknown_ref)" in str(detail["reason"])
    assert "'nope'" in str(detail["reason"])


async def test_a_missing_dependency_file_is_an_error(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, detail = await _run(
        client,
        tmp_path,
        {"tests/test_a.py": "def test_a():\n    pass\n"},
        options={"dependency_file": "requirements-ci.txt"},
    )
    assert detail["status"] == "error"
    assert detail["reason"] == (
        "installing dependencies failed: dependency file 'requirements-ci.txt' not found "
        "in the repository"
    )


async def test_a_dependency_that_cannot_be_installed_is_an_error(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, detail = await _run(
        client,
        tmp_path,
        {
            "requirements.txt": "--no-index\ntestable-no-such-package==9.9\n",
            "tests/test_a.py": "def test_a():\n    pass\n",
        },
    )
    assert detail["status"] == "error"
    reason = str(detail["reason"])
    assert reason.startswith("installing dependencies failed: installing the dependencies")
    assert "testable-no-such-package" in reason


async def test_a_syntax_error_in_a_test_module_is_an_error_with_its_location(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _, detail = await _run(
        client,
        tmp_path,
        {
            "tests/test_good.py": "def test_good():\n    pass\n",
            "tests/test_bad.py": "def test_bad(:\n    pass\n",
        },
    )
    assert detail["status"] == "error"
    assert "collection error in" in str(detail["reason"])
    assert "test_bad.py, line 1" in str(detail["reason"])


async def test_zero_tests_collected_is_an_error(client: httpx.AsyncClient, tmp_path: Path) -> None:
    _, detail = await _run(
        client,
        tmp_path,
        {"tests/test_a.py": "def test_a():\n    pass\n"},
        selection={"keyword": "nothing_matches_this"},
    )
    assert detail["status"] == "error"
    assert str(detail["reason"]).startswith("no tests were collected for -k 'nothing_matches_this'")


async def test_a_hanging_test_times_out_and_earlier_results_are_kept(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api, detail = await _run(
        client,
        tmp_path,
        {
            "tests/test_slow.py": (
                "import time\n\n"
                "def test_1_quick():\n    pass\n\n"
                "def test_2_hangs():\n    time.sleep(600)\n"
            )
        },
        options={"timeout": 12},
    )
    assert detail["status"] == "timed_out"
    assert "exceeded its 12s time limit while running tests/test_slow.py::test_2_hangs" in str(
        detail["reason"]
    )
    finished = [
        e["data"]["nodeid"]
        for e in await api.events(str(detail["id"]))
        if e["type"] == "test_finished"
    ]
    assert "tests/test_slow.py::test_1_quick" in finished


async def test_a_crashing_test_process_is_an_error_naming_the_signal(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api, detail = await _run(
        client,
        tmp_path,
        {
            "tests/test_crash.py": (
                "import os, signal\n\n"
                "def test_1_fine():\n    pass\n\n"
                "def test_2_crash():\n    os.kill(os.getpid(), signal.SIGKILL)\n"
            )
        },
    )
    assert detail["status"] == "error"
    assert "killed by signal SIGKILL (9) while running tests/test_crash.py::test_2_crash" in str(
        detail["reason"]
    )
    events = await api.events(str(detail["id"]))
    assert any(
        e["type"] == "test_finished" and e["data"]["nodeid"].endswith("test_1_fine") for e in events
    )


async def test_cancelling_a_running_run_stops_pytest(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "cancel@example.com")
    project = await api.project(
        make_git_repo(
            tmp_path,
            {"tests/test_wait.py": "import time\n\ndef test_wait():\n    time.sleep(120)\n"},
        )
    )
    run = await api.start(project["id"])
    await api.wait_for(run["id"], "running")
    await api.wait_for_event(run["id"], "test_started")

    response = await client.post(f"/api/runs/{run['id']}/cancel", headers=api.headers)
    assert response.status_code == 200
    assert response.json()["cancel_requested"] is True

    detail = await api.wait(run["id"])
    assert detail["status"] == "cancelled"
    assert "cancelled while running tests/test_wait.py::test_wait" in detail["reason"]
    again = await client.post(f"/api/runs/{run['id']}/cancel", headers=api.headers)
    assert again.status_code == 409
    assert again.json()["error"] == "run_finished"
