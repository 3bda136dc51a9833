"""The environment variable api on SQLite and PostgreSQL: encryption at rest, secrets never
returned, roles, scopes, import (text, file, preview), export."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from backend.envvars.models import EnvVar
from tests.envvars.helpers import add_repository, add_workflow
from tests.orgs.helpers import join
from tests.runs.helpers import Api, signed_in_api


async def _project(client: httpx.AsyncClient, email: str) -> tuple[Api, str]:
    api = await signed_in_api(client, email)
    project = await api.project("https://example.com/shop.git")
    return api, str(project["id"])


def _url(project_id: str, suffix: str = "") -> str:
    return f"/api/projects/{project_id}/envvars{suffix}"


async def _set(api: Api, project_id: str, **body: Any) -> dict[str, Any]:
    response = await api.client.post(_url(project_id), json=body, headers=api.headers)
    assert response.status_code in (200, 201), response.text
    out: dict[str, Any] = response.json()
    return out


async def test_values_are_encrypted_at_rest_and_secrets_are_never_returned(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    api, project_id = await _project(client, "owner@example.com")

    plain = await _set(api, project_id, key="BASE_URL", value="http://shop.test")
    secret = await _set(api, project_id, key="SHOP_PASSWORD", value="hunter2-violet")

    assert (plain["value"], plain["secret"]) == ("http://shop.test", False)
    assert (secret["value"], secret["secret"]) == (None, True)  # guessed from the name
    listed = (await client.get(_url(project_id), headers=api.headers)).json()
    assert [(v["key"], v["value"], v["secret"]) for v in listed] == [
        ("BASE_URL", "http://shop.test", False),
        ("SHOP_PASSWORD", None, True),
    ]
    audit = await client.get(f"/api/orgs/{api.org_id}/audit-log", headers=api.headers)
    created = [e for e in audit.json()["items"] if e["action"] == "envvar.create"]
    assert sorted(e["details"]["key"] for e in created) == ["BASE_URL", "SHOP_PASSWORD"]
    assert "hunter2" not in audit.text  # names and flags are audited, never values
    async with app.state.db.session(read_only=True) as session:
        rows = {r.key: r.value_encrypted for r in (await session.scalars(select(EnvVar))).all()}
    fernet = app.state.keyring.fernet
    for key, value in (("BASE_URL", b"http://shop.test"), ("SHOP_PASSWORD", b"hunter2-violet")):
        assert value not in rows[key]
        assert fernet.decrypt(rows[key]) == value


async def test_setting_again_replaces_the_value_and_the_flag_can_be_chosen(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _set_up(client)
    first = await _set(api, project_id, key="API_KEY", value="not-really-secret", secret=False)
    assert (first["value"], first["secret"]) == ("not-really-secret", False)

    again = await client.post(
        _url(project_id), json={"key": "API_KEY", "value": "v2"}, headers=api.headers
    )

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["value"] == "v2"


async def _set_up(client: httpx.AsyncClient) -> tuple[Api, str]:
    return await _project(client, "setter@example.com")


async def test_patch_and_delete_and_unflagging_a_secret_needs_a_new_value(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _set_up(client)
    variable = await _set(api, project_id, key="TOKEN", value="abc-secret-1")
    url = _url(project_id, f"/{variable['id']}")

    reveal = await client.patch(url, json={"secret": False}, headers=api.headers)
    assert reveal.status_code == 422
    assert reveal.json()["details"][0]["field"] == "value"

    body = {"value": "public", "secret": False}
    changed = await client.patch(url, json=body, headers=api.headers)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["value"], changed.json()["secret"]) == ("public", False)
    hidden = await client.patch(url, json={"secret": True}, headers=api.headers)
    assert (hidden.json()["value"], hidden.json()["secret"]) == (None, True)
    empty = await client.patch(url, json={}, headers=api.headers)
    assert empty.status_code == 422

    deleted = await client.delete(url, headers=api.headers)
    assert deleted.status_code == 204
    assert (await client.get(_url(project_id), headers=api.headers)).json() == []
    assert (await client.delete(url, headers=api.headers)).status_code == 404


async def test_bad_keys_and_values_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    api, project_id = await _set_up(client)
    cases = [
        ({"key": "1BAD", "value": "x"}, "key"),
        ({"key": "PATH", "value": "/bin"}, "key"),  # reserved by the runner
        ({"key": "TESTABLE_RUN_TOKEN", "value": "x"}, "key"),
        ({"key": "OK", "value": "a\x00b"}, "value"),
        ({"key": "OK", "value": "x", "environment": "bad env"}, "environment"),
    ]
    for body, field in cases:
        response = await client.post(_url(project_id), json=body, headers=api.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["details"][0]["field"] == field, response.json()


async def test_viewers_read_members_write_other_organisations_get_404(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _project(client, "boss@example.com")
    variable = await _set(api, project_id, key="A", value="1")
    viewer = await join(client, api.org_id, api.headers, "viewer@example.com", "viewer")
    member = await join(client, api.org_id, api.headers, "member@example.com", "member")
    stranger = (await signed_in_api(client, "stranger@example.com")).headers

    assert (await client.get(_url(project_id), headers=viewer)).status_code == 200
    denied = await client.post(_url(project_id), json={"key": "B", "value": "2"}, headers=viewer)
    assert denied.status_code == 403
    allowed = await client.post(_url(project_id), json={"key": "B", "value": "2"}, headers=member)
    assert allowed.status_code == 201
    for method, path, body in [
        ("GET", _url(project_id), None),
        ("POST", _url(project_id), {"key": "C", "value": "3"}),
        ("PATCH", _url(project_id, f"/{variable['id']}"), {"value": "9"}),
        ("DELETE", _url(project_id, f"/{variable['id']}"), None),
        ("POST", _url(project_id, "/import"), {"text": "X=1"}),
        ("GET", _url(project_id, "/export"), None),
    ]:
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get(_url(project_id), headers=api.headers)).json()[0]["value"] == "1"


async def test_scopes_workflow_and_environment_are_separate(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    api, project_id = await _set_up(client)
    workflow_id = str(await add_workflow(app, project_id, await add_repository(app, project_id)))
    await _set(api, project_id, key="A", value="project")
    await _set(api, project_id, key="A", value="workflow", workflow_id=workflow_id)
    await _set(api, project_id, key="A", value="staging", environment="staging")

    async def values(**params: str) -> list[str]:
        listed = await client.get(_url(project_id), params=params, headers=api.headers)
        return [v["value"] for v in listed.json()]

    assert await values() == ["project"]
    assert await values(workflow_id=workflow_id) == ["workflow"]
    assert await values(environment="staging") == ["staging"]

    other_api, other_project = await _project(client, "neighbour@example.com")
    foreign = await client.post(
        _url(other_project),
        json={"key": "A", "value": "x", "workflow_id": workflow_id},
        headers=other_api.headers,
    )
    assert foreign.status_code == 404  # a workflow of another project
    unknown = await client.get(
        _url(project_id), params={"workflow_id": str(uuid.uuid4())}, headers=api.headers
    )
    assert unknown.status_code == 404


ENV_FILE = """# shop settings
export BASE_URL=http://shop.test
API_TOKEN="ghp_abcdefghijklmnopqrstuvwxyz0123456789"
GREETING='hello # not a comment'
BAD-NAME=1
BASE_URL=http://shop.test:8000
"""


async def test_import_preview_reports_problems_by_line_and_errors_store_nothing(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _set_up(client)

    preview = await client.post(
        _url(project_id, "/import"), json={"text": ENV_FILE, "dry_run": True}, headers=api.headers
    )

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True
    assert [(p["line"], p["severity"]) for p in body["problems"]] == [(5, "error"), (6, "warning")]
    assert "line 2" in body["problems"][1]["message"]
    assert [(v["key"], v["line"], v["secret"], v["action"]) for v in body["variables"]] == [
        ("API_TOKEN", 3, True, "create"),
        ("GREETING", 4, False, "create"),
        ("BASE_URL", 6, False, "create"),
    ]
    assert (await client.get(_url(project_id), headers=api.headers)).json() == []

    imported = await client.post(
        _url(project_id, "/import"), json={"text": ENV_FILE}, headers=api.headers
    )
    assert imported.status_code == 422  # a file with errors stores nothing
    assert imported.json()["message"].startswith("line 5:")
    assert len(imported.json()["details"]) == 2
    assert (await client.get(_url(project_id), headers=api.headers)).json() == []


async def test_import_creates_updates_and_respects_overwrite_and_flags(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _set_up(client)
    await _set(api, project_id, key="KEEP", value="old")
    text = "KEEP=new\nFRESH=1\nTOKEN_LIKE=plain\n"

    kept = await client.post(
        _url(project_id, "/import"),
        json={"text": text, "overwrite": False, "secrets": {"TOKEN_LIKE": False}},
        headers=api.headers,
    )
    assert kept.status_code == 200, kept.text
    assert (kept.json()["created"], kept.json()["skipped"]) == (2, 1)
    listed = {v["key"]: v for v in (await client.get(_url(project_id), headers=api.headers)).json()}
    assert listed["KEEP"]["value"] == "old"
    assert (listed["TOKEN_LIKE"]["value"], listed["TOKEN_LIKE"]["secret"]) == ("plain", False)

    replaced = await client.post(
        _url(project_id, "/import"), json={"variables": {"KEEP": "new"}}, headers=api.headers
    )
    assert replaced.json()["updated"] == 1
    assert replaced.json()["variables"] == [
        {"key": "KEEP", "line": None, "secret": False, "action": "update"}
    ]
    same = await client.post(
        _url(project_id, "/import"),
        json={"text": "KEEP=new", "dry_run": True},
        headers=api.headers,
    )
    assert same.json()["variables"][0]["action"] == "unchanged"
    await _set(api, project_id, key="API_SECRET", value="right-guess-123")
    guess = await client.post(
        _url(project_id, "/import"),
        json={"text": "API_SECRET=right-guess-123", "dry_run": True},
        headers=api.headers,
    )
    # A preview never compares secrets: it must not confirm a guessed value.
    assert guess.json()["variables"][0]["action"] == "update"
    for body in ({}, {"text": "A=1", "variables": {"A": "1"}}):  # exactly one source
        response = await client.post(_url(project_id, "/import"), json=body, headers=api.headers)
        assert response.status_code == 422


async def test_import_an_uploaded_file(client: httpx.AsyncClient) -> None:
    api, project_id = await _set_up(client)
    files = {"file": (".env", b'\xef\xbb\xbfA=1\r\nB="two\\nlines"\r\n', "text/plain")}

    response = await client.post(
        _url(project_id, "/import-file"),
        files=files,
        data={"environment": "staging"},
        headers=api.headers,
    )

    assert response.status_code == 200, response.text
    listed = await client.get(
        _url(project_id), params={"environment": "staging"}, headers=api.headers
    )
    assert {v["key"]: v["value"] for v in listed.json()} == {"A": "1", "B": "two\nlines"}


async def test_an_uploaded_file_that_is_too_big_or_not_text_is_refused(
    client: httpx.AsyncClient,
) -> None:
    api, project_id = await _set_up(client)
    big = b"A=" + b"x" * (256 * 1024) + b"\n"

    too_big = await client.post(
        _url(project_id, "/import-file"), files={"file": (".env", big)}, headers=api.headers
    )
    binary = await client.post(
        _url(project_id, "/import-file"),
        files={"file": (".env", b"A=\xff\xfe")},
        headers=api.headers,
    )
    missing = await client.post(_url(project_id, "/import-file"), headers=api.headers)

    assert too_big.status_code == 413
    assert binary.status_code == 422
    assert binary.json()["details"][0]["field"] == "file"
    assert missing.status_code == 422


async def test_export_lists_every_name_and_masks_secrets(client: httpx.AsyncClient) -> None:
    api, project_id = await _set_up(client)
    await _set(api, project_id, key="BASE_URL", value="http://shop.test")
    await _set(api, project_id, key="DB_PASSWORD", value="pa55-word-xyz")
    await _set(api, project_id, key="MOTD", value="hello world")

    response = await client.get(_url(project_id, "/export"), headers=api.headers)

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename=".env"'
    assert response.text == (
        "BASE_URL=http://shop.test\n"
        "# secret: its value is not exported\nDB_PASSWORD=\n"
        'MOTD="hello world"\n'
    )
    assert "pa55-word-xyz" not in response.text
