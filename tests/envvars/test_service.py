"""What a run gets (layering, secrets), required variables, and key rotation, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from backend.cli import app as cli_app
from backend.config import Settings
from backend.envvars import service
from backend.envvars.models import EnvVar
from backend.runs.models import Run
from backend.workflows.models import Workflow
from tests.envvars.helpers import add_repository, add_workflow
from tests.runs.helpers import signed_in_api

KEY_A = Fernet.generate_key()
KEY_B = Fernet.generate_key()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"encryption_keys": SecretStr(KEY_A.decode())}


async def _store(app: FastAPI, project_id: uuid.UUID, **values: Any) -> None:
    async with app.state.db.session() as session:
        await service.set_variable(
            session,
            project_id,
            workflow_id=values.pop("workflow_id", None),
            environment=values.pop("environment", "default"),
            keyring=app.state.keyring,
            **values,
        )


async def _project(client: httpx.AsyncClient, app: FastAPI) -> uuid.UUID:
    api = await signed_in_api(client, f"{uuid.uuid4().hex[:8]}@example.com")
    return uuid.UUID((await api.project("https://example.com/shop.git"))["id"])


async def test_run_environment_layers_project_workflow_and_one_off_values(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    project_id = await _project(client, app)
    repository_id = await add_repository(app, str(project_id))
    workflow_id = await add_workflow(
        app, str(project_id), repository_id, environment={"name": "staging", "required": []}
    )
    await _store(app, project_id, key="BASE_URL", value="http://prod", is_secret=False)
    await _store(
        app,
        project_id,
        key="BASE_URL",
        value="http://staging",
        environment="staging",
        is_secret=False,
    )
    await _store(
        app,
        project_id,
        key="DB_PASSWORD",
        value="shared-pw-1",
        environment="staging",
        is_secret=True,
    )
    await _store(
        app,
        project_id,
        key="DB_PASSWORD",
        value="workflow-pw-2",
        environment="staging",
        workflow_id=workflow_id,
        is_secret=None,
    )
    await _store(
        app, project_id, key="API_TOKEN", value="tok-3", environment="staging", is_secret=True
    )
    run = Run(
        project_id=project_id,
        workflow_id=workflow_id,
        options={"env": {"API_TOKEN": "one-off-4", "EXTRA": "x"}},
    )

    async with app.state.db.session(read_only=True) as session:
        environment = await service.run_environment(session, run, keyring=app.state.keyring)

    assert environment.env == {
        "BASE_URL": "http://staging",  # the workflow's environment, not "default"
        "DB_PASSWORD": "workflow-pw-2",  # the workflow's own value wins
        "API_TOKEN": "one-off-4",  # the run's one-off value wins
        "EXTRA": "x",
    }
    assert environment.secrets == ("API_TOKEN", "DB_PASSWORD")
    assert set(environment.secret_values) == {"one-off-4", "workflow-pw-2"}

    without_workflow = Run(project_id=project_id, options={})
    async with app.state.db.session(read_only=True) as session:
        plain = await service.run_environment(session, without_workflow, keyring=app.state.keyring)
    assert plain.env == {"BASE_URL": "http://prod"}
    assert plain.secrets == ()

    # The environment chosen when the run was queued wins over the workflow's current one.
    queued_for_default = Run(
        project_id=project_id, workflow_id=workflow_id, options={"environment": "default"}
    )
    async with app.state.db.session(read_only=True) as session:
        chosen = await service.run_environment(
            session, queued_for_default, keyring=app.state.keyring
        )
    assert chosen.env == {"BASE_URL": "http://prod"}


async def test_missing_required_names_what_no_layer_sets(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    project_id = await _project(client, app)
    repository_id = await add_repository(app, str(project_id))
    workflow_id = await add_workflow(
        app,
        str(project_id),
        repository_id,
        environment={"name": "qa", "required": ["BASE_URL", "LOGIN", "PASSWORD"]},
    )
    await _store(
        app, project_id, key="BASE_URL", value="http://qa", environment="qa", is_secret=False
    )
    await _store(app, project_id, key="LOGIN", value="bot", environment="default", is_secret=False)

    async with app.state.db.session(read_only=True) as session:
        workflow = await session.get(Workflow, workflow_id)
        assert workflow is not None
        missing = await service.missing_required(session, workflow)
        with_one_off = await service.missing_required(session, workflow, provided=["PASSWORD"])
        in_default = await service.missing_required(session, workflow, "default")

    assert missing == ["LOGIN", "PASSWORD"]  # LOGIN is set, but in another environment
    assert with_one_off == ["LOGIN"]
    assert in_default == ["BASE_URL", "PASSWORD"]
    message = service.missing_required_message(missing, "qa")
    assert "environment 'qa': LOGIN, PASSWORD" in message


async def test_reencrypt_moves_every_value_to_the_newest_key(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = await _project(client, app)
    for index in range(3):
        await _store(app, project_id, key=f"VAR_{index}", value=f"value-{index}", is_secret=None)
    rotated = settings.model_copy(
        update={"encryption_keys": SecretStr(f"{KEY_B.decode()},{KEY_A.decode()}")}
    )
    monkeypatch.setattr("backend.workflows.reencrypt.get_settings", lambda: rotated)

    result = await asyncio.to_thread(CliRunner().invoke, cli_app, ["envvars", "reencrypt"])

    assert result.exit_code == 0, result.output
    assert "re-encrypted 3 environment variable value(s)" in result.output
    async with app.state.db.session(read_only=True) as session:
        rows = {r.key: r.value_encrypted for r in (await session.scalars(select(EnvVar))).all()}
    assert {key: Fernet(KEY_B).decrypt(token) for key, token in rows.items()} == {
        "VAR_0": b"value-0",
        "VAR_1": b"value-1",
        "VAR_2": b"value-2",
    }
    with pytest.raises(InvalidToken):  # the old key is no longer needed
        Fernet(KEY_A).decrypt(rows["VAR_0"])


async def test_reencrypt_without_the_old_key_changes_nothing(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_id = await _project(client, app)
    await _store(app, project_id, key="A", value="1", is_secret=False)
    wrong = settings.model_copy(update={"encryption_keys": SecretStr(KEY_B.decode())})
    monkeypatch.setattr("backend.workflows.reencrypt.get_settings", lambda: wrong)

    result = await asyncio.to_thread(CliRunner().invoke, cli_app, ["envvars", "reencrypt"])

    assert result.exit_code == 2
    assert "cannot be decrypted" in result.output
    async with app.state.db.session(read_only=True) as session:
        token = await session.scalar(select(EnvVar.value_encrypted))
    assert token is not None
    assert Fernet(KEY_A).decrypt(token) == b"1"


def test_the_workflows_view_of_envvars_matches_the_workflows_table() -> None:
    """envvars reads a workflow's row through its own view (it does not import workflows):
    the view must name the real table and columns, with the same column types."""
    table = Workflow.__table__
    assert service.WORKFLOWS.name == Workflow.__tablename__
    for column in service.WORKFLOWS.c:
        assert column.name in table.c, column.name
        assert type(column.type) is type(table.c[column.name].type), column.name
