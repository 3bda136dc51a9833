"""Projects with failed runs, and filing defects from their results through the api."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from tests.reports.helpers import TestSpec, finished_run
from tests.repositories.helpers import github_repository
from tests.runs.helpers import Api, make_git_repo

CHECKOUT = "tests/test_shop.py::test_checkout"
STEPS = [
    {"kind": "act", "instruction": "open the shop", "decision": "cache_hit"},
    {"kind": "act", "instruction": "click the checkout button", "decision": "resolver"},
]


def failing(error: str, node_id: str = CHECKOUT) -> TestSpec:
    return TestSpec(
        node_id,
        "failed",
        traceback=(
            f"    def test():\n>       assert False\nE       {error}\n\n"
            "tests/test_shop.py:9: AssertionError"
        ),
        error_message=error,
        steps=STEPS,
    )


def passing(node_id: str = CHECKOUT) -> TestSpec:
    return TestSpec(node_id, "passed")


async def local_project(api: Api, tmp_path: Path, name: str = "shop") -> dict[str, Any]:
    return await api.project(make_git_repo(tmp_path / name, {"README.md": "hi\n"}), name)


async def github_project(api: Api, tmp_path: Path) -> dict[str, Any]:
    """A project whose repository is octo/shop on the fake GitHub, with the PAT."""
    repository = await github_repository(api, tmp_path)
    project = await api.client.get(f"/api/projects/{repository['project_id']}", headers=api.headers)
    assert project.status_code == 200, project.text
    result: dict[str, Any] = project.json()
    return result


async def run_with(app: FastAPI, project_id: str, *tests: TestSpec) -> uuid.UUID:
    status = "failed" if any(t.outcome == "failed" for t in tests) else "passed"
    return await finished_run(app, project_id, status=status, tests=tests)


async def result_id(api: Api, run_id: uuid.UUID, node_id: str = CHECKOUT) -> str:
    run = await api.client.get(f"/api/runs/{run_id}", headers=api.headers)
    assert run.status_code == 200, run.text
    return str(next(t["id"] for t in run.json()["tests"] if t["node_id"] == node_id))


async def file(api: Api, project_id: str, expected: int = 201, **body: Any) -> dict[str, Any]:
    response = await api.client.post(
        f"/api/projects/{project_id}/defects", json=body, headers=api.headers
    )
    assert response.status_code == expected, response.text
    filed: dict[str, Any] = response.json()
    return filed


async def defect(api: Api, defect_id: str) -> dict[str, Any]:
    response = await api.client.get(f"/api/defects/{defect_id}", headers=api.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def qa_objects(app: FastAPI, project_id: str) -> dict[str, str]:
    """A local defect and a milestone of the project, for the security table
    (tests/security/test_cross_org.py): ``defect_id`` and ``milestone_id``."""
    from backend.defects.models import Defect
    from backend.milestones.models import Milestone

    async with app.state.db.session() as session:
        defect = Defect(project_id=uuid.UUID(project_id), number=1, title="Broken checkout")
        milestone = Milestone(project_id=uuid.UUID(project_id), name="Sprint 1")
        session.add_all([defect, milestone])
        await session.flush()
        return {"defect_id": str(defect.id), "milestone_id": str(milestone.id)}
