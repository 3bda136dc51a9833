"""Secret destination settings (a Slack webhook URL is the credential, as are a Slack bot
token and a Notion integration token): encrypted in the database, never returned by the
api or the version history, kept when the editor sends back what it was shown, decrypted
for the reporter (and sent as the destination's own credential), re-encrypted by the key
rotation command."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from cryptography.fernet import Fernet, MultiFernet
from fastapi import FastAPI
from sqlalchemy import select

from backend.config import Settings
from backend.reports.delivery import deliver_reports, destinations_for_run
from backend.workflows.models import Workflow, WorkflowVersion
from backend.workflows.secrets import ENCRYPTED, reencrypt_workflow_secrets
from tests.github.fake_github import FakeGitHub
from tests.reports.destinations.fake_http import fake_service
from tests.reports.destinations.notion_fake import DATABASE_ID, FakeNotion
from tests.reports.destinations.slack_fake import fake_slack
from tests.reports.helpers import finished_run
from tests.repositories.helpers import github_repository
from tests.runs.helpers import Api, signed_in_api
from tests.workflows.helpers import create_workflow

HOOK = "https://hooks.slack.com/services/T000/B000/first-secret-part"
OTHER_HOOK = "https://hooks.slack.com/services/T000/B000/second-secret-part"
BOT_TOKEN = "xoxb-7-this-orgs-own-bot-token-secret-part"
NOTION_TOKEN = "ntn_this_orgs_own_integration_secret_part"


def _slack(**settings: Any) -> dict[str, Any]:
    return {"reporting": {"destinations": [{"type": "slack", "settings": settings}]}}


async def _stored(app: FastAPI, workflow_id: str) -> tuple[dict[str, Any], list[Any]]:
    async with app.state.db.session(read_only=True) as session:
        workflow = await session.get(Workflow, uuid.UUID(workflow_id))
        assert workflow is not None
        versions = await session.scalars(
            select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow.id)
        )
        return dict(workflow.config), [(v.config, v.diff) for v in versions]


async def test_a_slack_webhook_url_is_encrypted_masked_kept_and_revealed_to_the_reporter(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "slack-secret@example.com")
    repository = await github_repository(api, tmp_path)
    created = await create_workflow(api, repository["id"], config=_slack(webhook_url=HOOK))
    url = f"/api/workflows/{created['id']}"

    shown = created["config"]["reporting"]["destinations"][0]["settings"]
    assert shown["webhook_url"] is None
    assert shown["webhook_url_set"] is True
    config, versions = await _stored(app, created["id"])
    stored = config["reporting"]["destinations"][0]["settings"]["webhook_url"]
    assert set(stored) == {ENCRYPTED}
    assert app.state.keyring.fernet.decrypt(stored[ENCRYPTED].encode()).decode() == HOOK
    assert "secret-part" not in json.dumps([config, versions])  # nowhere in clear at rest

    # The editor sends back exactly what it was shown: the stored value stays, no version.
    again = await client.patch(url, json={"config": created["config"]}, headers=api.headers)
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 1
    assert (await _stored(app, created["id"]))[0] == config

    masked = _slack(webhook_url="********")
    assert (await client.patch(url, json={"config": masked}, headers=api.headers)).json()[
        "version"
    ] == 1

    # A changed notification setting with the URL left out keeps the URL too.
    changed = _slack(notify_on=["failure"])
    patched = await client.patch(url, json={"config": changed}, headers=api.headers)
    assert patched.json()["version"] == 2
    after = (await _stored(app, created["id"]))[0]["reporting"]["destinations"][0]["settings"]
    assert after["webhook_url"] == stored
    assert after["notify_on"] == ["failure"]

    # A new URL replaces it; the history shows that it changed, never either value.
    replaced = await client.patch(
        url, json={"config": _slack(webhook_url=OTHER_HOOK)}, headers=api.headers
    )
    assert replaced.json()["version"] == 3
    for response in (
        replaced,
        await client.get(url, headers=api.headers),
        await client.get(f"/api/repositories/{repository['id']}/workflows", headers=api.headers),
        await client.get(f"{url}/versions", headers=api.headers),
    ):
        assert "secret-part" not in response.text
        assert ENCRYPTED not in response.text
    history = (await client.get(f"{url}/versions", headers=api.headers)).json()
    url_change = [c for c in history[0]["diff"] if c["path"].endswith("settings.webhook_url")]
    assert url_change == [
        {
            "path": "config.reporting.destinations[0].settings.webhook_url",
            "op": "replace",
            "old": "********",
            "new": "********",
        }
    ]

    # The reporting side gets the plain URL back.
    run = SimpleNamespace(workflow_id=uuid.UUID(created["id"]))
    async with app.state.db.session(read_only=True) as session:
        destinations = await destinations_for_run(session, run, settings, app.state.keyring)  # type: ignore[arg-type]
    assert [d.error for d in destinations] == [None]
    assert str(destinations[0].settings.webhook_url) == OTHER_HOOK  # type: ignore[union-attr]

    # Clearing it explicitly (and posting with the destination's bot token instead) is
    # possible; the bot token is as secret as the URL was.
    cleared = await client.patch(
        url,
        json={
            "config": _slack(
                webhook_url=None, webhook_url_set=False, bot_token=BOT_TOKEN, channel="#qa"
            )
        },
        headers=api.headers,
    )
    assert cleared.status_code == 200, cleared.text
    settings_now = cleared.json()["config"]["reporting"]["destinations"][0]["settings"]
    assert settings_now["webhook_url"] is None
    assert "webhook_url_set" not in settings_now
    assert (settings_now["bot_token"], settings_now["bot_token_set"]) == (None, True)

    # Back to a webhook: the saved bot token is kept unless dropped, and two credentials
    # are refused (naming the field and how to drop it), so nothing posts with a stale one.
    both = await client.patch(url, json={"config": _slack(webhook_url=HOOK)}, headers=api.headers)
    assert both.status_code == 422
    assert both.json()["details"][0]["field"] == (
        "config.reporting.destinations[0].settings.bot_token"
    )
    assert "bot_token_set" in both.json()["details"][0]["message"]
    back = await client.patch(
        url,
        json={"config": _slack(webhook_url=HOOK, bot_token_set=False)},
        headers=api.headers,
    )
    assert back.status_code == 200, back.text
    settings_now = back.json()["config"]["reporting"]["destinations"][0]["settings"]
    assert settings_now["webhook_url_set"] is True
    assert settings_now.get("bot_token") is None
    assert "bot_token_set" not in settings_now


async def test_an_omitted_secret_is_refused_when_destinations_of_its_type_were_removed(
    app: FastAPI, client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "slack-removed@example.com")
    repository = await github_repository(api, tmp_path)
    two = {
        "reporting": {
            "destinations": [
                {"type": "slack", "settings": {"webhook_url": HOOK}},
                {"type": "slack", "settings": {"webhook_url": OTHER_HOOK}},
            ]
        }
    }
    created = await create_workflow(api, repository["id"], config=two)
    shown = created["config"]["reporting"]["destinations"]

    # The first was deleted in the editor: which stored URL the second had is unknowable
    # by position, so it must be sent again rather than silently posting to the first.
    response = await client.patch(
        f"/api/workflows/{created['id']}",
        json={"config": {"reporting": {"destinations": shown[1:]}}},
        headers=api.headers,
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == (
        "config.reporting.destinations[0].settings.webhook_url"
    )


async def test_key_rotation_reencrypts_workflow_secrets_and_their_history(
    app: FastAPI, client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "slack-rotate@example.com")
    repository = await github_repository(api, tmp_path)
    created = await create_workflow(api, repository["id"], config=_slack(webhook_url=HOOK))
    await client.patch(
        f"/api/workflows/{created['id']}",
        json={"config": _slack(webhook_url=OTHER_HOOK)},
        headers=api.headers,
    )
    newest = Fernet.generate_key()
    rotated = MultiFernet([Fernet(newest), *map(Fernet, app.state.keyring.fernet_keys)])

    async with app.state.db.session() as session:
        count = await reencrypt_workflow_secrets(session, rotated)

    # config (1) + version 1 config (1) + version 2 config (1) + version 1 diff (new) and
    # version 2 diff (old, new): 6 values, each readable with the newest key alone.
    assert count == 6
    config, versions = await _stored(app, created["id"])
    token = config["reporting"]["destinations"][0]["settings"]["webhook_url"][ENCRYPTED]
    assert Fernet(newest).decrypt(token.encode()).decode() == OTHER_HOOK
    history_tokens = re.findall(r'"\$encrypted": "([^"]+)"', json.dumps(versions))
    assert len(history_tokens) == 5
    assert {Fernet(newest).decrypt(t.encode()).decode() for t in history_tokens} == {
        HOOK,
        OTHER_HOOK,
    }


# ------------------------------------------------- credentials that belong to the destination


def _notion(**settings: Any) -> dict[str, Any]:
    return {
        "reporting": {
            "destinations": [
                {"type": "notion", "settings": {"database_id": DATABASE_ID, **settings}}
            ]
        }
    }


async def _everything_shown(
    client: httpx.AsyncClient, api: Api, workflow: dict[str, Any], run_id: uuid.UUID
) -> str:
    """Every api answer that shows the workflow's configuration or the run's deliveries."""
    url = f"/api/workflows/{workflow['id']}"
    answers = [
        await client.get(url, headers=api.headers),
        await client.get(f"{url}/versions", headers=api.headers),
        await client.get(
            f"/api/repositories/{workflow['repository_id']}/workflows", headers=api.headers
        ),
        await client.get(f"/api/runs/{run_id}/deliveries", headers=api.headers),
        await client.get(f"/api/orgs/{api.org_id}/audit-log", headers=api.headers),
    ]
    assert [a.status_code for a in answers] == [200] * len(answers)
    return json.dumps(workflow) + "".join(a.text for a in answers)


async def test_a_notion_destination_writes_with_its_own_token_which_is_never_shown(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "notion-token@example.com")
    repository = await github_repository(api, tmp_path)
    # There is no deployment-wide Notion token any more: a destination without its own
    # would reach nothing, so it is refused, naming the field.
    refused = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "notion", "config": _notion()},
        headers=api.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == (
        "config.reporting.destinations[0].settings.token"
    )
    workflow = await create_workflow(api, repository["id"], config=_notion(token=NOTION_TOKEN))
    run_id = await finished_run(
        app, repository["project_id"], workflow_id=uuid.UUID(workflow["id"])
    )

    with fake_service() as fake:
        notion = FakeNotion(fake, token=NOTION_TOKEN)
        settings.notion_api_url = fake.base_url
        settings.report_delivery_attempts = 1
        outcome = await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring)

    assert list(outcome.values()) == ["delivered"]
    assert len(notion.pages) == 1
    assert {r.header("authorization") for r in fake.requests} == {f"Bearer {NOTION_TOKEN}"}
    assert "secret_part" not in await _everything_shown(client, api, workflow, run_id)


async def test_a_slack_destination_posts_with_its_own_bot_token_which_is_never_shown(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient, github: FakeGitHub, tmp_path: Path
) -> None:
    api = await signed_in_api(client, "slack-token@example.com")
    repository = await github_repository(api, tmp_path)
    # A channel alone named the deployment's bot token before; now it is refused.
    refused = await client.post(
        f"/api/repositories/{repository['id']}/workflows",
        json={"name": "slack", "config": _slack(channel="#qa")},
        headers=api.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == (
        "config.reporting.destinations[0].settings.bot_token"
    )
    workflow = await create_workflow(
        api, repository["id"], config=_slack(bot_token=BOT_TOKEN, channel="#qa")
    )
    run_id = await finished_run(
        app, repository["project_id"], workflow_id=uuid.UUID(workflow["id"])
    )

    with fake_service() as fake:
        slack = fake_slack(fake, token=BOT_TOKEN)
        settings.slack_api_url = fake.base_url + "/api"
        settings.report_delivery_attempts = 1
        outcome = await deliver_reports(app.state.db, settings, run_id, keyring=app.state.keyring)

    assert list(outcome.values()) == ["delivered"]
    assert len(slack["messages"]) == 1
    (post,) = fake.requests
    assert post.path == "/api/chat.postMessage"
    assert post.header("authorization") == f"Bearer {BOT_TOKEN}"
    assert post.body["channel"] == "#qa"
    assert "secret-part" not in await _everything_shown(client, api, workflow, run_id)
