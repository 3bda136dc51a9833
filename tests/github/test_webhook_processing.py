"""Processing stored deliveries on SQLite and PostgreSQL: runs queued for the workflows an
event matches (through the api and the in-process worker), reasons for those it does not,
superseded runs cancelled, the App's installations applied to repositories."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from backend.config import Settings
from backend.events.bus import get_event_bus, run_channel
from backend.github import service
from backend.github.models import DeliveryStatus, WebhookDelivery
from backend.github.service import Processed
from backend.github.tasks import cleanup_deliveries, process_stored_delivery, wait_for_deliveries
from backend.github.webhooks import subject_of
from backend.kit.time import utcnow
from backend.orgs.models import Organization
from backend.outbox import Job
from backend.projects.models import Project
from backend.repositories import service as repositories
from backend.repositories.models import Repository
from backend.runs.models import Run
from tests.github.webhook_helpers import (
    HELLO_WORLD,
    HELLO_WORLD_ID,
    SECRET,
    connect_hello_world,
    deliver,
    load,
    stored_one,
)
from tests.runs.helpers import git, make_git_repo, signed_in_api

# Where the database makes no difference to the rule under test, SQLite alone.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"github_webhook_secret": SECRET, "dispatcher": "inprocess", "event_bus": "memory"}


async def _org_and_project(app: FastAPI) -> tuple[str, str]:
    """Rows for tests that play the worker themselves (no api call needs a user)."""
    async with app.state.db.session() as session:
        org = Organization(id=uuid.uuid4(), name="Acme", slug=f"acme-{uuid.uuid4().hex[:8]}")
        session.add(org)
        await session.flush()
        project = Project(id=uuid.uuid4(), org_id=org.id, name="shop", repository="/nowhere")
        session.add(project)
        return str(org.id), str(project.id)


async def _store(app: FastAPI, event: str, payload: dict[str, Any]) -> uuid.UUID:
    """A received delivery that no worker was told about: the test plays the worker."""
    async with app.state.db.session() as session:
        delivery = await service.store_delivery(
            session,
            delivery_id=str(uuid.uuid4()),
            event=event,
            payload=payload,
            subject=subject_of(payload),
            size_bytes=0,
            status=DeliveryStatus.RECEIVED,
            reason=None,
            http_status=202,
        )
        assert delivery is not None
        return delivery.id


async def _process(app: FastAPI, settings: Settings, pk: uuid.UUID) -> Processed:
    """The worker's transaction without dispatching the runs (they stay queued)."""
    async with app.state.db.session() as session:
        return await service.process_delivery(session, pk, settings=settings)


async def _runs(app: FastAPI) -> list[Run]:
    async with app.state.db.session() as session:
        return list(await session.scalars(select(Run).order_by(Run.created_at)))


async def _repository(app: FastAPI, repository_id: uuid.UUID) -> Repository:
    async with app.state.db.session() as session:
        repository: Repository | None = await session.get(Repository, repository_id)
        assert repository is not None
        return repository


WORKFLOWS: dict[str, dict[str, Any]] = {
    "every-branch": {},
    "releases-only": {"branches": {"strategy": "list", "include": ["release/*"]}},
    "pull-requests-only": {"triggers": {"push": False}},
}


SUITE_NEEDING_A_SECRET = {
    "tests/test_login.py": (
        "import os\n\n"
        "def test_the_workflow_secret_reaches_the_suite():\n"
        "    assert os.environ['SHOP_PASSWORD'] == 'hunter2-for-the-shop'\n"
    ),
}


