"""Milestones on SQLite and PostgreSQL: planning, attaching, progress and burndown from plan
runs and attached runs, workload against capacity, coverage, the report (JSON and CSV) and
closing with a summary. Cases and plan runs are written straight into the database (their
api is tested in tests/cases)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.cases.models import CaseResult, PlanRun, PlanRunCase, PlanRunResult, TestCase, TestPlan
from backend.runs.models import Run, RunTest
from tests.defects.helpers import file, local_project
from tests.orgs.helpers import join
from tests.reports.helpers import TestSpec, finished_run
from tests.runs.helpers import Api, signed_in_api


def _at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


async def _me(api: Api) -> str:
    me = await api.client.get("/api/auth/me", headers=api.headers)
    return str(me.json()["id"])


async def _milestone(api: Api, project_id: str, expected: int = 201, **body: Any) -> dict[str, Any]:
    body = {"name": "Sprint 12", "goal": "Checkout", **body}
    response = await api.client.post(
        f"/api/projects/{project_id}/milestones", json=body, headers=api.headers
    )
    assert response.status_code == expected, response.text
    found: dict[str, Any] = response.json()
    return found


async def _get(api: Api, path: str) -> Any:
    response = await api.client.get(path, headers=api.headers)
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class Planned:
    cases: list[uuid.UUID]
    run_id: uuid.UUID


async def _plan(app: FastAPI, project_id: str, milestone_id: str, tester: str) -> Planned:
    """TC-1..TC-4 (tags, features, references); a plan run of the milestone with TC-1
    passed on 2 Dec, TC-2 failed on 3 Dec (after blocked on 2 Dec), TC-3 untested; TC-4's
    test passed in a run finished on 4 Dec (attached later by the test)."""
    pid, mid, uid = uuid.UUID(project_id), uuid.UUID(milestone_id), uuid.UUID(tester)
    run_id = await finished_run(
        app,
        project_id,
        status="passed",
        tests=(
            TestSpec(
                "tests/test_cart.py::test_total",
                "passed",
                steps=[
                    {"decision": "cache_hit", "duration_ms": 5},
                    {"decision": "resolver", "duration_ms": 1500},
                    {"decision": "resolver", "duration_ms": 2500},
                ],
            ),
        ),
    )
    async with app.state.db.session() as session:
        await session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(
                finished_at=_at(4),
                cache_stats={"cache_hits": 3, "lookups": 5},
                flaky=1,
            )
        )
        await session.execute(update(RunTest).where(RunTest.run_id == run_id).values(flaky=True))
        cases = [
            TestCase(
                project_id=pid,
                number=n,
                title=f"case {n}",
                tags=tags,
                feature=feature,
                references=refs,
                automation=automation,
            )
            for n, tags, feature, refs, automation in (
                (1, ["smoke"], "checkout", [{"id": "STORY-1"}], "manual"),
                (2, ["smoke", "cart"], "checkout", [], "manual"),
                (3, [], "search", [{"id": "STORY-2"}], "manual"),
                (4, ["cart"], "cart", [{"id": "STORY-1"}], "automated"),
                (5, ["cart"], "cart", [], "manual"),
            )
        ]
        session.add_all(cases)
        await session.flush()
        plan = TestPlan(project_id=pid, name="Regression", milestone_id=mid)
        session.add(plan)
        await session.flush()
        plan_run = PlanRun(plan_id=plan.id, project_id=pid, name="Regression #1", milestone_id=mid)
        session.add(plan_run)
        await session.flush()
        rows = []
        for case, status, at, seconds in (
            (cases[0], "passed", _at(2), 1800),
            (cases[1], "failed", _at(3), 3600),
            (cases[2], "untested", None, None),
        ):
            row = PlanRunCase(
                plan_run_id=plan_run.id,
                case_id=case.id,
                assignee_id=uid,
                status=status,
                source="manual" if at else None,
                time_spent_seconds=seconds,
                executed_at=at,
                executed_by_id=uid if at else None,
            )
            session.add(row)
            rows.append(row)
        await session.flush()
        session.add_all(
            [
                PlanRunResult(
                    plan_run_case_id=rows[0].id,
                    status="passed",
                    source="manual",
                    recorded_at=_at(2),
                ),
                PlanRunResult(
                    plan_run_case_id=rows[1].id,
                    status="blocked",
                    source="manual",
                    recorded_at=_at(2, 9),
                ),
                PlanRunResult(
                    plan_run_case_id=rows[1].id,
                    status="failed",
                    source="manual",
                    recorded_at=_at(3),
                ),
            ]
        )
        test_id = await session.scalar(select(RunTest.id).where(RunTest.run_id == run_id))
        assert test_id is not None
        session.add(
            CaseResult(
                case_id=cases[3].id,
                run_id=run_id,
                run_test_id=test_id,
                node_id="tests/test_cart.py::test_total",
                outcome="passed",
            )
        )
        return Planned(cases=[c.id for c in cases], run_id=run_id)


async def test_planning_changing_and_deleting_a_milestone(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    project = await local_project(api, tmp_path)
    created = await _milestone(api, project["id"], start_date="2026-12-01", due_date="2026-12-14")
    assert created["status"] == "open"
    assert created["start_date"] == "2026-12-01"
    duplicate = await _milestone(api, project["id"], 409, name="sprint 12")
    assert duplicate["details"][0]["field"] == "name"
    backwards = await _milestone(
        api, project["id"], 422, name="Other", start_date="2026-12-05", due_date="2026-12-01"
    )
    assert "due_date is before start_date" in str(backwards)

    url = f"/api/milestones/{created['id']}"
    patched = await api.client.patch(
        url, json={"goal": "Ship checkout", "due_date": None}, headers=api.headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["goal"] == "Ship checkout"
    assert patched.json()["due_date"] is None
    inverted = await api.client.patch(
        url, json={"start_date": "2027-01-01", "due_date": "2026-01-01"}, headers=api.headers
    )
    assert inverted.status_code == 422
    listed = await _get(api, f"/api/projects/{project['id']}/milestones")
    assert [m["name"] for m in listed] == ["Sprint 12"]

    member = await join(client, api.org_id, api.headers, "member@example.com", "member")
    assert (await client.delete(url, headers=member)).status_code == 403
    assert (await client.delete(url, headers=api.headers)).status_code == 204
    assert (await client.get(url, headers=api.headers)).status_code == 404


async def test_progress_burndown_workload_coverage_and_report_read_what_is_attached(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    me = await _me(api)
    project = await local_project(api, tmp_path)
    milestone = await _milestone(api, project["id"], start_date="2026-12-01", due_date="2026-12-05")
    url = f"/api/milestones/{milestone['id']}"
    planned = await _plan(app, project["id"], milestone["id"], me)
    defect = await file(
        api, project["id"], title="Total is wrong", severity="critical", assignee_id=me
    )
    attached = await api.client.post(
        f"{url}/attach",
        json={
            "run_ids": [str(planned.run_id)],
            "case_ids": [str(planned.cases[3])],
            "defect_ids": [defect["id"]],
        },
        headers=api.headers,
    )
    assert attached.status_code == 204, attached.text

    progress = await _get(api, url)
    assert progress["cases"] == {
        "planned": 4,
        "executed": 3,
        "passed": 2,
        "failed": 1,
        "blocked": 0,
        "skipped": 0,
        "retest": 0,
        "untested": 1,
    }
    assert progress["runs"] == {"runs": 1, "tests": 1, "passed": 1, "failed": 0, "flaky": 1}
    assert progress["defects"]["open"] == 1
    assert progress["defects"]["by_severity"]["critical"] == {"open": 1, "closed": 0}
    assert progress["run_ids"] == [str(planned.run_id)]

    burndown = await _get(api, f"{url}/burndown")
    assert [(d["day"], d["remaining"], d["ideal"]) for d in burndown["days"]] == [
        ("2026-12-01", 4, 4.0),
        ("2026-12-02", 2, 3.0),  # TC-1 passed, TC-2 blocked (its first result)
        ("2026-12-03", 2, 2.0),
        ("2026-12-04", 1, 1.0),  # TC-4's test passed in the attached run
        ("2026-12-05", 1, 0.0),
    ]

    capacity = await api.client.put(
        f"{url}/capacity",
        json={"people": [{"user_id": me, "capacity": 10, "unit": "hours"}]},
        headers=api.headers,
    )
    assert capacity.status_code == 200, capacity.text
    workload = await _get(api, f"{url}/workload")
    assert workload["people"] == [
        {
            "user_id": me,
            "email": "lead@example.com",
            "cases_assigned": 3,
            "cases_executed": 2,
            "defects_open": 1,
            "hours_spent": 1.5,
            "capacity": 10.0,
            "unit": "hours",
        }
    ]

    coverage = await _get(api, f"{url}/coverage")
    by_tag = {row["name"]: row for row in coverage["by_tag"]}
    assert by_tag["smoke"] == {
        "name": "smoke",
        "cases": 2,
        "automated": 0,
        "automated_share": 0.0,
        "executed": 2,
        "passing": 1,
    }
    assert by_tag["cart"]["cases"] == 3
    assert by_tag["cart"]["automated"] == 1
    assert by_tag["cart"]["passing"] == 1
    by_reference = {row["name"]: row for row in coverage["by_reference"]}
    assert by_reference["STORY-1"]["cases"] == 2
    assert by_reference["STORY-1"]["passing"] == 2
    assert coverage["never_run"] == ["TC-3", "TC-5"]

    report = await _get(api, f"{url}/report")
    assert report["pass_rate"] == round(2 / 3, 4)
    assert report["defects_opened"]["critical"] == 1
    assert report["defects_closed"]["critical"] == 0
    assert report["flaky_tests"] == ["tests/test_cart.py::test_total"]
    # 3 cache hits × the measured mean of the two resolver steps (2,000 ms).
    assert report["time_saved"] == {
        "cache_hits": 3,
        "resolver_steps_measured": 2,
        "mean_resolver_ms": 2000.0,
        "seconds": 6.0,
        "reason": None,
    }
    exported = await api.client.get(f"{url}/report.csv", headers=api.headers)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert ["cases", "planned", "4"] in rows
    assert ["time_saved", "seconds", "6.0"] in rows
    assert ["flaky_tests", "tests/test_cart.py::test_total", "flaky"] in rows


async def test_no_time_saved_figure_without_a_measured_resolver_time(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    project = await local_project(api, tmp_path)
    milestone = await _milestone(api, project["id"])
    run_id = await finished_run(
        app, project["id"], status="passed", tests=(TestSpec("t::a", "passed"),)
    )
    await api.client.post(
        f"/api/milestones/{milestone['id']}/attach",
        json={"run_ids": [str(run_id)]},
        headers=api.headers,
    )
    report = await _get(api, f"/api/milestones/{milestone['id']}/report")
    assert report["time_saved"]["seconds"] is None
    assert report["time_saved"]["reason"] == (
        "no resolver step of this project has a measured duration yet"
    )
    assert report["pass_rate"] is None


async def test_closing_writes_a_summary_from_the_figures_unless_one_is_given(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    project = await local_project(api, tmp_path)
    milestone = await _milestone(api, project["id"], start_date="2026-12-01")
    await _plan(app, project["id"], milestone["id"], await _me(api))
    url = f"/api/milestones/{milestone['id']}"

    closed = await api.client.post(f"{url}/close", json={}, headers=api.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["summary"] == (
        "2 of 3 planned cases executed (67 %): 1 passed, 1 failed, 0 blocked. "
        "0 run(s) attached. Defects: 0 open, 0 closed."
    )
    again = await api.client.post(f"{url}/close", json={}, headers=api.headers)
    assert again.status_code == 409
    assert (await api.client.post(f"{url}/reopen", headers=api.headers)).status_code == 200
    given = await api.client.post(
        f"{url}/close", json={"summary": "Shipped, one known bug."}, headers=api.headers
    )
    assert given.json()["summary"] == "Shipped, one known bug."
    closed_list = await _get(api, f"/api/projects/{project['id']}/milestones?status=closed")
    assert [m["id"] for m in closed_list] == [milestone["id"]]


async def test_only_the_projects_own_runs_cases_and_defects_attach(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    project = await local_project(api, tmp_path)
    other = await local_project(api, tmp_path, "other")
    milestone = await _milestone(api, project["id"])
    their_run = await finished_run(app, other["id"])
    their_defect = await file(api, other["id"], title="theirs")
    url = f"/api/milestones/{milestone['id']}/attach"
    for body, name in (
        ({"run_ids": [str(their_run)]}, "run_ids"),
        ({"defect_ids": [their_defect["id"]]}, "defect_ids"),
        ({"case_ids": [str(uuid.uuid4())]}, "case_ids"),
    ):
        response = await api.client.post(url, json=body, headers=api.headers)
        assert response.status_code == 404, response.text
        assert response.json()["details"][0]["field"] == name
    stranger = await signed_in_api(client, "stranger@example.com")
    capacity = await api.client.put(
        f"/api/milestones/{milestone['id']}/capacity",
        json={"people": [{"user_id": await _me(stranger), "capacity": 3}]},
        headers=api.headers,
    )
    assert capacity.status_code == 404
    assert capacity.json()["details"][0]["field"] == "user_id"
    # Detaching what was never attached is harmless; an empty burndown has planned 0.
    detached = await api.client.post(
        f"/api/milestones/{milestone['id']}/detach",
        json={"run_ids": [str(their_run)]},
        headers=api.headers,
    )
    assert detached.status_code == 204
    burndown = await _get(api, f"/api/milestones/{milestone['id']}/burndown")
    assert burndown["planned"] == 0
    assert all(day["remaining"] == 0 for day in burndown["days"])
    assert date.fromisoformat(burndown["days"][0]["day"]) <= date.today()


async def test_the_trend_lists_each_milestones_figures_oldest_first(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lead@example.com")
    project = await local_project(api, tmp_path)
    later = await _milestone(api, project["id"], name="Sprint 13", start_date="2026-12-01")
    earlier = await _milestone(api, project["id"], name="Sprint 12", start_date="2026-11-01")
    planned = await _plan(app, project["id"], earlier["id"], await _me(api))
    attached = await api.client.post(
        f"/api/milestones/{later['id']}/attach",
        json={"case_ids": [str(planned.cases[3])]},  # TC-4, automated, not run in it
        headers=api.headers,
    )
    assert attached.status_code == 204

    trend = await _get(api, f"/api/projects/{project['id']}/milestones/trend")
    assert [
        (p["name"], p["planned"], p["executed"], p["pass_rate"], p["automated_share"])
        for p in trend
    ] == [("Sprint 12", 3, 2, 0.5, 0.0), ("Sprint 13", 1, 0, None, 1.0)]
