"""Finished runs written straight into the database (the executor is tested elsewhere)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from backend.kit.time import utcnow
from backend.runs.models import Run, RunArtifact, RunTest

SECRET = "tok-9f8e7d6c5b4a"

FAILING_TRACEBACK = f"""    def test_checkout(page):
        page.goto(BASE_URL)
>       assert page.title() == "Shop", "login with {SECRET} failed"
E       AssertionError: login with {SECRET} failed

tests/test_shop.py:27: AssertionError"""

STEPS = [
    {
        "kind": "act",
        "instruction": "click the buy button",
        "decision": "cache_hit",
        "confidence": 96.0,
        "duration_ms": 12.0,
        "selector": "[data-testid=buy]",
        "resolver_calls": 0,
    }
]


@dataclass(frozen=True)
class TestSpec:
    __test__ = False

    node_id: str
    outcome: str
    traceback: str | None = None
    error_message: str | None = None
    steps: list[dict[str, Any]] | None = None


DEFAULT_TESTS = (
    TestSpec("tests/test_shop.py::test_add", "passed", steps=STEPS),
    TestSpec(
        "tests/test_shop.py::test_checkout",
        "failed",
        traceback=FAILING_TRACEBACK,
        error_message=f"AssertionError: login with {SECRET} failed",
    ),
)


async def finished_run(
    app: FastAPI,
    project_id: str | uuid.UUID,
    *,
    status: str = "failed",
    tests: tuple[TestSpec, ...] = DEFAULT_TESTS,
    workflow_id: uuid.UUID | None = None,
    age: timedelta = timedelta(0),
) -> uuid.UUID:
    finished = utcnow() - age
    async with app.state.db.session() as session:
        run = Run(
            project_id=uuid.UUID(str(project_id)),
            trigger="manual",
            branch="main",
            commit_sha="0123456789abcdef0123456789abcdef01234567",
            status=status,
            reason="1 test failed" if status == "failed" else None,
            selection={},
            options={},
            started_at=finished - timedelta(seconds=42),
            finished_at=finished,
            duration=42.0,
            total=len(tests),
            passed=sum(t.outcome == "passed" for t in tests),
            failed=sum(t.outcome == "failed" for t in tests),
            cache_stats={"steps": 1, "cache_hits": 1, "hit_rate": 1.0, "resolver_calls": 0},
        )
        if workflow_id is not None:
            run.workflow_id = workflow_id
        session.add(run)
        await session.flush()
        for spec in tests:
            session.add(
                RunTest(
                    run_id=run.id,
                    node_id=spec.node_id,
                    outcome=spec.outcome,
                    duration=1.5,
                    error_message=spec.error_message,
                    traceback=spec.traceback,
                    steps=spec.steps or [],
                )
            )
        return run.id


async def add_artifact(
    app: FastAPI,
    run_id: uuid.UUID,
    name: str,
    data: bytes,
    *,
    kind: str,
    content_type: str,
) -> uuid.UUID:
    root: Path = app.state.settings.artifacts_dir
    path = root / str(run_id) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    async with app.state.db.session() as session:
        artifact = RunArtifact(
            run_id=run_id,
            kind=kind,
            path=str(path.relative_to(root)),
            content_type=content_type,
            size=len(data),
        )
        session.add(artifact)
        await session.flush()
        return artifact.id


async def add_secret(app: FastAPI, project_id: str, key: str, value: str) -> None:
    from backend.envvars.models import EnvVar
    from backend.envvars.service import encrypt

    async with app.state.db.session() as session:
        session.add(
            EnvVar(
                project_id=uuid.UUID(project_id),
                key=key,
                value_encrypted=encrypt(app.state.keyring, value),
                is_secret=True,
            )
        )