async def test_a_signed_push_runs_exactly_the_workflows_that_ask_for_it(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, tmp_path: Path
) -> None:
    """The issue's "done when": a push (a signed delivery) starts exactly the runs its
    workflows ask for, on the pushed commit, with the project's secret variable decrypted
    in the worker."""
    api = await signed_in_api(client, "push@example.com")
    project = await api.project(make_git_repo(tmp_path / "repo", SUITE_NEEDING_A_SECRET))
    project_id = str(project["id"])
    head = git("rev-parse", "HEAD", cwd=tmp_path / "repo" / "work").strip()
    variable = await client.post(
        f"/api/projects/{project_id}/envvars",
        json={"key": "SHOP_PASSWORD", "value": "hunter2-for-the-shop", "secret": True},
        headers=api.headers,
    )
    assert variable.status_code in (200, 201), variable.text
    await connect_hello_world(
        app, settings, org_id=api.org_id, project_id=project_id, workflows_config=WORKFLOWS
    )
    payload = load("push.with-new-branch")
    payload.update(ref="refs/heads/main", after=head)

    response = await deliver(client, "push", payload, "push-delivery-1")
    assert response.status_code == 202
    assert wait_for_deliveries(timeout=60)

    delivery = await stored_one(app, response.json()["id"])
    assert delivery.status == "processed", delivery.reason
    [run] = await _runs(app)
    assert delivery.run_ids == [str(run.id)]
    assert (run.trigger, run.branch, run.commit_sha) == ("push", "main", head)
    assert run.trigger_info["workflow"] == "every-branch"
    assert run.trigger_info["delivery_id"] == "push-delivery-1"
    assert run.trigger_info["commit_message"] == "Initial commit"
    assert run.trigger_info["author"] == "Codertocat"
    detail = await api.wait(str(run.id), within=180)
    assert detail["status"] == "passed", detail["reason"]
    assert (detail["trigger"], detail["total"], detail["passed"]) == ("push", 1, 1)


@SQLITE_ONLY
async def test_a_pull_request_queues_runs_with_its_number_and_head(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config=WORKFLOWS
    )

    result = await _process(
        app, settings, await _store(app, "pull_request", load("pull_request.opened"))
    )

    assert result.delivery is not None
    assert result.delivery.status == "processed"
    names = sorted(r.trigger_info["workflow"] for r in result.runs)
    assert names == ["every-branch", "pull-requests-only"]
    for run in result.runs:
        assert (run.trigger, run.pr_number, run.branch) == ("pull_request", 2, "changes")
        assert run.commit_sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
        assert run.trigger_info["base_ref"] == "master"
        assert run.status == "queued"


@SQLITE_ONLY
async def test_skip_ci_drafts_and_unknown_repositories_are_ignored_with_the_reason(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config={"ci": {}}
    )
    skipped = load("push.with-new-branch")
    skipped["head_commit"]["message"] = "Docs only [skip ci]"
    draft = load("pull_request.opened")
    draft["pull_request"]["draft"] = True
    elsewhere = load("push.with-new-branch")
    elsewhere["repository"].update(id=1, full_name="someone/else")

    results = [
        await _process(app, settings, await _store(app, "push", skipped)),
        await _process(app, settings, await _store(app, "pull_request", draft)),
        await _process(app, settings, await _store(app, "push", elsewhere)),
    ]

    reasons = []
    for result in results:
        assert result.delivery is not None
        assert (result.delivery.status, result.runs) == ("ignored", [])
        reasons.append(result.delivery.reason)
    assert reasons == [
        f"no workflow matched push on {HELLO_WORLD}@master (ci: commit message says [skip ci])",
        f"no workflow matched pull_request on {HELLO_WORLD}@changes (ci: draft pull request)",
        "no connected repository for someone/else",
    ]
    assert await _runs(app) == []


async def test_a_new_push_cancels_the_superseded_run_of_the_same_branch(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    config = {"triggers": {"cancel_superseded": True}}
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config={"ci": config}
    )
    first = await _process(app, settings, await _store(app, "push", load("push.with-new-branch")))
    newer = load("push.with-new-branch")
    newer["after"] = "f" * 40

    second = await _process(app, settings, await _store(app, "push", newer))

    [old_run] = first.runs
    [new_run] = second.runs
    assert second.delivery is not None
    assert second.delivery.reason == (
        f"1 run(s) queued for {HELLO_WORLD}@master; 1 superseded run(s) cancelled"
    )
    runs = {r.id: r for r in await _runs(app)}
    assert runs[old_run.id].status == "cancelled"
    assert runs[new_run.id].status == "queued"
    # The cancellation goes out live after commit, and the old job is revoked.
    cancelled = [m for m in second.messages if m["run_id"] == str(old_run.id)]
    assert [m["data"]["status"] for m in cancelled] == ["cancelled"]
    assert second.revoke_task_ids == [old_run.task_id]


