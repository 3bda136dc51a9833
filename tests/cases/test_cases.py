"""Test cases over the api, on SQLite and PostgreSQL: keys per project (also under
concurrent creation), versions with a readable diff, suites and sections, move/copy,
bulk edit, search and filters, saved filters, roles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.cases.helpers import a_project, user_id
from tests.runs.helpers import make_git_repo


async def test_keys_are_per_project_and_versions_diff_readably(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    first = await project.case(
        "Log in with a valid password",
        steps=[{"action": "Open /login", "expected": "The form shows"}],
        priority="high",
        tags=["auth", "smoke"],
        references=[{"id": "#42", "url": "https://github.com/octo/shop/issues/42"}],
    )
    second = await project.case("Log out")
    assert (first["key"], second["key"]) == ("TC-1", "TC-2")
    assert first["steps"] == [{"action": "Open /login", "expected": "The form shows"}]
    assert (first["priority"], first["status"], first["automation"]) == ("high", "draft", "manual")

    # Another project of the same organisation starts at TC-1 again.
    other = await project.owner.project(make_git_repo(tmp_path / "admin", {"a.py": ""}), "admin")
    response = await client.post(
        f"/api/projects/{other['id']}/cases", json={"title": "x"}, headers=project.headers
    )
    assert response.json()["key"] == "TC-1"

    changed = await client.patch(
        f"/api/cases/{first['id']}",
        json={
            "status": "ready",
            "steps": [
                {"action": "Open /login", "expected": "The form shows"},
                {"action": "Submit", "expected": "The dashboard opens"},
            ],
        },
        headers=project.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    unchanged = await client.patch(
        f"/api/cases/{first['id']}", json={"status": "ready"}, headers=project.headers
    )
    assert unchanged.json()["version"] == 2  # nothing changed: no new version

    versions = await project.get(f"/api/cases/{first['id']}/versions")
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["diff"] == [
        {"path": "status", "op": "replace", "old": "draft", "new": "ready"},
        {
            "path": "steps[1]",
            "op": "add",
            "new": {"action": "Submit", "expected": "The dashboard opens"},
        },
    ]
    by_key = await project.get(f"/api/projects/{project.id}/cases/by-key/tc-1")
    assert by_key["id"] == first["id"]


async def test_concurrent_creations_get_distinct_keys(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/projects/{project.id}/cases",
                json={"title": f"case {i}"},
                headers=project.headers,
            )
            for i in range(12)
        )
    )
    codes = [r.status_code for r in responses]
    created = [r for r in responses if r.status_code == 201]
    # SQLite may answer 503 database_busy to a writer that waited too long; never a dup.
    assert set(codes) <= {201, 503}, [r.text for r in responses if r.status_code != 201]
    keys = [r.json()["key"] for r in created]
    assert len(set(keys)) == len(keys)
    listed = await project.get(f"/api/projects/{project.id}/cases", limit=200)
    assert sorted(c["key"] for c in listed["items"]) == sorted(keys)
    settings = await project.get(f"/api/projects/{project.id}/case-settings")
    assert settings["next_key"] == f"TC-{len(keys) + 1}"


async def test_owner_must_be_a_member_and_bad_values_name_the_field(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    stranger = await a_project(client, tmp_path, "stranger@example.com")
    stranger_id = await user_id(client, stranger.headers)
    refused = await client.post(
        f"/api/projects/{project.id}/cases",
        json={"title": "x", "owner_id": stranger_id},
        headers=project.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "owner_id"
    me = await user_id(client, project.headers)
    owned = await project.case("mine", owner_id=me)
    assert owned["owner_id"] == me
    for body, field in (
        ({"title": "  "}, "title"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "steps": [{"expected": "no action"}]}, "steps.0.action"),
        ({"title": "x", "references": [{"id": "R1", "url": "javascript:alert(1)"}]}, "url"),
    ):
        response = await client.post(
            f"/api/projects/{project.id}/cases", json=body, headers=project.headers
        )
        assert response.status_code == 422, response.text
        assert field in response.text


async def test_suites_sections_move_copy_bulk_and_search(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    suite = await project.post(f"/api/projects/{project.id}/suites", {"name": "Checkout"})
    other = await project.post(f"/api/projects/{project.id}/suites", {"name": "Accounts"})
    cart = await project.post(f"/api/suites/{suite['id']}/sections", {"name": "Cart"})
    coupons = await project.post(
        f"/api/suites/{suite['id']}/sections", {"name": "Coupons", "parent_id": cart["id"]}
    )
    # A section never moves under its own descendant.
    cycle = await client.patch(
        f"/api/sections/{cart['id']}", json={"parent_id": coupons["id"]}, headers=project.headers
    )
    assert cycle.status_code == 422
    assert "parent_id" in cycle.text
    suites = await project.get(f"/api/projects/{project.id}/suites")
    checkout = next(s for s in suites if s["name"] == "Checkout")
    assert checkout["sections"][0]["name"] == "Cart"
    assert checkout["sections"][0]["children"][0]["name"] == "Coupons"

    a = await project.case("Apply a coupon", section_id=coupons["id"], tags=["coupon"])
    b = await project.case("Empty cart", section_id=cart["id"], priority="low")
    c = await project.case("Sign up", suite_id=other["id"])
    assert a["suite_id"] == suite["id"]  # the section's suite
    wrong = await client.post(
        f"/api/projects/{project.id}/cases",
        json={"title": "x", "suite_id": other["id"], "section_id": cart["id"]},
        headers=project.headers,
    )
    assert wrong.status_code == 422
    assert "section_id" in wrong.text

    async def keys(**params: object) -> list[str]:
        found = await project.get(f"/api/projects/{project.id}/cases", **params)
        return [case["key"] for case in found["items"]]

    assert await keys(section_id=cart["id"]) == [a["key"], b["key"]]  # the subtree
    assert await keys(suite_id=other["id"]) == [c["key"]]
    assert await keys(q="coupon") == [a["key"]]
    assert await keys(q=b["key"]) == [b["key"]]
    assert await keys(tag="COUPON") == [a["key"]]
    assert await keys(priority="low") == [b["key"]]
    bad = await client.get(
        f"/api/projects/{project.id}/cases", params={"priority": "soon"}, headers=project.headers
    )
    assert bad.status_code == 422
    assert "priority" in bad.text

    saved = await project.post(
        f"/api/projects/{project.id}/case-filters",
        {"name": "Checkout low", "query": {"suite_ids": [suite["id"]], "priority": ["low"]}},
    )
    assert await keys(filter_id=saved["id"]) == [b["key"]]

    bulk = await project.post(
        f"/api/projects/{project.id}/cases/bulk",
        {
            "case_ids": [a["id"], b["id"]],
            "changes": {"status": "ready", "add_tags": ["release-2"], "remove_tags": ["coupon"]},
        },
    )
    assert [(x["status"], x["tags"], x["version"]) for x in bulk["cases"]] == [
        ("ready", ["release-2"], 2),
        ("ready", ["release-2"], 2),
    ]

    moved = await project.post(
        f"/api/projects/{project.id}/cases/move",
        {"case_ids": [c["id"]], "section_id": coupons["id"]},
    )
    assert (moved["cases"][0]["suite_id"], moved["cases"][0]["section_id"]) == (
        suite["id"],
        coupons["id"],
    )
    copied = await project.post(
        f"/api/projects/{project.id}/cases/move",
        {"case_ids": [a["id"], b["id"]], "suite_id": other["id"], "copy": True},
    )
    assert [x["key"] for x in copied["cases"]] == ["TC-4", "TC-5"]
    assert [x["title"] for x in copied["cases"]] == ["Apply a coupon", "Empty cart"]
    assert await keys(suite_id=other["id"]) == ["TC-4", "TC-5"]
    page = await project.get(f"/api/projects/{project.id}/cases", limit=2, offset=1)
    assert (page["total"], [c["key"] for c in page["items"]]) == (5, ["TC-2", "TC-3"])
    tagged = await project.get(f"/api/projects/{project.id}/cases", tag="release-2", limit=1)
    assert (tagged["total"], [c["key"] for c in tagged["items"]]) == (4, ["TC-1"])
    assert await keys(q="%") == []  # a wildcard character is a character

    # Deleting a section keeps its cases in the suite.
    deleted = await client.delete(f"/api/sections/{cart['id']}", headers=project.headers)
    assert deleted.status_code == 204
    kept = await project.get(f"/api/cases/{a['id']}")
    assert (kept["suite_id"], kept["section_id"]) == (suite["id"], None)


async def test_roles_viewers_read_members_write_admins_configure(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    viewer = await project.member("viewer@example.com", "viewer")
    member = await project.member("member@example.com", "member")
    case = await project.case("Read me")
    assert (await client.get(f"/api/cases/{case['id']}", headers=viewer)).status_code == 200
    refused = await client.patch(f"/api/cases/{case['id']}", json={"title": "no"}, headers=viewer)
    assert refused.status_code == 403
    allowed = await client.patch(f"/api/cases/{case['id']}", json={"title": "Yes"}, headers=member)
    assert allowed.status_code == 200
    suite = await client.post(
        f"/api/projects/{project.id}/suites", json={"name": "S"}, headers=member
    )
    assert suite.status_code == 403
    field = await client.post(
        f"/api/projects/{project.id}/case-fields",
        json={"name": "Browser", "kind": "text"},
        headers=member,
    )
    assert field.status_code == 403
