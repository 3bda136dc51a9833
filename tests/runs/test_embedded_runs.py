"""Runs end to end on the in-process dispatcher: the same run function a worker uses."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.runs.helpers import MIXED_SUITE, PASSING_SUITE, make_git_repo, signed_in_api


async def test_a_passing_suite_runs_to_passed_with_results_and_events(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "runner@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    run = await api.start(project["id"], branch="main")
    assert run["status"] == "queued"

    detail = await api.wait(run["id"])

    assert detail["status"] == "passed", detail["reason"]
    assert detail["reason"] is None
    assert (detail["total"], detail["passed"], detail["failed"]) == (2, 2, 0)
    assert len(detail["commit_sha"]) == 40
    assert sorted(t["node_id"] for t in detail["tests"]) == [
        "tests/test_shop.py::test_add",
        "tests/test_shop.py::test_names",
    ]
    events = await api.events(run["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    statuses = [e["data"]["status"] for e in events if e["type"] == "run_status"]
    assert statuses == ["queued", "running", "passed"]
    types = {e["type"] for e in events}
    assert {"phase", "session_started", "test_started", "test_finished", "output"} <= types
    assert any("hello from the suite" in e["data"].get("line", "") for e in events) or any(
        "2 passed" in e["data"].get("line", "") for e in events
    )
    kinds = {a["kind"] for a in detail["artifacts"]}
    assert {"junit_xml", "json_report", "log"} <= kinds


async def test_failures_are_reported_and_only_they_are_rerun(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "mixed@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))
    first = await api.wait((await api.start(project["id"]))["id"])

    assert first["status"] == "failed"
    assert first["reason"] == "1 failed"
    outcomes = {t["node_id"].split("::")[1]: t for t in first["tests"]}
    assert outcomes["test_broken"]["outcome"] == "failed"
    assert "arithmetic is broken" in outcomes["test_broken"]["error_message"]
    assert "assert" in outcomes["test_broken"]["traceback"]
    assert outcomes["test_skipped"]["outcome"] == "skipped"

    rerun = await client.post(f"/api/runs/{first['id']}/rerun-failed", headers=api.headers)
    assert rerun.status_code == 201, rerun.text
    assert rerun.json()["selection"]["node_ids"] == ["tests/test_mixed.py::test_broken"]
    assert rerun.json()["rerun_of_id"] == first["id"]
    second = await api.wait(rerun.json()["id"])
    assert second["status"] == "failed"
    assert [t["node_id"] for t in second["tests"]] == ["tests/test_mixed.py::test_broken"]


async def test_artifacts_download_with_their_content_type(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "artifacts@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    detail = await api.wait((await api.start(project["id"]))["id"])
    junit = next(a for a in detail["artifacts"] if a["kind"] == "junit_xml")

    response = await client.get(junit["download_url"], headers=api.headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<testsuite" in response.content
    assert len(response.content) == junit["size"]
    anonymous = await client.get(junit["download_url"])
    assert anonymous.status_code == 401


async def test_the_run_env_option_reaches_the_test_process(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "env@example.com")
    suite = {
        "tests/test_env.py": (
            "import os\n\n"
            "def test_env():\n"
            "    assert os.environ['SHOP_URL'] == 'http://shop.test:8000'\n"
            "    assert os.environ['FEATURE_X'] == ''\n"
        )
    }
    project = await api.project(make_git_repo(tmp_path, suite))
    env = {"SHOP_URL": "http://shop.test:8000", "FEATURE_X": ""}
    run = await api.start(project["id"], options={"env": env})
    detail = await api.wait(run["id"])

    assert detail["status"] == "passed", detail["reason"]
    assert detail["options"]["env"] == env  # stored in clear: non-secret configuration