@dataclass
class _RecordingDispatcher:
    enqueued: list[uuid.UUID] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)

    def enqueue(self, job: Job) -> None:
        self.enqueued.append(uuid.UUID(job.args[0] or ""))  # a run job: its run id

    def revoke(self, task_id: str) -> None:
        self.revoked.append(task_id)


@SQLITE_ONLY
async def test_the_worker_publishes_superseded_cancellations_and_revokes_their_jobs(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    config = {"triggers": {"cancel_superseded": True}}
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config={"ci": config}
    )
    [old_run] = (
        await _process(app, settings, await _store(app, "push", load("push.with-new-branch")))
    ).runs
    newer = load("push.with-new-branch")
    newer["after"] = "f" * 40
    dispatcher = _RecordingDispatcher()
    bus = get_event_bus(settings)

    async with bus.subscribe(run_channel(str(old_run.id))) as subscription:
        pk = await _store(app, "push", newer)
        status = await process_stored_delivery(pk, settings, dispatcher=dispatcher)
        message = await subscription.get(5)

    assert status == "processed"
    assert message is not None
    assert (message["type"], message["data"]["status"]) == ("run_status", "cancelled")
    assert dispatcher.revoked == [old_run.task_id]
    [new_run] = [r for r in await _runs(app) if r.id != old_run.id]
    assert dispatcher.enqueued == [new_run.id]


async def test_a_delivery_is_processed_once(app: FastAPI, settings: Settings) -> None:
    org_id, project_id = await _org_and_project(app)
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config={"ci": {}}
    )
    pk = await _store(app, "push", load("push.with-new-branch"))

    first = await _process(app, settings, pk)
    again = await _process(app, settings, pk)

    assert len(first.runs) == 1
    assert again.delivery is None
    assert len(await _runs(app)) == 1


@SQLITE_ONLY
async def test_a_processing_error_marks_the_delivery_failed(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config={"ci": {}}
    )
    async with app.state.db.session() as session:
        from backend.workflows.models import Workflow

        workflow = (await session.scalars(select(Workflow))).one()
        workflow.config = {"triggers": {"push": "sometimes"}}  # a row no validator let in
    pk = await _store(app, "push", load("push.with-new-branch"))

    status = await process_stored_delivery(pk, settings)

    delivery = await stored_one(app, pk)
    assert status == delivery.status == "failed"
    assert (delivery.reason or "").startswith("ValidationError")
    assert delivery.attempts == 1
    assert await _runs(app) == []


async def test_installing_the_app_attaches_it_and_uninstalling_disconnects(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    repository_id = await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, installation_id=None
    )
    installed = load("installation.created")

    result = await _process(app, settings, await _store(app, "installation", installed))

    assert result.delivery is not None
    assert result.delivery.reason == f"app installed; repositories updated: {HELLO_WORLD}"
    repository = await _repository(app, repository_id)
    assert repository.installation_id == 957387
    assert repository.disconnected_at is None

    removed = {**installed, "action": "deleted"}
    await _process(app, settings, await _store(app, "installation", removed))

    repository = await _repository(app, repository_id)
    assert repository.installation_id is None
    assert repository.disconnected_at is not None


@SQLITE_ONLY
async def test_a_repository_removed_from_the_installation_keeps_its_token(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    repository_id = await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, installation_id=957387
    )
    async with app.state.db.session() as session:
        repository = await session.get(Repository, repository_id)
        assert repository is not None
        repository.token_encrypted = app.state.keyring.fernet.encrypt(b"ghp_example")
    payload = {
        "action": "removed",
        "installation": {"id": 957387},
        "repositories_added": [],
        "repositories_removed": [{"id": 186853002, "full_name": HELLO_WORLD}],
    }

    await _process(app, settings, await _store(app, "installation_repositories", payload))

    repository = await _repository(app, repository_id)
    assert repository.installation_id is None
    assert repository.disconnected_at is None  # the token still reaches it


