"""The runs api's rules: organisation isolation (404), roles, validation, filters,
pagination, and the run state machine."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from backend.config import Settings
from backend.kit.errors import Unprocessable
from backend.projects.service import check_repository
from backend.runs.states import InvalidTransition, RunState, can_transition, check_transition
from tests.runs.helpers import MIXED_SUITE, PASSING_SUITE, make_git_repo, signed_in_api


async def test_another_organisations_project_and_runs_answer_404(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner = await signed_in_api(client, "owner@example.com")
    stranger = await signed_in_api(client, "stranger@example.com")
    project = await owner.project(make_git_repo(tmp_path, PASSING_SUITE))
    run = await owner.wait((await owner.start(project["id"]))["id"])
    artifact = run["artifacts"][0]
    h = stranger.headers

    responses = [
        await client.get(f"/api/projects/{project['id']}", headers=h),
        await client.get(f"/api/projects/{project['id']}/runs", headers=h),
        await client.post(f"/api/projects/{project['id']}/runs", json={}, headers=h),
        await client.get(f"/api/runs/{run['id']}", headers=h),
        await client.get(f"/api/runs/{run['id']}/events", headers=h),
        await client.post(f"/api/runs/{run['id']}/cancel", headers=h),
        await client.post(f"/api/runs/{run['id']}/rerun-failed", headers=h),
        await client.put(f"/api/runs/{run['id']}/pin", json={"pinned": True}, headers=h),
        await client.get(artifact["download_url"], headers=h),
        await client.get(f"/api/orgs/{owner.org_id}/projects", headers=h),
        await client.get(f"/api/runs/{uuid.uuid4()}", headers=owner.headers),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json()["error"] == "not_found" for r in responses)


async def test_bad_run_requests_get_specific_422s(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "input@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    url = f"/api/projects/{project['id']}/runs"

    option = await client.post(
        url, json={"selection": {"test_paths": ["--rootdir=/"]}}, headers=api.headers
    )
    commit = await client.post(url, json={"commit": "not-a-sha"}, headers=api.headers)
    timeout = await client.post(url, json={"options": {"timeout": 10**9}}, headers=api.headers)
    retries = await client.post(url, json={"options": {"retries": 99}}, headers=api.headers)

    assert option.status_code == 422
    assert option.json()["details"][0]["field"] == "selection.test_paths"
    assert "is an option" in option.json()["message"]
    assert commit.json()["details"][0]["field"] == "commit"
    assert timeout.status_code == 422
    assert timeout.json()["details"][0]["field"] == "options.timeout"
    assert retries.json()["details"][0]["field"] == "options.retries"


async def test_bad_repositories_and_duplicate_projects_are_refused(
    client: httpx.AsyncClient,
) -> None:
    api = await signed_in_api(client, "repos@example.com")
    url = f"/api/orgs/{api.org_id}/projects"

    async def create(repository: str, name: str = "p") -> httpx.Response:
        return await client.post(
            url, json={"name": name, "repository": repository}, headers=api.headers
        )

    ssh = await create("ssh://git@example.com/repo.git")
    creds = await create("https://user:secret@example.com/repo.git")
    relative = await create("some/relative/path")
    first = await create("https://example.com/shop.git", name="shop")
    duplicate = await create("https://example.com/other.git", name="shop")

    assert ssh.status_code == creds.status_code == relative.status_code == 422
    assert "unsupported URL scheme 'ssh'" in ssh.json()["message"]
    assert "credentials in the URL" in creds.json()["message"]
    assert "must be absolute" in relative.json()["message"]
    assert first.status_code == 201
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "project_exists"


def test_local_repositories_are_refused_outside_embedded_mode() -> None:
    production = Settings(_env_file=None, mode="production")  # type: ignore[call-arg]
    with pytest.raises(Unprocessable, match="only accepted in embedded mode"):
        check_repository("file:///srv/repo.git", production)
    assert check_repository("https://example.com/r.git", production) == "https://example.com/r.git"


async def test_runs_list_filters_and_pages(client: httpx.AsyncClient, tmp_path: Path) -> None:
    api = await signed_in_api(client, "lists@example.com")
    project = await api.project(make_git_repo(tmp_path, MIXED_SUITE))
    failed = await api.wait((await api.start(project["id"]))["id"])
    errored = await api.wait((await api.start(project["id"], branch="missing"))["id"])
    url = f"/api/projects/{project['id']}/runs"

    everything = (await client.get(url, headers=api.headers)).json()
    by_status = (await client.get(url, params={"status": "error"}, headers=api.headers)).json()
    by_branch = (await client.get(url, params={"branch": "missing"}, headers=api.headers)).json()
    by_trigger = (await client.get(url, params={"trigger": "push"}, headers=api.headers)).json()
    page = (await client.get(url, params={"limit": 1, "offset": 1}, headers=api.headers)).json()
    bad = await client.get(url, params={"status": "exploded"}, headers=api.headers)

    assert everything["total"] == 2
    assert [r["id"] for r in everything["items"]] == [errored["id"], failed["id"]]
    assert [r["id"] for r in by_status["items"]] == [errored["id"]]
    assert [r["id"] for r in by_branch["items"]] == [errored["id"]]
    assert by_trigger == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert [r["id"] for r in page["items"]] == [failed["id"]]
    assert page["total"] == 2
    assert bad.status_code == 422


async def test_pinning_and_rerunning_a_passed_run(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "pin@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    run = await api.wait((await api.start(project["id"]))["id"])

    pinned = await client.put(
        f"/api/runs/{run['id']}/pin", json={"pinned": True}, headers=api.headers
    )
    rerun = await client.post(f"/api/runs/{run['id']}/rerun-failed", headers=api.headers)

    assert pinned.json()["pinned"] is True
    assert rerun.status_code == 409
    assert rerun.json()["error"] == "nothing_to_rerun"


def test_the_state_machine_allows_only_its_transitions() -> None:
    assert can_transition("queued", "running")
    assert can_transition("queued", "cancelled")
    assert can_transition("running", "timed_out")
    assert can_transition("running", "queued")  # re-queued after its worker died
    for terminal in ("passed", "failed", "error", "cancelled", "timed_out"):
        for target in RunState:
            assert not can_transition(terminal, target)
    assert not can_transition("queued", "passed")
    with pytest.raises(InvalidTransition, match="a passed run cannot become error"):
        check_transition(RunState.PASSED, RunState.ERROR)


async def test_run_env_names_are_checked_and_testable_s_own_are_refused(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "env-rules@example.com")
    project = await api.project(make_git_repo(tmp_path, PASSING_SUITE))
    url = f"/api/projects/{project['id']}/runs"

    def body(env: dict[str, str]) -> dict[str, object]:
        return {"options": {"env": env}}

    token = await client.post(url, json=body({"TESTABLE_RUN_TOKEN": "x"}), headers=api.headers)
    home = await client.post(url, json=body({"HOME": "/root"}), headers=api.headers)
    name = await client.post(url, json=body({"2FAST": "x"}), headers=api.headers)

    for response, message in [
        (token, "TESTABLE_RUN_TOKEN is set by TestAble and cannot be given"),
        (home, "HOME is set by TestAble and cannot be given"),
        (name, "'2FAST' is not an environment variable name"),
    ]:
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "validation_error"
        [detail] = response.json()["details"]
        assert detail["field"] == "options.env"
        assert message in detail["message"]
