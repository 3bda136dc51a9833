"""End to end on the in-process dispatcher: a stored secret reaches the test process, and
its value appears nowhere in what the run stores (events, results, reason, artifacts)."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI

from backend.envvars.models import EnvVar
from backend.execution.environment import prepare_environment
from tests.runs.helpers import make_git_repo, signed_in_api

SECRET = "s3cr3t-Value-for-the-shop-9f2c"
SUITE = {
    "tests/test_secret.py": (
        "import logging, os, sys\n\n"
        "def test_secret_is_there():\n"
        "    value = os.environ['SHOP_PASSWORD']\n"
        "    print('password is', value)\n"
        "    print('stderr', value, file=sys.stderr)\n"
        "    logging.getLogger('shop').warning('logging %s', value)\n"
        "    assert os.environ['BASE_URL'] == 'http://shop.test'\n\n"
        "def test_secret_in_a_failure():\n"
        "    value = os.environ['SHOP_PASSWORD']\n"
        "    assert value == 'wrong', f'the password was {value}'\n"
    ),
}


@pytest.fixture(scope="session")
def shared_env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("envvars-run-envs")
    prepare_environment(tmp_path_factory.mktemp("empty-repo"), cache_dir=cache)
    return cache


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {"dispatcher": "inprocess", "event_bus": "memory", "env_cache_dir": shared_env_cache}


# The run itself is the same code on both databases (tested in tests/runs); one is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_secret_reaches_the_tests_but_never_what_the_run_stores(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "secrets@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    url = f"/api/projects/{project['id']}/envvars"
    for body in (
        {"key": "SHOP_PASSWORD", "value": SECRET},
        {"key": "BASE_URL", "value": "http://shop.test"},
    ):
        assert (await client.post(url, json=body, headers=api.headers)).status_code == 201

    run = await api.start(project["id"], branch="main")
    detail = await api.wait(run["id"])

    outcomes = {t["node_id"].split("::")[1]: t["outcome"] for t in detail["tests"]}
    # The secret reached the process: the first test read it, the second compared it.
    assert outcomes == {"test_secret_is_there": "passed", "test_secret_in_a_failure": "failed"}
    events = await api.events(run["id"])
    stored = [json.dumps(detail), json.dumps(events)]
    for artifact in detail["artifacts"]:
        response = await client.get(artifact["download_url"], headers=api.headers)
        assert response.status_code == 200
        stored.append(response.content.decode("utf-8", errors="replace"))
    everything = "\n".join(stored)
    assert "***" in everything  # the value was there, masked
    assert any("the password was ***" in (t["error_message"] or "") for t in detail["tests"])
    for form in (SECRET, base64.b64encode(SECRET.encode()).decode()):
        assert form not in everything


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_value_no_key_can_open_ends_the_run_with_a_clear_reason(
    client: httpx.AsyncClient, app: FastAPI, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "lostkey@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    async with app.state.db.session() as session:
        session.add(
            EnvVar(
                project_id=uuid.UUID(project["id"]),
                environment="default",
                key="LOST",
                value_encrypted=Fernet(Fernet.generate_key()).encrypt(b"x"),  # a removed key
                is_secret=False,
            )
        )

    listed = await client.get(f"/api/projects/{project['id']}/envvars", headers=api.headers)
    detail = await api.wait((await api.start(project["id"]))["id"])

    assert listed.status_code == 503
    assert listed.json()["error"] == "undecryptable_value"
    assert detail["status"] == "error"
    assert detail["reason"].startswith("environment variables: the value of LOST cannot be")