@SQLITE_ONLY
async def test_a_label_starts_a_run_only_when_it_completes_the_required_labels(
    app: FastAPI, settings: Settings
) -> None:
    org_id, project_id = await _org_and_project(app)
    workflows = {
        "needs-bug": {"triggers": {"required_labels": ["bug"]}},
        "needs-bug-and-qa": {"triggers": {"required_labels": ["bug", "qa"]}},
        "needs-qa-only": {"triggers": {"required_labels": ["qa"]}},
        "no-labels": {},
    }
    await connect_hello_world(
        app, settings, org_id=org_id, project_id=project_id, workflows_config=workflows
    )
    labeled = load("pull_request.labeled")  # GitHub's own: "bug" added, labels ["bug"]
    again = load("pull_request.labeled")
    again["pull_request"]["labels"].append({"name": "qa"})
    again["label"] = {"name": "docs"}  # "qa" already there: adding "docs" changes nothing

    result = await _process(app, settings, await _store(app, "pull_request", labeled))
    other = await _process(app, settings, await _store(app, "pull_request", again))

    assert [r.trigger_info["workflow"] for r in result.runs] == ["needs-bug"]
    [run] = result.runs
    assert run.trigger_info["added_label"] == "bug"
    assert other.runs == []
    assert other.delivery is not None
    assert "needs-qa-only: label 'docs' added is not a required label" in (
        other.delivery.reason or ""
    )


async def test_unsuspending_the_app_reconnects_what_the_suspension_disconnected(
    app: FastAPI, settings: Settings
) -> None:
    suspended_one = await _repository_of_a_new_project(app, settings, HELLO_WORLD_ID)
    by_a_person = await _repository_of_a_new_project(app, settings, 2)
    with_token = await _repository_of_a_new_project(app, settings, 3)
    async with app.state.db.session() as session:
        person = await session.get(Repository, by_a_person)
        tokened = await session.get(Repository, with_token)
        assert person is not None
        assert tokened is not None
        await repositories.disconnect(session, person)
        tokened.token_encrypted = app.state.keyring.fernet.encrypt(b"ghp_example")
    payload = load("installation.created")

    await _process(
        app, settings, await _store(app, "installation", payload | {"action": "suspend"})
    )

    suspended = await _repository(app, suspended_one)
    assert suspended.disconnected_at is not None
    assert suspended.disconnect_reason == "app_suspended"
    assert (await _repository(app, with_token)).disconnected_at is None  # its token still works
    assert (await _repository(app, with_token)).installation_id is None

    result = await _process(
        app, settings, await _store(app, "installation", payload | {"action": "unsuspend"})
    )

    assert result.delivery is not None
    assert result.delivery.status == "processed"
    restored = await _repository(app, suspended_one)
    assert restored.disconnected_at is None
    assert restored.installation_id == 957387
    assert restored.disconnect_reason is None
    still_off = await _repository(app, by_a_person)
    assert still_off.disconnected_at is not None
    assert still_off.disconnect_reason == "person"


async def _repository_of_a_new_project(
    app: FastAPI, settings: Settings, github_repo_id: int
) -> uuid.UUID:
    org_id, project_id = await _org_and_project(app)
    return await connect_hello_world(
        app,
        settings,
        org_id=org_id,
        project_id=project_id,
        installation_id=957387,
        full_name=f"Codertocat/repo-{github_repo_id}",
        github_repo_id=github_repo_id,
    )


async def test_deliveries_older_than_the_retention_are_deleted(
    app: FastAPI, settings: Settings
) -> None:
    old = await _store(app, "push", load("push"))
    waiting = await _store(app, "push", load("push"))
    recent = await _store(app, "push", load("push"))
    await _process(app, settings, old)
    await _process(app, settings, recent)
    long_ago = utcnow() - timedelta(days=settings.github_delivery_retention_days + 1)
    async with app.state.db.session() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_([old, waiting]))
            .values(received_at=long_ago)
        )

    deleted = await cleanup_deliveries(settings)

    assert deleted == 1
    async with app.state.db.session(read_only=True) as session:
        left = set(await session.scalars(select(WebhookDelivery.id)))
    assert left == {waiting, recent}  # one still waiting for its job is kept
