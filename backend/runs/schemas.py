"""Request and response shapes of the runs api (and of the messages on its WebSockets)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.execution.sandbox import outside_checkout, reserved_variable
from backend.runs.states import RunState


class Trigger(StrEnum):
    MANUAL = "manual"
    PUSH = "push"
    PULL_REQUEST = "pull_request"
    SCHEDULE = "schedule"


def _not_an_option(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip():
            raise ValueError("must not be blank")
        if value.startswith("-"):
            raise ValueError(f"{value!r} is an option, not a test path or node id")
        # Another repository's suite must not run with this project's variables; the
        # worker checks again on the checked-out files (symbolic links).
        if (reason := outside_checkout(value)) is not None:
            raise ValueError(reason)
    return values


class Selection(BaseModel):
    """Which tests: paths and node ids (relative to the repository), -m and -k."""

    test_paths: list[str] = Field(default_factory=list, max_length=200)
    markers: str | None = Field(default=None, max_length=500)
    keyword: str | None = Field(default=None, max_length=500)
    node_ids: list[str] = Field(default_factory=list, max_length=5000)

    @field_validator("test_paths", "node_ids", mode="after")
    @classmethod
    def _paths(cls, values: list[str]) -> list[str]:
        return _not_an_option(values)


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RunOptions(BaseModel):
    """How: time limit (seconds), pytest-xdist workers, re-runs of failed tests, the
    dependency file to install (default: requirements*.txt, else pyproject.toml), and
    ``env``: plain, NON-SECRET test configuration for the test process (a base URL, a
    feature flag). It is stored and shown as given; secrets belong in the project's
    encrypted environment variables, never here."""

    timeout: float | None = Field(default=None, gt=0)
    parallel: int | None = Field(default=None, ge=1, le=32)
    retries: int = Field(default=0, ge=0, le=5)
    dependency_file: str | None = Field(default=None, max_length=500)
    env: dict[str, str] = Field(
        default_factory=dict,
        max_length=100,
        description="Non-secret environment variables for the test process (stored in clear).",
    )

    @field_validator("env", mode="after")
    @classmethod
    def _env(cls, values: dict[str, str]) -> dict[str, str]:
        for name, value in values.items():
            if not _ENV_NAME.match(name) or len(name) > 200:
                raise ValueError(f"{name!r} is not an environment variable name")
            # The runner's own names and those that change how Python, pytest or the
            # loader start: one list, backend.execution.sandbox (SECURITY.md lists it).
            if (reason := reserved_variable(name)) is not None:
                raise ValueError(reason)
            if len(value) > 10_000 or "\x00" in value:
                raise ValueError(f"the value of {name} is too long or holds a NUL byte")
        return values


class RunCreate(BaseModel):
    branch: str | None = Field(default=None, max_length=255)
    commit: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{7,40}$")
    selection: Selection = Field(default_factory=Selection)
    options: RunOptions = Field(default_factory=RunOptions)


class RunCounts(BaseModel):
    total: int
    passed: int
    failed: int
    errors: int
    skipped: int
    flaky: int


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    trigger: Trigger
    branch: str | None
    commit_sha: str | None
    pr_number: int | None
    status: RunState
    reason: str | None
    selection: dict[str, Any]
    options: dict[str, Any]
    rerun_of_id: uuid.UUID | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None
    total: int
    passed: int
    failed: int
    errors: int
    skipped: int
    flaky: int
    cache_stats: dict[str, Any]
    worker: str | None
    heartbeat_at: datetime | None
    cancel_requested: bool
    attempts: int  # times a worker took the run (2 after a re-queue)
    pinned: bool
    last_seq: int


class TestResultOut(BaseModel):
    __test__ = False
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    node_id: str
    outcome: str
    duration: float
    error_message: str | None
    traceback: str | None
    retries: int
    flaky: bool
    steps: list[Any]


class ArtifactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    path: str
    content_type: str
    size: int
    download_url: str = ""


class RunDetail(RunOut):
    tests: list[TestResultOut]
    artifacts: list[ArtifactOut]
    started_by: str | None = Field(
        default=None,
        description="The e-mail of who started it (null for webhooks, schedules, a deleted "
        "account).",
    )


class RunPage(BaseModel):
    items: list[RunOut]
    total: int
    limit: int
    offset: int


class EventOut(BaseModel):
    run_id: uuid.UUID
    project_id: uuid.UUID
    seq: int
    type: str
    data: dict[str, Any]
    ts: float


class PinBody(BaseModel):
    pinned: bool
