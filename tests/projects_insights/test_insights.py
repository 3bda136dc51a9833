"""``GET /api/projects/{id}/insights``: the dashboard home's aggregates, on SQLite and
PostgreSQL. Runs are written as a finished run leaves them (run row + its test rows, and
the analytics rollups its after-finish hook keeps, in the same transaction)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.analytics.quarantine import after_run_finished
from backend.kit.time import utcnow
from backend.repositories.models import Repository
from backend.runs.models import Run, RunTest
from backend.workflows.models import Workflow
from tests.runs.helpers import make_git_repo, signed_in_api


async def _finished_run(
    app: FastAPI,
    project_id: str,
    finished_at: datetime,
    outcomes: dict[str, str],
    cache: dict[str, int],
    flaky: frozenset[str] = frozenset(),
) -> None:
    passed = sum(1 for o in outcomes.values() if o == "passed")
    async with app.state.db.session() as session:
        run = Run(
            project_id=uuid.UUID(project_id),
            trigger="manual",
            status="passed" if passed == len(outcomes) else "failed",
            finished_at=finished_at,
            total=len(outcomes),
            passed=passed,
            failed=len(outcomes) - passed,
            cache_stats=cache,
        )
        session.add(run)
        await session.flush()
        for node_id, outcome in outcomes.items():
            session.add(
                RunTest(run_id=run.id, node_id=node_id, outcome=outcome, flaky=node_id in flaky)
            )
        await session.flush()
        await after_run_finished(session, run)
        await session.commit()


async def _scheduled_workflow(app: FastAPI, org_id: str, project_id: str) -> None:
    async with app.state.db.session() as session:
        repository = await session.scalar(
            select(Repository).where(Repository.project_id == uuid.UUID(project_id))
        )
        if repository is None:
            repository = Repository(
                org_id=uuid.UUID(org_id),
                project_id=uuid.UUID(project_id),
                provider="local",
                clone_url="/nowhere",
            )
            session.add(repository)
            await session.flush()
        schedule: dict[str, Any] = {"triggers": {"schedule": {"cron": "0 6 * * *"}}}
        for name, config in (("nightly", schedule), ("on demand", {}), ("paused", schedule)):
            session.add(
                Workflow(
                    repository_id=repository.id,
                    project_id=uuid.UUID(project_id),
                    name=name,
                    enabled=name != "paused",
                    config=config,
                )
            )
        await session.commit()


async def test_insights_sum_days_and_find_failing_flaky_tests_and_schedules(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))
    now = utcnow()
    yesterday = now - timedelta(days=1)
    # Oldest first. test_cart fails then passes (flaky by outcome); test_pay fails last;
    # test_login passed only after a retry once (flaky by flag); a 40-day-old run is ignored.
    # test_pay passed, then errors: a regression, failing but not flaky.
    await _finished_run(app, project["id"], now - timedelta(days=40), {"t::test_old": "failed"}, {})
    await _finished_run(
        app,
        project["id"],
        yesterday,
        {"t::test_cart": "failed", "t::test_pay": "passed", "t::test_login": "passed"},
        {"steps": 4, "cache_hits": 1},
        flaky=frozenset({"t::test_login"}),
    )
    await _finished_run(
        app,
        project["id"],
        now - timedelta(minutes=5),
        {"t::test_cart": "passed", "t::test_pay": "error", "t::test_login": "passed"},
        {"steps": 4, "cache_hits": 3},
    )
    await _scheduled_workflow(app, owner.org_id, project["id"])

    response = await client.get(f"/api/projects/{project['id']}/insights", headers=owner.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["days"], len(body["daily"]), body["recent_runs"]) == (30, 30, 2)
    today, before = body["daily"][-1], body["daily"][-2]
    assert today["day"] == now.date().isoformat()
    assert (today["runs"], today["tests"], today["passed"]) == (1, 3, 2)
    assert (today["cache_steps"], today["cache_hits"], today["cache_hit_rate"]) == (4, 3, 0.75)
    assert (before["runs"], before["passed"], before["cache_hit_rate"]) == (1, 2, 0.25)
    assert sum(d["runs"] for d in body["daily"]) == 2
    assert body["daily"][0]["pass_rate"] is None  # a day without runs has no rate
    assert [(t["node_id"], t["last_outcome"]) for t in body["failing"]] == [
        ("t::test_pay", "error")
    ]
    assert [(t["node_id"], t["failures"], t["runs"]) for t in body["flaky"]] == [
        ("t::test_cart", 1, 2),
        ("t::test_login", 0, 2),
    ]
    [nightly] = body["schedules"]
    assert (nightly["workflow_name"], nightly["cron"], nightly["timezone"]) == (
        "nightly",
        "0 6 * * *",
        "UTC",
    )
    next_at = datetime.fromisoformat(nightly["next_at"])
    assert (next_at.hour, next_at.minute) == (6, 0)
    assert timedelta(0) < next_at - now <= timedelta(days=1)


async def test_a_project_without_runs_has_empty_insights(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))

    body = (
        await client.get(f"/api/projects/{project['id']}/insights", headers=owner.headers)
    ).json()

    assert (body["recent_runs"], body["failing"], body["flaky"], body["schedules"]) == (
        0,
        [],
        [],
        [],
    )
    assert all(d["runs"] == 0 and d["pass_rate"] is None for d in body["daily"])


async def test_insights_of_another_organisations_project_answer_404(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    stranger = await signed_in_api(client, "stranger@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))

    response = await client.get(f"/api/projects/{project['id']}/insights", headers=stranger.headers)
    signed_out = await client.get(f"/api/projects/{project['id']}/insights")
    unknown = await client.get(f"/api/projects/{uuid.uuid4()}/insights", headers=owner.headers)

    assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert signed_out.status_code == 401
    assert unknown.status_code == 404


async def test_the_daily_cache_figures_follow_the_one_hit_rate_and_skips_are_not_results(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    project = await owner.project(make_git_repo(tmp_path, {"tests/test_a.py": ""}))
    now = utcnow()
    # Stored lookups win over steps (navigation is no lookup); an older run kept only steps.
    await _finished_run(
        app,
        project["id"],
        now - timedelta(minutes=10),
        {"t::test_a": "passed", "t::test_b": "skipped"},
        {"steps": 9, "lookups": 5, "cache_hits": 2},
    )
    await _finished_run(
        app, project["id"], now - timedelta(minutes=5), {"t::test_a": "failed"}, {"steps": 3}
    )

    body = (
        await client.get(f"/api/projects/{project['id']}/insights", headers=owner.headers)
    ).json()

    today = body["daily"][-1]
    assert (today["cache_steps"], today["cache_hits"], today["cache_hit_rate"]) == (8, 2, 0.25)
    # Results as analytics counts them: passed, failed and errors (a skip is not one).
    assert (today["runs"], today["tests"], today["passed"], today["pass_rate"]) == (2, 2, 1, 0.5)
    assert [(t["node_id"], t["failures"], t["runs"]) for t in body["failing"]] == [
        ("t::test_a", 1, 2)
    ]
