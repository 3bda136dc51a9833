"""Automated tests linked to cases when a run finishes (marker, auto-created cases, the
project switch, renames, merge, history), and plans whose runs mix automated and manual
results with progress by assignee; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from tests.cases.helpers import Project, a_project, finished_run_with, user_id


def meta(body_hash: str, cases: list[str] | None = None, doc: str | None = None) -> dict[str, Any]:
    info: dict[str, Any] = {"cases": cases or [], "file": "tests/test_shop.py", "markers": []}
    info["body_hash"] = body_hash
    if doc:
        info["doc"] = doc
    return info


async def _cases(project: Project) -> dict[str, dict[str, Any]]:
    listed = await project.get(f"/api/projects/{project.id}/cases", limit=200)
    return {case["key"]: case for case in listed["items"]}


async def test_markers_link_unlinked_tests_get_cases_and_renames_keep_theirs(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    manual = await project.case("Checkout with a coupon", automation="to_automate")
    assert manual["key"] == "TC-1"

    first = await finished_run_with(
        app,
        project.id,
        [
            ("tests/test_shop.py::test_coupon", "passed", meta("h-coupon", ["TC-1"])),
            (
                "tests/test_shop.py::test_add_to_cart",
                "failed",
                meta("h-cart", doc="A shopper adds a tea to the cart."),
            ),
            ("tests/test_shop.py::test_search[tea]", "passed", meta("h-search")),
        ],
    )
    cases = await _cases(project)
    assert sorted(cases) == ["TC-1", "TC-2", "TC-3"]
    assert cases["TC-1"]["automation"] == "automated"  # the marker says so now
    assert cases["TC-1"]["linked_tests"] == ["tests/test_shop.py::test_coupon"]
    assert cases["TC-2"]["title"] == "Add to cart: A shopper adds a tea to the cart."
    assert (cases["TC-2"]["automation"], cases["TC-2"]["status"]) == ("automated", "ready")
    assert cases["TC-3"]["title"] == "Search [tea]"

    # Renamed (same file and body, new name): the case stays, no new one.
    second = await finished_run_with(
        app,
        project.id,
        [
            ("tests/test_shop.py::test_coupon", "failed", meta("h-coupon", ["TC-1"])),
            ("tests/test_shop.py::test_cart_add", "passed", meta("h-cart")),
            ("tests/test_shop.py::test_search[tea]", "passed", meta("h-search")),
        ],
    )
    cases = await _cases(project)
    assert sorted(cases) == ["TC-1", "TC-2", "TC-3"]
    assert cases["TC-2"]["linked_tests"] == ["tests/test_shop.py::test_cart_add"]

    # The marker moved with a renamed test (its body changed too): still TC-1.
    third = await finished_run_with(
        app,
        project.id,
        [("tests/test_shop.py::test_coupon_applies", "passed", meta("h-new", ["TC-1"]))],
    )
    assert sorted(await _cases(project)) == ["TC-1", "TC-2", "TC-3"]

    history = await project.get(f"/api/cases/{cases['TC-1']['id']}/history")
    assert {(r["run_id"], r["outcome"]) for r in history["results"]} == {
        (str(first), "passed"),
        (str(second), "failed"),
        (str(third), "passed"),
    }
    assert {link["node_id"] for link in history["links"]} == {
        "tests/test_shop.py::test_coupon",
        "tests/test_shop.py::test_coupon_applies",
    }
    cart = await project.get(f"/api/cases/{cases['TC-2']['id']}/history")
    assert [(r["node_id"], r["outcome"]) for r in cart["results"]] == [
        ("tests/test_shop.py::test_cart_add", "passed"),
        ("tests/test_shop.py::test_add_to_cart", "failed"),
    ]


async def test_auto_creation_can_be_turned_off_and_duplicates_merged(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    member = await project.member("member@example.com")
    refused = await client.patch(
        f"/api/projects/{project.id}/case-settings", json={"auto_create": False}, headers=member
    )
    assert refused.status_code == 403
    off = await client.patch(
        f"/api/projects/{project.id}/case-settings",
        json={"auto_create": False},
        headers=project.headers,
    )
    assert off.json()["auto_create"] is False
    await finished_run_with(app, project.id, [("tests/test_a.py::test_x", "passed", meta("h1"))])
    assert await _cases(project) == {}

    await client.patch(
        f"/api/projects/{project.id}/case-settings",
        json={"auto_create": True},
        headers=project.headers,
    )
    # Two tests with different bodies: two cases; a person sees they are one.
    run = await finished_run_with(
        app,
        project.id,
        [
            ("tests/test_a.py::test_x", "passed", meta("h1")),
            ("tests/test_b.py::test_x_again", "failed", meta("h2")),
        ],
    )
    cases = await _cases(project)
    assert sorted(cases) == ["TC-1", "TC-2"]
    merged = await client.post(
        f"/api/projects/{project.id}/cases/merge",
        json={"target_id": cases["TC-1"]["id"], "source_ids": [cases["TC-2"]["id"]]},
        headers=member,
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["linked_tests"] == [
        "tests/test_a.py::test_x",
        "tests/test_b.py::test_x_again",
    ]
    assert sorted(await _cases(project)) == ["TC-1"]  # the merged one is no longer listed
    source = await project.get(f"/api/cases/{cases['TC-2']['id']}")
    assert source["merged_into_id"] == cases["TC-1"]["id"]
    history = await project.get(f"/api/cases/{cases['TC-1']['id']}/history")
    assert {(r["node_id"], r["run_id"]) for r in history["results"]} == {
        ("tests/test_a.py::test_x", str(run)),
        ("tests/test_b.py::test_x_again", str(run)),
    }
    # The next run of the merged-away test lands on the target.
    await finished_run_with(
        app, project.id, [("tests/test_b.py::test_x_again", "passed", meta("h2"))]
    )
    assert sorted(await _cases(project)) == ["TC-1"]
    itself = await client.post(
        f"/api/projects/{project.id}/cases/merge",
        json={"target_id": cases["TC-1"]["id"], "source_ids": [cases["TC-1"]["id"]]},
        headers=member,
    )
    assert itself.status_code == 422
    assert "source_ids" in itself.text


async def test_plan_runs_mix_automated_and_manual_results_with_progress_by_assignee(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    tester = await project.member("tester@example.com")
    viewer = await project.member("viewer@example.com", "viewer")
    tester_id = await user_id(client, tester)
    suite = await project.post(f"/api/projects/{project.id}/suites", {"name": "Release"})
    await project.case("Pay by card", suite_id=suite["id"], tags=["smoke"])
    manual = await project.case("Refund by phone", suite_id=suite["id"], tags=["smoke"])
    blocked = await project.case("Export invoices", suite_id=suite["id"])
    await project.case("Old flow", suite_id=suite["id"], tags=["smoke"], status="deprecated")
    await project.case("Elsewhere", tags=["smoke"])

    plan = await project.post(
        f"/api/projects/{project.id}/plans",
        {
            "name": "Release 2.0",
            "milestone_id": "00000000-0000-0000-0000-0000000000aa",
            "selection": {"suite_ids": [suite["id"]]},
        },
        headers=tester,
    )
    selected = await project.get(f"/api/plans/{plan['id']}/cases")
    assert [c["key"] for c in selected] == ["TC-1", "TC-2", "TC-3"]  # no deprecated one
    by_tags = await project.post(
        f"/api/projects/{project.id}/plans",
        {"name": "Smoke", "selection": {"tags": ["smoke"]}},
    )
    smoke = await project.get(f"/api/plans/{by_tags['id']}/cases")
    assert [c["key"] for c in smoke] == ["TC-1", "TC-2", "TC-5"]

    started = await client.post(f"/api/plans/{plan['id']}/runs", json={}, headers=tester)
    assert started.status_code == 201, started.text
    plan_run = started.json()
    assert plan_run["milestone_id"] == "00000000-0000-0000-0000-0000000000aa"
    assert plan_run["progress"]["untested"] == 3
    assigned = await client.post(
        f"/api/plan-runs/{plan_run['id']}/assign",
        json={"case_ids": [manual["id"], blocked["id"]], "assignee_id": tester_id},
        headers=tester,
    )
    assert assigned.status_code == 200, assigned.text

    # The automated test linked to TC-1 runs: its result lands in the plan run.
    await finished_run_with(
        app,
        project.id,
        [("tests/test_pay.py::test_card", "failed", meta("hp", ["TC-1"]))],
    )
    # Manual results by the tester; a viewer may not record.
    denied = await client.post(
        f"/api/plan-runs/{plan_run['id']}/results",
        json={"case_id": manual["id"], "status": "passed"},
        headers=viewer,
    )
    assert denied.status_code == 403
    for case, status, comment in (
        (manual, "failed", "the refund never arrives"),
        (manual, "passed", "works after the fix"),
        (blocked, "blocked", "export service down"),
    ):
        recorded = await client.post(
            f"/api/plan-runs/{plan_run['id']}/results",
            json={
                "case_id": case["id"],
                "status": status,
                "comment": comment,
                "time_spent_seconds": 300,
            },
            headers=tester,
        )
        assert recorded.status_code == 200, recorded.text
    bad = await client.post(
        f"/api/plan-runs/{plan_run['id']}/results",
        json={"case_id": manual["id"], "status": "maybe"},
        headers=tester,
    )
    assert bad.status_code == 422
    assert "status" in bad.text

    detail = await project.get(f"/api/plan-runs/{plan_run['id']}")
    rows = {c["key"]: (c["status"], c["source"]) for c in detail["cases"]}
    assert rows == {
        "TC-1": ("failed", "automated"),
        "TC-2": ("passed", "manual"),
        "TC-3": ("blocked", "manual"),
    }
    assert detail["progress"] == {
        "total": 3,
        "executed": 3,
        "untested": 0,
        "passed": 1,
        "failed": 1,
        "blocked": 1,
        "skipped": 0,
        "retest": 0,
    }
    people = {
        p["assignee_id"]: (p["total"], p["passed"], p["blocked"]) for p in detail["by_assignee"]
    }
    assert people == {None: (1, 0, 0), tester_id: (2, 1, 1)}
    results = await project.get(f"/api/plan-runs/{plan_run['id']}/cases/{manual['id']}/results")
    assert [(r["status"], r["comment"]) for r in results] == [
        ("failed", "the refund never arrives"),
        ("passed", "works after the fix"),
    ]
    listed = await project.get(
        f"/api/projects/{project.id}/plan-runs",
        milestone_id="00000000-0000-0000-0000-0000000000aa",
    )
    assert [r["id"] for r in listed] == [plan_run["id"]]

    closed = await client.post(f"/api/plan-runs/{plan_run['id']}/close", headers=tester)
    assert closed.json()["status"] == "closed"
    late = await client.post(
        f"/api/plan-runs/{plan_run['id']}/results",
        json={"case_id": manual["id"], "status": "retest"},
        headers=tester,
    )
    assert late.status_code == 409
    # A closed plan run takes no more automated results either.
    await finished_run_with(
        app, project.id, [("tests/test_pay.py::test_card", "passed", meta("hp", ["TC-1"]))]
    )
    again = await project.get(f"/api/plan-runs/{plan_run['id']}")
    assert next(c for c in again["cases"] if c["key"] == "TC-1")["status"] == "failed"
