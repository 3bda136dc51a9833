"""Custom fields (every kind, required or not, 422s naming the field) and CSV import and
export (TestRail/Qase columns, custom fields by name, line and column in every error,
all or nothing, dry run), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx

from tests.cases.helpers import Project, a_project, user_id


async def _fields(project: Project) -> dict[str, str]:
    made = {}
    for body in (
        {"name": "Browser", "kind": "select", "options": ["Chrome", "Firefox"], "required": True},
        {"name": "Platforms", "kind": "multi_select", "options": ["web", "ios", "android"]},
        {"name": "Estimate", "kind": "number"},
        {"name": "Notes", "kind": "text"},
        {"name": "Reviewer", "kind": "user"},
        {"name": "Due", "kind": "date"},
    ):
        field = await project.post(f"/api/projects/{project.id}/case-fields", body)
        made[field["name"]] = field["id"]
    return made


async def test_custom_field_values_are_checked_with_messages_naming_the_field(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    ids = await _fields(project)
    me = await user_id(client, project.headers)
    created = await project.case(
        "Pay by card",
        custom={
            "Browser": "Chrome",
            "platforms": ["web", "ios"],
            "Estimate": 2.5,
            "Reviewer": me,
            "Due": "2026-12-24",
        },
    )
    assert created["custom"] == {
        ids["Browser"]: "Chrome",
        ids["Platforms"]: ["web", "ios"],
        ids["Estimate"]: 2.5,
        ids["Reviewer"]: me,
        ids["Due"]: "2026-12-24",
    }

    async def refused(custom: dict[str, object]) -> dict[str, object]:
        response = await client.post(
            f"/api/projects/{project.id}/cases",
            json={"title": "x", "custom": custom},
            headers=project.headers,
        )
        assert response.status_code == 422, response.text
        body: dict[str, object] = response.json()
        return body

    missing = await refused({"Notes": "no browser"})
    assert missing["message"] == "Custom field 'Browser' is required."
    assert missing["details"] == [{"field": "custom.Browser", "message": "required"}]
    assert (await refused({"Browser": "Safari"}))["message"] == (
        "Custom field 'Browser' must be one of: Chrome, Firefox."
    )
    assert "'tv' not among" in str(await refused({"Browser": "Chrome", "Platforms": ["tv"]}))
    assert (await refused({"Browser": "Chrome", "Estimate": "two"}))["message"] == (
        "Custom field 'Estimate' must be a number."
    )
    assert (await refused({"Browser": "Chrome", "Due": "24/12/2026"}))["message"] == (
        "Custom field 'Due' must be a date (YYYY-MM-DD)."
    )
    stranger = await a_project(client, tmp_path, "stranger@example.com")
    not_member = await refused(
        {"Browser": "Chrome", "Reviewer": await user_id(client, stranger.headers)}
    )
    assert not_member["message"] == "Custom field 'Reviewer' must be a member of the organisation."
    unknown = await refused({"Colour": "red"})
    assert unknown["error"] == "unknown_field"
    assert unknown["details"] == [{"field": "custom.Colour", "message": "no such custom field"}]

    # The version diff names the field, not its id.
    changed = await client.patch(
        f"/api/cases/{created['id']}",
        json={"custom": {"Browser": "Firefox"}},
        headers=project.headers,
    )
    assert changed.status_code == 200, changed.text
    versions = await project.get(f"/api/cases/{created['id']}/versions")
    assert versions[-1]["diff"] == [
        {"path": "custom.Browser", "op": "replace", "old": "Chrome", "new": "Firefox"}
    ]
    # A field definition: options only for selects, names unique.
    bad = await client.post(
        f"/api/projects/{project.id}/case-fields",
        json={"name": "Size", "kind": "select"},
        headers=project.headers,
    )
    assert bad.status_code == 422
    assert "options" in bad.text
    taken = await client.post(
        f"/api/projects/{project.id}/case-fields",
        json={"name": "Browser", "kind": "text"},
        headers=project.headers,
    )
    assert taken.status_code == 409


TESTRAIL_CSV = (
    (
        "ID,Title,Section Hierarchy,Preconditions,Steps (Step),Steps (Expected Result),"
        "Priority,Type,References,Automation Type,Browser,Created By\n"
    )
    + """,Log in,Auth > Login,"A user exists","1. Open /login
