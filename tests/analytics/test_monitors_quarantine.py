"""Flaky monitors (each rule, infrastructure failures left out, broken), statuses with
their evidence and history, quarantine by hand and by monitor, release (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from backend.analytics.quarantine import quarantined_tests
from backend.kit.time import utcnow
from tests.analytics.helpers import Project, finished_run, new_project
from tests.orgs.helpers import join

T = "tests/test_flaky.py::test_it[1-x]"
OTHERS = [f"tests/test_many.py::test_{i}" for i in range(6)]


async def _put_settings(project: Project, **changes: Any) -> dict[str, Any]:
    current = await project.get("/settings")
    response = await project.api.client.put(
        project.base + "/settings", json={**current, **changes}, headers=project.api.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _status(project: Project, test: str = T) -> dict[str, Any]:
    body: dict[str, Any] = await project.get("/tests/status", test=test)
    return body


async def _series(
    app: FastAPI,
    project: Project,
    outcomes: list[str],
    start: datetime,
    prefix: str = "commit",
    **kwargs: Any,
) -> list[str]:
    ids = []
    for index, outcome in enumerate(outcomes):
        ids.append(
            await finished_run(
                app,
                project.id,
                {T: {"outcome": outcome, "error": "AssertionError: 1 != 2"}},
                at=start + timedelta(minutes=10 * index),
                commit=f"{prefix}{index:04d}",
                **kwargs,
            )
        )
    return ids


async def test_settings_defaults_validation_and_roles(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    assert await project.get("/settings") == {
        "same_commit": True,
        "rate_threshold": 0.3,
        "rate_window_days": 7,
        "rate_min_results": 10,
        "flips_last_runs": 20,
        "flips_min": 4,
        "infra_failure_share": 0.8,
        "auto_quarantine": False,
        "release_after_passes": 10,
        "release_after_quiet_days": 14,
    }
    saved = await _put_settings(project, rate_threshold=0.5, auto_quarantine=True)
    assert (saved["rate_threshold"], saved["auto_quarantine"]) == (0.5, True)
    assert (await project.get("/settings"))["rate_threshold"] == 0.5
    url = project.base + "/settings"
    bad = await client.put(url, json={"rate_threshold": 2}, headers=project.api.headers)
    assert bad.status_code == 422
    assert "rate_threshold" in bad.text
    unknown = await client.put(url, json={"nope": 1}, headers=project.api.headers)
    assert unknown.status_code == 422
    member = await join(client, project.api.org_id, project.api.headers, "m@example.com", "member")
    refused = await client.put(url, json={}, headers=member)
    assert refused.status_code == 403


async def test_same_commit_retry_makes_a_test_flaky_with_evidence(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    await finished_run(app, project.id, {T: "passed"}, at=now - timedelta(hours=2))
    assert (await _status(project))["status"] == "healthy"
    retried = await finished_run(
        app,
        project.id,
        {T: {"outcome": "passed", "flaky": True, "retries": 1}},
        at=now - timedelta(hours=1),
        commit="abcdef1234567890",
    )

    status = await _status(project)
    assert status["status"] == "flaky"
    [evidence] = status["evidence"]
    assert evidence["kind"] == "same_commit"
    assert evidence["run_ids"] == [retried]
    assert evidence["commit_sha"] == "abcdef1234567890"
    assert "passed on retry" in evidence["text"]
    assert "abcdef12" in evidence["text"]
    [change] = status["changes"]
    assert change["status"] == "flaky"
    assert change["reason"].startswith("flaky because: failed, then passed on retry")
    flaky = await project.get("/flaky")
    assert [(t["test"], t["status"]) for t in flaky["items"]] == [(T, "flaky")]
    assert flaky["items"][0]["evidence"][0]["kind"] == "same_commit"

    # Turned off, the rule no longer fires: the next result makes the test healthy again.
    await _put_settings(project, same_commit=False)
    await finished_run(app, project.id, {T: "passed"}, at=now)
    status = await _status(project)
    assert (status["status"], status["evidence"]) == ("healthy", [])
    assert [c["status"] for c in status["changes"]] == ["healthy", "flaky"]


async def test_passed_and_failed_on_the_same_commit(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    first = await finished_run(
        app, project.id, {T: "passed"}, at=now - timedelta(hours=2), commit="samesame"
    )
    second = await finished_run(
        app, project.id, {T: "failed"}, at=now - timedelta(hours=1), commit="samesame"
    )
    status = await _status(project)
    assert status["status"] == "flaky"
    [evidence] = status["evidence"]
    assert (evidence["kind"], evidence["commit_sha"]) == ("same_commit", "samesame")
    assert evidence["run_ids"] == [first, second]


async def test_failure_rate_needs_the_minimum_results(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, flips_min=100, rate_min_results=6, rate_threshold=0.3)
    start = utcnow() - timedelta(days=1)
    # Two failures first (flips do not fire, each commit is different): 2 of 5 is too few
    # results, 2 of 6 (33 %) is flaky.
    await _series(app, project, ["failed", "failed", "passed", "passed", "passed"], start)
    assert (await _status(project))["status"] == "healthy"
    await finished_run(app, project.id, {T: "passed"}, at=start + timedelta(hours=2), commit="z")
    status = await _status(project)
    assert status["status"] == "flaky"
    [evidence] = status["evidence"]
    assert evidence["kind"] == "failure_rate"
    assert evidence["text"] == "failed 2 of 6 results (33%) in the last 7 days"
    assert len(evidence["run_ids"]) == 2

    # Results older than the window do not count.
    old = await new_project(client, tmp_path, "old@example.com")
    await _put_settings(old, flips_min=100, rate_min_results=6)
    await _series(
        app, old, ["failed", "failed", "passed", "passed", "passed"], utcnow() - timedelta(days=9)
    )
    await finished_run(app, old.id, {T: "passed"}, at=utcnow(), commit="z")
    assert (await _status(old))["status"] == "healthy"


async def test_flips_over_the_last_runs(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, rate_min_results=1000, flips_min=3, flips_last_runs=5)
    start = utcnow() - timedelta(days=1)
    # p f p p flips twice (healthy); after f p the last 5 results, f p p f p, flip 3 times.
    await _series(app, project, ["passed", "failed", "passed", "passed"], start)
    assert (await _status(project))["status"] == "healthy"
    ids = await _series(app, project, ["failed", "passed"], start + timedelta(hours=1), "later")
    status = await _status(project)
    assert status["status"] == "flaky"
    [evidence] = status["evidence"]
    assert evidence["kind"] == "flips"
    assert evidence["text"] == "flipped between pass and fail 3 times over the last 5 runs"
    assert evidence["run_ids"][-2:] == ids


async def test_broken_is_not_flaky_and_never_auto_quarantined(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, auto_quarantine=True)
    await _series(app, project, ["failed", "failed", "failed"], utcnow() - timedelta(hours=5))
    status = await _status(project)
    assert status["status"] == "broken"
    assert status["evidence"][0]["kind"] == "always_failing"
    assert status["evidence"][0]["text"] == "failed all 3 results in the last 7 days"
    assert status["quarantined"] is False
    assert (await project.get("/quarantine"))["total"] == 0
    assert [t["status"] for t in (await project.get("/flaky"))["items"]] == ["broken"]
    assert (await project.get("/tests", status="broken"))["total"] == 1


async def test_infrastructure_failures_are_left_out_of_the_evidence(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, flips_min=2, flips_last_runs=10)
    now = utcnow()
    everything = dict.fromkeys([T, *OTHERS], "passed")
    await finished_run(app, project.id, everything, at=now - timedelta(hours=3), commit="a")
    # Every test failed at once (7 of 7 > 80 %): an outage, not evidence.
    await finished_run(
        app, project.id, dict.fromkeys(everything, "error"), at=now - timedelta(hours=2), commit="b"
    )
    await finished_run(app, project.id, everything, at=now - timedelta(hours=1), commit="c")
    assert (await _status(project))["status"] == "healthy"
    # The same flip in a run where only this test failed counts.
    await finished_run(
        app, project.id, {**everything, T: "failed"}, at=now - timedelta(minutes=30), commit="d"
    )
    await finished_run(app, project.id, everything, at=now, commit="e")
    status = await _status(project)
    assert status["status"] == "flaky"
    assert status["evidence"][0]["kind"] == "flips"


async def test_quarantine_by_hand_and_release_after_passes(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, release_after_passes=2)
    url = project.base + "/quarantine"
    viewer = await join(client, project.api.org_id, project.api.headers, "v@example.com", "viewer")
    refused = await client.post(url, json={"test": T, "reason": "x"}, headers=viewer)
    assert refused.status_code == 403
    added = await client.post(
        url, json={"test": T, "reason": "flaky login"}, headers=project.api.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["by"] == "user"
    assert added.json()["by_user"] == "owner@example.com"
    again = await client.post(url, json={"test": T, "reason": "x"}, headers=project.api.headers)
    assert again.status_code == 409
    listed = await project.get("/quarantine")
    assert [(q["test"], q["reason"], q["consecutive_passes"]) for q in listed["items"]] == [
        (T, "flaky login", 0)
    ]
    async with app.state.db.session(read_only=True) as session:
        assert await quarantined_tests(session, __import__("uuid").UUID(project.id)) == {T}

    now = utcnow()
    await finished_run(app, project.id, {T: "passed"}, at=now + timedelta(minutes=1))
    await finished_run(app, project.id, {T: "failed"}, at=now + timedelta(minutes=2))
    await finished_run(app, project.id, {T: "passed"}, at=now + timedelta(minutes=3))
    status = await _status(project)
    assert status["quarantined"] is True
    assert status["quarantine"]["consecutive_passes"] == 1
    assert (await project.get("/tests", quarantined="true"))["total"] == 1
    await finished_run(app, project.id, {T: "passed"}, at=now + timedelta(minutes=4))
    assert (await _status(project))["quarantined"] is False
    assert (await project.get("/quarantine"))["total"] == 0
    assert (await project.get("/tests", quarantined="false"))["total"] == 1

    # By hand again, then released by hand.
    await client.post(url, json={"test": T, "reason": "again"}, headers=project.api.headers)
    released = await client.delete(url, params={"test": T}, headers=project.api.headers)
    assert released.status_code == 204
    gone = await client.delete(url, params={"test": T}, headers=project.api.headers)
    assert gone.status_code == 404


async def test_auto_quarantine_and_release_after_quiet_days(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    await _put_settings(project, auto_quarantine=True, release_after_quiet_days=3)
    start = utcnow() - timedelta(days=6)
    await finished_run(
        app, project.id, {T: {"outcome": "passed", "flaky": True, "retries": 1}}, at=start
    )
    [item] = (await project.get("/quarantine"))["items"]
    assert (item["test"], item["by"], item["by_user"]) == (T, "monitor", None)
    # A run 2 days later (not quiet long enough), then one 4 days after quarantine.
    await finished_run(app, project.id, {"t.py::other": "passed"}, at=start + timedelta(days=2))
    assert (await project.get("/quarantine"))["total"] == 1
    await finished_run(app, project.id, {"t.py::other": "passed"}, at=start + timedelta(days=4))
    assert (await project.get("/quarantine"))["total"] == 0
