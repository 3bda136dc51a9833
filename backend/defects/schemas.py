"""API shapes of defects."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backend.defects.models import Severity, TrackerChoice

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]


class DefectCreate(BaseModel):
    """File a defect from a failed automated result (``run_test_id``), a failed manual
    result (``manual_result_id``), or by hand (``title`` required)."""

    model_config = ConfigDict(extra="forbid")

    run_test_id: uuid.UUID | None = None
    manual_result_id: uuid.UUID | None = None
    title: Title | None = None
    description: str = Field(default="", max_length=20_000)
    severity: Severity = Severity.MAJOR
    assignee_id: uuid.UUID | None = None
    labels: list[Label] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_source(self) -> DefectCreate:
        if self.run_test_id is not None and self.manual_result_id is not None:
            raise ValueError("give run_test_id or manual_result_id, not both")
        return self


class DefectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    severity: Severity | None = None
    assignee_id: uuid.UUID | None = None
    labels: list[Label] | None = Field(default=None, max_length=20)
    status: Literal["open", "closed"] | None = None


class DefectOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    key: str
    number: int
    title: str
    body: str
    error_message: str | None
    test_node_id: str | None
    source: str
    severity: str
    status: str
    assignee_id: uuid.UUID | None
    github_assignees: list[str]
    labels: list[str]
    milestone_id: uuid.UUID | None
    tracker: str
    repository_full_name: str | None
    issue_number: int | None
    issue_url: str | None
    sync_state: str
    sync_error: str | None
    first_run_id: uuid.UUID | None
    last_failed_run_id: uuid.UUID | None
    last_failed_at: datetime | None
    passing_since_run_id: uuid.UUID | None
    passing_since_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    occurrences: int = 0


class FiledDefect(DefectOut):
    """``linked``: the failure was linked to this open defect (same test, similar error)
    instead of filing a new one."""

    linked: bool


class DefectPage(BaseModel):
    items: list[DefectOut]
    total: int


class OccurrenceOut(BaseModel):
    run_id: uuid.UUID | None
    run_test_id: uuid.UUID | None
    outcome: str
    error_message: str | None
    at: datetime
    run_status: str | None
    branch: str | None
    commit_sha: str | None


class DefectDetail(DefectOut):
    runs: list[OccurrenceOut]


class DefectSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracker: TrackerChoice
    default_labels: list[Label] = Field(default_factory=list, max_length=20)


class DefectSettingsOut(BaseModel):
    tracker: TrackerChoice
    default_labels: list[str]
    github_available: bool
    repository_full_name: str | None
