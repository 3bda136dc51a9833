"""Ids of another organisation's cases, sections, suites, saved filters and people, given in
request bodies and queries of one's own project, are refused (a 422 naming the field, the
same answer as an id that does not exist) and change nothing of theirs."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.cases.helpers import a_project, user_id


async def test_ids_of_another_organisation_in_bodies_are_refused(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    ours = await a_project(client, tmp_path, "ours@example.com")
    theirs = await a_project(client, tmp_path, "theirs@example.com")
    suite = await ours.post(f"/api/projects/{ours.id}/suites", {"name": "Ours"})
    section = await ours.post(f"/api/suites/{suite['id']}/sections", {"name": "Cart"})
    saved = await ours.post(f"/api/projects/{ours.id}/case-filters", {"name": "F", "query": {}})
    our_case = await ours.case("Ours", section_id=section["id"])
    their_case = await theirs.case("Theirs")
    our_person = await user_id(client, ours.headers)

    attempts = {
        "section_id": (
            "POST",
            f"/api/projects/{theirs.id}/cases",
            {"title": "x", "section_id": section["id"]},
        ),
        "suite_id": (
            "POST",
            f"/api/projects/{theirs.id}/cases",
            {"title": "x", "suite_id": suite["id"]},
        ),
        "owner_id": (
            "POST",
            f"/api/projects/{theirs.id}/cases",
            {"title": "x", "owner_id": our_person},
        ),
        "case_ids": (
            "POST",
            f"/api/projects/{theirs.id}/cases/bulk",
            {"case_ids": [our_case["id"]], "changes": {"status": "deprecated"}},
        ),
        "section_id  ": (
            "POST",
            f"/api/projects/{theirs.id}/cases/move",
            {"case_ids": [their_case["id"]], "section_id": section["id"]},
        ),
        "source_ids": (
            "POST",
            f"/api/projects/{theirs.id}/cases/merge",
            {"target_id": their_case["id"], "source_ids": [our_case["id"]]},
        ),
        "selection.case_ids": (
            "POST",
            f"/api/projects/{theirs.id}/plans",
            {"name": "P", "selection": {"case_ids": [our_case["id"]]}},
        ),
        "selection.filter_id": (
            "POST",
            f"/api/projects/{theirs.id}/plans",
            {"name": "P", "selection": {"filter_id": saved["id"]}},
        ),
        "section_id ": ("PATCH", f"/api/cases/{their_case['id']}", {"section_id": section["id"]}),
    }
    wrong = []
    for field, (method, path, body) in attempts.items():
        response = await client.request(method, path, json=body, headers=theirs.headers)
        if response.status_code != 422 or field.strip() not in response.text:
            wrong.append(f"{field}: {response.status_code} {response.text[:160]}")
    listed = await client.get(
        f"/api/projects/{theirs.id}/cases",
        params={"filter_id": saved["id"]},
        headers=theirs.headers,
    )
    if listed.status_code != 422 or "filter_id" not in listed.text:
        wrong.append(f"filter_id: {listed.status_code}")
    assert wrong == [], "\n".join(wrong)
    unchanged = await ours.get(f"/api/cases/{our_case['id']}")
    assert (unchanged["status"], unchanged["merged_into_id"], unchanged["version"]) == (
        "draft",
        None,
        1,
    )
