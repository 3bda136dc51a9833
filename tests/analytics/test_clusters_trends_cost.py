"""Failure clusters and triage (with suggestions), duration trends and regressions, the
cost of flakiness and the cache's value (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.analytics.fingerprint import fingerprint
from backend.defects.models import Defect
from backend.kit.time import utcnow
from tests.analytics.helpers import finished_run, new_project


def _timeout(n: int, path: str) -> dict[str, str]:
    return {
        "outcome": "failed",
        "error": f"TimeoutError: Timeout {n}ms exceeded waiting for locator('#row-{n}')",
        "traceback": f"{path}/tests/test_shop.py:{n}: in test_x\nE   TimeoutError",
    }


def test_fingerprints_ignore_volatile_parts() -> None:
    a = fingerprint(
        "Session 1b4e28ba-2fa1-11d2-883f-0016d3cca427 expired after 3.2s at 0x7f3a2b",
        "/home/a/app/tests/t.py:12: in test_a\nE   ValueError",
    )
    b = fingerprint(
        "Session 6f1c2d3e-0000-4000-8000-123456789abc expired after 15s at 0xdeadbeef",
        "/tmp/pytest-of-ci/pytest-7/t.py:99: in test_a\nE   ValueError",
    )
    c = fingerprint("Session expired: permission denied", None)
    assert a[0] == b[0]
    assert a[0] != c[0]
    selectors = [
        fingerprint(f"no element #ember{n} .css-{h} > li:nth-child({n})", None)[0]
        for n, h in ((3, "1q2w3e"), (41, "9zz8yy"))
    ]
    assert selectors[0] == selectors[1]


async def test_clusters_group_failures_and_learn_from_triage(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    await finished_run(
        app,
        project.id,
        {"t.py::a": _timeout(5000, "/ci/one"), "t.py::b": _timeout(30000, "/ci/two")},
        at=now - timedelta(hours=3),
    )
    await finished_run(
        app,
        project.id,
        {
            "t.py::a": _timeout(7, "/x"),
            "t.py::c": {"outcome": "failed", "error": "AssertionError: assert 1 == 2"},
        },
        at=now - timedelta(hours=2),
    )
    clusters = await project.get("/clusters")
    assert clusters["total"] == 2
    timeout = next(c for c in clusters["items"] if c["sample_error"].startswith("TimeoutError"))
    assert (timeout["tests_count"], timeout["failures_count"]) == (2, 3)
    assert timeout["decision"] is None
    assert timeout["suggested_decision"] is None

    url = f"{project.base}/clusters/{timeout['id']}"
    unknown = await client.put(
        url,
        json={"decision": "environment", "defect_id": str(uuid.uuid4())},
        headers=project.api.headers,
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unknown_defect"
    async with app.state.db.session() as session:
        defect = Defect(project_id=uuid.UUID(project.id), number=1, title="CI proxy drops")
        session.add(defect)
        await session.flush()
        defect_id = str(defect.id)
    decided = await client.put(
        url,
        json={"decision": "environment", "note": "the CI proxy", "defect_id": defect_id},
        headers=project.api.headers,
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["decision"], body["note"], body["defect_id"]) == (
        "environment",
        "the CI proxy",
        defect_id,
    )
    assert (await project.get("/clusters", decision="environment"))["total"] == 1
    assert (await project.get("/clusters", decision="none"))["total"] == 1

    # A new failure with the known fingerprint gets the decision suggested ...
    newest = await finished_run(
        app, project.id, {"t.py::d": _timeout(12, "/elsewhere")}, at=now - timedelta(hours=1)
    )
    detail = await project.get(f"/clusters/{timeout['id']}")
    assert detail["tests"] == ["t.py::a", "t.py::b", "t.py::d"]
    first = detail["failures"][0]
    assert (first["run_id"], first["test"], first["suggested_decision"]) == (
        newest,
        "t.py::d",
        "environment",
    )
    assert {f["suggested_decision"] for f in detail["failures"][1:]} == {None}
    # ... and an undecided cluster with the same message from another code path too.
    other_path = {
        **_timeout(9, "/y"),
        "traceback": "/y/tests/test_cart.py:3: in test_y\nE   TimeoutError",
    }
    await finished_run(app, project.id, {"t.py::e": other_path}, at=now)
    undecided = (await project.get("/clusters", decision="none"))["items"]
    suggested = [c for c in undecided if c["suggested_decision"] == "environment"]
    assert len(suggested) == 1
    assert suggested[0]["tests_count"] == 1

    bad = await client.put(url, json={"decision": "shrug"}, headers=project.api.headers)
    assert bad.status_code == 422
    missing = await client.get(
        f"{project.base}/clusters/{uuid.uuid4()}", headers=project.api.headers
    )
    assert missing.status_code == 404


async def test_trends_per_day_and_week_with_regressions(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    slow, steady = "t.py::slow", "t.py::steady"
    # 20 days of history: 'slow' took 0.1 s, and 0.5 s in the last five days (most of the
    # last week, the recent window).
    for age in range(20, -1, -1):
        duration = 0.5 if age <= 4 else 0.1
        outcome = "failed" if age == 10 else "passed"
        for hour in (1, 2):
            await finished_run(
                app,
                project.id,
                {
                    slow: {"outcome": outcome, "duration": duration},
                    steady: {"outcome": "passed", "duration": 0.2},
                },
                at=now - timedelta(days=age, hours=hour),
            )

    since = (now - timedelta(days=30)).isoformat()
    daily = await project.get("/trends", test=slow, since=since)
    days = {p["bucket_start"]: p for p in daily["points"]}
    assert len(days) in (21, 22)  # two runs a day, the hours may straddle midnight
    assert sum(p["results"] for p in daily["points"]) == 42
    latest = daily["points"][-1]
    assert 480 <= latest["p50_ms"] <= 520
    failing_day = [p for p in daily["points"] if p["pass_rate"] is not None and p["pass_rate"] < 1]
    assert failing_day
    assert daily["regressions"] == [
        {
            "test": slow,
            "recent_p50_ms": daily["regressions"][0]["recent_p50_ms"],
            "baseline_p50_ms": daily["regressions"][0]["baseline_p50_ms"],
            "ratio": daily["regressions"][0]["ratio"],
        }
    ]
    assert 95 <= daily["regressions"][0]["baseline_p50_ms"] <= 105
    assert daily["regressions"][0]["ratio"] >= 4.5

    weekly = await project.get("/trends", since=since, bucket="week")
    assert all(
        __import__("datetime").date.fromisoformat(p["bucket_start"]).weekday() == 0
        for p in weekly["points"]
    )
    assert sum(p["results"] for p in weekly["points"]) == 84
    assert [r["test"] for r in weekly["regressions"]] == [slow]  # not the steady one
    bad = await client.get(
        f"{project.base}/trends", params={"bucket": "month"}, headers=project.api.headers
    )
    assert bad.status_code == 422


async def test_cost_of_flakiness_and_value_of_the_cache(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    cost = await project.get("/cost")
    assert cost["resolver_ms_measured"] is None  # never measured: no figure is invented
    assert cost["resolver_seconds_avoided"] is None

    steps = [
        {"instruction": "click a", "decision": "cache_hit", "duration_ms": 4},
        {"instruction": "click b", "decision": "cache_hit_verified", "duration_ms": 9},
        {
            "instruction": "click c",
            "decision": "resolver",
            "duration_ms": 1500,
            "resolver_calls": 1,
        },
        {"instruction": "open", "decision": "navigated", "duration_ms": 30},
    ]
    flaky = "t.py::flaky"
    await finished_run(
        app,
        project.id,
        {
            flaky: {"outcome": "passed", "duration": 2.0, "retries": 1, "flaky": True},
            "t.py::ui": {"outcome": "passed", "duration": 1.0, "steps": steps},
        },
        at=now - timedelta(hours=2),
    )
    await finished_run(
        app,
        project.id,
        {
            flaky: {"outcome": "failed", "duration": 3.0, "retries": 2},
            "t.py::ui": {"outcome": "passed", "steps": steps[:1]},
            "t.py::stable_failure": {"outcome": "failed", "duration": 10.0},
        },
        at=now - timedelta(hours=1),
    )
    cost = await project.get("/cost")
    assert cost["retry_seconds"] == 2.0 * 1 + 3.0 * 2  # each re-run as long as the last
    assert (cost["failed_flaky_run_seconds"], cost["flaky_failures"]) == (3.0, 1)
    assert cost["resolver_calls_avoided"] == 3  # cache hits: 2 + 1
    assert cost["resolver_ms_measured"] == 1500.0
    assert cost["resolver_seconds_avoided"] == 4.5
    later = await project.get("/cost", since=(now + timedelta(days=1)).isoformat())
    assert (later["retry_seconds"], later["resolver_calls_avoided"]) == (0.0, 0)
    assert later["resolver_ms_measured"] == 1500.0  # the project's measurement, all time
