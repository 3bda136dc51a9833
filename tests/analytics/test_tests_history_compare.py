"""Test search, one test's history, run comparison, CSV export (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI

from backend.kit.time import utcnow
from tests.analytics.helpers import finished_run, new_project

LOGIN = "tests/test_auth.py::test_login[chromium-admin]"
LOGOUT = "tests/test_auth.py::TestSession::test_logout"
CART = "tests/shop/test_cart.py::test_add_to_cart"


async def test_search_filters_and_history_with_steps(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    steps = [
        {"instruction": "click Sign in", "decision": "cache_hit", "duration_ms": 3},
        {"instruction": "type the name", "decision": "resolver", "matched_by": "containment"},
    ]
    first = await finished_run(
        app,
        project.id,
        {
            LOGIN: {"outcome": "passed", "duration": 1.2, "steps": steps},
            LOGOUT: {"outcome": "passed", "meta": {"markers": ["smoke", "auth"], "owner": "ana"}},
        },
        at=now - timedelta(hours=3),
        branch="feature",
        commit="aaaa1111",
    )
    second = await finished_run(
        app,
        project.id,
        {
            LOGIN: {"outcome": "failed", "duration": 2.5, "error": "AssertionError: no"},
            LOGOUT: "passed",
            CART: "skipped",
        },
        at=now - timedelta(hours=1),
        commit="bbbb2222",
    )

    everything = await project.get("/tests")
    assert everything["total"] == 3
    assert [t["test"] for t in everything["items"]] == [CART, LOGOUT, LOGIN]
    login = everything["items"][2]
    assert (login["file"], login["name"]) == ("tests/test_auth.py", "test_login[chromium-admin]")
    assert (login["last_outcome"], login["last_run_id"], login["results"]) == ("failed", second, 2)
    assert login["failure_rate"] == 0.5
    assert 1100 < login["p50_ms"] < 1300
    assert 2300 < login["p95_ms"] < 2700
    assert (login["status"], login["quarantined"]) == ("healthy", False)

    assert [t["test"] for t in (await project.get("/tests", q="LOGIN[chromium"))["items"]] == [
        LOGIN
    ]
    assert (await project.get("/tests", file="shop/"))["total"] == 1
    assert [t["test"] for t in (await project.get("/tests", outcome="failed"))["items"]] == [LOGIN]
    page = await project.get("/tests", limit=1, offset=1)
    assert (page["total"], [t["test"] for t in page["items"]]) == (3, [LOGOUT])
    assert (await project.get("/tests", q="100%_"))["total"] == 0  # LIKE wildcards are literal
    smoke = await project.get("/tests", marker="smoke")
    assert [(t["test"], t["markers"], t["owner"]) for t in smoke["items"]] == [
        (LOGOUT, ["smoke", "auth"], "ana")
    ]
    assert (await project.get("/tests", marker="smok"))["total"] == 0
    assert [t["test"] for t in (await project.get("/tests", owner="ana"))["items"]] == [LOGOUT]

    history = await project.get("/tests/history", test=LOGIN)
    assert history["total"] == 2
    newest, oldest = history["items"]
    assert (newest["run_id"], newest["outcome"], newest["duration_ms"]) == (
        second,
        "failed",
        2500.0,
    )
    assert (newest["error_message"], newest["commit_sha"]) == ("AssertionError: no", "bbbb2222")
    assert oldest["steps"] == [
        {"text": "click Sign in", "decision": "cache_hit", "matched_by": None},
        {"text": "type the name", "decision": "resolver", "matched_by": "containment"},
    ]
    feature = await project.get("/tests/history", test=LOGIN, branch="feature")
    assert [h["run_id"] for h in feature["items"]] == [first]
    recent = await project.get(
        "/tests/history", test=LOGIN, since=(now - timedelta(hours=2)).isoformat()
    )
    assert [h["run_id"] for h in recent["items"]] == [second]
    assert (await project.get("/tests/history", test="nope::x"))["total"] == 0

    bad = await client.get(
        f"{project.base}/tests", params={"limit": 0}, headers=project.api.headers
    )
    assert bad.status_code == 422
    missing = await client.get(f"{project.base}/tests/history", headers=project.api.headers)
    assert missing.status_code == 422


async def test_compare_two_runs(client: httpx.AsyncClient, app: FastAPI, tmp_path: Path) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    base = await finished_run(
        app,
        project.id,
        {
            "t.py::fixed": {"outcome": "failed", "error": "was broken"},
            "t.py::broke": "passed",
            "t.py::still": {"outcome": "error", "error": "old"},
            "t.py::gone": "passed",
            "t.py::slow": {"outcome": "passed", "duration": 0.5},
        },
        at=now - timedelta(hours=2),
    )
    head = await finished_run(
        app,
        project.id,
        {
            "t.py::fixed": "passed",
            "t.py::broke": {"outcome": "failed", "error": "boom"},
            "t.py::still": {"outcome": "failed", "error": "new"},
            "t.py::new": "passed",
            "t.py::slow": {"outcome": "passed", "duration": 2.0, "flaky": True, "retries": 1},
        },
        at=now - timedelta(hours=1),
    )

    body = await project.get("/compare", base=base, head=head)

    def names(key: str) -> list[str]:
        return [i["test"] for i in body[key]]

    assert (body["base"]["id"], body["head"]["id"]) == (base, head)
    assert names("new_failures") == ["t.py::broke"]
    assert body["new_failures"][0] == {
        "test": "t.py::broke",
        "outcome_base": "passed",
        "outcome_head": "failed",
        "error_message": "boom",
    }
    assert names("fixed") == ["t.py::fixed"]
    assert names("still_failing") == ["t.py::still"]
    assert names("flaky") == ["t.py::slow"]
    assert names("added") == ["t.py::new"]
    assert names("removed") == ["t.py::gone"]
    assert body["duration_deltas"][0] == {
        "test": "t.py::slow",
        "base_ms": 500.0,
        "head_ms": 2000.0,
        "delta_ms": 1500.0,
    }

    other = await new_project(client, tmp_path, "other@example.com")
    foreign = await finished_run(app, other.id, {"t.py::x": "passed"}, at=now)
    response = await client.get(
        f"{project.base}/compare",
        params={"base": base, "head": foreign},
        headers=project.api.headers,
    )
    assert response.status_code == 404
    garbage = await client.get(
        f"{project.base}/compare", params={"base": "x", "head": head}, headers=project.api.headers
    )
    assert garbage.status_code == 422


async def test_csv_exports(client: httpx.AsyncClient, app: FastAPI, tmp_path: Path) -> None:
    project = await new_project(client, tmp_path)
    now = utcnow()
    old = await finished_run(
        app, project.id, {"t.py::a": "passed", "t.py::b": "passed"}, at=now - timedelta(days=3)
    )
    new = await finished_run(
        app,
        project.id,
        {"t.py::a": {"outcome": "failed", "error": 'said "no", twice'}, "t.py::b": "passed"},
        at=now,
    )

    async def rows(path: str, **params: str) -> list[dict[str, str]]:
        response = await client.get(project.base + path, params=params, headers=project.api.headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        return list(csv.DictReader(io.StringIO(response.text)))

    runs = await rows("/export/runs.csv")
    assert [r["run_id"] for r in runs] == [new, old]
    assert (runs[0]["status"], runs[0]["failed"], runs[0]["total"]) == ("failed", "1", "2")
    results = await rows("/export/results.csv", since=(now - timedelta(days=1)).isoformat())
    assert sorted((r["run_id"], r["test"], r["outcome"]) for r in results) == [
        (new, "t.py::a", "failed"),
        (new, "t.py::b", "passed"),
    ]
    assert [r["error_message"] for r in results if r["test"] == "t.py::a"] == ['said "no", twice']
    history = await rows("/export/history.csv", test="t.py::a")
    assert [(r["run_id"], r["outcome"]) for r in history] == [(new, "failed"), (old, "passed")]
    for path, params in (
        ("/export/history.csv", {"test": "t.py::a\x00"}),
        ("/tests/history", {"test": "t.py::\x1b[31m"}),
        ("/tests", {"q": "a\x00b"}),
    ):
        refused = await client.get(project.base + path, params=params, headers=project.api.headers)
        assert refused.status_code == 422, (path, refused.text)
        assert "control characters" in refused.text