2. Submit the form","1. The form shows
2. The dashboard opens",High,Functional,"PROJ-1|https://example.com/PROJ-1",Automated,Chrome,someone
,Reset a password,Auth,,Open /forgot,,Medium,Regression,,,Firefox,someone
"""
)


async def test_csv_import_maps_testrail_columns_previews_and_exports_back(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    await project.post(
        f"/api/projects/{project.id}/case-fields",
        {"name": "Browser", "kind": "select", "options": ["Chrome", "Firefox"]},
    )
    preview = await project.post(
        f"/api/projects/{project.id}/cases/import", {"csv": TESTRAIL_CSV, "dry_run": True}
    )
    assert preview["problems"] == []
    assert [(r["line"], r["action"], r["title"]) for r in preview["rows"]] == [
        (2, "create", "Log in"),
        (5, "create", "Reset a password"),
    ]
    assert preview["ignored_columns"] == ["Created By"]
    listed = await project.get(f"/api/projects/{project.id}/cases")
    assert listed["total"] == 0  # a dry run stores nothing
    assert (await project.get(f"/api/projects/{project.id}/case-settings"))["next_key"] == "TC-1"

    done = await project.post(f"/api/projects/{project.id}/cases/import", {"csv": TESTRAIL_CSV})
    assert (done["created"], done["updated"]) == (2, 0)
    cases = (await project.get(f"/api/projects/{project.id}/cases"))["items"]
    login = cases[0]
    assert login["key"] == "TC-1"
    assert login["steps"] == [
        {"action": "Open /login", "expected": "The form shows"},
        {"action": "Submit the form", "expected": "The dashboard opens"},
    ]
    assert (login["priority"], login["type"], login["automation"]) == (
        "high",
        "functional",
        "automated",
    )
    assert login["references"] == [{"id": "PROJ-1", "url": "https://example.com/PROJ-1"}]
    suites = await project.get(f"/api/projects/{project.id}/suites")
    assert suites[0]["name"] == "Imported"
    assert [s["name"] for s in suites[0]["sections"]] == ["Auth"]
    assert suites[0]["sections"][0]["children"][0]["name"] == "Login"

    exported = await client.get(f"/api/projects/{project.id}/cases/export", headers=project.headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["ID"], r["Title"], r["Section"], r["Browser"]) for r in rows] == [
        ("TC-1", "Log in", "Auth > Login", "Chrome"),
        ("TC-2", "Reset a password", "Auth", "Firefox"),
    ]
    # Re-importing the export with a change updates by key, adds no case.
    rows[1]["Priority"] = "critical"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    again = await project.post(
        f"/api/projects/{project.id}/cases/import", {"csv": buffer.getvalue()}
    )
    assert (again["created"], again["updated"]) == (0, 2)
    reset = await project.get(f"/api/cases/{cases[1]['id']}")
    assert (reset["priority"], reset["version"]) == ("critical", 2)


async def test_csv_import_is_all_or_nothing_and_names_line_and_column(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    project = await a_project(client, tmp_path)
    await project.post(
        f"/api/projects/{project.id}/case-fields", {"name": "Estimate", "kind": "number"}
    )
    text = (
        "Title,Priority,Estimate,Owner,ID\n"
        "Good one,low,3,,\n"
        "Bad priority,someday,1,,\n"
        ",low,,,\n"
        "Bad number,high,three,,\n"
        "Bad owner,high,,nobody@example.com,\n"
        "Unknown key,high,,,TC-99\n"
    )
    response = await client.post(
        f"/api/projects/{project.id}/cases/import", json={"csv": text}, headers=project.headers
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "import_invalid"
    assert body["message"].startswith("csv, line 3, column Priority: 'someday' is not one of")
    assert [(p["line"], p["column"]) for p in body["details"]] == [
        (3, "Priority"),
        (4, "Title"),
        (5, "Estimate"),
        (6, "Owner"),
        (7, "ID"),
    ]
    assert (await project.get(f"/api/projects/{project.id}/cases"))["total"] == 0
    # The dry run lists the same problems with a 200.
    preview = await project.post(
        f"/api/projects/{project.id}/cases/import", {"csv": text, "dry_run": True}
    )
    assert len(preview["problems"]) == 5
    no_title = await client.post(
        f"/api/projects/{project.id}/cases/import",
        json={"csv": "Name of thing\nx\n"},
        headers=project.headers,
    )
    assert no_title.status_code == 422
    assert no_title.json()["message"].startswith("csv, line 1: no Title column")
