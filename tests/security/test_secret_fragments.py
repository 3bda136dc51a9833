"""Issue #13 (high): a secret, shortened by pytest or printed in part, must not leave the
test process -- not whole, not as a head or tail piece, not URL-encoded or in base64.

A real run of a local suite (embedded mode, the in-process dispatcher) with four secret
variables of 8, 29, 64 and 200 characters. The suite puts them in assertion messages
(pytest's own shortening), exception reprs (reprlib), logs, captured output, stderr and an
artifact file. Then every surface is read back: the run API (results, errors, reason), the
events API, the WebSocket backfill, junit.xml / report.json / output.log and the text
artifact through the artifacts API, the report page, the public share page, and every
text column of every table of the database.
"""

from __future__ import annotations

import base64
import secrets
import string
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from backend.config import Settings
from backend.db.base import Base
from backend.execution.environment import prepare_environment
from tests.runs.helpers import make_git_repo, signed_in_api
from tests.runs.servers import live_api
from tests.runs.ws import access_token, events_of, watch_run

ALPHABET = string.ascii_letters + string.digits
LENGTHS = {"SECRET_8": 8, "SECRET_29": 29, "SECRET_64": 64, "SECRET_200": 200}

SUITE = {
    "tests/test_leaks.py": """
import base64
import logging
import os
import reprlib
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

NAMES = ["SECRET_8", "SECRET_29", "SECRET_64", "SECRET_200"]
log = logging.getLogger("shop")


@pytest.mark.parametrize("name", NAMES)
def test_assertion(name):
    secret = os.environ[name]
    assert secret == "nope"


@pytest.mark.parametrize("name", NAMES)
def test_exception_repr(name):
    secret = os.environ[name]
    short = reprlib.Repr()
    short.maxstring = 24
    raise RuntimeError(f"login refused for token {short.repr(secret)}")


@pytest.mark.parametrize("name", NAMES)
def test_logs_and_output(name):
    secret = os.environ[name]
    print(f"printed whole: {secret}")
    print(f"printed head: {secret[:12]}...")
    print(f"printed tail: ...{secret[-12:]}")
    print(f"url: https://shop.test/?t={quote(secret, safe='')}")
    print("basic: " + base64.b64encode(f"user:{secret}".encode()).decode())
    sys.stderr.write(f"stderr: {secret[:10]}\\u2026\\n")
    log.warning("warning about %s", secret)
    log.error("error about %s...", secret[:8])
    assert False, f"shown {secret[:14]}...{secret[-14:]}"


def test_artifact():
    folder = Path(os.environ["TESTABLE_ARTIFACTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for name in NAMES:
        secret = os.environ[name]
        lines += [secret, f"{secret[:9]}...", f"...{secret[-9:]}", quote(secret, safe="")]
    (folder / "debug.txt").write_text("\\n".join(lines) + "\\n")
"""
}


@pytest.fixture(scope="session")
def shared_env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("run-envs")
    prepare_environment(tmp_path_factory.mktemp("empty-repo"), cache_dir=cache)
    return cache


@pytest.fixture
def settings_overrides(shared_env_cache: Path) -> dict[str, Any]:
    return {
        "dispatcher": "inprocess",
        "event_bus": "memory",
        "env_cache_dir": shared_env_cache,
        "ws_heartbeat_seconds": 0.5,
    }


def _pieces(secret: str, size: int = 6) -> list[str]:
    """What must not be visible: any 6 characters in a row of the secret, its URL-encoded
    and base64 forms (a 6-character run of random characters does not occur by chance in a
    page of a few dozen KB: about 1 in 10^10 per position)."""
    forms = [secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode()]
    return sorted({form[i : i + size] for form in forms for i in range(len(form) - size + 1)})


def _leaks(values: dict[str, str], text: str) -> dict[str, list[str]]:
    found = {}
    for name, secret in values.items():
        visible = [piece for piece in _pieces(secret) if piece in text]
        if visible:
            found[name] = visible[:5]
    return found


async def _database_text(app: FastAPI) -> str:
    chunks: list[str] = []
    async with app.state.db.session(read_only=True) as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in (await session.execute(select(*columns))).all():
                chunks.append(repr(tuple(row)))
    return "\n".join(chunks)


async def test_no_piece_of_a_secret_reaches_any_surface(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    values = {
        name: "".join(secrets.choice(ALPHABET) for _ in range(length))
        for name, length in LENGTHS.items()
    }
    api = await signed_in_api(client, "leaks@example.com")
    project = await api.project(make_git_repo(tmp_path, SUITE))
    for key, value in values.items():
        response = await client.post(
            f"/api/projects/{project['id']}/envvars",
            json={"key": key, "value": value, "secret": True},
            headers=api.headers,
        )
        assert response.status_code in (200, 201), response.text

    run = await api.start(project["id"])
    detail = await api.wait(run["id"], within=300)
    surfaces: dict[str, str] = {}

    # The suite really printed the secrets (else the test would prove nothing).
    assert detail["status"] == "failed", detail["reason"]
    outcomes = {t["node_id"].split("::")[1]: t["outcome"] for t in detail["tests"]}
    assert outcomes["test_artifact"] == "passed"
    assert sum(o == "failed" for o in outcomes.values()) == 12
    assert any("'***' == 'nope'" in (t["error_message"] or "") for t in detail["tests"])
    assert any("***...***" in (t["error_message"] or "") for t in detail["tests"])

    surfaces["run API"] = (await client.get(f"/api/runs/{run['id']}", headers=api.headers)).text
    runs_list = await client.get(f"/api/projects/{project['id']}/runs", headers=api.headers)
    surfaces["runs list"] = runs_list.text
    events = await api.events(run["id"])
    surfaces["events API"] = repr(events)
    assert any(e["type"] == "output" for e in events)
    for artifact in detail["artifacts"]:
        response = await client.get(
            f"/api/runs/{run['id']}/artifacts/{artifact['id']}", headers=api.headers
        )
        assert response.status_code == 200, artifact
        surfaces[f"artifact {artifact['path']}"] = response.content.decode("utf-8", "replace")
    names = " ".join(surfaces)
    for expected in ("junit", "report", "output.log", "debug.txt"):
        assert expected in names, names

    link = await client.post(f"/api/runs/{run['id']}/report-link", headers=api.headers)
    assert link.status_code == 200, link.text
    page = await client.get(httpx.URL(link.json()["url"]).raw_path.decode())
    assert page.status_code == 200
    surfaces["report page"] = page.text
    share = await client.post(f"/api/runs/{run['id']}/share", headers=api.headers)
    assert share.status_code == 201, share.text
    shared = await client.get(httpx.URL(share.json()["url"]).raw_path.decode())
    assert shared.status_code == 200
    assert "test_assertion" in shared.text
    surfaces["share page"] = shared.text

    with live_api(settings) as base_url:
        messages, close = await watch_run(base_url, run["id"], access_token(api.headers))
    assert close == 1000
    assert events_of(messages) == events
    surfaces["WebSocket backfill"] = repr(messages)

    surfaces["database"] = await _database_text(app)

    leaks = {where: found for where, text in surfaces.items() if (found := _leaks(values, text))}
    assert leaks == {}
