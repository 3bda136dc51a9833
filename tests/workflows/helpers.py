"""Workflows through the real api, and a dispatcher that records jobs instead of running
them (for tests about *which* runs are queued, not about executing them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backend.outbox import Job
from tests.runs.helpers import Api


async def create_workflow(
    api: Api, repository_id: str, name: str = "e2e", expected: int = 201, **body: Any
) -> dict[str, Any]:
    response = await api.client.post(
        f"/api/repositories/{repository_id}/workflows",
        json={"name": name, **body},
        headers=api.headers,
    )
    assert response.status_code == expected, response.text
    workflow: dict[str, Any] = response.json()
    return workflow


@dataclass
class RecordingDispatcher:
    jobs: list[Job] = field(default_factory=list)

    def enqueue(self, job: Job) -> None:
        self.jobs.append(job)

    def revoke(self, task_id: str) -> None:
        return None
